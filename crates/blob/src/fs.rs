//! The filesystem backend. One file per blob, named by its key, holding a fixed header (magic, SHA-256,
//! size) followed by the content: digest and content live in one file, so they are replaced atomically
//! together and a truncated file is told apart from a short blob.
//!
//! A put writes the file unnamed, fsyncs it, hard-links it to its final name (atomic, and refuses to replace
//! an existing blob) and fsyncs the directory. On Linux the unnamed file is an `O_TMPFILE` inode, given its
//! name by one `linkat`: one directory operation per put, and a crash leaves nothing behind. Elsewhere (or on a
//! filesystem without `O_TMPFILE`) it is a temp file (`.tmp-<uuid>`, a name no key can take) that is linked and
//! then removed; a crash leaves at worst that stray file, which [`FsBlobStore::remove_stale_temp_files`] cleans
//! up. Either way a crash leaves either no blob or the complete blob.

use crate::digest::{DigestedBytes, Sha256Digest};
use crate::error::{BlobError, Result};
use crate::key::BlobKey;
use crate::{BlobInfo, BlobReceipt, BlobStore, BlobStream, ReadOptions, checked_stream};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

const MAGIC: &[u8; 8] = b"ECBLOB01";
const HEADER_LEN: u64 = 8 + 32 + 8;
const TEMP_PREFIX: &str = ".tmp-";
const READ_CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct FsBlobStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    max_blob_size: u64,
}

struct Header {
    sha256: Sha256Digest,
    size: u64,
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN as usize] {
        let mut out = [0u8; HEADER_LEN as usize];
        out[..8].copy_from_slice(MAGIC);
        out[8..40].copy_from_slice(&self.sha256.0);
        out[40..].copy_from_slice(&self.size.to_be_bytes());
        out
    }

    fn decode(key: &BlobKey, raw: &[u8; HEADER_LEN as usize], file_len: u64) -> Result<Self> {
        let corrupted = |reason: &str| BlobError::Corrupted { key: key.to_string(), reason: reason.to_owned() };
        let (magic, rest) = raw.split_at(8);
        let (digest, size) = rest.split_at(32);
        if magic != MAGIC {
            return Err(corrupted("the blob header is missing or unknown"));
        }
        let mut sha = [0u8; 32];
        sha.copy_from_slice(digest);
        let mut size_be = [0u8; 8];
        size_be.copy_from_slice(size);
        let size = u64::from_be_bytes(size_be);
        if HEADER_LEN.checked_add(size) != Some(file_len) {
            return Err(corrupted(&format!(
                "the file holds {} content bytes but {size} were recorded",
                file_len.saturating_sub(HEADER_LEN)
            )));
        }
        Ok(Self { sha256: Sha256Digest(sha), size })
    }
}

impl FsBlobStore {
    /// Opens (creating it if needed) a cache directory.
    pub fn open(dir: impl Into<PathBuf>, max_blob_size: u64) -> Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(BlobError::io("create", &dir))?;
            // A blob's durability rests on its directory's entry being durable too.
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                sync_dir(parent)?;
            }
        }
        Ok(Self { inner: Arc::new(Inner { dir, max_blob_size }) })
    }

    /// The default location: `data_dir/cache`.
    pub fn under_data_dir(data_dir: &Path, max_blob_size: u64) -> Result<Self> {
        Self::open(data_dir.join("cache"), max_blob_size)
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The file holding `key`; exposed so operators and crash tests can inspect it.
    pub fn path_of(&self, key: &BlobKey) -> PathBuf {
        self.inner.dir.join(key.as_str())
    }

    /// Removes temp files left by writes interrupted before `cutoff` (a crash mid-put). Returns how many.
    pub async fn remove_stale_temp_files(&self, cutoff: OffsetDateTime) -> Result<usize> {
        let inner = self.inner.clone();
        blocking(move || {
            let mut removed = 0;
            for entry in read_dir(&inner.dir)? {
                let (path, name, modified) = entry?;
                if name.starts_with(TEMP_PREFIX) && modified < cutoff {
                    std::fs::remove_file(&path).map_err(BlobError::io("remove", &path))?;
                    removed += 1;
                }
            }
            if removed > 0 {
                sync_dir(&inner.dir)?;
            }
            Ok(removed)
        })
        .await
    }

    async fn open_blob(&self, key: &BlobKey) -> Result<(tokio::fs::File, Header, OffsetDateTime)> {
        let path = self.path_of(key);
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(BlobError::NotFound(key.to_string())),
            Err(e) => return Err(BlobError::io("open", &path)(e)),
        };
        let meta = file.metadata().await.map_err(BlobError::io("stat", &path))?;
        let mut raw = [0u8; HEADER_LEN as usize];
        if meta.len() < HEADER_LEN {
            return Err(BlobError::Corrupted {
                key: key.to_string(),
                reason: "the file is shorter than its header".into(),
            });
        }
        file.read_exact(&mut raw).await.map_err(BlobError::io("read", &path))?;
        let header = Header::decode(key, &raw, meta.len())?;
        let stored_at = meta.modified().map_err(BlobError::io("stat", &path))?.into();
        Ok((file, header, stored_at))
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn put_digested(&self, key: &BlobKey, content: DigestedBytes) -> Result<BlobReceipt> {
        let size = content.len();
        if size > self.inner.max_blob_size {
            return Err(BlobError::TooLarge { key: key.to_string(), size, limit: self.inner.max_blob_size });
        }
        let inner = self.inner.clone();
        let key = key.clone();
        blocking(move || inner.put_durably(&key, &content)).await
    }

    async fn get_stream(&self, key: &BlobKey, options: ReadOptions) -> Result<BlobStream> {
        let (mut file, header, _) = self.open_blob(key).await?;
        if header.size > options.max_size {
            return Err(BlobError::TooLarge { key: key.to_string(), size: header.size, limit: options.max_size });
        }
        let path = self.path_of(key);
        file.seek(std::io::SeekFrom::Start(HEADER_LEN)).await.map_err(BlobError::io("seek", &path))?;
        let chunks = file_chunks(file.take(header.size), path);
        let chunks = checked_stream(key.clone(), options.verify.then_some(header.sha256), header.size, chunks);
        Ok(BlobStream { size: header.size, sha256: header.sha256, chunks })
    }

    async fn info(&self, key: &BlobKey) -> Result<BlobInfo> {
        let (_, header, stored_at) = self.open_blob(key).await?;
        Ok(BlobInfo { key: key.clone(), size: header.size, stored_at })
    }

    async fn delete(&self, key: &BlobKey) -> Result<bool> {
        let path = self.path_of(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {
                let dir = self.inner.dir.clone();
                blocking(move || sync_dir(&dir)).await?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(BlobError::io("remove", &path)(e)),
        }
    }

    async fn list_older_than(&self, cutoff: OffsetDateTime, limit: usize) -> Result<Vec<BlobKey>> {
        let inner = self.inner.clone();
        blocking(move || {
            let mut keys = Vec::new();
            for entry in read_dir(&inner.dir)? {
                let (_, name, modified) = entry?;
                // Temp files and anything an operator dropped in the directory are not blobs.
                if let Ok(key) = BlobKey::parse(&name)
                    && modified < cutoff
                {
                    keys.push(key);
                }
            }
            keys.sort();
            keys.truncate(limit);
            Ok(keys)
        })
        .await
    }
}

impl Inner {
    fn put_durably(&self, key: &BlobKey, content: &DigestedBytes) -> Result<BlobReceipt> {
        let receipt = BlobReceipt { sha256: content.sha256(), size: content.len() };
        let bytes = content.bytes().as_ref();
        let final_path = self.dir.join(key.as_str());
        if let Some(existing) = self.existing_receipt(key, &final_path)? {
            return same_or_conflict(key, existing, receipt);
        }
        let header = Header { sha256: receipt.sha256, size: receipt.size };
        let linked = match write_unnamed_and_link(&self.dir, &final_path, &header, bytes)? {
            Some(linked) => linked,
            None => write_named_and_link(&self.dir, &final_path, &header, bytes)?,
        };
        sync_dir(&self.dir)?;
        let raced = linked == Linked::AlreadyThere;
        if raced {
            let existing =
                self.existing_receipt(key, &final_path)?.ok_or_else(|| BlobError::NotFound(key.to_string()))?;
            return same_or_conflict(key, existing, receipt);
        }
        Ok(receipt)
    }

    fn existing_receipt(&self, key: &BlobKey, path: &Path) -> Result<Option<BlobReceipt>> {
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(BlobError::io("open", path)(e)),
        };
        let len = file.metadata().map_err(BlobError::io("stat", path))?.len();
        if len < HEADER_LEN {
            return Err(BlobError::Corrupted {
                key: key.to_string(),
                reason: "the file is shorter than its header".into(),
            });
        }
        let mut raw = [0u8; HEADER_LEN as usize];
        file.read_exact(&mut raw).map_err(BlobError::io("read", path))?;
        let header = Header::decode(key, &raw, len)?;
        Ok(Some(BlobReceipt { sha256: header.sha256, size: header.size }))
    }
}

/// Whether the final name was ours to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Linked {
    New,
    /// Another writer won the race for this key: its blob stands, ours was only a duplicate.
    AlreadyThere,
}

/// The portable way: a named temp file, linked to the final name, then unlinked.
fn write_named_and_link(dir: &Path, final_path: &Path, header: &Header, bytes: &[u8]) -> Result<Linked> {
    let temp_path = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4()));
    let written =
        write_synced(&temp_path, header, bytes).and_then(|()| match std::fs::hard_link(&temp_path, final_path) {
            Ok(()) => Ok(Linked::New),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Linked::AlreadyThere),
            Err(e) => Err(BlobError::io("link", final_path)(e)),
        });
    let removed = std::fs::remove_file(&temp_path).map_err(BlobError::io("remove", &temp_path));
    let linked = written?;
    removed?;
    Ok(linked)
}

/// Linux: an unnamed `O_TMPFILE` inode in the cache directory, written and fsynced, then named with `linkat`
/// through its `/proc/self/fd` link. `None` when the filesystem (or a missing `/proc`) does not allow it, so
/// the caller falls back to a named temp file.
#[cfg(target_os = "linux")]
fn write_unnamed_and_link(dir: &Path, final_path: &Path, header: &Header, bytes: &[u8]) -> Result<Option<Linked>> {
    use rustix::fs::{AtFlags, CWD, Mode, OFlags};
    use rustix::io::Errno;
    use std::os::fd::AsRawFd;
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(CWD, dir, flags, Mode::RUSR | Mode::WUSR) {
        Ok(fd) => fd,
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => return Ok(None),
        Err(e) => return Err(BlobError::io("create", dir)(e.into())),
    };
    let mut file = std::fs::File::from(fd);
    file.write_all(&header.encode()).map_err(BlobError::io("write", dir))?;
    file.write_all(bytes).map_err(BlobError::io("write", dir))?;
    file.sync_all().map_err(BlobError::io("fsync", dir))?;
    let unnamed = format!("/proc/self/fd/{}", file.as_raw_fd());
    match rustix::fs::linkat(CWD, unnamed.as_str(), CWD, final_path, AtFlags::SYMLINK_FOLLOW) {
        Ok(()) => Ok(Some(Linked::New)),
        Err(Errno::EXIST) => Ok(Some(Linked::AlreadyThere)),
        // No /proc: the unnamed file cannot be reached by path.
        Err(Errno::NOENT) if !Path::new("/proc/self/fd").exists() => Ok(None),
        Err(e) => Err(BlobError::io("link", final_path)(e.into())),
    }
}

#[cfg(not(target_os = "linux"))]
fn write_unnamed_and_link(_: &Path, _: &Path, _: &Header, _: &[u8]) -> Result<Option<Linked>> {
    Ok(None)
}

fn same_or_conflict(key: &BlobKey, existing: BlobReceipt, new: BlobReceipt) -> Result<BlobReceipt> {
    if existing == new {
        Ok(existing)
    } else {
        Err(BlobError::Conflict { key: key.to_string(), existing: existing.sha256.to_hex() })
    }
}

fn write_synced(path: &Path, header: &Header, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Cached PDFs are readable by the hub only.
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(BlobError::io("create", path))?;
    file.write_all(&header.encode()).map_err(BlobError::io("write", path))?;
    file.write_all(bytes).map_err(BlobError::io("write", path))?;
    file.sync_all().map_err(BlobError::io("fsync", path))
}

/// Makes renames, links and removals in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    let handle = std::fs::File::open(dir).map_err(BlobError::io("open", dir))?;
    handle.sync_all().map_err(BlobError::io("fsync", dir))
}

type DirEntry = Result<(PathBuf, String, OffsetDateTime)>;

fn read_dir(dir: &Path) -> Result<impl Iterator<Item = DirEntry>> {
    let entries = std::fs::read_dir(dir).map_err(BlobError::io("list", dir))?;
    let dir = dir.to_owned();
    Ok(entries.filter_map(move |entry| {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => return Some(Err(BlobError::io("list", &dir)(e))),
        };
        let name = entry.file_name().into_string().ok()?;
        let path = entry.path();
        // A file removed between listing and stat (a concurrent delete) is simply gone.
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => return Some(Err(BlobError::io("stat", &path)(e))),
        };
        if !meta.is_file() {
            return None;
        }
        let modified = match meta.modified() {
            Ok(m) => OffsetDateTime::from(m),
            Err(e) => return Some(Err(BlobError::io("stat", &path)(e))),
        };
        Some(Ok((path, name, modified)))
    }))
}

fn file_chunks(
    reader: tokio::io::Take<tokio::fs::File>,
    path: PathBuf,
) -> futures_util::stream::BoxStream<'static, Result<Bytes>> {
    futures_util::stream::unfold(Some(reader), move |state| {
        let path = path.clone();
        async move {
            let mut reader = state?;
            let mut buf = BytesMut::with_capacity(READ_CHUNK);
            match reader.read_buf(&mut buf).await {
                Ok(0) => None,
                Ok(_) => Some((Ok(buf.freeze()), Some(reader))),
                Err(e) => Some((Err(BlobError::io("read", &path)(e)), None)),
            }
        }
    })
    .boxed()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| BlobError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(bytes: &[u8]) -> Header {
        Header { sha256: Sha256Digest::of(bytes), size: bytes.len() as u64 }
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    /// Both ways of writing give the same file, refuse to replace an existing one, and leave no temp name.
    #[test]
    fn unnamed_and_named_writes_link_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"%PDF-1.7 blob".as_slice();
        let unnamed = dir.path().join("pdf-unnamed");
        let named = dir.path().join("pdf-named");

        let first = write_unnamed_and_link(dir.path(), &unnamed, &header_of(bytes), bytes).unwrap();
        if cfg!(target_os = "linux") {
            // The test directory is on a filesystem with O_TMPFILE (ext4, tmpfs, xfs, btrfs all have it).
            assert_eq!(first, Some(Linked::New));
            let again = write_unnamed_and_link(dir.path(), &unnamed, &header_of(b"other"), b"other").unwrap();
            assert_eq!(again, Some(Linked::AlreadyThere), "an existing blob is never replaced");
        } else {
            assert_eq!(first, None);
            write_named_and_link(dir.path(), &unnamed, &header_of(bytes), bytes).unwrap();
        }
        assert_eq!(write_named_and_link(dir.path(), &named, &header_of(bytes), bytes).unwrap(), Linked::New);
        assert_eq!(
            write_named_and_link(dir.path(), &named, &header_of(b"other"), b"other").unwrap(),
            Linked::AlreadyThere
        );

        assert_eq!(std::fs::read(&unnamed).unwrap(), std::fs::read(&named).unwrap());
        assert_eq!(std::fs::read(&named).unwrap()[HEADER_LEN as usize..], *bytes);
        assert_eq!(names_in(dir.path()), ["pdf-named", "pdf-unnamed"], "no temp file is left");
    }
}
