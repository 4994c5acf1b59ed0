//! Modification analysis on certified (DocMDP) and FieldMDP-locked documents: EAA (evil
//! annotation), SSA (sneaky signature), form filling and locks. The documents are written by hand
//! (the signer does not certify); the analysis is run directly on revision 0 as "the signed
//! revision", which is what the validator does for a signature covering it.

use ecert_pdf::Document;
use ecert_verify::modification::Analyzer;
use ecert_verify::policy::ValidationPolicy;
use ecert_verify::report::ModificationLevel;

/// A tiny PDF writer: numbered objects, a classic xref table per revision.
struct MiniPdf {
    bytes: Vec<u8>,
    last_xref: Option<usize>,
    size: u32,
}

impl MiniPdf {
    fn new(objects: &[(u32, &str)]) -> Self {
        let mut pdf = MiniPdf { bytes: b"%PDF-1.7\n".to_vec(), last_xref: None, size: 0 };
        pdf.revision(objects);
        pdf
    }

    /// Append objects (new or redefined) as one revision with its own xref and trailer.
    fn revision(&mut self, objects: &[(u32, &str)]) -> &mut Self {
        let mut offsets = Vec::new();
        for (num, body) in objects {
            offsets.push((*num, self.bytes.len()));
            self.bytes.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
            self.size = self.size.max(num + 1);
        }
        let xref = self.bytes.len();
        let mut table = String::from("xref\n");
        if self.last_xref.is_none() {
            table.push_str("0 1\n0000000000 65535 f \n");
        }
        for (num, off) in &offsets {
            table.push_str(&format!("{num} 1\n{off:010} 00000 n \n"));
        }
        let prev = self.last_xref.map(|p| format!(" /Prev {p}")).unwrap_or_default();
        table.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R{prev} >>\nstartxref\n{xref}\n%%EOF\n", self.size));
        self.bytes.extend_from_slice(table.as_bytes());
        self.last_xref = Some(xref);
        self
    }
}

const CERT_SIG: &str = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Contents <00> /ByteRange [0 1 2 3] /Reference [ << /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P {P} /V /1.2 >> >> ] >>";

/// A certified one-page document with a text field "Name" and a signed certification field.
fn certified(p: u8) -> MiniPdf {
    let sig = CERT_SIG.replace("{P}", &p.to_string());
    MiniPdf::new(&[
        (1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Perms << /DocMDP 7 0 R >> >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Annots [6 0 R 8 0 R] >>"),
        (4, "<< /Length 0 >>\nstream\n\nendstream"),
        (5, "<< /Fields [6 0 R 8 0 R] /SigFlags 3 >>"),
        (6, "<< /FT /Tx /T (Name) /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R >>"),
        (7, &sig),
        (8, "<< /FT /Sig /T (Cert) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R /V 7 0 R >>"),
    ])
}

fn analyse(pdf: &MiniPdf, policy: &ValidationPolicy) -> (ModificationLevel, Vec<String>) {
    let doc = Document::parse(&pdf.bytes).expect("parse");
    let mut analyzer = Analyzer::new(&doc, &policy.modifications);
    let v = analyzer.after(0);
    (v.level, v.violations)
}

fn strict() -> ValidationPolicy {
    ValidationPolicy::default()
}

fn fill_name(pdf: &mut MiniPdf) {
    pdf.revision(&[(6, "<< /FT /Tx /T (Name) /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R /V (Alice) >>")]);
}

fn add_signature(pdf: &mut MiniPdf, with_value: bool) {
    let v = if with_value { " /V 10 0 R" } else { "" };
    pdf.revision(&[
        (9, &format!("<< /FT /Sig /T (Approval) /Type /Annot /Subtype /Widget /Rect [0 0 100 100] /P 3 0 R{v} /AP << /N 11 0 R >> >>")),
        (10, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Contents <00> /ByteRange [0 1 2 3] >>"),
        (11, "<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Length 0 >>\nstream\n\nendstream"),
        (5, "<< /Fields [6 0 R 8 0 R 9 0 R] /SigFlags 3 >>"),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Annots [6 0 R 8 0 R 9 0 R] >>"),
    ]);
}

fn add_free_text(pdf: &mut MiniPdf) {
    pdf.revision(&[
        (12, "<< /Type /Annot /Subtype /FreeText /Rect [0 0 200 200] /Contents (forged) >>"),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Annots [6 0 R 8 0 R 12 0 R] >>"),
    ]);
}

#[test]
fn no_update_is_no_modification() {
    assert_eq!(analyse(&certified(2), &strict()), (ModificationLevel::None, vec![]));
}

#[test]
fn p2_permits_form_filling_and_new_signatures() {
    let mut pdf = certified(2);
    fill_name(&mut pdf);
    assert_eq!(analyse(&pdf, &strict()).0, ModificationLevel::FormFilling);
    let mut pdf = certified(2);
    add_signature(&mut pdf, true);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::SignatureAdditions, "{violations:?}");
}

#[test]
fn p1_forbids_form_filling_and_signatures() {
    let mut pdf = certified(1);
    fill_name(&mut pdf);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::Disallowed);
    assert!(violations.iter().any(|v| v.contains("DocMDP P=1")), "{violations:?}");
    let mut pdf = certified(1);
    add_signature(&mut pdf, true);
    assert_eq!(analyse(&pdf, &strict()).0, ModificationLevel::Disallowed);
}

#[test]
fn eaa_annotation_on_certified_document_is_rejected() {
    for p in [1, 2, 3] {
        let mut pdf = certified(p);
        add_free_text(&mut pdf);
        let (level, violations) = analyse(&pdf, &strict());
        assert_eq!(level, ModificationLevel::Disallowed, "P={p}");
        assert!(violations.iter().any(|v| v.contains("annotation")), "{violations:?}");
    }
}

#[test]
fn annotations_need_p3_and_a_permissive_policy() {
    let permissive = ValidationPolicy::permissive_annotations();
    let mut pdf = certified(3);
    add_free_text(&mut pdf);
    assert_eq!(analyse(&pdf, &permissive).0, ModificationLevel::Annotations);
    let mut pdf = certified(2);
    add_free_text(&mut pdf);
    assert_eq!(analyse(&pdf, &permissive).0, ModificationLevel::Disallowed);
}

#[test]
fn ssa_signature_field_without_signature_is_rejected() {
    let mut pdf = certified(2);
    add_signature(&mut pdf, false);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::Disallowed);
    assert!(violations.iter().any(|v| v.contains("without a signature")), "{violations:?}");
}

#[test]
fn field_mdp_lock_is_enforced() {
    let sig = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /Contents <00> /ByteRange [0 1 2 3] /Reference [ << /TransformMethod /FieldMDP /TransformParams << /Action /Include /Fields [(Name)] >> >> ] >>";
    let base = |sig: &str| {
        MiniPdf::new(&[
            (1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>"),
            (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Annots [6 0 R 8 0 R] >>"),
            (4, "<< /Length 0 >>\nstream\n\nendstream"),
            (5, "<< /Fields [6 0 R 8 0 R] /SigFlags 3 >>"),
            (6, "<< /FT /Tx /T (Name) /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /P 3 0 R >>"),
            (7, sig),
            (8, "<< /FT /Sig /T (Approval) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R /V 7 0 R >>"),
        ])
    };
    let mut locked = base(sig);
    fill_name(&mut locked);
    let (level, violations) = analyse(&locked, &strict());
    assert_eq!(level, ModificationLevel::Disallowed);
    assert!(violations.iter().any(|v| v.contains("locked by FieldMDP")), "{violations:?}");

    let mut unlocked = base(&sig.replace("/Include", "/Exclude"));
    fill_name(&mut unlocked);
    assert_eq!(analyse(&unlocked, &strict()).0, ModificationLevel::FormFilling);
}

#[test]
fn changing_a_signed_signature_dictionary_or_page_content_is_rejected() {
    let mut pdf = certified(2);
    pdf.revision(&[(7, &CERT_SIG.replace("{P}", "3"))]);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::Disallowed, "{violations:?}");

    let mut pdf = certified(3);
    pdf.revision(&[(4, "<< /Length 10 >>\nstream\n0 0 m 1 1 l\nendstream")]);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::Disallowed);
    assert!(violations.iter().any(|v| v.contains("4 0 R")), "{violations:?}");
}

#[test]
fn catalog_additions_and_moved_root_are_rejected() {
    let mut pdf = certified(2);
    pdf.revision(&[(1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Perms << /DocMDP 7 0 R >> /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>")]);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::Disallowed);
    assert!(violations.iter().any(|v| v.contains("/OpenAction")), "{violations:?}");
}

#[test]
fn dss_addition_is_an_lta_update() {
    let mut pdf = certified(1);
    pdf.revision(&[
        (13, "<< /Certs [] >>"),
        (1, "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Perms << /DocMDP 7 0 R >> /DSS 13 0 R >>"),
    ]);
    let (level, violations) = analyse(&pdf, &strict());
    assert_eq!(level, ModificationLevel::LtaUpdates, "{violations:?}");
}
