//! The locales and templates are embedded at compile time; a new file in either directory must rebuild the crate
//! (changes to existing files are tracked by the embedding macros themselves).
fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=templates");
}
