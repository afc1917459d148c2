//! A bare PostgreSQL start-up conversation, byte by byte, for the login attacks no real client
//! can be made to send: a cleartext or MD5 password where SCRAM is asked for, an empty password
//! message, and a SCRAM exchange replayed on a new connection. The SCRAM client side follows
//! RFC 5802 with ring's PBKDF2 and HMAC.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::{digest, hmac, pbkdf2};

/// One backend message: its type byte and body.
#[derive(Debug)]
pub struct Message {
    pub kind: u8,
    pub body: Vec<u8>,
}

impl Message {
    /// An authentication request's code (`R` messages).
    pub fn auth_code(&self) -> Option<i32> {
        (self.kind == b'R').then(|| i32::from_be_bytes(self.body[..4].try_into().unwrap()))
    }

    /// An error's (SQLSTATE, message).
    pub fn error(&self) -> Option<(String, String)> {
        if self.kind != b'E' {
            return None;
        }
        let (mut code, mut message) = (String::new(), String::new());
        for field in self.body.split(|b| *b == 0) {
            match field.first() {
                Some(b'C') => code = String::from_utf8_lossy(&field[1..]).into_owned(),
                Some(b'M') => message = String::from_utf8_lossy(&field[1..]).into_owned(),
                _ => {}
            }
        }
        Some((code, message))
    }
}

pub struct Wire {
    stream: TcpStream,
}

impl Wire {
    /// Connects and sends the start-up message for `user`.
    pub fn start(port: u16, user: &str) -> Wire {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut wire = Wire { stream };
        let mut body = 196608i32.to_be_bytes().to_vec();
        for (k, v) in [("user", user), ("database", "safeguard")] {
            body.extend_from_slice(k.as_bytes());
            body.push(0);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut msg = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        msg.extend(body);
        wire.stream.write_all(&msg).unwrap();
        wire
    }

    /// Connects and logs in with SCRAM-SHA-256, failing the test if that does not work.
    pub fn login(port: u16, user: &str, password: &str) -> Wire {
        let mut wire = Wire::start(port, user);
        wire.mechanisms();
        let client = ScramClient::new(password, "a-client-nonce");
        wire.send_client_first(&client.client_first);
        let server_first = wire.server_first();
        wire.send(b'p', client.client_final(&server_first).as_bytes());
        let (outcome, _) = wire.outcome();
        assert!(outcome.is_ok(), "{user} could not log in: {outcome:?}");
        wire
    }

    pub fn send(&mut self, kind: u8, body: &[u8]) {
        let mut msg = vec![kind];
        msg.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        msg.extend_from_slice(body);
        self.stream.write_all(&msg).unwrap();
    }

    /// The next message, or None when the server closed the connection.
    pub fn next(&mut self) -> Option<Message> {
        let mut head = [0u8; 5];
        self.stream.read_exact(&mut head).ok()?;
        let len = i32::from_be_bytes(head[1..].try_into().unwrap()) as usize;
        let mut body = vec![0u8; len - 4];
        self.stream.read_exact(&mut body).ok()?;
        Some(Message {
            kind: head[0],
            body,
        })
    }

    /// The mechanisms of the server's SASL request (authentication code 10).
    pub fn mechanisms(&mut self) -> Vec<String> {
        let msg = self.next().expect("an authentication request");
        assert_eq!(msg.auth_code(), Some(10), "not a SASL request: {msg:?}");
        msg.body[4..]
            .split(|b| *b == 0)
            .filter(|m| !m.is_empty())
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect()
    }

    /// Sends a SASLInitialResponse for SCRAM-SHA-256 carrying `client_first`.
    pub fn send_client_first(&mut self, client_first: &str) {
        let mut body = b"SCRAM-SHA-256\0".to_vec();
        body.extend_from_slice(&(client_first.len() as i32).to_be_bytes());
        body.extend_from_slice(client_first.as_bytes());
        self.send(b'p', &body);
    }

    /// The server-first message of a SASLContinue (code 11).
    pub fn server_first(&mut self) -> String {
        let msg = self.next().expect("SASLContinue");
        assert_eq!(msg.auth_code(), Some(11), "{msg:?}");
        String::from_utf8(msg.body[4..].to_vec()).unwrap()
    }

    /// Reads until an error or ReadyForQuery: Ok(()) when logged in, else the error and how
    /// long the server took to answer.
    pub fn outcome(&mut self) -> (Result<(), (String, String)>, Duration) {
        let began = Instant::now();
        loop {
            match self.next() {
                Some(m) if m.kind == b'Z' => return (Ok(()), began.elapsed()),
                Some(m) if m.kind == b'E' => return (Err(m.error().unwrap()), began.elapsed()),
                Some(m) => {
                    assert!(
                        !matches!(m.auth_code(), Some(3) | Some(5)),
                        "the server asked for a cleartext or MD5 password: {m:?}"
                    );
                }
                None => {
                    return (
                        Err(("".into(), "connection closed".into())),
                        began.elapsed(),
                    );
                }
            }
        }
    }
}

/// The client side of one SCRAM-SHA-256 exchange.
pub struct ScramClient {
    pub client_first: String,
    bare: String,
    password: String,
}

impl ScramClient {
    pub fn new(password: &str, nonce: &str) -> ScramClient {
        let bare = format!("n=,r={nonce}");
        ScramClient {
            client_first: format!("n,,{bare}"),
            bare,
            password: password.into(),
        }
    }

    /// The client-final message answering `server_first`.
    pub fn client_final(&self, server_first: &str) -> String {
        let field = |k: &str| {
            server_first
                .split(',')
                .find_map(|f| f.strip_prefix(k))
                .unwrap()
                .to_owned()
        };
        let (nonce, salt, iterations) = (field("r="), field("s="), field("i="));
        let salt = STANDARD.decode(salt).unwrap();
        let mut salted = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            iterations.parse().unwrap(),
            &salt,
            self.password.as_bytes(),
            &mut salted,
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&key, b"Client Key");
        let stored = digest::digest(&digest::SHA256, client_key.as_ref());
        let without_proof = format!("c=biws,r={nonce}");
        let auth = format!("{},{server_first},{without_proof}", self.bare);
        let signature = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, stored.as_ref()),
            auth.as_bytes(),
        );
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(signature.as_ref())
            .map(|(a, b)| a ^ b)
            .collect();
        format!("{without_proof},p={}", STANDARD.encode(proof))
    }
}
