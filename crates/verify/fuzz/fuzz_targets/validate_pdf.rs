//! Whole-engine fuzz target: any byte sequence must give a report, never a panic or a hang.
#![no_main]

use ecert_verify::{TrustContext, ValidationPolicy, validate_pdf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).ok();
    let report = validate_pdf(data, &ValidationPolicy::default(), &TrustContext::empty(), at);
    // Without anchors nothing can pass; a pass here would be a verdict bug.
    assert_ne!(report.document.indication, ecert_verify::Indication::TotalPassed);
});
