//! The users file (`serve_users.toml` beside the configuration): who may log in to
//! `safeguard serve`, which organisations each may see, and a SCRAM-SHA-256 verifier per user in
//! PostgreSQL's own format (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`).
//!
//! A verifier lets the server check a client's proof without being able to log in itself: a
//! stolen users file gives neither the passwords nor a way to authenticate. It is still kept
//! readable by its owner only, and `serve` refuses to start otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::{digest, hmac};
use serde::{Deserialize, Serialize};

use crate::query::scope::Scope;

/// SCRAM iterations for new verifiers (PostgreSQL's default, and RFC 7677's minimum).
pub const ITERATIONS: u32 = 4096;
/// The shortest password `add-user` accepts.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// A SCRAM-SHA-256 verifier: the salt and iteration count the client hashes its password with,
/// and the two keys derived from the result.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    /// SHA-256(HMAC(SaltedPassword, "Client Key")): checks a client's proof.
    pub stored_key: Vec<u8>,
    /// HMAC(SaltedPassword, "Server Key"): proves the server to the client.
    pub server_key: Vec<u8>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never in logs, even though it is not a password.
        f.write_str("Verifier(..)")
    }
}

impl Verifier {
    /// A new verifier for `password` with a fresh random salt.
    pub fn new(password: &str, iterations: u32) -> anyhow::Result<Verifier> {
        let mut salt = vec![0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
            .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
        Ok(Verifier::derive(password, salt, iterations))
    }

    /// The verifier of `password` with a given salt (SASLprep, then PBKDF2-HMAC-SHA-256).
    pub fn derive(password: &str, salt: Vec<u8>, iterations: u32) -> Verifier {
        let salted = pgwire::api::auth::sasl::scram::gen_salted_password(
            password,
            &salt,
            iterations as usize,
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&key, b"Client Key");
        Verifier {
            iterations,
            salt,
            stored_key: digest::digest(&digest::SHA256, client_key.as_ref())
                .as_ref()
                .to_vec(),
            server_key: hmac::sign(&key, b"Server Key").as_ref().to_vec(),
        }
    }

    /// Parses PostgreSQL's `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn parse(text: &str) -> Result<Verifier, String> {
        let bad = |why: &str| format!("not a SCRAM-SHA-256 verifier ({why})");
        let rest = text
            .strip_prefix("SCRAM-SHA-256$")
            .ok_or_else(|| bad("it must start with SCRAM-SHA-256$"))?;
        let (params, keys) = rest
            .split_once('$')
            .ok_or_else(|| bad("no $ before the keys"))?;
        let (iterations, salt) = params
            .split_once(':')
            .ok_or_else(|| bad("no : between iterations and salt"))?;
        let (stored, server) = keys
            .split_once(':')
            .ok_or_else(|| bad("no : between the keys"))?;
        let iterations: u32 = iterations
            .parse()
            .map_err(|_| bad("the iteration count is not a number"))?;
        if iterations < ITERATIONS {
            return Err(format!(
                "the verifier uses {iterations} iterations, fewer than the {ITERATIONS} required: \
                 add the user again"
            ));
        }
        let decode = |s: &str, what: &str| {
            STANDARD
                .decode(s)
                .map_err(|_| bad(&format!("the {what} is not base64")))
        };
        let verifier = Verifier {
            iterations,
            salt: decode(salt, "salt")?,
            stored_key: decode(stored, "stored key")?,
            server_key: decode(server, "server key")?,
        };
        if verifier.salt.is_empty()
            || verifier.stored_key.len() != 32
            || verifier.server_key.len() != 32
        {
            return Err(bad("a key is not 32 bytes or the salt is empty"));
        }
        Ok(verifier)
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            STANDARD.encode(&self.salt),
            STANDARD.encode(&self.stored_key),
            STANDARD.encode(&self.server_key)
        )
    }
}

/// One user: what they see and how they prove who they are.
#[derive(Debug, Clone)]
pub struct User {
    pub scope: Scope,
    pub verifier: Verifier,
}

/// A user as written in the file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    all: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    organisations: Vec<String>,
    verifier: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    #[serde(default)]
    users: BTreeMap<String, Entry>,
}

const HEADER: &str = "\
# Users of `safeguard serve`, written by `safeguard serve add-user` and `remove-user`.
# Each holds a SCRAM-SHA-256 verifier (salted and iterated), never a password.
# Keep this file readable by its owner only (chmod 600): `safeguard serve` refuses it otherwise.

";

/// The users file, read and checked.
#[derive(Debug, Default)]
pub struct Users {
    pub users: BTreeMap<String, User>,
}

impl Users {
    /// Reads the users file for `serve`: it must exist, be private to its owner and hold at least
    /// one user. Errors name the file and say how to fix it.
    pub fn load_for_serving(path: &Path) -> anyhow::Result<Users> {
        let add =
            "add one with `safeguard serve add-user NAME --all` (or `--organisations CODE,CODE`)";
        if !path.exists() {
            bail!(
                "the users file {} does not exist: {add}{}",
                path.display(),
                users_flag(path)
            );
        }
        check_private(path)?;
        let users = Users::read(path)?;
        if users.users.is_empty() {
            bail!(
                "the users file {} holds no users: {add}{}",
                path.display(),
                users_flag(path)
            );
        }
        Ok(users)
    }

    /// Reads a users file (an absent file is an empty one, for `add-user`).
    pub fn read(path: &Path) -> anyhow::Result<Users> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Users::default()),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read the users file {}", path.display()));
            }
        };
        let file: FileFormat = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let mut users = BTreeMap::new();
        for (name, entry) in file.users {
            let user = entry_to_user(&entry)
                .map_err(|e| anyhow::anyhow!("{}: user {name:?}: {e}", path.display()))?;
            users.insert(name, user);
        }
        Ok(Users { users })
    }

    /// Writes the file through a temporary file beside it (created private to its owner), renamed
    /// into place, so a server starting meanwhile reads the old file or the new one.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let file = FileFormat {
            users: self
                .users
                .iter()
                .map(|(name, user)| {
                    let (all, organisations) = match &user.scope {
                        Scope::All => (true, vec![]),
                        Scope::Organisations(codes) => (false, codes.iter().cloned().collect()),
                    };
                    let entry = Entry {
                        all,
                        organisations,
                        verifier: user.verifier.to_string(),
                    };
                    (name.clone(), entry)
                })
                .collect(),
        };
        let text = format!("{HEADER}{}", toml::to_string(&file)?);
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let result = (|| -> std::io::Result<()> {
            let mut out = private_file(&tmp)?;
            out.write_all(text.as_bytes())?;
            out.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.with_context(|| format!("cannot write the users file {}", path.display()))
    }
}

fn entry_to_user(entry: &Entry) -> Result<User, String> {
    let scope = match (entry.all, entry.organisations.is_empty()) {
        (true, true) => Scope::All,
        (false, false) => Scope::organisations(entry.organisations.iter().cloned())?,
        (true, false) => return Err("give either all = true or organisations, not both".into()),
        (false, true) => return Err("give all = true or a list of organisations".into()),
    };
    Ok(User {
        scope,
        verifier: Verifier::parse(&entry.verifier)?,
    })
}

/// ` --users FILE` when the file is not the default one, for the fix in a message.
fn users_flag(path: &Path) -> String {
    if path
        .file_name()
        .is_some_and(|n| n == super::DEFAULT_USERS_FILE)
    {
        String::new()
    } else {
        format!(" --users {}", path.display())
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Refuses a users file that other users can read or write (group or world bits set).
#[cfg(unix)]
fn check_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the users file {}", path.display()))?;
    if !meta.is_file() {
        bail!("the users file {} is not a file", path.display());
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "the users file {} can be read or written by other users (mode {mode:03o}): \
             make it private with `chmod 600 {0}`",
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// The users file as the server reads it: loaded at start, and read again when it changes, so
/// `add-user` and `remove-user` take effect for the next login without a restart. A file that
/// becomes unusable (not private, empty, malformed) is logged and the last good one kept.
pub struct LiveUsers {
    path: PathBuf,
    current: std::sync::Mutex<(Option<std::time::SystemTime>, std::sync::Arc<Users>)>,
}

impl LiveUsers {
    pub fn load(path: &Path) -> anyhow::Result<LiveUsers> {
        let users = Users::load_for_serving(path)?;
        Ok(LiveUsers {
            path: path.to_path_buf(),
            current: std::sync::Mutex::new((modified(path), std::sync::Arc::new(users))),
        })
    }

    /// The users now, reading the file again if it changed since it was last read.
    pub fn get(&self) -> std::sync::Arc<Users> {
        let mut current = self.current.lock().expect("users");
        let now = modified(&self.path);
        if now != current.0 {
            match Users::load_for_serving(&self.path) {
                Ok(users) => *current = (now, std::sync::Arc::new(users)),
                Err(e) => {
                    current.0 = now;
                    super::log::users_file_kept(&format!("{e:#}"));
                }
            }
        }
        current.1.clone()
    }
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Organisation codes as given to `--organisations` (comma-separated, upper-cased as ODS codes
/// are), checked non-empty.
pub fn parse_codes(codes: &[String]) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for code in codes.iter().flat_map(|c| c.split(',')) {
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        out.insert(code.to_owned());
    }
    if out.is_empty() {
        bail!("--organisations needs at least one organisation code, e.g. --organisations RXA,RXB");
    }
    Ok(out)
}

/// The path of the users file: the flag, else `[serve] users`, else beside the configuration.
pub fn default_path(config_file: Option<&Path>) -> PathBuf {
    match config_file.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(super::DEFAULT_USERS_FILE),
        _ => PathBuf::from(super::DEFAULT_USERS_FILE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_round_trip_in_postgresql_format() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let v = Verifier::derive("pencil", salt, 4096);
        let text = v.to_string();
        assert!(
            text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"),
            "{text}"
        );
        assert_eq!(Verifier::parse(&text).unwrap(), v);
        assert_ne!(Verifier::new("pencil", 4096).unwrap().salt, v.salt);
    }

    #[test]
    fn weak_or_malformed_verifiers_are_refused() {
        let v = Verifier::derive("pencil", b"salt".to_vec(), 4096).to_string();
        assert!(Verifier::parse(&v.replace("$4096:", "$1000:")).is_err());
        assert!(Verifier::parse("md5abcdef").is_err());
        assert!(Verifier::parse(&v[..v.len() - 4]).is_err());
    }

    #[test]
    fn the_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve_users.toml");
        let err = Users::load_for_serving(&path).unwrap_err().to_string();
        assert!(
            err.contains("does not exist") && err.contains("add-user"),
            "{err}"
        );
        let mut users = Users::default();
        users.users.insert(
            "lead".into(),
            User {
                scope: Scope::organisations(["RXA".to_owned()]).unwrap(),
                verifier: Verifier::new("correct horse", 4096).unwrap(),
            },
        );
        users.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("correct horse"));
        let back = Users::load_for_serving(&path).unwrap();
        assert_eq!(back.users["lead"].scope, users.users["lead"].scope);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = Users::load_for_serving(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
    }
}
