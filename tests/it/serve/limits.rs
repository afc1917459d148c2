//! `serve`'s limits: connections, the statement timeout, a client's cancel, a statement too
//! complex to parse, and a million-row result streamed in bounded memory.

use std::time::Duration;

use serde_json::json;

use super::sample;
use super::server::{ANALYST, Outcome, Site, python};
use super::wire::Wire;

#[test]
fn connections_are_limited_and_statements_time_out_or_cancel() {
    let site = Site::new();
    let server = site.serve(
        &sample(),
        &["--max-connections", "3", "--statement-timeout", "3"],
    );
    let mut held: Vec<Wire> = (0..3)
        .map(|_| Wire::login(server.port, ANALYST.0, ANALYST.1))
        .collect();
    let mut fourth = Wire::start(server.port, ANALYST.0);
    let refused = fourth.next().and_then(|m| m.error());
    assert_eq!(
        refused,
        Some((
            "53300".to_owned(),
            "sorry, too many clients already".to_owned()
        ))
    );
    let log = server.log_once("connection refused");
    assert!(log.contains("connection refused"), "{log}");
    // A place comes free when a client leaves.
    held.pop();
    std::thread::sleep(Duration::from_millis(200));
    held.push(Wire::login(server.port, ANALYST.0, ANALYST.1));
    drop(held);
    std::thread::sleep(Duration::from_millis(200));

    let conninfo = server.conninfo(ANALYST, "");

    // A billion pairs of training records: minutes of work in a join that makes thousands of
    // batches from each one it reads.
    let slow = "SELECT count(*) FROM training a, training b WHERE a.hours + b.hours > -1";
    let timed = python("cancel", &conninfo, &json!({ "query": slow, "after": 60 }));
    assert_stopped(&timed, "statement timeout", 10.0);
    let cancelled = python("cancel", &conninfo, &json!({ "query": slow, "after": 0.5 }));
    assert_stopped(&cancelled, "user request", 2.5);
    let log = server.log_once("statement stopped: user \"analyst\"");
    assert!(log.contains("statement stopped: user \"analyst\""), "{log}");

    // A statement the SQL parser would backtrack over for hours, before any statement_timeout
    // applies: refused as too complex, over the extended protocol (psycopg) and the simple one
    // (psql), and the connection goes on.
    let runaway = format!("SELECT {}[", ["a"; 40].join("."));
    let out = server.run(ANALYST, &[&runaway, "SELECT 42"]);
    assert_eq!(out[0].sqlstate(), "54001", "{:?}", out[0]);
    match &out[1] {
        Outcome::Rows { rows, .. } => assert_eq!(rows, &[[Some("42".to_owned())]]),
        other => panic!("after the refusal: {other:?}"),
    }
    let psql = server.psql(ANALYST.0, Some(ANALYST.1), "", &["-c", &runaway]);
    assert_ne!(psql.code, 0, "{psql:?}");
    assert!(
        psql.stderr.contains("too complex to parse"),
        "{}",
        psql.stderr
    );
}

#[test]
fn a_million_row_result_streams_in_bounded_memory() {
    let site = Site::new();
    let server = site.serve(&sample(), &[]);
    let query = "SELECT t.*, m.month_end FROM training t CROSS JOIN month_ends m";
    let count = server.rows(ANALYST, &format!("SELECT count(*) FROM ({query}) q"));
    let rows: u64 = count[0][0].as_deref().unwrap().parse().unwrap();
    assert!(rows >= 1_000_000, "{rows} rows");
    let (_, before) = server.memory_kib();
    let out = tempfile::NamedTempFile::new().unwrap();
    let run = server.psql(
        ANALYST.0,
        Some(ANALYST.1),
        "",
        &["-A", "-t", "-o", out.path().to_str().unwrap(), "-c", query],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let bytes = std::fs::metadata(out.path()).unwrap().len();
    let (_, after) = server.memory_kib();
    let grew = (after.saturating_sub(before)) * 1024;
    eprintln!("streamed {rows} rows, {bytes} bytes; server peak memory grew {grew} bytes");
    assert!(
        grew < bytes / 4,
        "the server's peak memory grew {grew} bytes for {bytes} bytes of rows"
    );
}

/// A statement the server stopped (SQLSTATE 57014, for `reason`) within `seconds`, after which
/// the same connection answered its next statement (42) within 2 s.
fn assert_stopped(result: &serde_json::Value, reason: &str, seconds: f64) {
    assert_eq!(result["error"]["sqlstate"], "57014", "{result}");
    let message = result["error"]["message"].as_str().unwrap();
    assert!(message.contains(reason), "{result}");
    assert!(result["seconds"].as_f64().unwrap() < seconds, "{result}");
    assert_eq!(result["after"], 42, "{result}");
    assert!(result["after_seconds"].as_f64().unwrap() < 2.0, "{result}");
}
