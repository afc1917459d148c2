//! The content hash of an input file (XXH3-128 and its size): what the manifest records and a
//! refresh compares. A reader hashes the bytes it actually reads, so the hash that goes into the
//! manifest is of the bytes loaded. What a load knew of a file when it listed it ([`Listed`]) is
//! compared with what was read (`read_dataset`), so a file rewritten in between, or while it was
//! read, is caught.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// A file's size and content hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    pub bytes: u64,
    pub xxh3_128: u128,
}

impl Digest {
    /// The hash as the manifest writes it: 32 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.xxh3_128)
    }
}

/// What a load knew of an input file when it listed it: the file read must still be that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Hashed when listed (a refresh compares hashes before deciding to load; an XLSX reader
    /// does not hash what it reads): the bytes read must hash the same.
    Hashed(Digest),
    /// Only its metadata taken, for a file whose reader hashes what it reads (CSV, Parquet), so
    /// `load` reads each byte once: after the read it must still be the same file, not written
    /// since, and as many bytes must have been read as it holds.
    Stamped(Stamp),
}

/// Which file a path is, its size, and when its content or metadata last changed. The change
/// time (`ctime`) is set by the system on every write and cannot be set back, as a modification
/// time can (`touch -d`, a copy that keeps times), so a rewrite shows even at the same size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    device: u64,
    inode: u64,
    pub bytes: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    /// The stamp of the file at `path` now (a link followed, as the readers follow it).
    pub fn of(path: &Path) -> std::io::Result<Stamp> {
        let meta = std::fs::metadata(path)?;
        Ok(Stamp {
            device: meta.dev(),
            inode: meta.ino(),
            bytes: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Whether the file read, of which `read` (when its reader hashes) says how many bytes
    /// were read, is the file this stamp was taken of, unchanged.
    pub fn still(&self, path: &Path, read: Option<Digest>) -> bool {
        read.is_none_or(|d| d.bytes == self.bytes) && Stamp::of(path).ok() == Some(*self)
    }
}

/// Hashes bytes as they stream past.
#[derive(Clone, Default)]
pub struct Hasher {
    state: xxhash_rust::xxh3::Xxh3,
    bytes: u64,
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.state.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    /// Bytes hashed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn digest(&self) -> Digest {
        Digest {
            bytes: self.bytes,
            xxh3_128: self.state.digest128(),
        }
    }
}

/// Hashes everything `reader` yields, streaming.
pub fn hash_reader(mut reader: impl Read) -> std::io::Result<Digest> {
    let mut hasher = Hasher::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(hasher.digest()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Hashes a file's bytes, streaming: fast enough to run on every refresh.
pub fn hash_file(path: &Path) -> std::io::Result<Digest> {
    hash_reader(std::fs::File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_in_pieces_hashes_as_one_pass() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut pieces = Hasher::default();
        for piece in data.chunks(7919) {
            pieces.update(piece);
        }
        let whole = hash_reader(&data[..]).unwrap();
        assert_eq!(pieces.digest(), whole);
        assert_eq!(whole.bytes, 3_000_000);
        assert_eq!(whole.xxh3_128, xxhash_rust::xxh3::xxh3_128(&data));
        assert_eq!(whole.hex().len(), 32);
    }

    #[test]
    fn a_stamp_sees_a_rewrite_of_the_same_size_and_a_short_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        let stamp = Stamp::of(&path).unwrap();
        let whole = hash_file(&path).unwrap();
        assert!(stamp.still(&path, Some(whole)));
        assert!(stamp.still(&path, None));
        let short = hash_reader(&b"a,b\n"[..]).unwrap();
        assert!(!stamp.still(&path, Some(short)));
        // The change time moves on every write, however quick: wait out a coarse clock's tick.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, "a,b\n3,4\n").unwrap();
        assert!(!stamp.still(&path, Some(whole)));
        std::fs::remove_file(&path).unwrap();
        assert!(!stamp.still(&path, None));
    }
}
