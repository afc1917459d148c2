//! The attacks of a user scoped to some organisations, each asserted: every view and dataset
//! shows exactly the in-scope rows (compared with what a `--all` user gets by filtering), and
//! joins, subqueries, CTEs, UNION, EXPLAIN, the catalog, information_schema, table functions,
//! URL tables, errors that would print another organisation's values, COPY, CREATE and SET all
//! give in-scope rows or an error. Writes of either user are refused (25006) and the
//! warehouse's bytes do not change.

use std::collections::BTreeSet;

use super::server::{ANALYST, LEAD, Outcome, SCOPE, Site, hash_tree};

/// What a scoped user never sees.
const HIDDEN: &[&str] = &[
    "load_rejects",
    "load_files",
    "load_summary",
    "refresh_runs",
    "refresh_run_datasets",
    "data_quality",
];

fn in_scope() -> String {
    SCOPE
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sorted(mut rows: Vec<Vec<Option<String>>>) -> Vec<Vec<Option<String>>> {
    rows.sort();
    rows
}

/// The first column of every row.
fn firsts(rows: &[Vec<Option<String>>]) -> BTreeSet<Option<String>> {
    rows.iter().map(|r| r[0].clone()).collect()
}

#[test]
fn a_scoped_user_sees_only_their_organisations_in_every_table() {
    let site = Site::new();
    let server = site.serve(&super::sample(), &[]);
    let tables =
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1";
    let all: BTreeSet<String> = server
        .rows(ANALYST, tables)
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let scoped: BTreeSet<String> = server
        .rows(LEAD, tables)
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|t| !HIDDEN.contains(&t.as_str()))
        .cloned()
        .collect();
    assert_eq!(scoped, expected);
    assert!(all.len() > 30, "{all:?}");

    let scope = in_scope();
    let columns = |table: &str| -> BTreeSet<String> {
        server
            .rows(
                ANALYST,
                &format!("SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"),
            )
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect()
    };
    for table in &scoped {
        let cols = columns(table);
        let reference = if let Some(column) = ["organisation_code", "lead_organisation_code"]
            .into_iter()
            .find(|c| cols.contains(*c))
        {
            Some(format!("SELECT * FROM {table} WHERE {column} IN ({scope})"))
        } else if ["training", "supervision"].contains(&table.as_str()) {
            Some(format!(
                "SELECT * FROM {table} WHERE staff_id IN (SELECT staff_id FROM staff WHERE organisation_code IN ({scope}))"
            ))
        } else if [
            "params",
            "quarter_ends",
            "month_ends",
            "period_ends",
            "period_offsets",
        ]
        .contains(&table.as_str())
        {
            Some(format!("SELECT * FROM {table}"))
        } else {
            None
        };
        let Some(reference) = reference else {
            assert!(
                ["escalation_summary", "review_action_status"].contains(&table.as_str()),
                "{table} is neither filtered nor recomputed"
            );
            continue;
        };
        let theirs = sorted(server.rows(LEAD, &format!("SELECT * FROM {table}")));
        let filtered = sorted(server.rows(ANALYST, &reference));
        assert_eq!(theirs.len(), filtered.len(), "{table}");
        assert!(
            theirs == filtered,
            "{table}: the scoped rows differ from the in-scope rows"
        );
    }
    // Not vacuous: the scoped user sees rows, fewer than everyone's.
    for table in [
        "staff",
        "training_compliance",
        "spc_summary",
        "section11_summary",
    ] {
        let theirs = server.rows(LEAD, &format!("SELECT count(*) FROM {table}"));
        let everyone = server.rows(ANALYST, &format!("SELECT count(*) FROM {table}"));
        let n = |r: &Vec<Vec<Option<String>>>| r[0][0].as_deref().unwrap().parse::<u64>().unwrap();
        assert!(
            n(&theirs) > 0 && n(&theirs) < n(&everyone),
            "{table}: {theirs:?} of {everyone:?}"
        );
    }
    // Views without an organisation column are computed from in-scope rows.
    let as_of = "(SELECT as_of FROM params)";
    let actions = server.rows(LEAD, "SELECT sum(actions_total) FROM review_action_status");
    let in_scope_actions = server.rows(
        ANALYST,
        &format!("SELECT count(*) FROM review_actions WHERE lead_organisation_code IN ({scope}) AND agreed_on <= {as_of}"),
    );
    assert_eq!(actions, in_scope_actions);
    let raised = server.rows(
        LEAD,
        "SELECT sum(raised) FROM escalation_summary WHERE dimension = 'level'",
    );
    let in_scope_raised = server.rows(
        ANALYST,
        &format!(
            "SELECT count(*) FROM escalations e, params p WHERE e.organisation_code IN ({scope}) \
             AND e.raised_on <= p.as_of AND e.raised_on > p.as_of - INTERVAL '12 months'"
        ),
    );
    assert_eq!(raised, in_scope_raised);
}

#[test]
fn query_tricks_return_in_scope_rows_or_an_error() {
    let site = Site::new();
    let server = site.serve(&super::sample(), &[]);
    let scope: BTreeSet<Option<String>> = SCOPE.iter().map(|c| Some(c.to_string())).collect();
    let subset = |sql: &str| {
        let got = firsts(&server.rows(LEAD, sql));
        assert!(!got.is_empty() && got.is_subset(&scope), "{sql}: {got:?}");
    };
    // Joins, subqueries, CTEs, UNION.
    subset(
        "SELECT DISTINCT s.organisation_code FROM training t JOIN staff s ON s.staff_id = t.staff_id",
    );
    subset(
        "SELECT DISTINCT o.organisation_code FROM organisations o JOIN staff s ON s.organisation_code = o.organisation_code",
    );
    subset(
        "SELECT DISTINCT organisation_code FROM training_status WHERE staff_id IN (SELECT staff_id FROM staff)",
    );
    subset(
        "WITH s AS (SELECT * FROM staff), o AS (SELECT * FROM organisations) SELECT organisation_code FROM s UNION SELECT organisation_code FROM o",
    );
    subset(
        "SELECT organisation_code FROM staff UNION SELECT organisation_code FROM organisations \
         UNION SELECT lead_organisation_code FROM review_actions UNION SELECT organisation_code FROM compliance_headline \
         UNION SELECT organisation_code FROM spc_points UNION ALL SELECT organisation_code FROM escalations",
    );
    let count = |who, sql: &str| server.rows(who, sql)[0][0].clone().unwrap();
    assert_eq!(
        count(LEAD, "SELECT (SELECT count(*) FROM organisations)"),
        "2"
    );
    assert_eq!(
        count(
            LEAD,
            "SELECT count(*) FROM training WHERE staff_id IN (SELECT staff_id FROM training_spells)"
        ),
        count(
            ANALYST,
            &format!(
                "SELECT count(*) FROM training t JOIN staff s ON s.staff_id = t.staff_id \
             WHERE s.organisation_code IN ({}) AND t.staff_id IN (SELECT staff_id FROM training_spells)",
                in_scope()
            )
        )
    );
    // The organisation filter is evaluated before anything the user writes: a division by zero
    // on any other organisation's row, or a cast error naming another's staff id, cannot happen.
    let guarded = format!(
        "1 / (CASE WHEN organisation_code IN ({}) THEN 1 ELSE 0 END) = 1",
        in_scope()
    );
    assert_eq!(
        count(LEAD, &format!("SELECT count(*) FROM staff WHERE {guarded}")),
        count(LEAD, "SELECT count(*) FROM staff")
    );
    assert_eq!(
        count(
            LEAD,
            &format!("SELECT count(*) FROM training_status WHERE {guarded}")
        ),
        count(LEAD, "SELECT count(*) FROM training_status")
    );
    let others: BTreeSet<String> = server
        .rows(
            ANALYST,
            &format!(
                "SELECT staff_id FROM staff WHERE organisation_code NOT IN ({})",
                in_scope()
            ),
        )
        .into_iter()
        .map(|r| r[0].clone().unwrap())
        .collect();
    for sql in [
        "SELECT * FROM staff WHERE CAST(staff_id AS INT) = 1",
        "SELECT * FROM training_status WHERE CAST(staff_id AS INT) = 1",
    ] {
        let out = server.run(LEAD, &[sql]);
        let Outcome::Error { message, .. } = &out[0] else {
            panic!("{sql}: {out:?}")
        };
        assert!(
            !others.iter().any(|id| message.contains(id.as_str())),
            "{sql}: {message}"
        );
    }

    // EXPLAIN shows plans, not rows; the detailed forms count rows before the filter.
    let plan = server.rows(
        LEAD,
        "EXPLAIN SELECT * FROM staff JOIN training USING (staff_id)",
    );
    let text = format!("{plan:?}");
    for other in ["N2B", "N3C", "N5E", "N7G"] {
        assert!(!text.contains(other), "{text}");
    }
    let out = server.run(
        LEAD,
        &[
            "EXPLAIN ANALYZE SELECT * FROM staff",
            "EXPLAIN VERBOSE SELECT * FROM staff",
            "EXPLAIN (ANALYZE) SELECT * FROM staff",
        ],
    );
    assert_eq!(out[0].sqlstate(), "42501", "{:?}", out[0]);
    assert_eq!(out[1].sqlstate(), "42501", "{:?}", out[1]);
    // DataFusion plans PostgreSQL's option list as a plain EXPLAIN: no counts in it.
    match &out[2] {
        Outcome::Error { .. } => {}
        rows => assert!(!format!("{rows:?}").contains("output_rows"), "{rows:?}"),
    }
    assert!(matches!(
        server.run(ANALYST, &["EXPLAIN ANALYZE SELECT * FROM staff"])[0],
        Outcome::Rows { .. }
    ));

    // The catalog lists only what the user sees.
    for sql in [
        "SELECT relname FROM pg_catalog.pg_class",
        "SELECT tablename FROM pg_catalog.pg_tables",
        "SELECT table_name FROM information_schema.tables",
        "SELECT table_name FROM information_schema.columns",
        "SELECT table_name FROM information_schema.views",
    ] {
        let names = firsts(&server.rows(LEAD, sql));
        assert!(!names.is_empty(), "{sql}");
        for hidden in HIDDEN {
            assert!(
                !names.contains(&Some(hidden.to_string())),
                "{sql} lists {hidden}"
            );
        }
    }
    let warehouse = crate::util::current(&super::sample());
    let staff_file = std::fs::read_dir(warehouse.join("staff"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let staff_file = staff_file.display();
    let sample_csv = format!("{}/sample-data/staff.csv", env!("CARGO_MANIFEST_DIR"));
    let out = server.run(
        LEAD,
        &[
            "SELECT * FROM load_rejects",
            "SELECT * FROM datafusion.public.refresh_runs",
            &format!("SELECT * FROM read_parquet('{staff_file}')"),
            &format!("SELECT * FROM read_csv('{sample_csv}')"),
            &format!("SELECT * FROM '{staff_file}'"),
            &format!("SELECT * FROM parquet_scan('{staff_file}')"),
            &format!("COPY staff TO '{}/x.csv'", site.path().display()),
            "COPY (SELECT * FROM staff) TO STDOUT",
            "CREATE VIEW mine AS SELECT * FROM staff",
            &format!(
                "CREATE EXTERNAL TABLE everyone STORED AS PARQUET LOCATION '{}'",
                warehouse.join("staff").display()
            ),
            "CREATE TABLE copied AS SELECT * FROM staff",
            "SET datafusion.execution.target_partitions = 1",
            "SET datafusion.catalog.information_schema = false",
            "SET ROLE analyst",
        ],
    );
    for (i, refused) in out.iter().enumerate() {
        assert!(
            matches!(refused, Outcome::Error { .. }),
            "statement {i}: {refused:?}"
        );
    }
    for i in [6, 7, 8, 10, 11, 12, 13] {
        assert_eq!(out[i].sqlstate(), "25006", "statement {i}: {:?}", out[i]);
    }
    assert!(!site.path().join("x.csv").exists());
    // Harmless table functions still work.
    assert_eq!(
        count(LEAD, "SELECT count(*) FROM generate_series(1, 3)"),
        "3"
    );

    let log = server.log();
    assert!(log.contains("statement refused: user \"lead\""), "{log}");
    assert!(log.contains("CREATE VIEW is not allowed"), "{log}");
}

#[test]
fn writes_are_refused_and_the_warehouse_does_not_change() {
    let env = crate::util::Env::base();
    env.load_ok();
    let site = Site::new();
    let server = site.serve(&env.warehouse(), &[]);
    // Read once so every context exists before the hash.
    server.rows(LEAD, "SELECT count(*) FROM training_compliance");
    let before = hash_tree(&env.warehouse());
    let target = env.warehouse().join("current");
    let writes = [
        "INSERT INTO organisations VALUES ('X', 'Y', 'other')".to_owned(),
        "UPDATE staff SET organisation_code = 'ORG1'".into(),
        "DELETE FROM training".into(),
        "DROP TABLE staff".into(),
        "DROP VIEW training_compliance".into(),
        "TRUNCATE training".into(),
        "CREATE TABLE t (x INT)".into(),
        "SELECT * INTO copied FROM staff".into(),
        format!("COPY staff TO '{}/staff/out.parquet'", target.display()),
        format!("COPY (SELECT 1) TO '{}/x.csv'", target.display()),
        "ALTER TABLE staff ADD COLUMN x INT".into(),
        "GRANT SELECT ON staff TO lead".into(),
        "EXPLAIN ANALYZE INSERT INTO organisations VALUES ('X', 'Y', 'other')".into(),
    ];
    let statements: Vec<&str> = writes.iter().map(String::as_str).collect();
    for who in [ANALYST, LEAD] {
        for (sql, outcome) in statements.iter().zip(server.run(who, &statements)) {
            assert_eq!(outcome.sqlstate(), "25006", "{}: {sql}: {outcome:?}", who.0);
        }
        // The simple protocol (psql) too, and COPY FROM STDIN.
        let psql = server.psql(who.0, Some(who.1), "", &["-c", "COPY staff FROM STDIN"]);
        assert!(
            psql.stderr.contains("read-only: COPY is not allowed"),
            "{psql:?}"
        );
        let psql = server.psql(
            who.0,
            Some(who.1),
            "",
            &["-c", "insert  into staff values (1)"],
        );
        assert!(
            psql.stderr
                .contains("read-only: INSERT INTO is not allowed"),
            "{psql:?}"
        );
    }
    assert_eq!(before, hash_tree(&env.warehouse()), "the warehouse changed");
}
