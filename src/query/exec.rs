//! The one path every SQL statement takes, from the views, `-c`, `-f`, the REPL or the report:
//! split by DataFusion's parser, planned, checked read-only, executed and printed (or, for the
//! report, collected).

use std::io::Write;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::execution::context::{SQLOptions, SessionContext};
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;

use super::Session;
use super::parse_budget::{self, Budgeted};
use super::print_format::{self, Format};

/// Why a statement did not run.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The statement would change something; the warehouse is written only by `load`. Holds
    /// the statement's first words as written (`COPY`, `INSERT INTO`).
    #[error("{}", read_only_refusal("safeguard sql", .0))]
    ReadOnly(String),
    /// DataFusion rejected or failed the query.
    #[error("{0}")]
    Query(String),
    /// The result could not be written.
    #[error(transparent)]
    Output(#[from] anyhow::Error),
}

/// DataFusion's error as a sentence: no error-kind prefixes, no debug formatting, tables named
/// as the user wrote them.
fn query_error(e: DataFusionError) -> SqlError {
    let e = e.find_root();
    let text = match e {
        DataFusionError::SQL(inner, _) => format!("syntax error: {}", parser_message(inner)),
        other => other.strip_backtrace(),
    };
    let mut text = text.trim().replace("'datafusion.public.", "'");
    for prefix in [
        "Error during planning: ",
        "Schema error: ",
        "Execution error: ",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.to_owned();
        }
    }
    if text.starts_with("table '") && text.ends_with("not found") {
        text.push_str(" (\\d in the prompt lists the tables and views)");
    }
    SqlError::Query(text)
}

fn parser_message(e: &datafusion::sql::sqlparser::parser::ParserError) -> String {
    use datafusion::sql::sqlparser::parser::ParserError;
    match e {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => {
            m.replace("Line: ", "line ").replace("Column: ", "column ")
        }
        ParserError::RecursionLimitExceeded => "the statement is nested too deeply".to_owned(),
    }
}

/// Splits `sql` into statements with DataFusion's own parser (never by hand, so `;` inside
/// strings and comments is safe), on a budget so a malformed statement cannot hang it.
pub fn split(sql: &str) -> Result<Vec<datafusion::sql::parser::Statement>, SqlError> {
    let dialect = Budgeted::new(GenericDialect {}, sql);
    match DFParser::parse_sql_with_dialect(sql, &dialect) {
        Err(_) if dialect.spent() => Err(SqlError::Query(parse_budget::TOO_COMPLEX.to_owned())),
        parsed => parsed.map(Vec::from).map_err(query_error),
    }
}

/// Runs every statement of `sql` in order and prints each result; stops at the first error.
pub async fn run_sql(
    session: &Session,
    sql: &str,
    format: Format,
    out: &mut dyn Write,
) -> Result<usize, SqlError> {
    let mut ran = 0;
    for statement in split(sql)? {
        let df = execute(session, statement).await?;
        let schema = df.schema().inner().clone();
        let batches = df.collect().await.map_err(query_error)?;
        print_format::write(format, &schema, &batches, out)?;
        ran += 1;
    }
    Ok(ran)
}

/// Collects the result of one read-only query: the path the report's queries take, so they are
/// planned, refused if they write, and fail with the same sentences as `safeguard sql`.
pub async fn collect(session: &Session, sql: &str) -> Result<Vec<RecordBatch>, SqlError> {
    let mut statements = split(sql)?;
    let (Some(statement), None) = (statements.pop(), statements.pop()) else {
        return Err(SqlError::Query(format!(
            "expected one statement, not {}",
            statements.len() + 1
        )));
    };
    let df = execute(session, statement).await?;
    df.collect().await.map_err(query_error)
}

/// Plans one statement, refuses it if it would write, and starts it.
async fn execute(
    session: &Session,
    statement: datafusion::sql::parser::Statement,
) -> Result<DataFrame, SqlError> {
    let plan = plan_read_only(session.ctx(), statement).await?;
    session
        .ctx()
        .execute_logical_plan(plan)
        .await
        .map_err(query_error)
}

/// Plans one statement in `ctx`, refusing it (by the words it starts with) if it would write:
/// create, change or drop anything, copy out, or set an option.
pub async fn plan_read_only(
    ctx: &SessionContext,
    statement: datafusion::sql::parser::Statement,
) -> Result<LogicalPlan, SqlError> {
    let read_only = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let text = statement.to_string();
    let plan = ctx
        .state()
        .statement_to_plan(statement)
        .await
        .map_err(query_error)?;
    if read_only.verify_plan(&plan).is_err() {
        return Err(SqlError::ReadOnly(statement_words(&text)));
    }
    Ok(plan)
}

/// The sentence refusing a statement that would write, shared by `safeguard sql` and
/// `safeguard serve` (`program`): names the statement by the words it starts with.
pub fn read_only_refusal(program: &str, statement: &str) -> String {
    format!(
        "{program} is read-only: {statement} is not allowed (the warehouse changes only through \
         `safeguard load`)"
    )
}

/// The words a statement's text starts with, as a reader would name the statement: `COPY`,
/// `INSERT INTO`, `CREATE OR REPLACE VIEW`, `DROP TABLE IF EXISTS`, `SET datafusion.x.y`, or
/// `SELECT ... INTO` for a query that would create a table.
pub fn statement_words(sql: &str) -> String {
    use datafusion::sql::sqlparser::keywords::Keyword;
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
    const COMMAND: &[&str] = &[
        "ALTER",
        "ANALYZE",
        "ATTACH",
        "CALL",
        "CATALOG",
        "CHECKPOINT",
        "CLOSE",
        "CLUSTER",
        "COMMENT",
        "COPY",
        "CREATE",
        "DATABASE",
        "DEALLOCATE",
        "DECLARE",
        "DELETE",
        "DETACH",
        "DO",
        "DROP",
        "EXECUTE",
        "EXISTS",
        "EXPLAIN",
        "EXTERNAL",
        "FETCH",
        "FROM",
        "FUNCTION",
        "GRANT",
        "IF",
        "INDEX",
        "INSERT",
        "INSTALL",
        "INTO",
        "LISTEN",
        "LOAD",
        "LOCK",
        "MATERIALIZED",
        "MERGE",
        "NOT",
        "NOTIFY",
        "OR",
        "OVERWRITE",
        "PRAGMA",
        "PREPARE",
        "REFRESH",
        "REINDEX",
        "REPLACE",
        "REVOKE",
        "ROLE",
        "SCHEMA",
        "SEQUENCE",
        "TABLE",
        "TEMP",
        "TEMPORARY",
        "TRUNCATE",
        "UNBOUNDED",
        "UNLOAD",
        "UPDATE",
        "USE",
        "USER",
        "VACUUM",
        "VERBOSE",
        "VIEW",
    ];
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize()
        .unwrap_or_default();
    let mut tokens = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .peekable();
    let word = |t: &Token| match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    };
    let first = tokens.next();
    if matches!(first, Some(Token::LParen)) {
        return "SELECT ... INTO".to_owned();
    }
    let Some(first) = first.as_ref().and_then(word) else {
        return "this statement".to_owned();
    };
    match first.as_str() {
        "SELECT" | "WITH" | "VALUES" => return "SELECT ... INTO".to_owned(),
        "SET" | "RESET" | "SHOW" => {
            // The setting's name as written, up to `=`, TO or a value.
            let mut name = String::new();
            for t in tokens {
                match &t {
                    Token::Eq => break,
                    Token::Word(w) if w.keyword == Keyword::TO => break,
                    Token::Period => name.push('.'),
                    Token::Word(w) => {
                        if !name.is_empty() && !name.ends_with('.') {
                            name.push(' ');
                        }
                        name.push_str(&w.value);
                    }
                    _ => break,
                }
            }
            return if name.is_empty() {
                first
            } else {
                format!("{first} {name}")
            };
        }
        _ => {}
    }
    let mut words = vec![first];
    while let Some(w) = tokens.peek().and_then(word) {
        if words.len() == 5 || !COMMAND.contains(&w.as_str()) {
            break;
        }
        words.push(w);
        tokens.next();
    }
    words.join(" ")
}

#[cfg(test)]
mod refusal_tests {
    use super::*;

    #[test]
    fn statements_are_named_by_their_words() {
        for (sql, words) in [
            ("COPY (SELECT 1) TO '/tmp/x.csv'", "COPY"),
            ("insert  into organisations values (1)", "INSERT INTO"),
            (
                "CREATE OR REPLACE VIEW v AS SELECT 1",
                "CREATE OR REPLACE VIEW",
            ),
            ("DROP TABLE IF EXISTS staff", "DROP TABLE IF EXISTS"),
            ("DELETE FROM staff", "DELETE FROM"),
            (
                "SET datafusion.execution.batch_size = 1",
                "SET datafusion.execution.batch_size",
            ),
            ("SET TIME ZONE 'UTC'", "SET TIME ZONE"),
            ("SELECT * INTO t FROM staff", "SELECT ... INTO"),
            (
                "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
                "EXPLAIN ANALYZE INSERT INTO",
            ),
        ] {
            assert_eq!(statement_words(sql), words, "{sql}");
        }
        assert_eq!(
            read_only_refusal("safeguard sql", "COPY"),
            "safeguard sql is read-only: COPY is not allowed (the warehouse changes only through `safeguard load`)"
        );
    }
}
