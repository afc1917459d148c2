//! Real exports through `[[mapping]]` (MAPPING.md): the generated ESR export loads to exactly
//! the warehouse the contract layout gives, skipped rows are counted everywhere, `check` shows
//! how every column was found, and every configuration error stops before anything is written.

use std::path::Path;

use crate::util::{
    Env, Run, assert_snapshot_consistent, command, dataset_record, read_parquet_dir,
};

const STAFF: &str = "400";
const AS_OF: &str = "2026-03-31";

/// Generates the same data in both layouts under `root` (`contract/`, `esr/`) and loads each
/// into its own warehouse; the ESR export through the mapping `generate --esr` wrote.
fn load_both(root: &Path) {
    for (dir, extra) in [("contract", None), ("esr", Some("--esr"))] {
        let mut cmd = command(root);
        cmd.args(["-q", "generate", "--staff", STAFF, "--out", dir]);
        cmd.args(extra);
        let run: Run = cmd.output().unwrap().into();
        assert_eq!(run.code, 0, "{run:#?}");
    }
    assert!(!root.join("esr/training").exists() && root.join("esr/esr").is_dir());
    assert!(!root.join("contract/esr").exists());
    let contract: Run = command(root)
        .args([
            "-q",
            "load",
            "--input",
            "contract",
            "--warehouse",
            "w-contract",
        ])
        .output()
        .unwrap()
        .into();
    assert_eq!(contract.code, 0, "{contract:#?}");
    // The mapping file is the configuration: its input is the folder it sits in.
    let esr: Run = command(root)
        .args([
            "-q",
            "--config",
            "esr/esr-mapping.toml",
            "load",
            "--warehouse",
            "w-esr",
        ])
        .output()
        .unwrap()
        .into();
    assert_eq!(esr.code, 0, "{esr:#?}");
}

/// A dataset's contract columns, rows sorted.
fn contract_rows(warehouse: &Path, dataset: &str) -> Vec<Vec<Option<String>>> {
    let def = safeguard::contract::dataset(dataset).unwrap();
    let table = read_parquet_dir(&crate::util::current(warehouse).join(dataset));
    let mut rows: Vec<Vec<Option<String>>> = table
        .rows
        .iter()
        .map(|r| {
            def.columns
                .iter()
                .map(|c| r[table.index(c.name)].clone())
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

fn sql(root: &Path, warehouse: &str, query: &str) -> Vec<String> {
    let run: Run = command(root)
        .args([
            "sql",
            "--warehouse",
            warehouse,
            "--as-of",
            AS_OF,
            "--format",
            "csv",
            "-c",
        ])
        .arg(query)
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{query}: {run:#?}");
    let mut lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn the_esr_export_and_the_contract_layout_give_the_same_datasets_and_views() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    load_both(root);
    let (wc, we) = (root.join("w-contract"), root.join("w-esr"));

    for d in safeguard::contract::DATASETS {
        let (a, b) = (contract_rows(&wc, d.name), contract_rows(&we, d.name));
        assert_eq!(a.len(), b.len(), "{}: row counts", d.name);
        assert!(a == b, "{}: the rows differ", d.name);
    }
    let training = read_parquet_dir(&crate::util::current(&we).join("training"));
    assert!(
        training.columns.contains(&"expiry_date".to_owned()),
        "{:?}",
        training.columns
    );

    // Row counts agree, and the export's other courses are counted as skipped, nowhere else.
    let mc = assert_snapshot_consistent(&crate::util::current(&wc));
    let me = assert_snapshot_consistent(&crate::util::current(&we));
    let (tc, te) = (
        dataset_record(&mc, "training"),
        dataset_record(&me, "training"),
    );
    assert_eq!(tc["rows_loaded"], te["rows_loaded"]);
    assert_eq!(tc["rows_rejected"], te["rows_rejected"]);
    assert_eq!(tc["rows_skipped"], 0);
    let skipped = te["rows_skipped"].as_u64().unwrap();
    let read = te["rows_read"].as_u64().unwrap();
    // About half the export's rows are other mandatory courses.
    assert!(
        skipped * 10 > read * 4 && skipped * 10 < read * 6,
        "{skipped} of {read} rows skipped"
    );
    let per_file: u64 = me["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rows_skipped"].as_u64().unwrap())
        .sum();
    assert_eq!(per_file, skipped);
    assert!(
        me["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["mapping"] == "mapping 1 (training)")
    );
    let summary = sql(
        root,
        "w-esr",
        "SELECT dataset, rows_read, rows_loaded, rows_rejected, rows_skipped FROM load_summary WHERE dataset = 'training'",
    );
    let want = format!(
        "training,{read},{},{},{skipped}",
        te["rows_loaded"], te["rows_rejected"]
    );
    assert!(summary.contains(&want), "{want} not in {summary:?}");

    // Every view gives the same rows; data_quality too, but for rows read (which count the
    // skipped rows) and the example reason (which names the export's own column).
    let mut views: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("queries"))
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|v| v != "data_quality")
            .collect();
    views.sort();
    assert!(views.len() > 10);
    for view in &views {
        let query = format!("SELECT * FROM {view}");
        assert_eq!(
            sql(root, "w-contract", &query),
            sql(root, "w-esr", &query),
            "view {view}"
        );
    }
    let quality = "SELECT dataset, status, rows_loaded, rows_rejected, rejected_column, rejects FROM data_quality";
    assert_eq!(
        sql(root, "w-contract", quality),
        sql(root, "w-esr", quality)
    );

    // The report's data-quality appendix says what the mapping skipped, file by file.
    let report: Run = command(root)
        .args(["report", "--warehouse", "w-esr", "--as-of", AS_OF])
        .args(["-o", "esr.pdf", "--data-json", "esr.json"])
        .output()
        .unwrap()
        .into();
    assert_eq!(report.code, 0, "{}", report.stderr);
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("esr.json")).unwrap()).unwrap();
    let lines: Vec<&str> = data["appendix"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(!lines.is_empty());
    let total: u64 = lines
        .iter()
        .map(|l| {
            let n = l.split_once(" rows skipped by the mapping for ").unwrap().0;
            n.replace(',', "").parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(total, skipped, "{lines:?}");
    assert!(lines.iter().all(|l| l.ends_with("(training)")), "{lines:?}");
}

/// An input folder with the base datasets, training as a small ESR-like export instead.
fn esr_env(config: &str, export: &str) -> Env {
    let env = Env::base();
    env.remove("training.csv");
    env.write("esr/export.csv", export);
    std::fs::write(env.root().join("safeguard.toml"), config).unwrap();
    env
}

const MAPPING: &str = r#"
[[mapping]]
dataset = "training"
files = ["esr/*.csv"]
[mapping.columns]
record_id = "Competence Record ID"
staff_id = "Employee Number"
completed_on = "Achieved Date"
level = "Competence Name"
[mapping.values.level]
"Fire Safety" = "skip"
[mapping.patterns]
level = [["(?i)safeguarding children level ([0-9]+)", "$1"]]
[mapping.dates]
completed_on = ["%d-%b-%Y"]
[mapping.constants]
delivery = "e_learning"
"#;

const EXPORT: &str = "\
Employee Number,Competence Name,Achieved Date,Competence Record ID,Notes
S1,NHS|CSTF|Safeguarding Children Level 3 - 3 Years|,01-May-2024,C1,
S1,Fire Safety,02-May-2024,C2,
S2,Basic Life Support,03-May-2024,C3,
S3,Safeguarding children level 7,04-May-2024,C4,
S2,safeguarding children level 3,31-Feb-2024,C5,
S9,Fire Safety,,C6,a skipped row with faults of its own
";

#[test]
fn skipped_rows_are_counted_and_unmapped_values_are_rejected_naming_the_files_column() {
    let env = esr_env(MAPPING, EXPORT);
    let run = env.load();
    assert_eq!(run.code, 0, "{run:#?}");
    // read 6 = loaded 1 + rejected 3 + skipped 2, printed in the table and per file.
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("training "))
        .unwrap();
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cells[1..5], ["6", "1", "3", "2"], "{line}");
    assert!(
        run.stdout
            .contains("2 rows skipped by mapping 1 (training) in esr/export.csv"),
        "{}",
        run.stdout
    );
    let rejects = env.rejects("training");
    let reasons: Vec<(&str, &str, &str)> = (0..rejects.len())
        .map(|r| {
            (
                rejects.get(r, "line"),
                rejects.get(r, "column"),
                rejects.get(r, "reason"),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "4",
                "level",
                "no value for level: \"Basic Life Support\" in Competence Name matches no mapping"
            ),
            ("5", "level", "Competence Name: level 7 is out of range 1-5"),
            (
                "6",
                "completed_on",
                "Achieved Date: invalid date 31-Feb-2024 in completed_on (expected YYYY-MM-DD, DD/MM/YYYY or a date like 30-Nov-2028)"
            ),
        ]
    );
    assert_eq!(rejects.get(0, "source_file"), "esr/export.csv");
    let training = env.table("training");
    assert_eq!(training.column("record_id"), ["C1"]);
    assert_eq!(training.column("level"), ["3"]);
    assert_eq!(training.column("delivery"), ["e_learning"]);
    assert!(training.columns.contains(&"notes".to_owned()));
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(dataset_record(&m, "training")["rows_skipped"], 2);

    // check prints the same problems at the file's line and column, and the column report.
    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let shown = env.shown("esr/export.csv");
    assert!(
        check
            .stdout
            .contains(&format!("{shown}:5:2: Competence Name: level 7")),
        "{}",
        check.stdout
    );
    for line in [
        "columns of esr/export.csv (mapping 1 (training)):",
        "  record_id    ← \"Competence Record ID\" (mapped)",
        "  level        ← \"Competence Name\" (mapped, values mapped)",
        "  completed_on ← \"Achieved Date\" (mapped, extra date formats)",
        "  hours        missing (optional: blank in every row)",
        "  delivery     = \"e_learning\" (constant)",
        "  extra columns kept: \"Notes\" as notes",
        "  6 rows: 1 would load, 3 rejected, 2 skipped by the mapping",
        "columns of staff.csv (staff):",
        "  staff_id                    ← \"staff_id\" (by name)",
    ] {
        assert!(
            check.stdout.lines().any(|l| l == line),
            "no line {line:?} in:\n{}",
            check.stdout
        );
    }
    assert!(
        check.stdout.contains("2 rows skipped by a mapping"),
        "{}",
        check.stdout
    );
}

/// Runs `check` and `load` with `config`; both must exit 2 naming `expect`, and nothing may be
/// written.
fn refused(env: &Env, config: &str, expect: &[&str]) {
    std::fs::write(env.root().join("safeguard.toml"), config).unwrap();
    for run in [env.check(), env.load()] {
        assert_eq!(run.code, 2, "{run:#?}");
        for e in expect {
            assert!(run.stderr.contains(e), "{e:?} not in {}", run.stderr);
        }
    }
    assert!(!env.warehouse().exists(), "something was written");
}

#[test]
fn configuration_errors_name_the_key_or_file_and_write_nothing() {
    let env = esr_env(MAPPING, EXPORT);
    refused(
        &env,
        &MAPPING.replace("([0-9]+)", "([0-9]+"),
        &[
            "safeguard.toml: [[mapping]] 1 (dataset \"training\"), patterns.level[0]",
            "not a regular expression",
        ],
    );
    refused(
        &env,
        &MAPPING.replace("%d-%b-%Y", "%d-%Q"),
        &["dates.completed_on", "not a chrono date format"],
    );
    refused(
        &env,
        &MAPPING.replace("dataset = \"training\"", "dataset = \"trainings\""),
        &[
            "dataset: \"trainings\" is not a dataset",
            "did you mean training?",
        ],
    );
    refused(
        &env,
        &MAPPING.replace("staff_id = ", "staf_id = "),
        &["columns.staf_id", "did you mean staff_id?"],
    );
    refused(
        &env,
        &MAPPING.replace("esr/*.csv", "esr-export/*.csv"),
        &[
            "files[0]: no file in",
            "matches \"esr-export/*.csv\", and training is a required dataset",
        ],
    );
    let twice = format!("{MAPPING}{}", MAPPING.replace("esr/*.csv", "esr/export.*"));
    refused(
        &env,
        &twice,
        &["esr/export.csv is matched by mapping 1 (training) and by mapping 2 (training)"],
    );
    refused(
        &env,
        &MAPPING.replace("esr/*.csv", "*.csv"),
        &[
            "organisations.csv is matched by mapping 1 (training) but is named as a file of organisations",
        ],
    );
}

#[test]
fn a_mapped_header_the_file_lacks_stops_the_dataset_naming_the_nearest_header() {
    let env = esr_env(
        MAPPING,
        &EXPORT.replace("Achieved Date", "Achievement Date"),
    );
    let run = env.check();
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stdout.contains("esr/export.csv: mapping 1 (training) reads completed_on from the column \"Achieved Date\", which is not in the header (the nearest is \"Achievement Date\")"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_changed_mapping_is_a_change_to_the_nightly_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let generated: Run = command(root)
        .args([
            "-q", "generate", "--esr", "--staff", "120", "--out", "input",
        ])
        .output()
        .unwrap()
        .into();
    assert_eq!(generated.code, 0, "{generated:#?}");
    // The generated mapping, in a scheduler's configuration.
    let mapping = safeguard::generate::ESR_MAPPING.replace("input = \".\"\n", "");
    let config = |mapping: &str| {
        format!(
            "input = \"input\"\nwarehouse = \"warehouse\"\nreport_dir = \"reports\"\nyear = \"2025/26\"\n\n[refresh]\nsettle_seconds = 0\n\n{mapping}"
        )
    };
    std::fs::write(root.join("safeguard.toml"), config(&mapping)).unwrap();
    let refresh = || -> Run { command(root).arg("refresh").output().unwrap().into() };
    let first = refresh();
    assert_eq!(first.code, 0, "{first:#?}");
    assert!(
        first.stdout.contains("skipped by mapping 1 (training)"),
        "{}",
        first.stdout
    );
    let same = refresh();
    assert!(same.stdout.contains("nothing changed"), "{same:#?}");
    // The same files, read through a different mapping, are a different load.
    let changed = mapping.replace(
        "\"Classroom\" = \"face_to_face\"",
        "\"Classroom\" = \"other\"",
    );
    assert_ne!(changed, mapping);
    std::fs::write(root.join("safeguard.toml"), config(&changed)).unwrap();
    let after = refresh();
    assert_eq!(after.code, 0, "{after:#?}");
    assert!(
        after.stdout.contains("the configuration changed"),
        "{}",
        after.stdout
    );
}
