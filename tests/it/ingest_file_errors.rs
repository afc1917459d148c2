//! File errors, missing datasets, what `check` writes (nothing), and the exit codes of `check`
//! and `load` when something is wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{
    Env, assert_snapshot_consistent, counts, dataset_record, lines_starting, read_parquet_dir, rej,
    reject_rows, status,
};

const TRAINING_WITHOUT_COMPLETED_ON: &str = "record_id,staff_id,level,hours,delivery
T1,S1,3,6,face_to_face
T9,S2,3,6,e_learning
";

#[test]
fn check_names_the_file_and_the_missing_required_column() {
    let env = Env::base();
    env.write("training.csv", TRAINING_WITHOUT_COMPLETED_ON);
    let check = env.check();
    assert_eq!(check.code, 2, "{check:#?}");
    let f = env.shown("training.csv");
    let lines = lines_starting(&check.stdout, &f);
    assert_eq!(lines.len(), 1, "{}", check.stdout);
    assert!(
        lines[0].contains("required column completed_on is missing"),
        "{}",
        lines[0]
    );
}

#[test]
fn load_with_a_missing_required_column_keeps_the_previous_data_and_exits_2() {
    let env = Env::base();
    env.load_ok();
    let first = env.current();
    let first_name = first.file_name().unwrap().to_str().unwrap().to_owned();
    assert_eq!(counts(&env.manifest(), "training"), (3, 3, 0));

    env.write("training.csv", TRAINING_WITHOUT_COMPLETED_ON);
    // Another dataset changes too, to see the new snapshot carries the rest of this load.
    env.write(
        "supervision.csv",
        &format!("{}V3,S2,2024-08-01,ad hoc\n", crate::util::SUPERVISION),
    );
    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stdout.contains(&env.shown("training.csv")) && run.stdout.contains("completed_on"),
        "the error names neither the file nor the column:\n{}",
        run.stdout
    );

    let second = env.current();
    assert_ne!(second, first, "no new snapshot was published");
    let m = assert_snapshot_consistent(&second);
    assert_eq!(status(&m, "training"), "kept_previous");
    assert_eq!(counts(&m, "training"), (3, 3, 0));
    let rec = dataset_record(&m, "training");
    assert_eq!(rec["loaded_in"], first_name.as_str());
    let error = rec["error"].as_str().unwrap();
    assert!(
        error.contains("training.csv") && error.contains("completed_on"),
        "{error}"
    );
    let t = env.table("training");
    assert_eq!(t.column("record_id"), ["T1", "T2", "T3"]);
    assert_eq!(
        t.column("completed_on"),
        ["2024-05-01", "2024-06-01", "2024-07-01"]
    );

    assert_eq!(status(&m, "supervision"), "loaded");
    assert_eq!(counts(&m, "supervision"), (3, 3, 0));
    assert_eq!(env.table("supervision").column("kind")[2], "ad_hoc");
    // The previous snapshot is untouched.
    assert_eq!(
        counts(&crate::util::read_manifest(&first), "supervision"),
        (2, 2, 0)
    );
}

#[test]
fn kept_staff_still_resolves_the_references_of_later_datasets() {
    let env = Env::base();
    env.load_ok();
    env.write(
        "staff.csv",
        "staff_id,organisation_code,professional_group,start_date
S1,ORG1,nursing,2020-01-01
",
    );
    env.write(
        "training.csv",
        &format!(
            "{}T9,S9,3,2024-05-01,6,face_to_face\n",
            crate::util::TRAINING
        ),
    );
    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(status(&m, "staff"), "kept_previous");
    assert_eq!(counts(&m, "staff"), (3, 3, 0));
    assert!(
        dataset_record(&m, "staff")["error"]
            .as_str()
            .unwrap()
            .contains("required_level"),
        "{m:#}"
    );
    // S1-S3 come from the kept staff data; S9 is in neither.
    assert_eq!(counts(&m, "training"), (4, 3, 1));
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [rej(
            "training.csv",
            5,
            "unknown staff_id S9: not in staff",
            "staff_id"
        )]
    );
}

#[test]
fn a_missing_optional_dataset_is_absent_and_a_missing_required_one_is_a_file_error() {
    let env = Env::base();
    env.load_ok();
    let m = assert_snapshot_consistent(&env.current());
    for name in [
        "section11_actions",
        "multiagency_meetings",
        "escalations",
        "quality_ratings",
    ] {
        assert_eq!(status(&m, name), "absent", "{name}");
        assert_eq!(counts(&m, name), (0, 0, 0), "{name}");
        assert!(!env.current().join(name).exists(), "{name} has a folder");
    }
    for (name, _, rows) in crate::util::BASE {
        assert_eq!(status(&m, name), "loaded", "{name}");
        assert_eq!(counts(&m, name), (*rows, *rows, 0), "{name}");
    }

    // A fresh warehouse without supervision: a file error, and no data to keep.
    let env = Env::base();
    env.remove("supervision.csv");
    let check = env.check();
    assert_eq!(check.code, 2, "{check:#?}");
    let f = env.shown("supervision.csv");
    let lines = lines_starting(&check.stdout, &f);
    assert_eq!(lines.len(), 1, "{}", check.stdout);
    assert!(
        lines[0].contains("the required dataset supervision is missing"),
        "{}",
        lines[0]
    );

    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(status(&m, "supervision"), "failed");
    assert_eq!(counts(&m, "supervision"), (0, 0, 0));
    assert!(
        dataset_record(&m, "supervision")["error"]
            .as_str()
            .unwrap()
            .contains("the required dataset supervision is missing")
    );
    assert_eq!(status(&m, "training"), "loaded");
    // An empty table with the contract's columns stands in for it.
    let s = env.table("supervision");
    assert_eq!(s.len(), 0);
}

/// Every file below `dir` with its size and modification time.
fn tree(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path(), (meta.len(), meta.modified().unwrap()));
        }
    }
    out
}

#[test]
fn check_writes_nothing_and_exits_1_on_rejects_0_when_clean() {
    let env = Env::base();
    let before = tree(env.root());
    let check = env.check();
    assert_eq!(check.code, 0, "{check:#?}");
    assert!(
        check
            .stdout
            .contains("checked 16 rows in 6 datasets: 0 rows would be rejected, 0 file errors"),
        "{}",
        check.stdout
    );
    assert_eq!(tree(env.root()), before, "check wrote something");

    env.write(
        "supervision.csv",
        &format!("{}V3,S9,2024-08-01,group\n", crate::util::SUPERVISION),
    );
    let before = tree(env.root());
    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let f = env.shown("supervision.csv");
    assert_eq!(
        lines_starting(&check.stdout, &f),
        [format!("{f}:4:2: unknown staff_id S9: not in staff")]
    );
    assert!(
        check
            .stdout
            .contains("checked 17 rows in 6 datasets: 1 row"),
        "{}",
        check.stdout
    );
    assert_eq!(tree(env.root()), before, "check wrote something");
    assert!(!env.warehouse().exists());
    assert!(!env.root().join("warehouse").exists());
}

#[test]
fn a_missing_input_folder_is_exit_2_and_creates_no_warehouse() {
    let env = Env::empty();
    std::fs::remove_dir(env.input()).unwrap();
    let check = env.check();
    assert_eq!(check.code, 2, "{check:#?}");
    assert!(check.stderr.contains("does not exist"), "{}", check.stderr);
    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(!env.warehouse().exists());
}

#[test]
fn manifest_counts_match_the_parquet_files_after_loads_with_rejects_kept_and_failed_datasets() {
    let env = Env::base();
    env.write(
        "staff.csv",
        &format!(
            "{}S4,ORG9,nursing,3,,2020-01-01,\nS5,ORG1,nursing,0,,2020-01-01,\n",
            crate::util::STAFF
        ),
    );
    env.write(
        "training.csv",
        &format!(
            "{}T1,S1,3,2024-05-01,6,face_to_face\nT4,S1,3,31/02/2025,6,\nT5,,3,2024-05-01,,\n,,,,,\n",
            crate::util::TRAINING
        ),
    );
    env.write(
        "escalations.csv",
        "escalation_id,organisation_code,raised_on,level,theme,local_authority,resolved_on
E1,ORG1,2024-01-01,2,Threshold,Northshire,2024-02-01
E2,ORG2,2024-03-01,6,Threshold,Northshire,
E3,ORG2,2024-03-01,1,Threshold,Northshire,2024-02-01
",
    );
    env.load_ok();
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(counts(&m, "staff"), (5, 3, 2));
    // The all-blank line is not a row.
    assert_eq!(counts(&m, "training"), (6, 3, 3));
    assert_eq!(counts(&m, "escalations"), (3, 1, 2));
    assert_summary_matches_manifest(&env.current(), &m);

    // Second load: training has a file error and is kept; escalations disappears (absent).
    env.write("training.csv", TRAINING_WITHOUT_COMPLETED_ON);
    env.remove("escalations.csv");
    assert_eq!(env.load().code, 2);
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(status(&m, "training"), "kept_previous");
    assert_eq!(counts(&m, "training"), (6, 3, 3));
    assert_eq!(status(&m, "escalations"), "absent");
    assert_summary_matches_manifest(&env.current(), &m);
    // The kept rejects came along with the kept rows.
    assert_eq!(env.rejects("training").len(), 3);

    // Third load: the training file error persists; the kept data is kept again.
    assert_eq!(env.load().code, 2);
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(status(&m, "training"), "kept_previous");
    assert_eq!(counts(&m, "training"), (6, 3, 3));
}

/// `load_summary` is the manifest's datasets as a table.
fn assert_summary_matches_manifest(snapshot: &Path, m: &serde_json::Value) {
    let s = read_parquet_dir(&snapshot.join("load_summary"));
    let datasets = m["datasets"].as_array().unwrap();
    assert_eq!(s.len(), datasets.len());
    for (r, d) in datasets.iter().enumerate() {
        assert_eq!(s.get(r, "dataset"), d["name"].as_str().unwrap());
        assert_eq!(s.get(r, "status"), d["status"].as_str().unwrap());
        for k in ["rows_read", "rows_loaded", "rows_rejected"] {
            assert_eq!(s.get(r, k), d[k].as_u64().unwrap().to_string(), "{k}");
        }
    }
}
