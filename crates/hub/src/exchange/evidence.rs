//! Validation data a B-LT signed PDF carries in its Document Security Store. It is copied into the PKI data
//! layer (L4) at push, so the verdict can still be re-examined after the PDF itself has been deleted.

use ecert_pdf::{Document, Object, Value};

/// At most this many items of each kind are kept (the validator reads no more either).
const MAX_ITEMS: usize = 100;
/// An item larger than this is not a certificate, CRL or OCSP response worth keeping.
const MAX_ITEM_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct DssItems {
    pub certs: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
    pub ocsps: Vec<Vec<u8>>,
}

/// The DER items of the newest revision's /DSS; empty when there is none or it cannot be read (the verdict
/// never depends on this copy).
pub(super) fn dss_items(pdf: &[u8]) -> DssItems {
    // The parse is lazy (cross-reference chain only) and the catalog is one object: cheap when there is no DSS.
    let Ok(doc) = Document::parse(pdf) else { return DssItems::default() };
    let rev = doc.latest();
    let Ok((_, catalog)) = doc.catalog(rev) else { return DssItems::default() };
    let Ok(Some(dss)) = doc.resolve_dict(rev, catalog.get(b"DSS")) else { return DssItems::default() };
    let streams = |key: &[u8]| -> Vec<Vec<u8>> {
        doc.resolve_array(rev, dss.get(key))
            .unwrap_or_default()
            .iter()
            .take(MAX_ITEMS)
            .filter_map(|entry: &Object| doc.resolve_in(rev, entry).ok())
            .filter_map(|o| match &o.value {
                Value::Stream(s) => doc.stream_data(s).ok(),
                _ => None,
            })
            .filter(|data| !data.is_empty() && data.len() <= MAX_ITEM_BYTES)
            .collect()
    };
    DssItems { certs: streams(b"Certs"), crls: streams(b"CRLs"), ocsps: streams(b"OCSPs") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_dss_no_items() {
        assert_eq!(dss_items(b"%PDF-1.7 nothing here"), DssItems::default());
        assert_eq!(dss_items(b"%PDF-1.7 /DSS but not a PDF"), DssItems::default());
    }
}
