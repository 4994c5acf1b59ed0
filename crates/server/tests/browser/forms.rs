//! The CAB's upload form, filled the way a person would (dates through script: a date input's typing format
//! depends on the browser's locale).

use crate::browser::Browser;
use crate::documents::{HS_CODE, today};
use std::path::Path;

pub const UPLOAD: &str = "/portal/documents/new";

/// Metadata of a test report within the demo CAB's scope (HS 8471.30, to Uzbekistan).
pub struct UploadForm<'a> {
    pub number: &'a str,
    pub hs_codes: &'a str,
    pub file: &'a Path,
}

impl<'a> UploadForm<'a> {
    pub fn new(number: &'a str, file: &'a Path) -> Self {
        Self { number, hs_codes: HS_CODE, file }
    }

    /// Fills the form on the current page (the upload page) without submitting it.
    pub async fn fill(&self, b: &Browser) {
        assert!(b.has("form#upload").await, "not the upload page: {}", b.path().await);
        b.choose_file("input#pdf", self.file).await;
        b.fill("#document_number", self.number).await;
        b.select("select#document_type", "TR").await;
        b.fill("#hs_codes", self.hs_codes).await;
        b.fill("#product_description", "Portable automatic data-processing machines").await;
        b.set_value("#issue_date", &today().to_string()).await;
        b.set_value("#valid_until", &(today() + time::Duration::days(365)).to_string()).await;
        b.select("select#destination_country", "UZ").await;
        b.fill("#applicant", "Almaty Electronics LLP").await;
        b.fill("#manufacturer", "Almaty Electronics LLP").await;
        b.fill("#standards", "IEC 62368-1:2023").await;
    }

    /// Opens the upload page, fills it and submits it.
    pub async fn submit(&self, b: &Browser) {
        b.goto(UPLOAD).await;
        self.fill(b).await;
        b.click_and_wait("button#upload-submit").await;
    }
}

/// The document numbers listed on the CAB's documents page.
pub async fn listed_documents(b: &Browser) -> Vec<String> {
    b.goto("/portal/documents").await;
    let mut numbers = Vec::new();
    for row in b.find_all("tr[data-document-number]").await {
        numbers.push(row.attr("data-document-number").await.unwrap().unwrap_or_default());
    }
    numbers
}
