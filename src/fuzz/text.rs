//! The text entry points: the narrative's Markdown converter and `sql`'s read-only check.

use std::sync::{Arc, OnceLock};

use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;

use crate::contract;
use crate::narrative::{Figures, Inputs, Slot, read_slot};
use crate::query::exec::{SqlError, plan_read_only, split, statement_words};

/// A narrative slot's text, read as the cover sheet (front matter and all) and as an ordinary
/// chapter: every problem has a line inside the text and a sentence; what converts becomes the
/// JSON the templates receive (the narrative reaches Typst as data, never as markup).
pub fn narrative(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut figures = Figures::new();
    figures.insert("training_compliance", "87.5%");
    let is_staff_id = |w: &str| w == "SG1234567";
    let inputs = Inputs {
        figures: &figures,
        is_staff_id: &is_staff_id,
    };
    // No image can be read from a folder that does not exist: every image is a problem.
    let dir = std::path::Path::new("/nonexistent/safeguard-fuzz");
    let lines = text.split('\n').count();
    let mut clean = false;
    for slot in [Slot::Cover, Slot::ALL[1]] {
        let (blocks, cover, problems) = read_slot(slot, text, dir, &inputs);
        for (line, reason) in &problems {
            if let Some(line) = line {
                assert!(
                    (1..=lines).contains(line),
                    "a problem on line {line} of a {lines}-line text: {reason}"
                );
            }
            assert!(!reason.to_string().trim().is_empty(), "a silent problem");
        }
        serde_json::to_value(&blocks).expect("blocks become JSON");
        if let Some(cover) = cover {
            serde_json::to_value(&cover.blocks).expect("the cover becomes JSON");
        }
        clean |= problems.is_empty();
    }
    clean
}

/// Text given to `sql`: split into statements, each named by its first words and planned
/// against the contract's tables (empty) under the read-only check; and parsed as `serve`
/// parses what a client sends. A statement that starts with a writing command is never planned
/// as read-only. Returns whether a statement planned.
pub fn sql(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let _ = statement_words(text);
    // `serve`'s parse, which refuses a runaway statement before its real parse.
    #[cfg(feature = "serve")]
    if let Err(e) = crate::serve::parse(serve_parser(), text) {
        let info = pgwire::error::ErrorInfo::from(e);
        assert!(["42601", "54001"].contains(&info.code.as_str()), "{info:?}");
    }
    let Ok(statements) = split(text) else {
        return false;
    };
    let mut planned = false;
    for statement in statements {
        let words = statement_words(&statement.to_string());
        assert!(!words.contains('\n'), "a statement named across lines");
        let runtime = runtime();
        match runtime.block_on(plan_read_only(context(), statement)) {
            Ok(_) => {
                let first = words.split(' ').next().unwrap_or("");
                assert!(
                    !WRITING.contains(&first),
                    "{words:?} was planned as read-only"
                );
                planned = true;
            }
            Err(SqlError::ReadOnly(named)) => {
                assert!(!named.is_empty(), "a refusal naming nothing")
            }
            Err(e) => assert!(!e.to_string().trim().is_empty(), "a silent SQL error"),
        }
    }
    planned
}

/// Commands that write or change the session, by the word `statement_words` names them with.
const WRITING: &[&str] = &[
    "ALTER", "COPY", "CREATE", "DELETE", "DROP", "INSERT", "SET", "TRUNCATE", "UPDATE",
];

/// `serve`'s parser, made once (it tokenizes its rewrite patterns when made).
#[cfg(feature = "serve")]
fn serve_parser() -> &'static datafusion_pg_catalog::sql::PostgresCompatibilityParser {
    static PARSER: OnceLock<datafusion_pg_catalog::sql::PostgresCompatibilityParser> =
        OnceLock::new();
    PARSER.get_or_init(Default::default)
}

/// A session with every contract dataset as an empty table, made once.
fn context() -> &'static SessionContext {
    static CONTEXT: OnceLock<SessionContext> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let ctx = SessionContext::new();
        for def in contract::DATASETS {
            let schema = contract::arrow::warehouse_schema(def, &[]);
            let table = MemTable::try_new(schema, vec![vec![]]).expect("an empty table");
            ctx.register_table(def.name, Arc::new(table))
                .expect("a table registers");
        }
        ctx
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}
