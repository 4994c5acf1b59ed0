//! B-LT: the Document Security Store (ISO 32000-2, 12.8.4.3) added in its own incremental update.

use crate::document::Document;
use crate::error::Result;
use crate::object::{Dictionary, Object};
use crate::writer::IncrementalUpdate;

/// Validation data to embed: DER certificates, CRLs and OCSP responses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DssData {
    pub certs: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
    pub ocsps: Vec<Vec<u8>>,
}

/// Appends an update that adds (or extends) the catalog's /DSS with one stream per item.
pub fn append_dss(pdf: &[u8], data: &DssData) -> Result<Vec<u8>> {
    let doc = Document::parse(pdf)?;
    let rev = doc.latest();
    let (catalog_id, mut catalog) = doc.catalog(rev)?;
    let mut dss = doc.resolve_dict(rev, catalog.get(b"DSS"))?.unwrap_or_default();
    let mut update = IncrementalUpdate::new(&doc);
    for (key, items) in [(&b"Certs"[..], &data.certs), (b"CRLs", &data.crls), (b"OCSPs", &data.ocsps)] {
        if items.is_empty() {
            continue;
        }
        let mut refs = doc.resolve_array(rev, dss.get(key))?;
        for item in items {
            refs.push(update.add_stream(Dictionary::new(), item.clone()).into());
        }
        dss.set(key, Object::from(refs));
    }
    dss.set(b"Type", Object::name(b"DSS"));
    let dss_id = update.add(dss);
    catalog.set(b"DSS", dss_id);
    update.set(catalog_id, catalog);
    Ok(update.finish().bytes)
}
