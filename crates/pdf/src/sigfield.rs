//! Adds a signature field to an incremental update: an invisible widget on the first page, listed
//! in the page's /Annots and the AcroForm's /Fields, with /SigFlags 3 (signatures exist, append only).

use crate::document::Document;
use crate::error::{PdfError, Result};
use crate::object::{Dictionary, ObjId, Object, Value};
use crate::text::encode_text_string;
use crate::writer::IncrementalUpdate;

/// Widget flags: Print (4) + Locked (128), as PAdES signers conventionally set on invisible signatures.
const WIDGET_FLAGS: i64 = 132;
/// SignaturesExist (1) + AppendOnly (2).
const SIG_FLAGS: i64 = 3;

/// A field name that no existing field uses: `requested` if given (an error if taken), else `Signature<n>`.
pub(crate) fn choose_field_name(doc: &Document<'_>, requested: Option<&str>) -> Result<String> {
    let taken: Vec<String> = doc.fields(doc.latest())?.into_iter().map(|f| f.full_name).collect();
    if let Some(name) = requested {
        if taken.iter().any(|t| t == name) {
            return Err(PdfError::FieldExists(name.to_string()));
        }
        return Ok(name.to_string());
    }
    (1..=taken.len() + 1)
        .map(|n| format!("Signature{n}"))
        .find(|candidate| !taken.contains(candidate))
        .ok_or_else(|| PdfError::Structure("no free signature field name".into()))
}

/// Adds the field (merged with its widget) whose value is `signature`, and returns the field's id.
pub(crate) fn add_signature_field(
    doc: &Document<'_>,
    update: &mut IncrementalUpdate<'_, '_>,
    name: &str,
    signature: ObjId,
) -> Result<ObjId> {
    let rev = doc.latest();
    let page_id = doc.pages(rev)?.first().map(|p| p.id).ok_or(PdfError::NoPages)?;
    let mut widget = Dictionary::new();
    widget.set(b"Type", Object::name(b"Annot"));
    widget.set(b"Subtype", Object::name(b"Widget"));
    widget.set(b"FT", Object::name(b"Sig"));
    widget.set(b"T", Object::string(&encode_text_string(name)));
    widget.set(b"V", signature);
    widget.set(b"F", Object::from(WIDGET_FLAGS));
    widget.set(b"Rect", Object::from(vec![0.into(), 0.into(), 0.into(), 0.into()]));
    widget.set(b"P", page_id);
    let widget_id = update.add(widget);

    // The raw page object, not the one with inherited attributes applied, so only /Annots changes.
    let mut page =
        doc.dict_of(rev, page_id)?.ok_or_else(|| PdfError::Structure(format!("page {page_id} is not a dictionary")))?;
    append_to_array_entry(doc, update, &mut page, b"Annots", widget_id)?;
    update.set(page_id, page);

    let (catalog_id, mut catalog) = doc.catalog(rev)?;
    match catalog.get(b"AcroForm").map(|o| o.value.clone()) {
        Some(Value::Reference(form_id)) => {
            let mut form = doc.dict_of(rev, form_id)?.unwrap_or_default();
            extend_form(doc, update, &mut form, widget_id)?;
            update.set(form_id, form);
        }
        Some(Value::Dictionary(mut form)) => {
            extend_form(doc, update, &mut form, widget_id)?;
            catalog.set(b"AcroForm", Object::from(form));
            update.set(catalog_id, catalog);
        }
        _ => {
            let mut form = Dictionary::new();
            extend_form(doc, update, &mut form, widget_id)?;
            let form_id = update.add(form);
            catalog.set(b"AcroForm", form_id);
            update.set(catalog_id, catalog);
        }
    }
    Ok(widget_id)
}

fn extend_form(
    doc: &Document<'_>,
    update: &mut IncrementalUpdate<'_, '_>,
    form: &mut Dictionary,
    field: ObjId,
) -> Result<()> {
    append_to_array_entry(doc, update, form, b"Fields", field)?;
    let flags = form.get_int(b"SigFlags").unwrap_or(0) | SIG_FLAGS;
    form.set(b"SigFlags", Object::from(flags));
    Ok(())
}

/// Appends `item` to the array at `dict[key]`: in place when the array is direct, by rewriting the
/// array object when it is indirect (so the containing dictionary stays unchanged).
fn append_to_array_entry(
    doc: &Document<'_>,
    update: &mut IncrementalUpdate<'_, '_>,
    dict: &mut Dictionary,
    key: &[u8],
    item: ObjId,
) -> Result<()> {
    match dict.get(key).map(|o| o.value.clone()) {
        Some(Value::Reference(array_id)) => {
            let mut items = match update.pending(array_id) {
                Some(pending) => pending.value.as_array().map(<[Object]>::to_vec).unwrap_or_default(),
                None => doc.resolve_array(doc.latest(), Some(&Object::from(array_id)))?,
            };
            items.push(item.into());
            update.set(array_id, Object::from(items));
        }
        Some(Value::Array(mut items)) => {
            items.push(item.into());
            dict.set(key, Object::from(items));
        }
        _ => dict.set(key, Object::from(vec![item.into()])),
    }
    Ok(())
}
