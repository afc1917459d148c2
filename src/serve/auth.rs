//! Logins: SCRAM-SHA-256 (RFC 5802 / 7677) against the users file's verifiers, the only method
//! offered, over pgwire's start-up messages.
//!
//! pgwire's own SCRAM handler needs the salted password, which is as good as a password for
//! logging in to this server; checking the client's proof against PostgreSQL's stored verifier
//! (StoredKey and ServerKey) needs the exchange written out, which this file does: parse the
//! client's two messages, answer with the salt, check the proof, prove the server back.
//!
//! An unknown user goes through the same exchange with a made-up verifier (the same salt every
//! time for the same name, as PostgreSQL does), so a client cannot tell an unknown user from a
//! wrong password: both fail at the last step with the same message after the same delay. A
//! client that sends anything but a SCRAM-SHA-256 exchange (a cleartext or MD5 password, say) is
//! refused the same way.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    StartupHandler, finish_authentication, protocol_negotiation,
    save_startup_parameters_to_metadata,
};
use pgwire::api::{ClientInfo, PgWireConnectionState, PidSecretKeyGenerator};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::{Authentication, PasswordMessageFamily};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use ring::{digest, hmac};
use tokio::sync::Mutex;

use super::Server;
use super::session::{ConnState, Login};
use super::users::{ITERATIONS, User, Verifier};

/// How long every failed login waits before its answer: the same for every cause, so timing
/// tells nothing, and slow enough to make guessing passwords over the network impractical.
pub const FAILURE_DELAY: Duration = Duration::from_secs(1);

const MECHANISM: &str = "SCRAM-SHA-256";
const UNEXPECTED: &str = "the client sent something else than the next SCRAM message";

/// The start-up handler of one connection.
pub struct ScramStartup {
    server: Arc<Server>,
    conn: Arc<ConnState>,
    state: Mutex<State>,
}

enum State {
    /// Waiting for the start-up message.
    Start,
    /// Offered SCRAM-SHA-256, waiting for the client-first message.
    Offered {
        user: String,
    },
    /// Sent the salt, waiting for the client's proof.
    Challenged(Box<Exchange>),
    Done,
}

/// One SCRAM exchange between the client-first and client-final messages.
struct Exchange {
    user: String,
    known: Option<User>,
    verifier: Verifier,
    /// `n,,` or `y,,`, as the client sent it (it comes back, base64, in the final message).
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
}

impl ScramStartup {
    pub fn new(server: Arc<Server>, conn: Arc<ConnState>) -> ScramStartup {
        ScramStartup {
            server,
            conn,
            state: Mutex::new(State::Start),
        }
    }

    /// Logs the failure, waits, and ends the connection with PostgreSQL's answer.
    async fn fail(&self, user: &str, reason: &str) -> PgWireError {
        super::log::login_failed(user, self.conn.peer, reason);
        tokio::time::sleep(FAILURE_DELAY).await;
        PgWireError::UserError(Box::new(ErrorInfo::new(
            "FATAL".into(),
            "28P01".into(),
            format!("password authentication failed for user \"{user}\""),
        )))
    }

    /// The client-first message: returns the server-first message to send.
    fn client_first(&self, user: &str, msg: PasswordMessageFamily) -> Result<Exchange, String> {
        let (mechanism, data) = initial_response(msg)?;
        if mechanism != MECHANISM.as_bytes() {
            return Err(format!(
                "the client asked for the {:?} mechanism; only SCRAM-SHA-256 is offered",
                String::from_utf8_lossy(&mechanism)
            ));
        }
        let first = ClientFirst::parse(utf8(&data)?)?;
        let known = self.server.users.get().users.get(user).cloned();
        let verifier = match &known {
            Some(u) => u.verifier.clone(),
            None => self.server.mock_verifier(user),
        };
        let nonce = format!("{}{}", first.nonce, random_nonce());
        let server_first = server_first(&nonce, &verifier);
        Ok(Exchange {
            user: user.to_owned(),
            known,
            verifier,
            gs2_header: first.gs2_header,
            client_first_bare: first.bare,
            server_first,
            nonce,
        })
    }
}

impl Exchange {
    /// The client-final message: returns the server-final message (`v=...`) if the proof holds.
    fn client_final(&self, msg: PasswordMessageFamily) -> Result<String, String> {
        let response = msg
            .into_sasl_response()
            .map_err(|_| "the client broke off the SCRAM exchange".to_string())?;
        let text = utf8(&response.data)?;
        let (without_proof, proof) = text
            .rsplit_once(",p=")
            .ok_or("the client-final message has no proof")?;
        let mut fields = without_proof.split(',');
        let binding = fields
            .next()
            .and_then(|f| f.strip_prefix("c="))
            .ok_or("the client-final message has no channel binding")?;
        if STANDARD.decode(binding).ok().as_deref() != Some(self.gs2_header.as_bytes()) {
            return Err("the channel binding does not match the client-first message".into());
        }
        if fields.next().and_then(|f| f.strip_prefix("r=")) != Some(self.nonce.as_str()) {
            return Err("the nonce does not match this exchange (a replayed exchange?)".into());
        }
        let proof = STANDARD
            .decode(proof)
            .map_err(|_| "the proof is not base64".to_string())?;
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        let signature = verify_proof(&self.verifier, &auth_message, &proof);
        match (&self.known, signature) {
            (Some(_), Some(signature)) => Ok(format!("v={}", STANDARD.encode(signature))),
            (None, _) => Err("no such user".into()),
            (Some(_), None) => Err("wrong password".into()),
        }
    }
}

/// The mechanism and data of a SASLInitialResponse, read here rather than by pgwire, whose
/// decoder panics on a message too short to be one (a cleartext or MD5 password, for one).
fn initial_response(msg: PasswordMessageFamily) -> Result<(Vec<u8>, Vec<u8>), String> {
    let not_scram =
        || "the client sent a password message that is not SCRAM-SHA-256 (cleartext or MD5?)";
    let body: &[u8] = match &msg {
        PasswordMessageFamily::Raw(body) => body,
        _ => return Err(not_scram().into()),
    };
    let nul = body.iter().position(|b| *b == 0).ok_or_else(not_scram)?;
    let (mechanism, rest) = (&body[..nul], &body[nul + 1..]);
    let length = rest
        .get(..4)
        .map(|l| i32::from_be_bytes(l.try_into().expect("four bytes")))
        .ok_or_else(not_scram)?;
    let data = &rest[4..];
    if length < 0 || data.len() != length as usize {
        return Err(not_scram().into());
    }
    Ok((mechanism.to_vec(), data.to_vec()))
}

/// Checks a client proof against a verifier (RFC 5802 section 3); returns the server signature
/// when it holds.
pub fn verify_proof(verifier: &Verifier, auth_message: &str, proof: &[u8]) -> Option<Vec<u8>> {
    let stored = hmac::Key::new(hmac::HMAC_SHA256, &verifier.stored_key);
    let client_signature = hmac::sign(&stored, auth_message.as_bytes());
    if proof.len() != client_signature.as_ref().len() {
        return None;
    }
    let client_key: Vec<u8> = proof
        .iter()
        .zip(client_signature.as_ref())
        .map(|(a, b)| a ^ b)
        .collect();
    let derived = digest::digest(&digest::SHA256, &client_key);
    if !constant_time_eq(derived.as_ref(), &verifier.stored_key) {
        return None;
    }
    let server = hmac::Key::new(hmac::HMAC_SHA256, &verifier.server_key);
    Some(
        hmac::sign(&server, auth_message.as_bytes())
            .as_ref()
            .to_vec(),
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The parts of a client-first message this server uses.
struct ClientFirst {
    gs2_header: String,
    bare: String,
    nonce: String,
}

impl ClientFirst {
    fn parse(text: &str) -> Result<ClientFirst, String> {
        let malformed = || "a malformed SCRAM client-first message".to_string();
        let (flag, rest) = text.split_once(',').ok_or_else(malformed)?;
        match flag {
            "n" | "y" => {}
            f if f.starts_with("p=") => {
                return Err("the client asked for channel binding, which is not offered".into());
            }
            _ => return Err(malformed()),
        }
        let (authzid, bare) = rest.split_once(',').ok_or_else(malformed)?;
        if !authzid.is_empty() {
            return Err(
                "the client asked for an authorisation identity, which is not supported".into(),
            );
        }
        let mut fields = bare.split(',');
        if !fields.next().is_some_and(|f| f.starts_with("n=")) {
            return Err(malformed());
        }
        let nonce = fields
            .next()
            .and_then(|f| f.strip_prefix("r="))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b)))
            .ok_or_else(malformed)?;
        Ok(ClientFirst {
            gs2_header: format!("{flag},,"),
            bare: bare.to_owned(),
            nonce: nonce.to_owned(),
        })
    }
}

fn server_first(nonce: &str, verifier: &Verifier) -> String {
    format!(
        "r={nonce},s={},i={}",
        STANDARD.encode(&verifier.salt),
        verifier.iterations
    )
}

fn random_nonce() -> String {
    let mut bytes = [0u8; 18];
    // The system generator does not fail on supported platforms; a zero nonce part would only
    // weaken replay protection, never let a wrong password in.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    STANDARD.encode(bytes)
}

fn utf8(data: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(data).map_err(|_| "a SCRAM message that is not UTF-8".to_string())
}

impl Server {
    /// The made-up verifier of an unknown user: a salt fixed by the name (so asking twice shows
    /// nothing new) and keys no password matches.
    fn mock_verifier(&self, user: &str) -> Verifier {
        let salt = hmac::sign(&self.mock_key, format!("salt:{user}").as_bytes());
        let stored = hmac::sign(&self.mock_key, format!("stored:{user}").as_bytes());
        Verifier {
            iterations: ITERATIONS,
            salt: salt.as_ref()[..16].to_vec(),
            stored_key: stored.as_ref().to_vec(),
            server_key: stored.as_ref().to_vec(),
        }
    }
}

#[async_trait]
impl StartupHandler for ScramStartup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut state = self.state.lock().await;
        match (std::mem::replace(&mut *state, State::Done), message) {
            (State::Start, PgWireFrontendMessage::Startup(startup)) => {
                if !self.conn.admitted() {
                    super::log::too_many(self.conn.peer, self.server.max_connections);
                    return Err(fatal("53300", "sorry, too many clients already"));
                }
                protocol_negotiation(client, &startup).await?;
                save_startup_parameters_to_metadata(client, &startup);
                let Some(user) = startup.parameters.get("user").cloned() else {
                    return Err(fatal(
                        "28000",
                        "no user name was given in the start-up message",
                    ));
                };
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client
                    .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                        vec![MECHANISM.to_owned()],
                    )))
                    .await?;
                *state = State::Offered { user };
            }
            (State::Offered { user }, PgWireFrontendMessage::PasswordMessageFamily(msg)) => {
                match self.client_first(&user, msg) {
                    Ok(exchange) => {
                        let reply = Bytes::from(exchange.server_first.clone().into_bytes());
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLContinue(reply),
                            ))
                            .await?;
                        *state = State::Challenged(Box::new(exchange));
                    }
                    Err(reason) => return Err(self.fail(&user, &reason).await),
                }
            }
            (State::Challenged(exchange), PgWireFrontendMessage::PasswordMessageFamily(msg)) => {
                let server_final = match exchange.client_final(msg) {
                    Ok(server_final) => server_final,
                    Err(reason) => return Err(self.fail(&exchange.user, &reason).await),
                };
                client
                    .send(PgWireBackendMessage::Authentication(
                        Authentication::SASLFinal(Bytes::from(server_final.into_bytes())),
                    ))
                    .await?;
                let scope = exchange
                    .known
                    .as_ref()
                    .map(|u| u.scope.clone())
                    .expect("a proof only holds for a known user");
                let (pid, secret) = self.server.pids.generate(client);
                client.set_pid_and_secret_key(pid, secret.clone());
                self.conn.logged_in(
                    Login {
                        user: exchange.user.clone(),
                        scope,
                    },
                    self.server.cancels.register(pid, secret),
                );
                super::log::connected(&exchange.user, self.conn.peer, client.is_secure());
                finish_authentication(client, &self.server.parameters).await?;
            }
            (State::Offered { user }, _) => {
                return Err(self.fail(&user, UNEXPECTED).await);
            }
            (State::Challenged(exchange), _) => {
                return Err(self.fail(&exchange.user, UNEXPECTED).await);
            }
            (previous, _) => *state = previous,
        }
        Ok(())
    }
}

fn fatal(code: &str, message: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".into(),
        code.into(),
        message.into(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3: the SCRAM-SHA-256 example exchange for user "user", password "pencil".
    #[test]
    fn the_rfc_7677_exchange_verifies() {
        let salt = STANDARD.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let verifier = Verifier::derive("pencil", salt, 4096);
        let first = ClientFirst::parse("n,,n=user,r=rOprNGfwEbeRWgbNEkqO").unwrap();
        assert_eq!(first.gs2_header, "n,,");
        let nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let server_first = server_first(nonce, &verifier);
        assert_eq!(
            server_first,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let exchange = Exchange {
            user: "user".into(),
            known: Some(User {
                scope: crate::query::scope::Scope::All,
                verifier: verifier.clone(),
            }),
            verifier,
            gs2_header: first.gs2_header,
            client_first_bare: first.bare,
            server_first,
            nonce: nonce.into(),
        };
        let client_final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        let msg = |s: &str| {
            PasswordMessageFamily::SASLResponse(pgwire::messages::startup::SASLResponse::new(
                Bytes::from(s.to_owned()),
            ))
        };
        assert_eq!(
            exchange.client_final(msg(client_final)).unwrap(),
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        // One flipped bit of the proof, or the same proof under another nonce, fails.
        let tampered = client_final.replace("p=dHzb", "p=dHza");
        assert_eq!(
            exchange.client_final(msg(&tampered)).unwrap_err(),
            "wrong password"
        );
        let replayed = client_final.replace("hNlF$k0", "hNlF$k1");
        assert!(
            exchange
                .client_final(msg(&replayed))
                .unwrap_err()
                .contains("nonce")
        );
        let unknown = Exchange {
            known: None,
            ..exchange
        };
        assert_eq!(
            unknown.client_final(msg(client_final)).unwrap_err(),
            "no such user"
        );
    }

    #[test]
    fn channel_binding_and_odd_messages_are_refused() {
        assert!(ClientFirst::parse("p=tls-server-end-point,,n=u,r=abc").is_err());
        assert!(ClientFirst::parse("n,a=admin,n=u,r=abc").is_err());
        assert!(ClientFirst::parse("n,,n=u,r=").is_err());
        assert!(ClientFirst::parse("md5abcdef").is_err());
        assert_eq!(ClientFirst::parse("y,,n=,r=abc").unwrap().gs2_header, "y,,");
    }
}
