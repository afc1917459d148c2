//! The content hash of an input file (XXH3-128 and its size): what the manifest records and a
//! refresh compares. A reader hashes the bytes it actually reads, so the hash that goes into the
//! manifest is of the bytes loaded; a file rewritten between hashing and reading is caught
//! (`read_dataset` compares the two).

use std::io::Read;
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
}
