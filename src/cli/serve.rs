//! `safeguard serve` (the PostgreSQL wire endpoint), `serve add-user` and `serve remove-user`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::args::WarehouseArgs;
use super::{Failure, exit};
use crate::config::Config;
use crate::serve::users::{self, MIN_PASSWORD_CHARS, User, Users, Verifier};
use crate::serve::{Options, Scope, StartError};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeCommand {
    #[command(subcommand)]
    pub action: Option<ServeAction>,
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// The address to listen on; without TLS only loopback addresses are allowed
    /// [default: 127.0.0.1:5433, or `listen` in [serve] of the configuration]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    #[command(flatten)]
    pub users: UsersArgs,
    /// TLS certificate chain (PEM); with --tls-key, clients may require TLS (sslmode=require)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Clients connected at once; more are refused (SQLSTATE 53300) [default: 64]
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// A statement running longer is cancelled (SQLSTATE 57014) [default: 300]
    #[arg(long, value_name = "SECONDS")]
    pub statement_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// The users file [default: serve_users.toml beside the configuration, or `users` in
    /// [serve] of the configuration]
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ServeAction {
    /// Add a user (or replace one of the same name), asking for the password.
    ///
    /// Reads the password twice from the terminal, or once from standard input when it is not
    /// a terminal (`printf '%s\n' "$PASSWORD" | safeguard serve add-user NAME --all`). Only a
    /// SCRAM-SHA-256 verifier is stored; the file is created readable by its owner only.
    AddUser(AddUserCommand),
    /// Remove a user. A running server reads the users file again at the next login; the
    /// user's open connections last until they disconnect.
    RemoveUser(RemoveUserCommand),
}

#[derive(Debug, Args)]
pub struct AddUserCommand {
    /// The user name clients log in with
    pub name: String,
    /// The user sees everything `safeguard sql` shows
    #[arg(
        long,
        conflicts_with = "organisations",
        required_unless_present = "organisations"
    )]
    pub all: bool,
    /// The user sees only these organisations' rows (ODS codes, comma-separated)
    #[arg(long, value_name = "CODE,CODE", value_delimiter = ',')]
    pub organisations: Vec<String>,
    #[command(flatten)]
    pub users: UsersArgs,
}

#[derive(Debug, Args)]
pub struct RemoveUserCommand {
    /// The user to remove
    pub name: String,
    #[command(flatten)]
    pub users: UsersArgs,
}

pub fn run(cmd: ServeCommand, config: &Config) -> anyhow::Result<u8> {
    match cmd.action {
        Some(ServeAction::AddUser(add)) => add_user(add, config),
        Some(ServeAction::RemoveUser(remove)) => remove_user(remove, config),
        None => serve(cmd, config),
    }
}

fn usage(message: String) -> anyhow::Error {
    Failure {
        code: exit::USAGE,
        message,
    }
    .into()
}

/// The users file: the flag, else `[serve] users`, else beside the configuration.
fn users_path(flag: &UsersArgs, config: &Config) -> PathBuf {
    match (&flag.users, &config.file.serve.users) {
        (Some(path), _) => path.clone(),
        (None, Some(key)) => config.path(None, Some(key), ""),
        (None, None) => users::default_path(config.source.as_deref()),
    }
}

fn serve(cmd: ServeCommand, config: &Config) -> anyhow::Result<u8> {
    let file = &config.file.serve;
    let params = super::params(
        config,
        &super::args::PeriodArgs {
            as_of: None,
            year: None,
        },
    )?;
    let tls = match (&cmd.tls_cert, &cmd.tls_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        _ => match (&file.tls_cert, &file.tls_key) {
            (Some(cert), Some(key)) => Some((
                config.path(None, Some(cert), ""),
                config.path(None, Some(key), ""),
            )),
            (None, None) => None,
            _ => {
                return Err(usage(
                    "[serve] in the configuration sets one of tls_cert and tls_key: set both, or neither"
                        .into(),
                ));
            }
        },
    };
    let max_connections = cmd.max_connections.or(file.max_connections).unwrap_or(64);
    if max_connections == 0 {
        return Err(usage("--max-connections must be at least 1".into()));
    }
    let timeout = cmd
        .statement_timeout
        .or(file.statement_timeout)
        .unwrap_or(300);
    if timeout == 0 {
        return Err(usage(
            "--statement-timeout must be at least 1 second".into(),
        ));
    }
    // Clients are answered on one runtime and queries computed on another, so a long
    // computation never delays a login, a cancel or a timeout.
    let io = tokio::runtime::Builder::new_multi_thread()
        .thread_name("serve-io")
        .enable_all()
        .build()?;
    let queries = tokio::runtime::Builder::new_multi_thread()
        .thread_name("serve-query")
        .enable_all()
        .build()?;
    let options = Options {
        warehouse: config.warehouse(cmd.warehouse.warehouse.as_deref()),
        listen: cmd
            .listen
            .or_else(|| file.listen.clone())
            .unwrap_or_else(|| "127.0.0.1:5433".into()),
        users: users_path(&cmd.users, config),
        tls,
        max_connections,
        statement_timeout: Duration::from_secs(timeout),
        as_of: params.as_of,
        thresholds: params.thresholds,
        queries: queries.handle().clone(),
    };
    let served = io.block_on(crate::serve::serve(options));
    // Work still running (a query past its deadline, say) is not waited for.
    queries.shutdown_background();
    io.shutdown_background();
    served.map_err(|e| match e.downcast::<StartError>() {
        Ok(start) => usage(start.to_string()),
        Err(other) => other,
    })?;
    Ok(exit::OK)
}

fn add_user(cmd: AddUserCommand, config: &Config) -> anyhow::Result<u8> {
    let path = users_path(&cmd.users, config);
    check_name(&cmd.name)?;
    let scope = if cmd.all {
        Scope::All
    } else {
        let codes = users::parse_codes(&cmd.organisations).map_err(|e| usage(format!("{e:#}")))?;
        Scope::organisations(codes).map_err(usage)?
    };
    let mut file = Users::read(&path).map_err(|e| usage(format!("{e:#}")))?;
    let password = read_password(&cmd.name)?;
    let verifier = Verifier::new(&password, users::ITERATIONS)?;
    let replaced = file
        .users
        .insert(
            cmd.name.clone(),
            User {
                scope: scope.clone(),
                verifier,
            },
        )
        .is_some();
    file.write(&path)?;
    eprintln!(
        "{} user {:?} ({}) in {}",
        if replaced { "replaced" } else { "added" },
        cmd.name,
        scope.describe(),
        path.display()
    );
    Ok(exit::OK)
}

fn remove_user(cmd: RemoveUserCommand, config: &Config) -> anyhow::Result<u8> {
    let path = users_path(&cmd.users, config);
    let mut file = Users::read(&path).map_err(|e| usage(format!("{e:#}")))?;
    if file.users.remove(&cmd.name).is_none() {
        return Err(usage(format!(
            "there is no user {:?} in {}",
            cmd.name,
            path.display()
        )));
    }
    file.write(&path)?;
    eprintln!("removed user {:?} from {}", cmd.name, path.display());
    Ok(exit::OK)
}

fn check_name(name: &str) -> anyhow::Result<()> {
    if name.is_empty() || name.len() > 63 || name.chars().any(|c| c.is_control()) {
        return Err(usage(format!(
            "{name:?} is not a user name: use 1 to 63 printable characters"
        )));
    }
    Ok(())
}

/// The new password: twice from the terminal, or once from standard input.
fn read_password(name: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {name}: "))?;
        let again = rpassword::prompt_password("the same password again: ")?;
        if first != again {
            return Err(usage(
                "the two passwords differ: nothing was changed".into(),
            ));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(usage(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters: nothing was changed"
        )));
    }
    Ok(password)
}
