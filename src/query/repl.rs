//! The interactive SQL prompt: line editing and history, statements over several lines until a
//! `;`, and backslash commands to explore the warehouse.

use std::io::Write;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::Session;
use super::exec::{SqlError, run_sql};
use super::print_format::Format;

const HELP: &str = "\
Type SQL ending with ; to run it (statements may span lines). Commands:
  \\d          list the tables and views, with what each holds
  \\d NAME     describe the columns of a table or view
  \\format F   print results as table, csv or json
  \\q          quit (also Ctrl-D)
  \\?          this help
Try:  SELECT * FROM params;
      SELECT * FROM training_compliance WHERE period_end = (SELECT period_end FROM params);";

/// Runs the prompt until `\q` or end of input.
pub async fn run(session: &Session, mut format: Format) -> anyhow::Result<()> {
    let mut editor = DefaultEditor::new()?;
    let history =
        std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".safeguard_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    println!(
        "safeguard {} SQL on snapshot {} (as of {}). \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION"),
        session.manifest().snapshot,
        as_of(session).await
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "safeguard> "
        } else {
            "       ..> "
        };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && trimmed.starts_with('\\') {
            let _ = editor.add_history_entry(trimmed);
            match command(session, trimmed, &mut format).await {
                Some(Ok(())) => {}
                Some(Err(e)) => eprintln!("error: {e:#}"),
                None => break,
            }
            continue;
        }
        if trimmed.is_empty() && buffer.is_empty() {
            continue;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if !trimmed.ends_with(';') {
            continue;
        }
        let sql = std::mem::take(&mut buffer);
        let _ = editor.add_history_entry(sql.trim());
        let mut out = std::io::stdout().lock();
        match run_sql(session, &sql, format, &mut out).await {
            Ok(_) => {}
            Err(SqlError::Output(e)) => eprintln!("error: {e:#}"),
            Err(e) => eprintln!("error: {e}"),
        }
        let _ = out.flush();
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(())
}

async fn as_of(session: &Session) -> String {
    let Ok(df) = session
        .ctx()
        .sql("SELECT CAST(as_of AS VARCHAR) FROM params")
        .await
    else {
        return "?".into();
    };
    let Ok(batches) = df.collect().await else {
        return "?".into();
    };
    batches
        .first()
        .and_then(|b| datafusion::arrow::util::display::array_value_to_string(b.column(0), 0).ok())
        .unwrap_or_else(|| "?".into())
}

/// Runs a backslash command; `None` means quit.
async fn command(session: &Session, line: &str, format: &mut Format) -> Option<anyhow::Result<()>> {
    let mut words = line.split_whitespace();
    let name = words.next().unwrap_or_default();
    let arg = words.next();
    Some(match (name, arg) {
        ("\\q", _) | ("\\quit", _) => return None,
        ("\\?", _) | ("\\h", _) | ("\\help", _) => {
            println!("{HELP}");
            Ok(())
        }
        ("\\d", None) => {
            let width = session
                .catalog()
                .iter()
                .map(|(n, _)| n.len())
                .max()
                .unwrap_or(0);
            for (n, about) in session.catalog() {
                println!("{n:<width$}  {about}");
            }
            Ok(())
        }
        ("\\d", Some(table)) => describe(session, table, *format).await,
        ("\\format", Some(f)) => match <Format as clap::ValueEnum>::from_str(f, true) {
            Ok(Format::Parquet) | Err(_) => Err(anyhow::anyhow!(
                "unknown format {f}: use table, csv or json"
            )),
            Ok(f) => {
                *format = f;
                Ok(())
            }
        },
        _ => Err(anyhow::anyhow!(
            "unknown command {line}: \\? lists the commands"
        )),
    })
}

async fn describe(session: &Session, table: &str, format: Format) -> anyhow::Result<()> {
    if !session.has(table) {
        anyhow::bail!("no table or view named {table}: \\d lists them");
    }
    let sql = format!(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns \
         WHERE table_name = '{table}' ORDER BY ordinal_position"
    );
    let mut out = std::io::stdout().lock();
    run_sql(session, &sql, format, &mut out)
        .await
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("{e}"))
}
