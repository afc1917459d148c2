//! `safeguard serve`: the warehouse's views and datasets over the PostgreSQL wire protocol, for
//! Power BI, Excel, Tableau, psql and the rest (SERVE.md).
//!
//! Built from the datafusion-postgres project's crates: pgwire (protocol, TLS, the message
//! loop), arrow-pg (Arrow results to wire rows, parameters back) and datafusion-pg-catalog (the
//! pg_catalog tables and the rewriting of clients' catalog queries). On top of them, what a
//! shared analytics endpoint needs and their defaults do not do:
//!
//! - `users.rs`: the users file, with PostgreSQL-format SCRAM verifiers, kept private;
//! - `auth.rs`: SCRAM-SHA-256 logins checked against those verifiers, no other method;
//! - `listen.rs`: the address and TLS, loopback only without TLS;
//! - `crate::query::scope`: per-organisation contexts, filtered below the SQL (shared with the
//!   provider packs);
//! - `contexts.rs`: one context per snapshot, as_of and scope, shared and replaced on refresh;
//! - `catalog_rules.rs`: two rewrites Npgsql's catalog queries need;
//! - `statement.rs`, `settings.rs`: read-only, and which SETs a session may make;
//! - `session.rs`, `execute.rs`: a connection's handlers, streaming each result;
//! - `limits.rs`, `yielding.rs`: connection limit, statement timeout, cancel requests, and
//!   joins that pause so a stopped statement lets go of its threads;
//! - `log.rs`: the log on stderr.

mod auth;
mod catalog_rules;
mod contexts;
mod execute;
mod limits;
mod listen;
mod log;
mod session;
mod settings;
mod statement;
pub mod users;
mod yielding;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use pgwire::api::RandomPidSecretKeyGenerator;
use pgwire::api::auth::DefaultServerParameterProvider;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use crate::query::scope::Scope;
/// The client's parse, for the fuzz entry point `sql`.
pub(crate) use statement::parse;

use contexts::Contexts;
use limits::CancelRegistry;
use session::{ConnState, Connection};
use users::LiveUsers;

use crate::query::Thresholds;
use crate::warehouse::Warehouse;

/// The users file looked for beside the configuration.
pub const DEFAULT_USERS_FILE: &str = "serve_users.toml";
/// The server version reported to clients: the PostgreSQL release whose catalog and protocol
/// this server answers like.
pub const SERVER_VERSION: &str = "16.6 (safeguard)";

/// Everything `serve` needs, checked by the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub warehouse: PathBuf,
    pub listen: String,
    pub users: PathBuf,
    /// Certificate chain and private key (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    pub max_connections: usize,
    pub statement_timeout: Duration,
    /// The figures' date unless a session sets its own.
    pub as_of: NaiveDate,
    pub thresholds: Thresholds,
    /// The runtime queries run on, apart from the one that answers clients.
    pub queries: tokio::runtime::Handle,
}

/// What every connection shares.
pub struct Server {
    users: LiveUsers,
    contexts: Contexts,
    default_as_of: NaiveDate,
    statement_timeout: Duration,
    max_connections: usize,
    slots: Arc<Semaphore>,
    cancels: Arc<CancelRegistry>,
    parser: PostgresCompatibilityParser,
    pids: RandomPidSecretKeyGenerator,
    parameters: DefaultServerParameterProvider,
    queries: tokio::runtime::Handle,
    /// Makes unknown users' made-up salts (random per server run).
    mock_key: ring::hmac::Key,
}

/// Why `serve` could not start: the caller exits 2 with this message.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct StartError(pub anyhow::Error);

/// Checks the options, opens the warehouse and serves until interrupted (Ctrl-C or SIGTERM).
pub async fn serve(options: Options) -> Result<(), anyhow::Error> {
    let start = |e: anyhow::Error| anyhow::Error::new(StartError(e));
    let users = LiveUsers::load(&options.users).map_err(start)?;
    let addrs = listen::resolve(&options.listen).map_err(start)?;
    listen::check(&options.listen, &addrs, options.tls.is_some()).map_err(start)?;
    let tls = match &options.tls {
        Some((cert, key)) => Some(listen::acceptor(cert, key).map_err(start)?),
        None => None,
    };
    let server = Arc::new(Server::new(&options, users).map_err(start)?);
    // Open the full session before listening: a warehouse with no data is refused at start, and
    // the first client does not wait for it.
    server
        .contexts
        .get(&Scope::All, options.as_of)
        .await
        .map_err(start)?;
    let listener = TcpListener::bind(addrs.as_slice())
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))
        .map_err(start)?;
    log::listening(
        listener.local_addr()?,
        tls.is_some(),
        server.users.get().users.len(),
    );
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    log::failed(listener.local_addr()?, &e);
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let permit = server.slots.clone().try_acquire_owned().ok();
        let handlers = Connection::new(server.clone(), Arc::new(ConnState::new(peer, permit)));
        let tls = tls.clone();
        tokio::spawn(async move {
            if let Err(e) = pgwire::tokio::process_socket(socket, tls, handlers).await {
                log::failed(peer, &e);
            }
        });
    }
    Ok(())
}

impl Server {
    fn new(options: &Options, users: LiveUsers) -> anyhow::Result<Server> {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = SERVER_VERSION.to_owned();
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        let mut secret = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
            .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
        Ok(Server {
            users,
            contexts: Contexts::new(
                Warehouse::new(&options.warehouse),
                options.thresholds.clone(),
                options.queries.clone(),
            ),
            default_as_of: options.as_of,
            statement_timeout: options.statement_timeout,
            max_connections: options.max_connections,
            slots: Arc::new(Semaphore::new(options.max_connections)),
            cancels: Arc::new(CancelRegistry::default()),
            parser: PostgresCompatibilityParser::new(),
            pids: RandomPidSecretKeyGenerator::default(),
            parameters,
            queries: options.queries.clone(),
            mock_key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret),
        })
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async {
                match term.as_mut() {
                    Some(t) => { t.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
