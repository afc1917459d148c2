//! The hash in the manifest is of the bytes loaded (issue 21): a file rewritten between the
//! hashing and the reading is a file error, "changed while it was being read", and its dataset
//! keeps its previous data; an unchanged file's hash is that of its bytes.

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use safeguard::ingest::mapping::Mappings;
use safeguard::ingest::{Outcome, Progress, discover};
use safeguard::warehouse::Warehouse;
use safeguard::warehouse::load::{hash_inputs, load_input};

use crate::util::{Env, STAFF, counts, status};

struct Quiet;

impl Progress for Quiet {
    fn dataset(&self, _: &str) {}
    fn rows(&self, _: u64) {}
}

/// Lists and hashes `env`'s input, lets `rewrite` change it, then reads and publishes it as a
/// load would; returns `dataset`'s outcome as text (the error, or "loaded"). A failed dataset
/// must have kept its previous data of `kept` rows.
fn load_rewritten_between(env: &Env, dataset: &str, kept: u64, rewrite: impl FnOnce()) -> String {
    let warehouse = Warehouse::new(env.warehouse());
    let lock = warehouse.lock().unwrap();
    let mut discovery = discover(&env.input(), &Mappings::default()).unwrap();
    let files = hash_inputs(&mut discovery).unwrap();
    rewrite();
    let loaded = load_input(
        &warehouse,
        &lock,
        &env.input(),
        discovery,
        files,
        &mut |_| Ok(()),
        &Quiet,
    )
    .unwrap();
    let report = loaded
        .report
        .datasets
        .iter()
        .find(|d| d.dataset.name == dataset)
        .unwrap();
    let outcome = match &report.outcome {
        Outcome::Failed {
            error,
            kept: previous,
        } => {
            assert_eq!(
                previous.map(|k| k.rows_loaded),
                Some(kept),
                "the previous data is kept"
            );
            error.to_string()
        }
        other => format!("{other:?}"),
    };
    loaded.sealed.publish().unwrap();
    outcome
}

#[test]
fn a_csv_rewritten_after_it_was_hashed_is_not_loaded_and_keeps_the_previous_data() {
    let env = Env::base();
    env.load_ok();
    let outcome = load_rewritten_between(&env, "staff", 3, || {
        env.write(
            "staff.csv",
            &format!("{STAFF}S4,ORG1,nursing,3,3,2020-01-01,\n"),
        );
    });
    assert!(
        outcome.starts_with("staff.csv: the file changed while it was being read"),
        "{outcome}"
    );
    let manifest = env.manifest();
    assert_eq!(status(&manifest, "staff"), "kept_previous");
    assert_eq!(env.table("staff").len(), 3, "the new row is not loaded");
    assert_eq!(
        counts(&manifest, "training"),
        (3, 3, 0),
        "other datasets load"
    );
}

#[test]
fn a_parquet_file_rewritten_after_it_was_hashed_is_not_loaded() {
    let env = Env::base();
    env.remove("supervision.csv");
    let write = |extra: bool| {
        let mut ids = vec!["V1", "V2"];
        if extra {
            ids.push("V3");
        }
        let n = ids.len();
        let schema = Schema::new(vec![
            Field::new("session_id", DataType::Utf8, false),
            Field::new("staff_id", DataType::Utf8, false),
            Field::new("session_date", DataType::Utf8, false),
            Field::new("kind", DataType::Utf8, false),
        ]);
        let batch = RecordBatch::try_new(
            schema.clone().into(),
            vec![
                std::sync::Arc::new(StringArray::from(ids)),
                std::sync::Arc::new(StringArray::from(vec!["S1"; n])),
                std::sync::Arc::new(StringArray::from(vec!["2024-04-01"; n])),
                std::sync::Arc::new(StringArray::from(vec!["group"; n])),
            ],
        )
        .unwrap();
        let file = std::fs::File::create(env.input().join("supervision.parquet")).unwrap();
        let mut writer =
            datafusion::parquet::arrow::ArrowWriter::try_new(file, schema.into(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    };
    write(false);
    env.load_ok();
    let outcome = load_rewritten_between(&env, "supervision", 2, || write(true));
    assert!(
        outcome.starts_with("supervision.parquet: the file changed while it was being read"),
        "{outcome}"
    );
}

#[test]
fn an_unchanged_file_loads_and_the_manifest_hash_is_of_its_bytes() {
    let env = Env::base();
    env.load_ok();
    let outcome = load_rewritten_between(&env, "staff", 3, || {});
    assert!(outcome.starts_with("Loaded"), "{outcome}");
    let manifest = env.manifest();
    let bytes = std::fs::read(env.input().join("staff.csv")).unwrap();
    let record = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "staff.csv")
        .unwrap();
    assert_eq!(
        record["xxh3_128"],
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
    );
    assert_eq!(record["bytes"], bytes.len() as u64);
}
