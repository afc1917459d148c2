//! Running `safeguard serve` for a test: a users file made with `serve add-user`, a server on a
//! free loopback port (its log kept), and the clients that talk to it: psql, the psycopg script
//! `tests/serve/client.py`, and a test certificate from openssl.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::Run;

/// The scoped test user's organisations (two of the sample data's ten).
pub const SCOPE: &[&str] = &["N4D", "N6F"];
pub const ANALYST: (&str, &str) = ("analyst", "all-the-figures-1");
pub const LEAD: (&str, &str) = ("lead", "only-my-trusts-2");

/// A scratch folder with a configuration (year 2025/26) and a users file holding `analyst`
/// (--all) and `lead` (the two organisations of [`SCOPE`]).
pub struct Site {
    pub dir: TempDir,
}

impl Site {
    pub fn new() -> Site {
        let dir = tempfile::Builder::new()
            .prefix("safeguard-serve-")
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("safeguard.toml"), "year = \"2025/26\"\n").unwrap();
        let site = Site { dir };
        site.add_user(ANALYST.0, &["--all"], ANALYST.1);
        site.add_user(LEAD.0, &["--organisations", &SCOPE.join(",")], LEAD.1);
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn users(&self) -> PathBuf {
        self.path().join("serve_users.toml")
    }

    /// `safeguard serve add-user NAME FLAGS` with the password on standard input.
    pub fn add_user(&self, name: &str, flags: &[&str], password: &str) -> Run {
        let mut child = self
            .command()
            .args(["serve", "add-user", name])
            .args(flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let run: Run = child.wait_with_output().unwrap().into();
        assert_eq!(run.code, 0, "add-user {name}: {run:#?}");
        run
    }

    /// The binary run in the site with its configuration.
    pub fn command(&self) -> Command {
        let mut cmd = crate::util::command(self.path());
        cmd.arg("--config").arg(self.path().join("safeguard.toml"));
        cmd
    }

    /// A self-signed certificate and key for `localhost` (made once per site).
    pub fn certificate(&self) -> (PathBuf, PathBuf) {
        let (cert, key) = (self.path().join("cert.pem"), self.path().join("key.pem"));
        if !cert.exists() {
            let out = Command::new("openssl")
                .args([
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                ])
                .args(["-subj", "/CN=localhost"])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .expect("openssl");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        (cert, key)
    }

    /// Starts `safeguard serve --warehouse WAREHOUSE` on a free loopback port with `extra`
    /// flags, and waits until it listens.
    pub fn serve(&self, warehouse: &Path, extra: &[&str]) -> Server {
        self.serve_on("127.0.0.1:0", warehouse, extra)
    }

    /// Like [`Site::serve`] on `listen` (port 0: a free one).
    pub fn serve_on(&self, listen: &str, warehouse: &Path, extra: &[&str]) -> Server {
        let mut child = self
            .command()
            .args(["serve", "--listen", listen, "--users"])
            .arg(self.users())
            .arg("--warehouse")
            .arg(warehouse)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                {
                    let mut log = sink.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
                if let Some(addr) = line.split("listening: ").nth(1) {
                    let port = addr
                        .split([',', ' '])
                        .next()
                        .unwrap()
                        .rsplit(':')
                        .next()
                        .unwrap();
                    let _ = tx.send(port.parse::<u16>().unwrap());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                panic!("serve did not start:\n{}", log.lock().unwrap());
            }
        };
        Server { child, port, log }
    }
}

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// A libpq connection string for `user`.
    pub fn conninfo(&self, (user, password): (&str, &str), extra: &str) -> String {
        format!(
            "host=127.0.0.1 port={} dbname=safeguard user={user} password={password} {extra}",
            self.port
        )
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// What the server has logged once it holds `text`, or after ten seconds without it: the
    /// server logs an event as it answers the client, and the line reaches this log through a
    /// reader thread, so it can trail the answer the test has already seen.
    pub fn log_once(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(text) || Instant::now() >= deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `(VmRSS, VmHWM)` of the server process in KiB.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Runs statements as `who` through psycopg; one result per statement.
    pub fn run(&self, who: (&str, &str), statements: &[&str]) -> Vec<Outcome> {
        self.run_with(who, "", statements).0
    }

    /// Like [`Server::run`] with extra connection options; also whether TLS was in use.
    pub fn run_with(
        &self,
        who: (&str, &str),
        extra: &str,
        statements: &[&str],
    ) -> (Vec<Outcome>, bool) {
        let out = python(
            "run",
            &self.conninfo(who, extra),
            &json!({ "statements": statements }),
        );
        let results = out["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(Outcome::from_json)
            .collect();
        (results, out["ssl"].as_bool().unwrap())
    }

    /// One query's rows as `who`, failing the test on an error.
    pub fn rows(&self, who: (&str, &str), sql: &str) -> Vec<Vec<Option<String>>> {
        let mut out = self.run(who, &[sql]);
        match out.remove(0) {
            Outcome::Rows { rows, .. } => rows,
            Outcome::Error { sqlstate, message } => panic!("{sql}: {sqlstate} {message}"),
        }
    }

    /// psql with `args` as `who` (no password given when `password` is None).
    pub fn psql(&self, user: &str, password: Option<&str>, extra: &str, args: &[&str]) -> Run {
        let mut cmd = Command::new("psql");
        cmd.arg("-X")
            .arg("-w")
            .arg(format!(
                "host=127.0.0.1 port={} dbname=safeguard user={user} {extra}",
                self.port
            ))
            .args(args)
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE");
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        cmd.output().expect("psql").into()
    }
}

/// One statement's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Rows {
        columns: Vec<String>,
        rows: Vec<Vec<Option<String>>>,
    },
    Error {
        sqlstate: String,
        message: String,
    },
}

impl Outcome {
    fn from_json(v: &Value) -> Outcome {
        if let Some(e) = v["error"].as_object() {
            return Outcome::Error {
                sqlstate: e["sqlstate"].as_str().unwrap_or("").to_owned(),
                message: e["message"].as_str().unwrap_or("").to_owned(),
            };
        }
        Outcome::Rows {
            columns: v["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
            rows: rows_of(&v["rows"]),
        }
    }

    /// The SQLSTATE of an error (panics on rows).
    pub fn sqlstate(&self) -> &str {
        match self {
            Outcome::Error { sqlstate, .. } => sqlstate,
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

/// JSON rows of text cells as Rust values.
pub fn rows_of(v: &Value) -> Vec<Vec<Option<String>>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Runs `tests/serve/client.py MODE CONNINFO` with `request` on standard input.
pub fn python(mode: &str, conninfo: &str, request: &Value) -> Value {
    let python = std::env::var("SAFEGUARD_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve/client.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(mode)
        .arg(conninfo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{python}: {e} (bash scripts/test installs psycopg)"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "client.py {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every file under `dir` with its content hash, for "nothing on disk changed".
pub fn hash_tree(dir: &Path) -> Vec<(PathBuf, u128, bool)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                let hash = xxhash_rust::xxh3::xxh3_128(target.as_os_str().as_encoded_bytes());
                out.push((path, hash, true));
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, xxhash_rust::xxh3::xxh3_128(&bytes), false));
            }
        }
    }
    out.sort();
    out
}
