//! Document-structure helpers: catalog, page tree, AcroForm fields, signature fields and DocMDP.
//! Every walk is protected against reference loops and bounded by the document's limits.

use std::collections::HashSet;

use crate::document::{Document, ObjectLocation};
use crate::error::{PdfError, Result};
use crate::object::{Dictionary, ObjId, Object, Span, Value};
use crate::text::decode_text_string;

/// Page attributes that may be inherited from ancestors in the page tree.
const INHERITABLE: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// A page in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub id: ObjId,
    /// The page dictionary with inherited attributes (/Resources, /MediaBox, /CropBox, /Rotate)
    /// copied in from its ancestors when the page does not set them itself.
    pub dict: Dictionary,
}

impl Page {
    /// The /MediaBox as `[llx, lly, urx, ury]`, normalised so that ll < ur.
    pub fn media_box(&self) -> Option<[f64; 4]> {
        let items = self.dict.get(b"MediaBox")?.value.as_array()?;
        let n: Vec<f64> = items.iter().map(|o| o.value.as_number()).collect::<Option<_>>()?;
        let &[a, b, c, d] = n.as_slice() else {
            return None;
        };
        Some([a.min(c), b.min(d), a.max(c), b.max(d)])
    }
}

/// A node of the AcroForm field tree (a field, or a widget that is merged with or below a field).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// None for a (non-conforming) direct dictionary in /Fields or /Kids.
    pub id: Option<ObjId>,
    pub dict: Dictionary,
    /// Partial names of this node and its ancestors joined with '.'.
    pub full_name: String,
    /// /FT, inherited from ancestors.
    pub field_type: Option<Vec<u8>>,
    /// /V, inherited from ancestors, unresolved.
    pub value: Option<Object>,
    pub parent: Option<ObjId>,
}

/// A signature field and its signature dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureField {
    pub field: Field,
    /// The resolved /V, when the field is signed.
    pub signature: Option<SignatureValue>,
}

/// A signature dictionary (the value of a signature field).
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureValue {
    /// None when /V is a direct dictionary.
    pub id: Option<ObjId>,
    pub dict: Dictionary,
    pub location: Option<ObjectLocation>,
    /// Span of `N G obj ... endobj` for an indirect dictionary stored in the file.
    pub object_span: Option<Span>,
}

/// The document's certification (DocMDP) signature and its permission level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocMdp {
    pub signature: Option<ObjId>,
    /// 1: no changes; 2: form filling and signing; 3: also annotations.
    pub permission: u8,
}

impl Document<'_> {
    /// The catalog (/Root) as of revision `rev`.
    pub fn catalog(&self, rev: usize) -> Result<(ObjId, Dictionary)> {
        let root = self
            .trailer(rev)?
            .get_ref(b"Root")
            .ok_or_else(|| PdfError::Structure("trailer has no /Root reference".into()))?;
        let dict = self
            .dict_of(rev, root)?
            .ok_or_else(|| PdfError::Structure(format!("catalog {root} is not a dictionary")))?;
        Ok((root, dict))
    }

    /// Resolves `id` to a dictionary (or a stream's dictionary) as of revision `rev`.
    pub fn dict_of(&self, rev: usize, id: ObjId) -> Result<Option<Dictionary>> {
        Ok(self.object_in(rev, id)?.and_then(|o| o.object.value.as_dict().cloned()))
    }

    /// Resolves a value that must be a dictionary (directly or by reference); None otherwise.
    pub fn resolve_dict(&self, rev: usize, object: Option<&Object>) -> Result<Option<Dictionary>> {
        match object {
            None => Ok(None),
            Some(o) => Ok(self.resolve_in(rev, o)?.value.as_dict().cloned()),
        }
    }

    /// Resolves a value that must be an array (directly or by reference); empty otherwise.
    pub fn resolve_array(&self, rev: usize, object: Option<&Object>) -> Result<Vec<Object>> {
        match object {
            None => Ok(Vec::new()),
            Some(o) => Ok(self.resolve_in(rev, o)?.value.as_array().map(<[Object]>::to_vec).unwrap_or_default()),
        }
    }

    /// The pages in order as of revision `rev`.
    pub fn pages(&self, rev: usize) -> Result<Vec<Page>> {
        let (_, catalog) = self.catalog(rev)?;
        let root =
            catalog.get_ref(b"Pages").ok_or_else(|| PdfError::Structure("catalog has no /Pages reference".into()))?;
        let mut pages = Vec::new();
        let mut visited = HashSet::new();
        self.walk_pages(rev, root, &Dictionary::new(), 0, &mut visited, &mut pages)?;
        Ok(pages)
    }

    fn walk_pages(
        &self,
        rev: usize,
        id: ObjId,
        inherited: &Dictionary,
        depth: usize,
        visited: &mut HashSet<ObjId>,
        pages: &mut Vec<Page>,
    ) -> Result<()> {
        if depth > self.limits().effective_depth() {
            return Err(PdfError::Structure("page tree is too deep".into()));
        }
        if !visited.insert(id) {
            return Err(PdfError::Structure(format!("page tree loops at {id}")));
        }
        if visited.len() > self.limits().max_objects {
            return Err(PdfError::TooManyObjects { limit: self.limits().max_objects });
        }
        let Some(mut dict) = self.dict_of(rev, id)? else {
            return Err(PdfError::Structure(format!("page tree node {id} is not a dictionary")));
        };
        let mut carried = inherited.clone();
        for key in INHERITABLE {
            if let Some(value) = dict.get(key) {
                carried.set(key, value.clone());
            } else if let Some(value) = inherited.get(key) {
                dict.set(key, value.clone());
            }
        }
        match dict.get_name(b"Type") {
            Some(b"Pages") => {
                for kid in self.resolve_array(rev, dict.get(b"Kids"))? {
                    let kid_id = kid
                        .value
                        .as_reference()
                        .ok_or_else(|| PdfError::Structure(format!("/Kids of {id} holds a {}", kid.value.kind())))?;
                    self.walk_pages(rev, kid_id, &carried, depth + 1, visited, pages)?;
                }
                Ok(())
            }
            // Pages missing /Type are common enough to accept as leaves.
            Some(b"Page") | None => {
                pages.push(Page { id, dict });
                Ok(())
            }
            Some(other) => {
                Err(PdfError::Structure(format!("page tree node {id} has /Type /{}", String::from_utf8_lossy(other))))
            }
        }
    }

    /// The /AcroForm dictionary as of revision `rev`, if any.
    pub fn acroform(&self, rev: usize) -> Result<Option<Dictionary>> {
        let (_, catalog) = self.catalog(rev)?;
        self.resolve_dict(rev, catalog.get(b"AcroForm"))
    }

    /// Every node of the field tree (/AcroForm /Fields and their /Kids), depth first.
    pub fn fields(&self, rev: usize) -> Result<Vec<Field>> {
        let Some(acroform) = self.acroform(rev)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut visited = HashSet::new();
        let root = Field {
            id: None,
            dict: Dictionary::new(),
            full_name: String::new(),
            field_type: None,
            value: None,
            parent: None,
        };
        for entry in self.resolve_array(rev, acroform.get(b"Fields"))? {
            self.walk_field(rev, &entry, &root, 0, &mut visited, &mut out)?;
        }
        Ok(out)
    }

    fn walk_field(
        &self,
        rev: usize,
        entry: &Object,
        parent: &Field,
        depth: usize,
        visited: &mut HashSet<ObjId>,
        out: &mut Vec<Field>,
    ) -> Result<()> {
        if depth > self.limits().effective_depth() {
            return Err(PdfError::Structure("field tree is too deep".into()));
        }
        let id = entry.value.as_reference();
        if let Some(id) = id
            && !visited.insert(id)
        {
            return Err(PdfError::Structure(format!("field tree loops at {id}")));
        }
        if out.len() >= self.limits().max_objects {
            return Err(PdfError::TooManyObjects { limit: self.limits().max_objects });
        }
        let Some(dict) = self.resolve_dict(rev, Some(entry))? else {
            return Ok(());
        };
        let partial = dict.get(b"T").and_then(|t| t.value.as_string()).map(|s| decode_text_string(&s.bytes));
        let full_name = match (&partial, parent.full_name.is_empty()) {
            (Some(p), true) => p.clone(),
            (Some(p), false) => format!("{}.{p}", parent.full_name),
            (None, _) => parent.full_name.clone(),
        };
        let field = Field {
            id,
            full_name,
            field_type: dict.get_name(b"FT").map(<[u8]>::to_vec).or_else(|| parent.field_type.clone()),
            value: dict.get(b"V").cloned().or_else(|| parent.value.clone()),
            parent: parent.id,
            dict,
        };
        let kids = self.resolve_array(rev, field.dict.get(b"Kids"))?;
        out.push(field.clone());
        for kid in kids {
            self.walk_field(rev, &kid, &field, depth + 1, visited, out)?;
        }
        Ok(())
    }

    /// Signature fields (/FT /Sig) that carry a name, with their resolved /V.
    pub fn signature_fields(&self, rev: usize) -> Result<Vec<SignatureField>> {
        let mut out = Vec::new();
        for field in self.fields(rev)? {
            // Widgets below a signature field repeat its value; report each field once.
            if field.field_type.as_deref() != Some(b"Sig") || !field.dict.contains(b"T") {
                continue;
            }
            let signature = match field.dict.get(b"V") {
                None => None,
                Some(v) => self.signature_value(rev, v)?,
            };
            out.push(SignatureField { field, signature });
        }
        Ok(out)
    }

    /// Resolves a signature field's /V to its dictionary with location information.
    pub fn signature_value(&self, rev: usize, value: &Object) -> Result<Option<SignatureValue>> {
        match &value.value {
            Value::Reference(id) => Ok(self.object_in(rev, *id)?.and_then(|loaded| {
                let dict = loaded.object.value.as_dict()?.clone();
                Some(SignatureValue { id: Some(*id), dict, location: Some(loaded.location), object_span: loaded.span })
            })),
            Value::Dictionary(dict) => {
                Ok(Some(SignatureValue { id: None, dict: dict.clone(), location: None, object_span: None }))
            }
            _ => Ok(None),
        }
    }

    /// The DocMDP certification as of revision `rev`: catalog /Perms /DocMDP, whose signature's
    /// /Reference holds a /TransformMethod /DocMDP entry with /TransformParams /P (default 2).
    pub fn doc_mdp(&self, rev: usize) -> Result<Option<DocMdp>> {
        let (_, catalog) = self.catalog(rev)?;
        let Some(perms) = self.resolve_dict(rev, catalog.get(b"Perms"))? else {
            return Ok(None);
        };
        let Some(sig_entry) = perms.get(b"DocMDP") else {
            return Ok(None);
        };
        let signature = sig_entry.value.as_reference();
        let Some(sig) = self.resolve_dict(rev, Some(sig_entry))? else {
            return Ok(None);
        };
        for reference in self.resolve_array(rev, sig.get(b"Reference"))? {
            let Some(reference) = self.resolve_dict(rev, Some(&reference))? else {
                continue;
            };
            if reference.get_name(b"TransformMethod") != Some(b"DocMDP") {
                continue;
            }
            let params = self.resolve_dict(rev, reference.get(b"TransformParams"))?;
            let p = params.and_then(|p| p.get_int(b"P")).unwrap_or(2);
            // Values outside 1..=3 are invalid; treat them as the strictest level rather than guess.
            let permission = u8::try_from(p).ok().filter(|p| (1..=3).contains(p)).unwrap_or(1);
            return Ok(Some(DocMdp { signature, permission }));
        }
        // A /DocMDP entry without a usable reference still certifies the document; assume the default.
        Ok(Some(DocMdp { signature, permission: 2 }))
    }
}
