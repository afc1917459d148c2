//! One client connection: its pgwire handlers (start-up, simple and extended queries, cancel),
//! who logged in, and how each statement is answered in that user's context at the session's
//! as_of, under the statement's limits.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldInfo, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireServerHandlers, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::startup::ParameterStatus;
use pgwire::types::format::FormatOptions;
use tokio::sync::OwnedSemaphorePermit;

use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::sqlparser::ast::Statement;

use super::Server;
use super::auth::ScramStartup;
use super::contexts::Served;
use super::execute;
use super::limits::{Canceller, Registration, Stop};
use super::settings;
use super::statement::{Kind, classify, error};
use crate::query::scope::Scope;

/// Who is logged in on a connection.
#[derive(Debug, Clone)]
pub struct Login {
    pub user: String,
    pub scope: Scope,
}

/// What the handlers of one connection share.
pub struct ConnState {
    pub peer: SocketAddr,
    /// A place among `--max-connections`; none: the connection is refused at start-up.
    permit: Option<OwnedSemaphorePermit>,
    login: OnceLock<Login>,
    registration: Mutex<Option<Registration>>,
}

impl ConnState {
    pub fn new(peer: SocketAddr, permit: Option<OwnedSemaphorePermit>) -> ConnState {
        ConnState {
            peer,
            permit,
            login: OnceLock::new(),
            registration: Mutex::new(None),
        }
    }

    /// Whether the connection has a place among `--max-connections`.
    pub fn admitted(&self) -> bool {
        self.permit.is_some()
    }

    pub fn logged_in(&self, login: Login, registration: Registration) {
        let _ = self.login.set(login);
        *self.registration.lock().expect("registration") = Some(registration);
    }

    fn login(&self) -> PgWireResult<&Login> {
        self.login
            .get()
            .ok_or_else(|| error("28000", "not logged in".into()))
    }

    /// The stop signals of a statement starting now.
    fn stop(&self, server: &Server, settings: &std::collections::HashMap<String, String>) -> Stop {
        let token = match &*self.registration.lock().expect("registration") {
            Some(r) => r.slot.begin(),
            None => Default::default(),
        };
        let mut stop = Stop::new(settings::timeout(settings, server.statement_timeout), token);
        if let Some(login) = self.login.get() {
            stop.who = Some((login.user.clone(), self.peer));
        }
        stop
    }
}

impl Drop for ConnState {
    fn drop(&mut self) {
        if let Some(login) = self.login.get() {
            super::log::disconnected(&login.user, self.peer);
        }
    }
}

/// The pgwire handlers of one connection.
pub struct Connection {
    startup: Arc<ScramStartup>,
    queries: Arc<Queries>,
    canceller: Arc<Canceller>,
}

impl Connection {
    pub fn new(server: Arc<Server>, conn: Arc<ConnState>) -> Connection {
        Connection {
            startup: Arc::new(ScramStartup::new(server.clone(), conn.clone())),
            canceller: Arc::new(Canceller(server.cancels.clone())),
            queries: Arc::new(Queries {
                parser: Arc::new(Parser {
                    server: server.clone(),
                    conn: conn.clone(),
                }),
                server,
                conn,
            }),
        }
    }
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }

    fn cancel_handler(&self) -> Arc<impl pgwire::api::cancel::CancelHandler> {
        self.canceller.clone()
    }
}

/// A statement parsed (and for a query, planned) by the extended protocol's Parse message.
#[derive(Clone)]
pub struct Prepared {
    statement: Statement,
    kind: Kind,
    plan: Option<(Arc<Served>, LogicalPlan)>,
}

/// The query handlers of one connection.
pub struct Queries {
    server: Arc<Server>,
    conn: Arc<ConnState>,
    parser: Arc<Parser>,
}

/// The extended protocol's parser: plans at Parse, so Describe can answer with the columns.
pub struct Parser {
    server: Arc<Server>,
    conn: Arc<ConnState>,
}

impl Server {
    /// The context a query of `login` runs in now, at the session's as_of.
    async fn context(
        &self,
        login: &Login,
        settings: &std::collections::HashMap<String, String>,
    ) -> PgWireResult<Arc<Served>> {
        let as_of = settings::as_of(settings, self.default_as_of);
        self.contexts
            .get(&login.scope, as_of)
            .await
            .map_err(|e| error("58000", format!("{e:#}")))
    }

    fn parse(&self, sql: &str) -> PgWireResult<Vec<Statement>> {
        super::statement::parse(&self.parser, sql)
    }
}

/// Logs refusals (25006, 42501) with who asked; passes the error on.
fn logged(conn: &ConnState, e: PgWireError) -> PgWireError {
    let info: ErrorInfo = e.into();
    if info.code == "25006" || info.code == "42501" {
        let user = conn.login.get().map_or("", |l| l.user.as_str());
        super::log::refused(user, conn.peer, &info.code, &info.message);
    }
    PgWireError::UserError(Box::new(info))
}

impl Queries {
    /// Answers one statement. `prepared` is the plan made at Parse, used if its context is still
    /// the one this query would get.
    async fn answer<C>(
        &self,
        client: &mut C,
        statement: &Statement,
        kind: &Kind,
        prepared: Option<&(Arc<Served>, LogicalPlan)>,
        portal: Option<&Portal<Prepared>>,
        format: &Format,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let login = self.conn.login()?.clone();
        if client.transaction_status() == TransactionStatus::Error
            && !matches!(kind, Kind::Commit | Kind::Rollback)
        {
            return Err(error(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block"
                    .into(),
            ));
        }
        Ok(match kind {
            Kind::Query => {
                let served = self.server.context(&login, client.metadata()).await?;
                let scoped = login.scope != Scope::All;
                let mut plan = match prepared {
                    Some((at, plan)) if Arc::ptr_eq(at, &served) => plan.clone(),
                    _ => execute::plan(&served, statement, scoped).await?,
                };
                if let Some(portal) = portal {
                    let types = execute::parameter_types(&plan)?;
                    let types: Vec<_> = types.iter().map(Option::as_ref).collect();
                    let values = arrow_pg::datatypes::df::deserialize_parameters_with_server_types(
                        portal,
                        &types,
                        &[],
                    )?;
                    plan = plan
                        .replace_params_with_values(&values)
                        .map_err(execute::query_error)?;
                }
                let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                let stop = self.conn.stop(&self.server, client.metadata());
                Response::Query(
                    execute::run(served, plan, format, options, stop, &self.server.queries).await?,
                )
            }
            Kind::Set(set) => {
                let applied =
                    settings::set(set, client.metadata_mut(), self.server.statement_timeout)?;
                if let Some((name, value)) = applied.report {
                    client
                        .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                            name, value,
                        )))
                        .await?;
                }
                Response::Execution(Tag::new("SET"))
            }
            Kind::Show(name) => {
                let value = settings::show(
                    name,
                    client.metadata(),
                    self.server.default_as_of,
                    self.server.statement_timeout,
                )
                .ok_or_else(|| {
                    error(
                        "42704",
                        format!("unrecognized configuration parameter \"{name}\""),
                    )
                })?;
                Response::Query(execute::single_value(name, &value, format)?)
            }
            Kind::Reset(name) => {
                settings::reset(name.as_deref(), client.metadata_mut());
                let tag = if matches!(statement, Statement::Discard { .. }) {
                    "DISCARD ALL"
                } else {
                    "RESET"
                };
                Response::Execution(Tag::new(tag))
            }
            Kind::Begin => Response::TransactionStart(Tag::new("BEGIN")),
            Kind::Commit if client.transaction_status() == TransactionStatus::Error => {
                Response::TransactionEnd(Tag::new("ROLLBACK"))
            }
            Kind::Commit => Response::TransactionEnd(Tag::new("COMMIT")),
            Kind::Rollback => Response::TransactionEnd(Tag::new("ROLLBACK")),
        })
    }
}

#[async_trait]
impl SimpleQueryHandler for Queries {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statements = self.server.parse(query)?;
        if statements.is_empty() {
            return Ok(vec![Response::EmptyQuery]);
        }
        let mut responses = vec![];
        for statement in &statements {
            let answer = match classify(statement) {
                Ok(kind) => {
                    self.answer(client, statement, &kind, None, None, &Format::UnifiedText)
                        .await
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(response) => responses.push(response),
                Err(e) => {
                    // Earlier statements' answers stand; this one's error ends the query.
                    let info: ErrorInfo = logged(&self.conn, e).into();
                    responses.push(Response::Error(Box::new(info)));
                    break;
                }
            }
        }
        Ok(responses)
    }
}

#[async_trait]
impl ExtendedQueryHandler for Queries {
    type Statement = Prepared;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Prepared>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        self.answer(
            client,
            &prepared.statement,
            &prepared.kind,
            prepared.plan.as_ref(),
            Some(portal),
            &portal.result_column_format,
        )
        .await
        .map_err(|e| logged(&self.conn, e))
    }
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let result = async {
            let mut statements = self.server.parse(sql)?;
            if statements.len() > 1 {
                return Err(error(
                    "42601",
                    "cannot insert multiple commands into a prepared statement".into(),
                ));
            }
            let Some(statement) = statements.pop() else {
                return Ok(None);
            };
            let kind = classify(&statement)?;
            let plan = match kind {
                Kind::Query => {
                    let login = self.conn.login()?;
                    let served = self.server.context(login, client.metadata()).await?;
                    let plan =
                        execute::plan(&served, &statement, login.scope != Scope::All).await?;
                    Some((served, plan))
                }
                _ => None,
            };
            Ok(Some(Prepared {
                statement,
                kind,
                plan,
            }))
        };
        result.await.map_err(|e| logged(&self.conn, e))
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        match &stmt.plan {
            Some((_, plan)) => execute::parameter_wire_types(plan),
            None => Ok(vec![]),
        }
    }

    fn get_result_schema(
        &self,
        stmt: &Prepared,
        format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        let format = format.unwrap_or(&Format::UnifiedText);
        match (&stmt.kind, &stmt.plan) {
            (Kind::Query, Some((_, plan))) => execute::fields(plan, format),
            (Kind::Show(name), _) => Ok(vec![execute::text_field(name, format.format_for(0))]),
            _ => Ok(vec![]),
        }
    }
}
