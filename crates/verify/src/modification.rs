//! Layer 5: modification analysis of incremental updates made after a signature.
//!
//! Deny by default. Each update is compared object by object with the revision before it; every
//! object that changed must be explained by a whitelisted rule (DSS/VRI, new signature fields and
//! their values, form filling, annotations), and every new object must be new in the sense that
//! nothing in the earlier revision referred to it (otherwise defining it later changes what the
//! signed revision shows: the "dangling reference" shadow attack). DocMDP and FieldMDP locks of
//! signatures made before an update restrict what the rules may accept.

use std::collections::{BTreeSet, HashMap, HashSet};

use ecert_pdf::{Dictionary, Document, Field, ObjId, Object, Value, XrefEntry};

use crate::policy::ModificationPolicy;
use crate::report::ModificationLevel;

/// The verdict on one incremental update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateVerdict {
    pub level: ModificationLevel,
    /// Human-readable violations naming the objects concerned; empty when permitted.
    pub violations: Vec<String>,
}

/// Caches the verdict per update so that documents with many signatures analyse each update once.
pub struct Analyzer<'d, 'a> {
    doc: &'d Document<'a>,
    policy: &'d ModificationPolicy,
    verdicts: HashMap<usize, UpdateVerdict>,
}

/// Upper bound on objects walked when collecting references (DSS reachability, earlier references).
const MAX_WALK: usize = 200_000;

impl<'d, 'a> Analyzer<'d, 'a> {
    pub fn new(doc: &'d Document<'a>, policy: &'d ModificationPolicy) -> Self {
        Analyzer { doc, policy, verdicts: HashMap::new() }
    }

    /// Combined verdict for every update after revision `signed`.
    pub fn after(&mut self, signed: usize) -> UpdateVerdict {
        let mut level = ModificationLevel::None;
        let mut violations = Vec::new();
        for k in (signed + 1)..=self.doc.latest() {
            let v = self.update(k);
            level = combine(level, v.level);
            violations.extend(v.violations.iter().map(|s| format!("revision {k}: {s}")));
        }
        if !violations.is_empty() {
            level = ModificationLevel::Disallowed;
        }
        UpdateVerdict { level, violations }
    }

    fn update(&mut self, k: usize) -> UpdateVerdict {
        if let Some(v) = self.verdicts.get(&k) {
            return v.clone();
        }
        let verdict = match UpdateCheck::run(self.doc, self.policy, k) {
            Ok(v) => v,
            Err(e) => UpdateVerdict {
                level: ModificationLevel::Disallowed,
                violations: vec![format!("update could not be analysed: {e}")],
            },
        };
        self.verdicts.insert(k, verdict.clone());
        verdict
    }
}

fn rank(level: ModificationLevel) -> u8 {
    match level {
        ModificationLevel::None | ModificationLevel::NotAnalysed => 0,
        ModificationLevel::LtaUpdates => 1,
        ModificationLevel::SignatureAdditions => 2,
        ModificationLevel::FormFilling => 3,
        ModificationLevel::Annotations => 4,
        ModificationLevel::Disallowed => 5,
    }
}

fn combine(a: ModificationLevel, b: ModificationLevel) -> ModificationLevel {
    if rank(b) > rank(a) { b } else { a }
}

/// Span-insensitive equality of two parsed values (stream data compared byte for byte).
fn same_value(doc: &Document<'_>, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(doc, &p.value, &q.value))
        }
        (Value::Dictionary(x), Value::Dictionary(y)) => same_dict(doc, x, y),
        (Value::Stream(x), Value::Stream(y)) => {
            same_dict(doc, &x.dict, &y.dict) && doc.stream_raw(x) == doc.stream_raw(y)
        }
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

fn same_dict(doc: &Document<'_>, x: &Dictionary, y: &Dictionary) -> bool {
    changed_keys(doc, x, y).is_empty()
}

/// Keys whose values differ between two dictionaries (present in one only, or different).
fn changed_keys(doc: &Document<'_>, old: &Dictionary, new: &Dictionary) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    for e in &old.entries {
        match new.get(&e.key) {
            Some(v) if same_value(doc, &e.value.value, &v.value) => {}
            _ => {
                out.insert(e.key.clone());
            }
        }
    }
    for e in &new.entries {
        if !old.contains(&e.key) {
            out.insert(e.key.clone());
        }
    }
    out
}

fn key_list(keys: &BTreeSet<Vec<u8>>) -> String {
    keys.iter().map(|k| format!("/{}", String::from_utf8_lossy(k))).collect::<Vec<_>>().join(" ")
}

/// Every reference appearing inside a value.
fn collect_refs(value: &Value, out: &mut Vec<ObjId>) {
    match value {
        Value::Reference(id) => out.push(*id),
        Value::Array(items) => items.iter().for_each(|o| collect_refs(&o.value, out)),
        Value::Dictionary(d) => d.entries.iter().for_each(|e| collect_refs(&e.value.value, out)),
        Value::Stream(s) => s.dict.entries.iter().for_each(|e| collect_refs(&e.value.value, out)),
        _ => {}
    }
}

fn refs_of(obj: Option<&Object>) -> Vec<ObjId> {
    let mut out = Vec::new();
    if let Some(o) = obj {
        collect_refs(&o.value, &mut out);
    }
    out
}

/// A changed object: its old and new value.
struct Change {
    id: ObjId,
    old: Value,
    new: Value,
}

/// Permissions in force for one update.
struct Permissions {
    /// DocMDP P of a certification made before the update (None: not certified).
    docmdp: Option<u8>,
    /// Fully qualified names of fields locked by FieldMDP (signature /Reference or field /Lock).
    locked: HashSet<String>,
    lock_all: bool,
}

impl Permissions {
    fn is_locked(&self, name: &str) -> bool {
        self.lock_all || self.locked.contains(name)
    }
}

/// Facts about the revision before an update.
struct Before {
    catalog: ObjId,
    acroform: Option<ObjId>,
    fields_array: Option<ObjId>,
    dss_objects: HashSet<ObjId>,
    fields: HashMap<ObjId, Field>,
    pages: HashSet<ObjId>,
    annots_arrays: HashSet<ObjId>,
    info: Option<ObjId>,
    metadata: Option<ObjId>,
}

struct UpdateCheck<'d, 'a> {
    doc: &'d Document<'a>,
    policy: &'d ModificationPolicy,
    prev: usize,
    cur: usize,
    before: Before,
    perms: Permissions,
    level: ModificationLevel,
    violations: Vec<String>,
    referrers: Option<HashMap<u32, Vec<String>>>,
}

type PdfResult<T> = Result<T, ecert_pdf::PdfError>;

impl<'d, 'a> UpdateCheck<'d, 'a> {
    fn run(doc: &'d Document<'a>, policy: &'d ModificationPolicy, k: usize) -> PdfResult<UpdateVerdict> {
        let prev = k.checked_sub(1).ok_or_else(|| ecert_pdf::PdfError::Structure("no revision before 0".into()))?;
        let before = Before::read(doc, prev)?;
        let perms = permissions(doc, prev, &before)?;
        let mut check = UpdateCheck {
            doc,
            policy,
            prev,
            cur: k,
            before,
            perms,
            level: ModificationLevel::None,
            violations: Vec::new(),
            referrers: None,
        };
        check.check_trailer()?;
        let (changes, new_objects) = check.diff()?;
        check.check_new_objects(&new_objects)?;
        for change in &changes {
            check.explain(change)?;
        }
        let level = if check.violations.is_empty() { check.level } else { ModificationLevel::Disallowed };
        Ok(UpdateVerdict { level, violations: check.violations })
    }

    fn violation(&mut self, msg: String) {
        self.violations.push(msg);
    }

    fn permit(&mut self, level: ModificationLevel) {
        self.level = combine(self.level, level);
    }

    fn check_trailer(&mut self) -> PdfResult<()> {
        let (root, _) = self.doc.catalog(self.cur)?;
        if root != self.before.catalog {
            self.violation(format!("trailer /Root moved from {} to {root}", self.before.catalog));
        }
        Ok(())
    }

    /// Objects redefined by revision `cur` that differ from their previous version, and objects it
    /// defines for the first time.
    fn diff(&mut self) -> PdfResult<(Vec<Change>, Vec<ObjId>)> {
        let rev = self.doc.revision(self.cur)?;
        let mut changes = Vec::new();
        let mut new_objects = Vec::new();
        for (&num, entry) in &rev.entries {
            let old_entry = self.doc.xref_entry(self.prev, num)?.map(|(_, e)| e);
            let old_id = match old_entry {
                Some(XrefEntry::InFile { generation, .. }) => Some(ObjId::new(num, generation)),
                Some(XrefEntry::InObjectStream { .. }) => Some(ObjId::new(num, 0)),
                Some(XrefEntry::Free { .. }) | None => None,
            };
            let old = match old_id {
                Some(id) => self.doc.object_in(self.prev, id)?,
                None => None,
            };
            let new_id = match entry {
                XrefEntry::InFile { generation, .. } => ObjId::new(num, *generation),
                XrefEntry::InObjectStream { .. } => ObjId::new(num, 0),
                XrefEntry::Free { .. } => {
                    if let Some(old) = old {
                        self.violation(format!("object {} deleted", old.id));
                    }
                    continue;
                }
            };
            let new = self.doc.object_in(self.cur, new_id)?;
            match (old, new) {
                (Some(o), Some(n)) if same_value(self.doc, &o.object.value, &n.object.value) => {}
                (Some(o), Some(n)) => changes.push(Change { id: n.id, old: o.object.value, new: n.object.value }),
                (Some(o), None) => self.violation(format!("object {} replaced by an unreadable definition", o.id)),
                (None, Some(n)) => {
                    // Cross-reference streams and object streams are containers of this update.
                    let container = n
                        .object
                        .value
                        .as_stream()
                        .is_some_and(|s| matches!(s.dict.get_name(b"Type"), Some(b"XRef") | Some(b"ObjStm")));
                    if !container {
                        new_objects.push(n.id);
                    }
                }
                (None, None) => {}
            }
        }
        Ok((changes, new_objects))
    }

    /// Who refers to each object number in the earlier revision ("trailer" or an object id).
    /// Built once per update, on first use.
    fn referrers(&mut self) -> PdfResult<&HashMap<u32, Vec<String>>> {
        if self.referrers.is_none() {
            let mut index: HashMap<u32, Vec<String>> = HashMap::new();
            for e in &self.doc.trailer(self.prev)?.entries {
                let mut refs = Vec::new();
                collect_refs(&e.value.value, &mut refs);
                for r in refs {
                    index.entry(r.num).or_default().push(format!("trailer /{}", String::from_utf8_lossy(&e.key)));
                }
            }
            let mut seen = HashSet::new();
            for r in self.doc.revisions().iter().take(self.prev + 1) {
                for &num in r.entries.keys() {
                    if !seen.insert(num) {
                        continue;
                    }
                    if seen.len() > MAX_WALK {
                        return Err(ecert_pdf::PdfError::TooManyObjects { limit: MAX_WALK });
                    }
                    let id = match self.doc.xref_entry(self.prev, num)?.map(|(_, e)| e) {
                        Some(XrefEntry::InFile { generation, .. }) => ObjId::new(num, generation),
                        Some(XrefEntry::InObjectStream { .. }) => ObjId::new(num, 0),
                        _ => continue,
                    };
                    let Some(obj) = self.doc.object_in(self.prev, id)? else { continue };
                    for target in refs_of(Some(&obj.object)) {
                        index.entry(target.num).or_default().push(obj.id.to_string());
                    }
                }
            }
            self.referrers = Some(index);
        }
        Ok(self.referrers.get_or_insert_with(HashMap::new))
    }

    /// A new object must not be referenced by anything in the earlier revision: if it were, the
    /// signed revision showed "nothing" (null) there and the update now shows something.
    fn check_new_objects(&mut self, new_objects: &[ObjId]) -> PdfResult<()> {
        if new_objects.is_empty() {
            return Ok(());
        }
        let mut found = Vec::new();
        let index = self.referrers()?;
        for id in new_objects {
            if let Some(from) = index.get(&id.num) {
                found.push(format!(
                    "object {id} is defined by the update but was already referenced by {} (shadowed content)",
                    from.join(", ")
                ));
            }
        }
        self.violations.extend(found);
        Ok(())
    }

    fn explain(&mut self, change: &Change) -> PdfResult<()> {
        let id = change.id;
        if id == self.before.catalog {
            return self.explain_catalog(change);
        }
        if Some(id) == self.before.acroform {
            return self.explain_acroform(change);
        }
        if Some(id) == self.before.fields_array {
            return self.explain_grown_array(change, "AcroForm /Fields");
        }
        if self.before.dss_objects.contains(&id) {
            if self.policy.allow_dss_updates {
                self.permit(ModificationLevel::LtaUpdates);
            } else {
                self.violation(format!("DSS object {id} changed; the policy forbids DSS updates"));
            }
            return Ok(());
        }
        if let Some(field) = self.before.fields.get(&id).cloned() {
            return self.explain_field(change, &field);
        }
        if self.before.pages.contains(&id) {
            return self.explain_page(change);
        }
        if self.before.annots_arrays.contains(&id) {
            return self.explain_annots(id, &change.old, &change.new);
        }
        if Some(id) == self.before.info {
            // Document information (/Info) is metadata that viewers do not render as content.
            return Ok(());
        }
        if Some(id) == self.before.metadata && is_xmp(&change.new) {
            // The XMP metadata stream is updated by most signing tools; it is not rendered.
            return Ok(());
        }
        self.violation(format!("object {id} ({}) changed", describe(&change.old)));
        Ok(())
    }

    fn explain_catalog(&mut self, change: &Change) -> PdfResult<()> {
        let (Some(old), Some(new)) = (change.old.as_dict(), change.new.as_dict()) else {
            self.violation(format!("catalog {} is no longer a dictionary", change.id));
            return Ok(());
        };
        for key in changed_keys(self.doc, old, new) {
            match key.as_slice() {
                b"DSS" if self.policy.allow_dss_updates => self.permit(ModificationLevel::LtaUpdates),
                // Indirect AcroForm: the dictionary itself is judged as its own change; a direct
                // one is judged here.
                b"AcroForm" => self.explain_acroform_value(old.get(b"AcroForm"), new.get(b"AcroForm"))?,
                b"Extensions" | b"Version" => {}
                b"Metadata"
                    if self
                        .doc
                        .resolve_in(self.cur, new.get(b"Metadata").unwrap_or(&Object::from(Value::Null)))
                        .is_ok_and(|o| is_xmp(&o.value)) => {}
                other => {
                    self.violation(format!("catalog {} entry /{} changed", change.id, String::from_utf8_lossy(other)))
                }
            }
        }
        Ok(())
    }

    fn explain_acroform_value(&mut self, old: Option<&Object>, new: Option<&Object>) -> PdfResult<()> {
        let old_d = self.doc.resolve_dict(self.prev, old)?.unwrap_or_default();
        let new_d = self.doc.resolve_dict(self.cur, new)?.unwrap_or_default();
        self.compare_acroform(&old_d, &new_d, "AcroForm")
    }

    fn explain_acroform(&mut self, change: &Change) -> PdfResult<()> {
        let (Some(old), Some(new)) = (change.old.as_dict(), change.new.as_dict()) else {
            self.violation(format!("AcroForm {} is no longer a dictionary", change.id));
            return Ok(());
        };
        self.compare_acroform(old, new, &format!("AcroForm {}", change.id))
    }

    fn compare_acroform(&mut self, old: &Dictionary, new: &Dictionary, what: &str) -> PdfResult<()> {
        for key in changed_keys(self.doc, old, new) {
            match key.as_slice() {
                b"Fields" => {
                    let old_f = self.doc.resolve_array(self.prev, old.get(b"Fields"))?;
                    let new_f = self.doc.resolve_array(self.cur, new.get(b"Fields"))?;
                    self.check_grown(&old_f, &new_f, &format!("{what} /Fields"))?;
                }
                b"SigFlags" | b"DR" | b"DA" | b"NeedAppearances" => {}
                other => self.violation(format!("{what} entry /{} changed", String::from_utf8_lossy(other))),
            }
        }
        Ok(())
    }

    fn explain_grown_array(&mut self, change: &Change, what: &str) -> PdfResult<()> {
        let (Some(old), Some(new)) = (change.old.as_array(), change.new.as_array()) else {
            self.violation(format!("{what} {} is no longer an array", change.id));
            return Ok(());
        };
        let (old, new) = (old.to_vec(), new.to_vec());
        self.check_grown(&old, &new, what)
    }

    /// The new field list must keep every old entry, and every added entry must be a new
    /// signature field.
    fn check_grown(&mut self, old: &[Object], new: &[Object], what: &str) -> PdfResult<()> {
        let old_refs: HashSet<ObjId> = old.iter().filter_map(|o| o.value.as_reference()).collect();
        let new_refs: HashSet<ObjId> = new.iter().filter_map(|o| o.value.as_reference()).collect();
        if old.iter().any(|o| o.value.as_reference().is_none()) || new.iter().any(|o| o.value.as_reference().is_none())
        {
            self.violation(format!("{what} holds direct objects"));
        }
        for removed in old_refs.difference(&new_refs) {
            self.violation(format!("{what}: field {removed} removed"));
        }
        for added in new_refs.difference(&old_refs) {
            self.check_new_signature_field(*added)?;
        }
        Ok(())
    }

    /// An added field must be a signature field (or a document timestamp field).
    fn check_new_signature_field(&mut self, id: ObjId) -> PdfResult<()> {
        let dict = self.doc.dict_of(self.cur, id)?.unwrap_or_default();
        if dict.get_name(b"FT") != Some(b"Sig") {
            self.violation(format!("new field {id} is not a signature field"));
            return Ok(());
        }
        // Sneaky signature attack: an unsigned signature field only adds an appearance.
        if !dict.contains(b"V") {
            self.violation(format!("new signature field {id} without a signature (appearance only)"));
            return Ok(());
        }
        self.admit_signature_value(id, dict.get(b"V"))
    }

    /// A signature value added to a field: a document timestamp counts as an LTA update, a
    /// signature as a signature addition (forbidden under DocMDP P=1).
    fn admit_signature_value(&mut self, field: ObjId, value: Option<&Object>) -> PdfResult<()> {
        let sig = self.doc.resolve_dict(self.cur, value)?;
        let is_doc_ts = sig.as_ref().is_some_and(|d| {
            d.get_name(b"Type") == Some(b"DocTimeStamp") || d.get_name(b"SubFilter") == Some(b"ETSI.RFC3161")
        });
        if is_doc_ts {
            if self.policy.allow_document_timestamps {
                self.permit(ModificationLevel::LtaUpdates);
            } else {
                self.violation(format!("document timestamp in field {field}; the policy forbids them"));
            }
            return Ok(());
        }
        if !self.policy.allow_new_signatures {
            self.violation(format!("new signature in field {field}; the policy forbids further signatures"));
        } else if self.perms.docmdp == Some(1) {
            self.violation(format!(
                "new signature in field {field}, but the certification (DocMDP P=1) permits no changes"
            ));
        } else {
            self.permit(ModificationLevel::SignatureAdditions);
        }
        Ok(())
    }

    fn explain_field(&mut self, change: &Change, field: &Field) -> PdfResult<()> {
        let name = if field.full_name.is_empty() { change.id.to_string() } else { field.full_name.clone() };
        let (Some(old), Some(new)) = (change.old.as_dict(), change.new.as_dict()) else {
            self.violation(format!("field '{name}' ({}) is no longer a dictionary", change.id));
            return Ok(());
        };
        let keys = changed_keys(self.doc, old, new);
        if keys.contains(b"AP".as_slice()) {
            self.check_appearance_not_shared(change.id, old.get(b"AP"))?;
        }
        let is_sig = field.field_type.as_deref() == Some(b"Sig");
        if is_sig {
            let was_signed = field.value.is_some();
            let allowed: &[&[u8]] = &[b"V", b"AP", b"AS", b"F", b"P", b"MK"];
            let unexpected: BTreeSet<_> = keys.iter().filter(|k| !allowed.contains(&k.as_slice())).cloned().collect();
            if was_signed {
                self.violation(format!("signed signature field '{name}' changed: {}", key_list(&keys)));
            } else if !unexpected.is_empty() {
                self.violation(format!("signature field '{name}' changed beyond its value: {}", key_list(&unexpected)));
            } else if self.perms.is_locked(&name) {
                self.violation(format!("signature field '{name}' is locked by FieldMDP"));
            } else if keys.contains(b"V".as_slice()) {
                self.admit_signature_value(change.id, new.get(b"V"))?;
            } else {
                // Appearance-only change of an empty signature field (done together with signing).
                self.permit(ModificationLevel::SignatureAdditions);
            }
            return Ok(());
        }
        let allowed: &[&[u8]] = &[b"V", b"AP", b"AS", b"MK"];
        let unexpected: BTreeSet<_> = keys.iter().filter(|k| !allowed.contains(&k.as_slice())).cloned().collect();
        if !unexpected.is_empty() {
            self.violation(format!("form field '{name}' ({}) changed: {}", change.id, key_list(&unexpected)));
        } else if !self.policy.allow_form_filling {
            self.violation(format!("form field '{name}' filled; the policy forbids form filling"));
        } else if self.perms.docmdp == Some(1) {
            self.violation(format!(
                "form field '{name}' filled, but the certification (DocMDP P=1) permits no changes"
            ));
        } else if self.perms.is_locked(&name) {
            self.violation(format!("form field '{name}' is locked by FieldMDP"));
        } else {
            self.permit(ModificationLevel::FormFilling);
        }
        Ok(())
    }

    /// Replacing a widget's appearance is only harmless if the old appearance dictionary belonged
    /// to that widget alone; if anything else referred to it, the "appearance update" is a way to
    /// change content elsewhere.
    fn check_appearance_not_shared(&mut self, widget: ObjId, old_ap: Option<&Object>) -> PdfResult<()> {
        let Some(ap) = old_ap.and_then(|o| o.value.as_reference()) else { return Ok(()) };
        let me = widget.to_string();
        let others: Vec<String> = self
            .referrers()?
            .get(&ap.num)
            .map(|v| v.iter().filter(|r| **r != me).cloned().collect())
            .unwrap_or_default();
        if !others.is_empty() {
            self.violation(format!(
                "appearance dictionary {ap} of widget {widget} replaced, but it is also used by {}",
                others.join(", ")
            ));
        }
        Ok(())
    }

    fn explain_page(&mut self, change: &Change) -> PdfResult<()> {
        let (Some(old), Some(new)) = (change.old.as_dict(), change.new.as_dict()) else {
            self.violation(format!("page {} is no longer a dictionary", change.id));
            return Ok(());
        };
        for key in changed_keys(self.doc, old, new) {
            if key.as_slice() == b"Annots" {
                let old_a = Value::Array(self.doc.resolve_array(self.prev, old.get(b"Annots"))?);
                let new_a = Value::Array(self.doc.resolve_array(self.cur, new.get(b"Annots"))?);
                self.explain_annots(change.id, &old_a, &new_a)?;
            } else {
                self.violation(format!("page {} entry /{} changed", change.id, String::from_utf8_lossy(&key)));
            }
        }
        Ok(())
    }

    /// Annotations may only be added: widgets of signature fields, or (DocMDP P=3 or no
    /// certification, and the policy allows it) other annotations.
    fn explain_annots(&mut self, owner: ObjId, old: &Value, new: &Value) -> PdfResult<()> {
        let old_refs: HashSet<ObjId> =
            old.as_array().unwrap_or(&[]).iter().filter_map(|o| o.value.as_reference()).collect();
        let new_refs: Vec<ObjId> =
            new.as_array().unwrap_or(&[]).iter().filter_map(|o| o.value.as_reference()).collect();
        let new_set: HashSet<ObjId> = new_refs.iter().copied().collect();
        for removed in old_refs.difference(&new_set) {
            self.violation(format!("annotation {removed} removed from {owner}"));
        }
        for added in new_refs.iter().filter(|r| !old_refs.contains(r)) {
            let dict = self.doc.dict_of(self.cur, *added)?.unwrap_or_default();
            let is_sig_widget = dict.get_name(b"Subtype") == Some(b"Widget") && self.is_signature_widget(&dict)?;
            if is_sig_widget {
                self.permit(ModificationLevel::SignatureAdditions);
            } else if self.policy.allow_annotations && matches!(self.perms.docmdp, None | Some(3)) {
                self.permit(ModificationLevel::Annotations);
            } else {
                self.violation(format!(
                    "annotation {added} ({}) added to {owner}",
                    dict.get_name(b"Subtype")
                        .map(|s| String::from_utf8_lossy(s).into_owned())
                        .unwrap_or_else(|| "no subtype".into())
                ));
            }
        }
        Ok(())
    }

    fn is_signature_widget(&self, dict: &Dictionary) -> PdfResult<bool> {
        if dict.get_name(b"FT") == Some(b"Sig") {
            return Ok(true);
        }
        Ok(self.doc.resolve_dict(self.cur, dict.get(b"Parent"))?.is_some_and(|p| p.get_name(b"FT") == Some(b"Sig")))
    }
}

impl Before {
    fn read(doc: &Document<'_>, rev: usize) -> PdfResult<Before> {
        let (catalog, cat) = doc.catalog(rev)?;
        let acroform = cat.get(b"AcroForm").and_then(|o| o.value.as_reference());
        let fields_array = doc
            .resolve_dict(rev, cat.get(b"AcroForm"))?
            .and_then(|af| af.get(b"Fields").and_then(|f| f.value.as_reference()));
        let mut dss_objects = HashSet::new();
        if let Some(dss) = cat.get(b"DSS") {
            reachable(doc, rev, dss, &mut dss_objects)?;
        }
        let fields = doc.fields(rev)?.into_iter().filter_map(|f| f.id.map(|id| (id, f))).collect();
        let mut pages = HashSet::new();
        let mut annots_arrays = HashSet::new();
        for page in doc.pages(rev)? {
            pages.insert(page.id);
            if let Some(id) = page.dict.get(b"Annots").and_then(|a| a.value.as_reference()) {
                annots_arrays.insert(id);
            }
        }
        let info = doc.trailer(rev)?.get_ref(b"Info");
        let metadata = cat.get_ref(b"Metadata");
        Ok(Before { catalog, acroform, fields_array, dss_objects, fields, pages, annots_arrays, info, metadata })
    }
}

/// Every indirect object reachable from `start` (bounded).
fn reachable(doc: &Document<'_>, rev: usize, start: &Object, out: &mut HashSet<ObjId>) -> PdfResult<()> {
    let mut stack = refs_of(Some(start));
    while let Some(id) = stack.pop() {
        if out.len() >= MAX_WALK || !out.insert(id) {
            continue;
        }
        if let Some(obj) = doc.object_in(rev, id)? {
            stack.extend(refs_of(Some(&obj.object)));
        }
    }
    Ok(())
}

/// DocMDP level and FieldMDP locks established by the revision before an update.
fn permissions(doc: &Document<'_>, rev: usize, before: &Before) -> PdfResult<Permissions> {
    let docmdp = doc.doc_mdp(rev)?.map(|d| d.permission);
    let mut perms = Permissions { docmdp, locked: HashSet::new(), lock_all: false };
    let names: Vec<String> = before.fields.values().map(|f| f.full_name.clone()).collect();
    for field in before.fields.values() {
        if field.field_type.as_deref() != Some(b"Sig") || field.value.is_none() {
            continue;
        }
        // A signed field's /Lock, and the FieldMDP references of its signature dictionary.
        if let Some(lock) = doc.resolve_dict(rev, field.dict.get(b"Lock"))? {
            apply_lock(&lock, &names, &mut perms);
        }
        let Some(sig) = doc.resolve_dict(rev, field.value.as_ref())? else { continue };
        for reference in doc.resolve_array(rev, sig.get(b"Reference"))? {
            let Some(reference) = doc.resolve_dict(rev, Some(&reference))? else { continue };
            if reference.get_name(b"TransformMethod") != Some(b"FieldMDP") {
                continue;
            }
            if let Some(params) = doc.resolve_dict(rev, reference.get(b"TransformParams"))? {
                apply_lock(&params, &names, &mut perms);
            }
        }
    }
    Ok(perms)
}

/// FieldMDP semantics: /Action /All locks everything, /Include the listed fields, /Exclude all
/// but the listed fields.
fn apply_lock(params: &Dictionary, all_names: &[String], perms: &mut Permissions) {
    let listed: HashSet<String> = params
        .get(b"Fields")
        .and_then(|f| f.value.as_array())
        .unwrap_or(&[])
        .iter()
        .filter_map(|o| o.value.as_string().map(|s| ecert_pdf::text::decode_text_string(&s.bytes)))
        .collect();
    match params.get_name(b"Action") {
        Some(b"Include") => perms.locked.extend(listed),
        Some(b"Exclude") => perms.locked.extend(all_names.iter().filter(|n| !listed.contains(*n)).cloned()),
        // /All, and anything unrecognised, locks everything (fail safe).
        _ => perms.lock_all = true,
    }
}

/// An XMP metadata stream (/Type /Metadata /Subtype /XML).
fn is_xmp(v: &Value) -> bool {
    v.as_stream()
        .is_some_and(|s| s.dict.get_name(b"Type") == Some(b"Metadata") && s.dict.get_name(b"Subtype") == Some(b"XML"))
}

fn describe(v: &Value) -> String {
    match v {
        Value::Dictionary(d) | Value::Stream(ecert_pdf::Stream { dict: d, .. }) => {
            let kind = if matches!(v, Value::Stream(_)) { "stream" } else { "dictionary" };
            match (d.get_name(b"Type"), d.get_name(b"Subtype")) {
                (Some(t), Some(s)) => {
                    format!("{kind} /{} /{}", String::from_utf8_lossy(t), String::from_utf8_lossy(s))
                }
                (Some(t), None) | (None, Some(t)) => format!("{kind} /{}", String::from_utf8_lossy(t)),
                (None, None) => kind.to_string(),
            }
        }
        other => other.kind().to_string(),
    }
}
