//! `safeguard serve` with real clients: psql (`\dt`, `\dv`, `\d`, a query), psycopg 3 over TLS
//! (sslmode=require, a certificate made by openssl), a JDBC-style catalog probe; logins (SCRAM
//! only, wrong password and unknown user alike, no password, cleartext and MD5, a replayed
//! exchange); the users file and listening rules; session settings; and clients that keep
//! working while a load publishes a new snapshot. Scoping attacks are in `serve/scoping.rs`;
//! limits (connections, statement timeout, cancel, a statement too complex to parse, a
//! million-row result in bounded memory) in `serve/limits.rs`.

mod limits;
mod scoping;
mod server;
mod wire;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::util::{Run, copy_dir};
use server::{ANALYST, LEAD, Outcome, Site, python};
use wire::{ScramClient, Wire};

/// The shared sample warehouse (loaded once, read-only).
fn sample() -> PathBuf {
    crate::util::sample_scratch().join("w")
}

/// `safeguard sql` over `warehouse` with `args`, as CSV.
fn sql(warehouse: &Path, args: &[&str]) -> Run {
    crate::util::command(warehouse.parent().unwrap())
        .arg("sql")
        .arg("--warehouse")
        .arg(warehouse)
        .args(["--format", "csv"])
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn the_users_file_holds_verifiers_and_must_be_private() {
    let site = Site::new();
    let text = std::fs::read_to_string(site.users()).unwrap();
    assert!(
        !text.contains(ANALYST.1) && !text.contains(LEAD.1),
        "{text}"
    );
    assert_eq!(
        text.matches("verifier = \"SCRAM-SHA-256$4096:").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("organisations = [\"N4D\", \"N6F\"]"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(site.users())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Adding again replaces; the old password no longer works (checked below by logging in).
    let replaced = site.add_user(ANALYST.0, &["--all"], "a-new-password-3");
    assert!(
        replaced.stderr.contains("replaced user \"analyst\""),
        "{}",
        replaced.stderr
    );
    site.add_user(ANALYST.0, &["--all"], ANALYST.1);

    let short = run_with_stdin(&site, &["serve", "add-user", "x", "--all"], "short\n");
    assert_eq!(short.code, 2, "{short:?}");
    assert!(
        short.stderr.contains("at least 8 characters"),
        "{}",
        short.stderr
    );
    let neither = run_with_stdin(&site, &["serve", "add-user", "x"], "long-enough-1\n");
    assert_eq!(neither.code, 2, "{neither:?}");

    let start = |site: &Site| -> Run {
        site.command()
            .args(["serve", "--listen", "127.0.0.1:0", "--warehouse"])
            .arg(sample())
            .output()
            .unwrap()
            .into()
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(site.users(), std::fs::Permissions::from_mode(0o644)).unwrap();
        let open = start(&site);
        assert_eq!(open.code, 2, "{open:?}");
        assert!(
            open.stderr.contains(&site.users().display().to_string())
                && open.stderr.contains("chmod 600"),
            "{}",
            open.stderr
        );
        std::fs::set_permissions(site.users(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    for name in [ANALYST.0, LEAD.0] {
        let removed: Run = site
            .command()
            .args(["serve", "remove-user", name])
            .output()
            .unwrap()
            .into();
        assert_eq!(removed.code, 0, "{removed:?}");
    }
    let empty = start(&site);
    assert_eq!(empty.code, 2, "{empty:?}");
    assert!(
        empty.stderr.contains("holds no users") && empty.stderr.contains("add-user"),
        "{}",
        empty.stderr
    );
    std::fs::remove_file(site.users()).unwrap();
    let missing = start(&site);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
}

fn run_with_stdin(site: &Site, args: &[&str], stdin: &str) -> Run {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = site
        .command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap().into()
}

#[test]
fn a_non_loopback_address_needs_tls() {
    let site = Site::new();
    let open: Run = site
        .command()
        .args(["serve", "--listen", "0.0.0.0:0", "--warehouse"])
        .arg(sample())
        .output()
        .unwrap()
        .into();
    assert_eq!(open.code, 2, "{open:?}");
    assert!(
        open.stderr.contains("without TLS") && open.stderr.contains("--tls-cert"),
        "{}",
        open.stderr
    );
    let (cert, key) = site.certificate();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server = site.serve_on(
        "0.0.0.0:0",
        &sample(),
        &["--tls-cert", cert, "--tls-key", key],
    );
    assert!(server.log().contains("with TLS"), "{}", server.log());
}

#[test]
fn psql_psycopg_over_tls_and_a_jdbc_catalog_probe() {
    let site = Site::new();
    let (cert, key) = site.certificate();
    let server = site.serve(
        &sample(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );

    // psql: the backslash commands and a query, over TLS.
    let psql = |args: &[&str]| server.psql(ANALYST.0, Some(ANALYST.1), "sslmode=require", args);
    let dt = psql(&["-c", "\\dt"]);
    assert_eq!(dt.code, 0, "{dt:?}");
    for table in [
        "staff",
        "training",
        "organisations",
        "params",
        "load_rejects",
    ] {
        assert!(
            dt.stdout.contains(&format!(" {table} ")),
            "\\dt lacks {table}:\n{}",
            dt.stdout
        );
    }
    assert!(!dt.stdout.contains("training_compliance"), "{}", dt.stdout);
    let dv = psql(&["-c", "\\dv"]);
    assert_eq!(dv.code, 0, "{dv:?}");
    for view in [
        "training_compliance",
        "compliance_headline",
        "spc_monthly",
        "training_counts",
    ] {
        assert!(
            dv.stdout.contains(&format!(" {view} ")),
            "\\dv lacks {view}:\n{}",
            dv.stdout
        );
    }
    let d = psql(&["-c", "\\d training_compliance"]);
    assert_eq!(d.code, 0, "{d:?}");
    for (column, pg_type) in [
        ("period_end", "date"),
        ("organisation_code", "text"),
        ("required_level", "integer"),
        ("staff_in_post", "bigint"),
        ("compliance_pct", "double precision"),
        ("rag", "text"),
    ] {
        let line = d
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(column));
        assert!(
            line.is_some_and(|l| l.contains(pg_type)),
            "\\d training_compliance: {column} is not {pg_type}:\n{}",
            d.stdout
        );
    }
    let q = "SELECT period_end, organisation_code, professional_group, required_level, staff_in_post, staff_compliant \
             FROM training_compliance ORDER BY 1, 2, 3, 4";
    let rows = psql(&["-A", "-F", ",", "-P", "footer=off", "-c", q]);
    assert_eq!(rows.code, 0, "{rows:?}");
    let expected = sql(&sample(), &["--year", "2025/26", "-c", q]);
    assert_eq!(
        rows.stdout, expected.stdout,
        "psql and safeguard sql differ"
    );

    // psycopg 3 requiring TLS, the extended protocol, with a parameter-free and a typed query.
    let (results, ssl) = server.run_with(
        LEAD,
        "sslmode=require",
        &[
            "SELECT count(*) AS n FROM organisations",
            "SELECT as_of, training_validity_months, green_above FROM params",
        ],
    );
    assert!(ssl, "psycopg did not use TLS");
    assert_eq!(results[0], rows_outcome(&["n"], &[&["2"]]));
    assert_eq!(
        results[1],
        rows_outcome(
            &["as_of", "training_validity_months", "green_above"],
            &[&["2026-03-31", "36", "90.0"]]
        )
    );
    // Without TLS the server still answers a client that does not require it; psql refuses a
    // plain server when it does.
    let plain_server = site.serve(&sample(), &[]);
    let refused = plain_server.psql(
        ANALYST.0,
        Some(ANALYST.1),
        "sslmode=require",
        &["-c", "SELECT 1"],
    );
    assert_ne!(refused.code, 0, "{refused:?}");

    // Npgsql's type loading, sent as one batch of statements over the simple protocol: without
    // it Power BI and Excel cannot open a connection.
    let batch = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve/npgsql_types.sql"),
    )
    .unwrap();
    let types = psql(&["-A", "-t", "-c", &batch]);
    assert_eq!(types.code, 0, "{types:?}");
    for (oid, name) in [
        ("16", "bool"),
        ("20", "int8"),
        ("23", "int4"),
        ("25", "text"),
        ("701", "float8"),
        ("1082", "date"),
    ] {
        assert!(
            types
                .stdout
                .contains(&format!("pg_catalog|{oid}|{name}|b|f|")),
            "Npgsql would not learn {name}:\n{}",
            types.stdout
        );
    }
    assert!(types.stdout.contains("|_int4|a|f|23"), "{}", types.stdout);
    // Npgsql's GetSchema("Tables"), which lists what a user can pick.
    let listed = server.rows(
        ANALYST,
        "SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables \
         WHERE table_type IN ('BASE TABLE', 'VIEW') AND table_schema = 'public' ORDER BY table_name",
    );
    assert!(
        listed
            .iter()
            .any(|r| r[2].as_deref() == Some("training_compliance")
                && r[3].as_deref() == Some("VIEW")),
        "{listed:?}"
    );

    // What JDBC (DBeaver, Metabase, Tableau's driver) sends on connect and to list tables and
    // columns: pgjdbc's DatabaseMetaData.getTables / getColumns queries.
    let probe = server.run(ANALYST, &[
        "SELECT current_schema(), session_user",
        "SHOW search_path",
        "SELECT version()",
        "SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n LEFT OUTER JOIN pg_catalog.pg_description d \
         ON d.objoid = n.oid AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass ORDER BY nspname",
        JDBC_TABLES,
        JDBC_COLUMNS,
    ]);
    for outcome in &probe {
        assert!(matches!(outcome, Outcome::Rows { .. }), "{probe:#?}");
    }
    let Outcome::Rows { rows: tables, .. } = &probe[4] else {
        unreachable!()
    };
    let typed: BTreeSet<(String, String)> = tables
        .iter()
        .map(|r| (r[2].clone().unwrap(), r[3].clone().unwrap_or_default()))
        .collect();
    for (name, kind) in [
        ("training_compliance", "VIEW"),
        ("spc_summary", "VIEW"),
        ("staff", "TABLE"),
        ("params", "TABLE"),
    ] {
        assert!(
            typed.contains(&(name.into(), kind.into())),
            "{name} as {kind}: {typed:?}"
        );
    }
    let Outcome::Rows { rows: columns, .. } = &probe[5] else {
        unreachable!()
    };
    let column_types: Vec<(String, String)> = columns
        .iter()
        .map(|r| (r[2].clone().unwrap(), r[3].clone().unwrap()))
        .collect();
    assert!(
        column_types.contains(&("compliance_pct".into(), "701".into()))
            && column_types.contains(&("period_end".into(), "1082".into()))
            && column_types.contains(&("staff_in_post".into(), "20".into()))
            && column_types.contains(&("organisation_code".into(), "25".into())),
        "column type oids (float8 701, date 1082, int8 20, text 25): {column_types:?}"
    );
}

/// pgjdbc's `getTables(null, "public", "%", {"TABLE", "VIEW"})`, as it builds it.
const JDBC_TABLES: &str = "SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME, \
    CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' \
      WHEN true THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN \
        CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW' WHEN 'i' THEN 'SYSTEM INDEX' ELSE NULL END \
        ELSE NULL END \
      WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'i' THEN 'INDEX' \
        WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'c' THEN 'TYPE' WHEN 'f' THEN 'FOREIGN TABLE' \
        WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END \
      ELSE NULL END AS TABLE_TYPE, \
    d.description AS REMARKS, '' AS TYPE_CAT, '' AS TYPE_SCHEM, '' AS TYPE_NAME, \
    '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION \
    FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c \
    LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass) \
    WHERE c.relnamespace = n.oid AND n.nspname LIKE 'public' AND c.relname LIKE '%' \
    AND (false OR (c.relkind IN ('r', 'p') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema') \
               OR (c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema')) \
    ORDER BY TABLE_TYPE, TABLE_SCHEM, TABLE_NAME";

/// pgjdbc's `getColumns(null, "public", "training_compliance", "%")`.
const JDBC_COLUMNS: &str = "SELECT * FROM (SELECT n.nspname, c.relname, a.attname, a.atttypid, \
    a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull, a.atttypmod, a.attlen, t.typtypmod, \
    row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, \
    nullif(a.attidentity, '') AS attidentity, pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc, \
    dsc.description, t.typbasetype, t.typtype \
    FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid) \
    JOIN pg_catalog.pg_attribute a ON (a.attrelid = c.oid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) \
    LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid = def.adrelid AND a.attnum = def.adnum) \
    LEFT JOIN pg_catalog.pg_description dsc ON (c.oid = dsc.objoid AND a.attnum = dsc.objsubid) \
    LEFT JOIN pg_catalog.pg_class dc ON (dc.oid = dsc.classoid AND dc.relname = 'pg_class') \
    LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace = dn.oid AND dn.nspname = 'pg_catalog') \
    WHERE c.relkind IN ('r', 'p', 'v', 'f', 'm') AND a.attnum > 0 AND NOT a.attisdropped \
    AND n.nspname LIKE 'public' AND c.relname LIKE 'training_compliance') c WHERE true \
    ORDER BY nspname, c.relname, attnum";

fn rows_outcome(columns: &[&str], rows: &[&[&str]]) -> Outcome {
    Outcome::Rows {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| Some(c.to_string())).collect())
            .collect(),
    }
}

#[test]
fn logins_fail_alike_and_only_scram_is_offered() {
    let site = Site::new();
    let server = site.serve(&sample(), &[]);
    let failed = |user: &str| format!("password authentication failed for user \"{user}\"");

    // Real clients: a wrong password, an unknown user, no password at all.
    let wrong = server.psql(LEAD.0, Some("not-the-password"), "", &["-c", "SELECT 1"]);
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert!(wrong.stderr.contains(&failed("lead")), "{}", wrong.stderr);
    let unknown = server.psql("nobody", Some("not-the-password"), "", &["-c", "SELECT 1"]);
    assert!(
        unknown.stderr.contains(&failed("nobody")),
        "{}",
        unknown.stderr
    );
    let none = server.psql(LEAD.0, None, "", &["-c", "SELECT 1"]);
    assert_eq!(none.code, 2, "{none:?}");
    assert!(
        none.stderr.contains("no password supplied"),
        "{}",
        none.stderr
    );
    let good = server.psql(LEAD.0, Some(LEAD.1), "", &["-A", "-t", "-c", "SELECT 1"]);
    assert_eq!(good.stdout.trim(), "1", "{good:?}");

    // The same answer after the same delay for a wrong password and an unknown user; an unknown
    // user's salt is the same every time, like a real one's.
    let attempt = |user: &str| {
        let mut w = Wire::start(server.port, user);
        assert_eq!(w.mechanisms(), ["SCRAM-SHA-256"]);
        let client = ScramClient::new("not-the-password", "rOprNGfwEbeRWgbNEkqO");
        w.send_client_first(&client.client_first);
        let server_first = w.server_first();
        w.send(b'p', client.client_final(&server_first).as_bytes());
        let (outcome, took) = w.outcome();
        let salt = server_first
            .split(",s=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_owned();
        (outcome.unwrap_err(), took, salt)
    };
    let (wrong, wrong_took, _) = attempt(LEAD.0);
    let (unknown, unknown_took, salt) = attempt("nobody");
    assert_eq!(wrong, ("28P01".to_owned(), failed("lead")));
    assert_eq!(unknown, ("28P01".to_owned(), failed("nobody")));
    assert!(wrong_took >= Duration::from_millis(900) && unknown_took >= Duration::from_millis(900));
    let gap = wrong_took.abs_diff(unknown_took);
    assert!(
        gap < Duration::from_millis(400),
        "{wrong_took:?} vs {unknown_took:?}"
    );
    assert_eq!(attempt("nobody").2, salt);

    // A cleartext password, an MD5 one or an empty message where SCRAM was asked for.
    for password in [
        &b"only-my-trusts-2\0"[..],
        b"md5c4ca4238a0b923820dcc509a6f75849b\0",
        b"\0",
    ] {
        let mut w = Wire::start(server.port, LEAD.0);
        assert_eq!(w.mechanisms(), ["SCRAM-SHA-256"]);
        w.send(b'p', password);
        let (outcome, _) = w.outcome();
        assert_eq!(outcome.unwrap_err(), ("28P01".to_owned(), failed("lead")));
    }

    // A successful exchange replayed on a new connection: the server's nonce differs.
    let client = ScramClient::new(LEAD.1, "fixed-client-nonce");
    let mut first = Wire::start(server.port, LEAD.0);
    first.mechanisms();
    first.send_client_first(&client.client_first);
    let server_first = first.server_first();
    let client_final = client.client_final(&server_first);
    first.send(b'p', client_final.as_bytes());
    assert!(first.outcome().0.is_ok(), "the real exchange should log in");
    let mut replay = Wire::start(server.port, LEAD.0);
    replay.mechanisms();
    replay.send_client_first(&client.client_first);
    assert_ne!(replay.server_first(), server_first);
    replay.send(b'p', client_final.as_bytes());
    assert_eq!(
        replay.outcome().0.unwrap_err(),
        ("28P01".to_owned(), failed("lead"))
    );

    // A running server reads the users file again when it changes.
    let removed: Run = site
        .command()
        .args(["serve", "remove-user", LEAD.0])
        .output()
        .unwrap()
        .into();
    assert_eq!(removed.code, 0, "{removed:?}");
    let gone = server.psql(LEAD.0, Some(LEAD.1), "", &["-c", "SELECT 1"]);
    assert!(gone.stderr.contains(&failed("lead")), "{gone:?}");
    site.add_user(LEAD.0, &["--organisations", "N4D"], LEAD.1);
    let back = server.psql(
        LEAD.0,
        Some(LEAD.1),
        "",
        &["-A", "-t", "-c", "SELECT count(*) FROM organisations"],
    );
    assert_eq!(back.stdout.trim(), "1", "{back:?}");

    let log = server.log();
    assert!(
        log.contains("login failed: user \"nobody\" from 127.0.0.1:"),
        "{log}"
    );
    assert!(
        log.contains("connection: user \"lead\" from 127.0.0.1:"),
        "{log}"
    );
    assert!(log.contains("a replayed exchange"), "{log}");
    assert!(
        !log.contains(LEAD.1) && !log.contains("not-the-password"),
        "{log}"
    );
}

#[test]
fn sessions_set_their_own_date_and_nothing_else() {
    let site = Site::new();
    let server = site.serve(&sample(), &[]);
    let count = "SELECT count(*) AS n, sum(staff_compliant) AS c FROM training_compliance \
                 WHERE period_end = (SELECT period_end FROM params)";
    let out = server.run(
        ANALYST,
        &[
            "SHOW safeguard.as_of",
            "SET safeguard.year = '2024/25'",
            "SELECT as_of, period_end FROM params",
            count,
            "SET safeguard.as_of = '2024-02-29'",
            "SELECT as_of, period_end FROM params",
            "SET DateStyle = 'ISO, MDY'",
            "SET extra_float_digits = 3",
            "SET application_name = 'Power BI'",
            "SET client_encoding = 'UTF8'",
            "SET TIME ZONE 'UTC'",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "SET datafusion.execution.batch_size = 1",
            "SET ROLE analyst",
            "SET SESSION AUTHORIZATION lead",
            "SET safeguard.as_of = 'yesterday'",
        ],
    );
    assert_eq!(
        out[0],
        rows_outcome(&["safeguard.as_of"], &[&["2026-03-31"]])
    );
    assert_eq!(
        out[2],
        rows_outcome(&["as_of", "period_end"], &[&["2025-03-31", "2025-03-31"]])
    );
    let expected = sql(&sample(), &["--year", "2024/25", "-c", count]);
    let Outcome::Rows { rows, .. } = &out[3] else {
        panic!("{:?}", out[3])
    };
    let line = format!(
        "{},{}",
        rows[0][0].as_deref().unwrap(),
        rows[0][1].as_deref().unwrap()
    );
    assert_eq!(expected.stdout.lines().nth(1), Some(line.as_str()));
    assert_eq!(
        out[5],
        rows_outcome(&["as_of", "period_end"], &[&["2024-02-29", "2023-12-31"]])
    );
    for accepted in &out[6..12] {
        assert!(matches!(accepted, Outcome::Rows { .. }), "{accepted:?}");
    }
    for refused in &out[12..15] {
        assert_eq!(refused.sqlstate(), "25006", "{refused:?}");
    }
    assert_eq!(out[15].sqlstate(), "22023");
    // Another connection keeps the server's date.
    assert_eq!(
        server.rows(ANALYST, "SELECT as_of FROM params"),
        [[Some("2026-03-31".to_owned())]]
    );
}

#[test]
fn clients_keep_working_while_a_load_publishes() {
    // A warehouse of its own: the shipped sample, then the sample without 2026's training.
    let env = crate::util::Env::empty();
    let input = env.input();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        &input,
    );
    env.load_ok();
    let site = Site::new();
    let server = site.serve(&env.warehouse(), &[]);
    let queries = [
        "SELECT (SELECT count(*) FROM training) AS records, \
         (SELECT sum(staff_compliant) FROM training_compliance) AS compliant",
        "SELECT organisation_code, sum(staff_in_post), sum(staff_compliant) FROM training_compliance \
         WHERE period_end = (SELECT period_end FROM params) GROUP BY 1 ORDER BY 1",
    ];
    let old: Vec<_> = queries.iter().map(|q| server.rows(ANALYST, q)).collect();

    let conninfo = server.conninfo(ANALYST, "");
    let load = std::thread::spawn(move || {
        python(
            "load",
            &conninfo,
            &json!({ "queries": queries, "clients": 32, "seconds": 10 }),
        )
    });
    std::thread::sleep(Duration::from_secs(1));
    std::fs::remove_file(input.join("training/2026.csv")).unwrap();
    env.load_ok();
    let outcome = load.join().unwrap();
    let new: Vec<_> = queries.iter().map(|q| server.rows(ANALYST, q)).collect();
    assert_ne!(old, new, "the second load should change the figures");

    assert_eq!(outcome["errors"], json!([]), "{outcome}");
    assert_eq!(outcome["clients_finished"], 32);
    eprintln!("{} queries by 32 clients in 10 s", outcome["queries"]);
    for (i, q) in queries.iter().enumerate() {
        let results = outcome["results"][q].as_array().unwrap();
        for result in results {
            let rows = server::rows_of(result);
            assert!(
                rows == old[i] || rows == new[i],
                "{q}: a result of neither snapshot: {rows:?}"
            );
        }
        assert!(
            results.iter().any(|r| server::rows_of(r) == new[i]),
            "no client saw the new snapshot"
        );
    }
}
