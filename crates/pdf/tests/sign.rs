//! Signing: byte-range coverage, CMS validity, multiple signatures, B-T, B-LT and refusals.

mod common;

use common::{Fixture, basic_objects};
use ecert_pdf::dss::DssData;
use ecert_pdf::samples::{DocumentKind, SampleDocument, generate};
use ecert_pdf::sign::{SignOptions, sign_pdf};
use ecert_pdf::{Document, PdfError, XrefKind};
use ecert_pki::DigestAlgorithm;
use ecert_pki::cms::SignedData;
use ecert_pki::testpki::{TestPki, TestSigner};

fn pki() -> &'static TestPki {
    TestPki::shared().unwrap()
}

fn sample() -> Vec<u8> {
    generate(&SampleDocument::example(DocumentKind::ConformityCertificate))
}

/// One signature as found in the document, checked for coverage and cryptographic validity.
struct Checked {
    range: [usize; 4],
    cms: SignedData,
}

/// Checks every signature of `pdf`: /ByteRange [0 a b c] with the gap exactly the parsed /Contents
/// string, coverage of the file or of an earlier revision, digest and signature verification.
fn check_signatures(pdf: &[u8]) -> Vec<Checked> {
    let doc = Document::parse(pdf).unwrap();
    let mut out = Vec::new();
    for field in doc.signature_fields(doc.latest()).unwrap() {
        let sig = field.signature.expect("signed field");
        let sig_object = doc.object(sig.id.unwrap()).unwrap().unwrap();
        let dict = sig_object.object.value.as_dict().unwrap();
        let range: Vec<usize> = dict
            .get(b"ByteRange")
            .unwrap()
            .value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.value.as_int().unwrap() as usize)
            .collect();
        let range: [usize; 4] = range.try_into().unwrap();
        let contents = dict.get(b"Contents").unwrap();
        assert_eq!(range[0], 0);
        assert_eq!(range[1], contents.span.start, "gap starts at the /Contents string");
        assert_eq!(range[2], contents.span.end, "gap ends after the /Contents string");
        let covered_end = range[2] + range[3];
        assert!(
            doc.revisions().iter().any(|r| r.end == covered_end),
            "coverage ends at a revision boundary ({covered_end})"
        );
        assert_eq!(dict.get_name(b"SubFilter"), Some(&b"ETSI.CAdES.detached"[..]));
        let cms = SignedData::parse_padded(&contents.value.as_string().unwrap().bytes).unwrap();
        let [si] = cms.signer_infos() else { panic!("one SignerInfo") };
        let alg = DigestAlgorithm::from_oid(&si.digest_algorithm().oid).unwrap();
        let mut hasher = alg.hasher();
        hasher.update(&pdf[..range[1]]);
        hasher.update(&pdf[range[2]..covered_end]);
        si.check_content_digest(&hasher.finish()).unwrap();
        let signer = si.find_signer_certificate(cms.certificates()).unwrap();
        si.verify_signature(signer).unwrap();
        out.push(Checked { range, cms });
    }
    out
}

#[test]
fn signature_covers_whole_file_except_contents() {
    let identity = pki().signer(TestSigner::ValidRsa);
    let mut options = SignOptions::new(&identity.credentials);
    options.reason = Some("Certified conformity".into());
    options.location = Some("Almaty".into());
    options.contact_info = Some("cab@example.kz".into());
    let original = sample();
    let signed = sign_pdf(&original, &options).unwrap();
    assert_eq!(&signed[..original.len()], &original[..], "original bytes untouched");
    let checked = check_signatures(&signed);
    assert_eq!(checked.len(), 1);
    assert_eq!(checked[0].range[2] + checked[0].range[3], signed.len());
    let doc = Document::parse(&signed).unwrap();
    assert_eq!(doc.revisions().len(), 2);
    let form = doc.acroform(1).unwrap().unwrap();
    assert_eq!(form.get_int(b"SigFlags"), Some(3));
    let field = &doc.signature_fields(1).unwrap()[0];
    assert_eq!(field.field.full_name, "Signature1");
    assert_eq!(field.field.dict.get_int(b"F"), Some(132));
    let sig = &field.signature.as_ref().unwrap().dict;
    assert_eq!(sig.get(b"Reason").unwrap().value.as_string().unwrap().bytes, b"Certified conformity");
    assert!(sig.get(b"M").unwrap().value.as_string().unwrap().bytes.starts_with(b"D:20"));
    let page = doc.pages(1).unwrap().remove(0);
    assert_eq!(page.dict.get(b"Annots").unwrap().value.as_array().unwrap().len(), 1);
}

#[test]
fn second_signature_keeps_the_first_valid() {
    let options_rsa = SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials);
    let once = sign_pdf(&sample(), &options_rsa).unwrap();
    let options_ec = SignOptions::new(&pki().signer(TestSigner::ValidEcP256).credentials);
    let twice = sign_pdf(&once, &options_ec).unwrap();
    assert_eq!(&twice[..once.len()], &once[..]);
    let checked = check_signatures(&twice);
    assert_eq!(checked.len(), 2);
    let doc = Document::parse(&twice).unwrap();
    assert_eq!(doc.revisions().len(), 3);
    let first_end = checked[0].range[2] + checked[0].range[3];
    assert_eq!(first_end, doc.revisions()[1].end, "first signature covers exactly its revision");
    assert_eq!(first_end, once.len());
    assert_eq!(checked[1].range[2] + checked[1].range[3], twice.len());
    let names: Vec<String> = doc.signature_fields(2).unwrap().into_iter().map(|f| f.field.full_name).collect();
    assert_eq!(names, ["Signature1", "Signature2"]);
}

#[test]
fn ec_pss_and_sha384_variants() {
    for (signer, digest, pss) in [
        (TestSigner::ValidEcP256, DigestAlgorithm::Sha256, false),
        (TestSigner::ValidEcP384, DigestAlgorithm::Sha384, false),
        (TestSigner::ValidRsa, DigestAlgorithm::Sha512, true),
    ] {
        let mut options = SignOptions::new(&pki().signer(signer).credentials);
        options.digest = digest;
        options.pss = pss;
        let signed = sign_pdf(&sample(), &options).unwrap();
        let checked = check_signatures(&signed);
        let si = &checked[0].cms.signer_infos()[0];
        assert_eq!(DigestAlgorithm::from_oid(&si.digest_algorithm().oid).unwrap(), digest);
    }
}

#[test]
fn timestamped_signature_carries_a_token() {
    let tsa = pki().test_tsa();
    let mut options = SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials);
    options.tsa = Some(tsa.as_ref());
    let signed = sign_pdf(&sample(), &options).unwrap();
    let checked = check_signatures(&signed);
    let tokens = checked[0].cms.signer_infos()[0].signature_timestamp_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
}

#[test]
fn ltv_adds_a_dss_update_after_the_signature() {
    let p = pki();
    let identity = p.signer(TestSigner::ValidRsa);
    let mut options = SignOptions::new(&identity.credentials);
    options.ltv = Some(DssData {
        certs: vec![p.ca.certificate.der().to_vec(), p.root_certificate().der().to_vec()],
        crls: vec![p.crl().der().to_vec()],
        ocsps: vec![identity.ocsp.der().to_vec()],
    });
    let signed = sign_pdf(&sample(), &options).unwrap();
    let doc = Document::parse(&signed).unwrap();
    assert_eq!(doc.revisions().len(), 3);
    let checked = check_signatures(&signed);
    assert_eq!(checked[0].range[2] + checked[0].range[3], doc.revisions()[1].end, "signature covers its revision only");
    let (_, catalog) = doc.catalog(2).unwrap();
    let dss = doc.resolve_dict(2, catalog.get(b"DSS")).unwrap().unwrap();
    let certs = doc.resolve_array(2, dss.get(b"Certs")).unwrap();
    assert_eq!(certs.len(), 2);
    let first = doc.resolve(&certs[0]).unwrap();
    assert_eq!(doc.stream_data(first.value.as_stream().unwrap()).unwrap(), p.ca.certificate.der());
    assert_eq!(doc.resolve_array(2, dss.get(b"CRLs")).unwrap().len(), 1);
    assert_eq!(doc.resolve_array(2, dss.get(b"OCSPs")).unwrap().len(), 1);
}

#[test]
fn signs_documents_with_xref_streams() {
    let mut f = Fixture::new();
    f.objstm(5, &[(1, "<< /Type /Catalog /Pages 2 0 R >>"), (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")]);
    f.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots 4 0 R >>");
    f.obj(4, "[]");
    f.xref_stream(6, true, "");
    let signed = sign_pdf(&f.bytes, &SignOptions::new(&pki().signer(TestSigner::ValidEcP256).credentials)).unwrap();
    let doc = Document::parse(&signed).unwrap();
    assert_eq!(doc.revisions()[1].kind, XrefKind::Stream, "update keeps the stream syntax");
    let annots = doc.object(ecert_pdf::ObjId::new(4, 0)).unwrap().unwrap();
    assert_eq!(annots.object.value.as_array().unwrap().len(), 1, "indirect /Annots array is extended in place");
    assert_eq!(check_signatures(&signed).len(), 1);
}

#[test]
fn refuses_encrypted_non_pdf_and_certified_documents() {
    let options = SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials);
    assert!(matches!(sign_pdf(b"not a pdf at all", &options), Err(PdfError::NotPdf)));

    let mut f = Fixture::new();
    basic_objects(&mut f);
    f.obj(9, "<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>");
    f.xref_table("/Encrypt 9 0 R");
    assert!(matches!(sign_pdf(&f.bytes, &options), Err(PdfError::Encrypted)));

    let mut f = Fixture::new();
    f.obj(1, "<< /Type /Catalog /Pages 2 0 R /Perms << /DocMDP 5 0 R >> >>");
    f.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    f.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>");
    f.obj(5, "<< /Type /Sig /Reference [<< /TransformMethod /DocMDP /TransformParams << /P 1 >> >>] >>");
    f.xref_table("");
    let err = sign_pdf(&f.bytes, &options).unwrap_err();
    assert!(matches!(err, PdfError::DocMdpNoChanges));
    assert!(!err.to_string().contains('\n'), "one-line message");

    let truncated = &sample()[..200];
    assert!(sign_pdf(truncated, &options).is_err());
}

#[test]
fn too_small_reservation_is_enlarged_not_truncated() {
    let tsa = pki().test_tsa();
    let mut options = SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials);
    options.tsa = Some(tsa.as_ref());
    options.reserved_signature_len = Some(64);
    let signed = sign_pdf(&sample(), &options).unwrap();
    let checked = check_signatures(&signed);
    assert_eq!(checked[0].cms.signer_infos()[0].signature_timestamp_tokens().unwrap().len(), 1);
    let gap = checked[0].range[2] - checked[0].range[1];
    assert!(gap > 2 * 64 + 2, "the placeholder grew beyond the reservation");
}

#[test]
fn refuses_taken_field_names_and_oversized_signatures() {
    let once = sign_pdf(&sample(), &SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials)).unwrap();
    let mut options = SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials);
    options.field_name = Some("Signature1".into());
    assert!(matches!(sign_pdf(&once, &options), Err(PdfError::FieldExists(name)) if name == "Signature1"));
    let mut options = SignOptions::new(&pki().signer(TestSigner::ValidRsa).credentials);
    options.max_signature_len = 100;
    assert!(matches!(sign_pdf(&once, &options), Err(PdfError::SignatureTooLarge { limit: 100, .. })));
}
