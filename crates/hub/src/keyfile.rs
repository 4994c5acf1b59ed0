//! Secret key files in the data directory (the audit log key, the webhook key): created once with mode 0600,
//! loaded on every later start.

use std::io::{Read, Write};
use std::path::Path;

/// Largest key file read; every key the hub keeps is well under this.
const MAX_KEY_FILE: u64 = 4 * 1024;

/// Reads the key at `path`, or writes `generate()` there if there is none. Returns the bytes and whether they
/// were created now. The file is created with `create_new`, so when two processes start at once only one
/// writes, and the other loads its key.
pub(crate) fn load_or_create(
    path: &Path,
    generate: impl FnOnce() -> std::io::Result<Vec<u8>>,
) -> std::io::Result<(Vec<u8>, bool)> {
    match read(path) {
        Ok(bytes) => return Ok((bytes, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let bytes = generate()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(&bytes)?;
            file.sync_all()?;
            Ok((bytes, true))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((read(path)?, false)),
        Err(e) => Err(e),
    }
}

fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "key file is readable by others");
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "file is too large for a key"));
    }
    if bytes.is_empty() {
        // A crash between create and write leaves an empty file; refuse it rather than run with no key.
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "key file is empty"));
    }
    Ok(bytes)
}
