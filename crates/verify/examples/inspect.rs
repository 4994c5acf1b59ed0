//! Print the validation report of a PDF: `cargo run -p ecert-verify --example inspect -- FILE [--json]`.

use ecert_verify::{TrustContext, ValidationPolicy, validate_pdf};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: inspect FILE.pdf [--json]");
        std::process::exit(64);
    };
    let json = args.any(|a| a == "--json");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(66);
        }
    };
    let report = validate_pdf(&bytes, &ValidationPolicy::default(), &TrustContext::empty(), None);
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{report}");
    }
    std::process::exit(report.exit_code());
}
