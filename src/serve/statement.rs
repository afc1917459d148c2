//! What a client may send: queries (`SELECT`, `WITH`, `VALUES`, `EXPLAIN`, `DESCRIBE`,
//! `SHOW TABLES` and the catalog queries clients send), `SET` and `SHOW` of session settings,
//! and the transaction statements drivers wrap queries in (accepted, and meaningless on a
//! read-only warehouse). Anything else is refused with SQLSTATE 25006 before it is planned;
//! queries are checked again once planned, so nothing that writes runs whatever its syntax.

use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::sqlparser::ast::{Set, Statement};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

use crate::query::exec::{read_only_refusal, statement_words};
use crate::query::parse_budget;

/// Parses what a client sent as the pg-catalog parser does (its rewrites of the catalog
/// queries clients send, then ours), refusing first what would keep the parser busy for hours
/// before any `statement_timeout` applied (54001, PostgreSQL's "statement too complex").
pub fn parse(parser: &PostgresCompatibilityParser, sql: &str) -> PgWireResult<Vec<Statement>> {
    if parse_budget::runs_away(PostgreSqlDialect {}, sql) {
        return Err(error("54001", parse_budget::TOO_COMPLEX.into()));
    }
    let statements = parser
        .parse(sql)
        .map_err(|e| error("42601", format!("syntax error: {e}")))?;
    Ok(statements
        .into_iter()
        .map(super::catalog_rules::rewrite)
        .collect())
}

/// The statements the server answers, by how it answers them.
#[derive(Debug, Clone)]
pub enum Kind {
    /// Planned and run by DataFusion in the user's context.
    Query,
    /// A session setting (settings.rs decides which).
    Set(Box<Set>),
    /// `SHOW name` of a setting.
    Show(String),
    /// `RESET name`, `RESET ALL`, `DISCARD ALL`: settings back to the server's.
    Reset(Option<String>),
    Begin,
    Commit,
    Rollback,
}

/// Sorts a parsed statement, or refuses it (25006, naming it as written).
pub fn classify(statement: &Statement) -> Result<Kind, PgWireError> {
    Ok(match statement {
        Statement::Query(_) | Statement::ExplainTable { .. } => Kind::Query,
        Statement::Explain { statement, .. } if matches!(**statement, Statement::Query(_)) => {
            Kind::Query
        }
        Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowCatalogs { .. } => Kind::Query,
        Statement::ShowVariable { variable } => Kind::Show(setting_name(variable)),
        Statement::Set(set) => Kind::Set(Box::new(set.clone())),
        Statement::Reset(reset) => Kind::Reset(match &reset.reset {
            datafusion::sql::sqlparser::ast::Reset::ALL => None,
            datafusion::sql::sqlparser::ast::Reset::ConfigurationParameter(name) => {
                Some(name.to_string())
            }
        }),
        Statement::Discard { object_type } if object_type.to_string() == "ALL" => Kind::Reset(None),
        Statement::StartTransaction { .. } => Kind::Begin,
        Statement::Commit { .. } => Kind::Commit,
        Statement::Rollback {
            savepoint: None, ..
        } => Kind::Rollback,
        other => return Err(refusal(&other.to_string())),
    })
}

/// The name a `SHOW` asks for. The parser keeps the words and drops the dots, so `SHOW a.b` and
/// `SHOW a b` look alike: PostgreSQL's few names of several words are known, and the rest are
/// dotted names (`safeguard.as_of`).
fn setting_name(words: &[datafusion::sql::sqlparser::ast::Ident]) -> String {
    let words: Vec<String> = words.iter().map(|w| w.value.to_lowercase()).collect();
    const SPACED: &[&[&str]] = &[
        &["time", "zone"],
        &["transaction", "isolation", "level"],
        &["session", "authorization"],
    ];
    if SPACED.iter().any(|s| *s == words.as_slice()) {
        words.join(" ")
    } else {
        words.join(".")
    }
}

/// The read-only refusal of the statement whose text is `sql`.
pub fn refusal(sql: &str) -> PgWireError {
    error(
        "25006",
        read_only_refusal("safeguard serve", &statement_words(sql)),
    )
}

/// Checks a planned query: nothing that defines, changes or sets anything, and for a scoped
/// user no `EXPLAIN ANALYZE` or `EXPLAIN VERBOSE`, whose row counts and statistics are taken
/// before the organisation filter.
pub fn check_plan(plan: &LogicalPlan, sql: &str, scoped: bool) -> Result<(), PgWireError> {
    let read_only = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    if read_only.verify_plan(plan).is_err() {
        return Err(refusal(sql));
    }
    let detailed = match plan {
        LogicalPlan::Analyze(_) => true,
        LogicalPlan::Explain(explain) => explain.verbose,
        _ => false,
    };
    if scoped && detailed {
        return Err(error(
            "42501",
            "EXPLAIN ANALYZE and EXPLAIN VERBOSE are not available to a user scoped to some \
             organisations: their row counts include other organisations' rows (plain EXPLAIN \
             works)"
                .into(),
        ));
    }
    Ok(())
}

/// An ERROR with a SQLSTATE.
pub fn error(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        code.into(),
        message,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

    fn kind(sql: &str) -> Result<Kind, String> {
        let statements = PostgresCompatibilityParser::new().parse(sql).unwrap();
        classify(&statements[0]).map_err(|e| {
            let info: ErrorInfo = e.into();
            format!("{} {}", info.code, info.message)
        })
    }

    #[test]
    fn queries_settings_and_transactions_pass() {
        for sql in [
            "SELECT 1",
            "WITH a AS (SELECT 1) SELECT * FROM a",
            "EXPLAIN SELECT 1",
            "SHOW TABLES",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
        ] {
            assert!(kind(sql).is_ok(), "{sql}: {:?}", kind(sql));
        }
        assert!(matches!(
            kind("SET safeguard.year = '2024/25'"),
            Ok(Kind::Set(_))
        ));
        assert!(
            matches!(kind("SHOW safeguard.as_of"), Ok(Kind::Show(n)) if n == "safeguard.as_of")
        );
        assert!(matches!(kind("DISCARD ALL"), Ok(Kind::Reset(None))));
    }

    #[test]
    fn writes_are_refused_by_name() {
        for (sql, words) in [
            ("COPY staff TO '/tmp/x.csv'", "COPY"),
            ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
            ("insert  into staff values (1)", "INSERT INTO"),
            ("DROP TABLE staff", "DROP TABLE"),
            (
                "EXPLAIN ANALYZE DELETE FROM staff",
                "EXPLAIN ANALYZE DELETE FROM",
            ),
            ("DECLARE c CURSOR FOR SELECT 1", "DECLARE"),
        ] {
            let err = kind(sql).unwrap_err();
            assert!(err.starts_with("25006 "), "{sql}: {err}");
            assert!(
                err.contains(&format!("read-only: {words} is not allowed")),
                "{sql}: {err}"
            );
        }
    }
}
