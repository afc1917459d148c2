//! The one path every SQL statement takes, from the views, `-c`, `-f`, the REPL or the report:
//! split by DataFusion's parser, planned, checked read-only, executed and printed (or, for the
//! report, collected).

use std::io::Write;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;

use super::Session;
use super::print_format::{self, Format};

/// Why a statement did not run.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The statement would change something; the warehouse is written only by `load`.
    #[error(
        "safeguard sql is read-only: {0} is not allowed (the warehouse changes only through `safeguard load`)"
    )]
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

/// What kind of writing statement a plan is, for the refusal message (`DropView` as DROP VIEW).
fn writing_kind(plan: &LogicalPlan) -> String {
    let name = match plan {
        LogicalPlan::Ddl(ddl) => ddl.name().to_owned(),
        LogicalPlan::Dml(dml) => format!("{}", dml.op),
        LogicalPlan::Copy(_) => "COPY".to_owned(),
        LogicalPlan::Statement(s) => s.name().to_owned(),
        other => other.display().to_string(),
    };
    let mut words = String::new();
    for (i, c) in name.chars().enumerate() {
        if i > 0 && c.is_uppercase() {
            words.push(' ');
        }
        words.push(c.to_ascii_uppercase());
    }
    words
}

/// Splits `sql` into statements with DataFusion's own parser (never by hand, so `;` inside
/// strings and comments is safe).
pub fn split(sql: &str) -> Result<Vec<datafusion::sql::parser::Statement>, SqlError> {
    DFParser::parse_sql_with_dialect(sql, &GenericDialect {})
        .map(Vec::from)
        .map_err(query_error)
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
    let read_only = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let plan = session
        .ctx()
        .state()
        .statement_to_plan(statement)
        .await
        .map_err(query_error)?;
    if read_only.verify_plan(&plan).is_err() {
        return Err(SqlError::ReadOnly(writing_kind(&plan)));
    }
    session
        .ctx()
        .execute_logical_plan(plan)
        .await
        .map_err(query_error)
}
