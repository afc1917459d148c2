//! The hash in the manifest is of the bytes loaded (issue 21): a file rewritten between the
//! listing and the reading is a file error, "changed while it was being read", and its dataset
//! keeps its previous data; an unchanged file's hash is that of its bytes. Both ways a load
//! lists its input are tried: hashing every file first (as a refresh does, to decide whether to
//! load at all) and only stamping the files whose reader hashes what it reads (as `load` does,
//! so each byte is read once).

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use safeguard::ingest::mapping::Mappings;
use safeguard::ingest::{Outcome, discover};
use safeguard::warehouse::Warehouse;
use safeguard::warehouse::load::{hash_inputs, load_input, stamp_inputs};

use crate::util::{Env, STAFF, counts, status};

/// How the input is listed before it is read.
#[derive(Debug, Clone, Copy)]
enum Listing {
    Hashed,
    Stamped,
}

const LISTINGS: [Listing; 2] = [Listing::Hashed, Listing::Stamped];

/// Lists `env`'s input as `listing` says, lets `rewrite` change it, then reads and publishes it
/// as a load would; returns `dataset`'s outcome as text (the error, or "loaded"). A failed
/// dataset must have kept its previous data of `kept` rows.
fn load_rewritten_between(
    env: &Env,
    listing: Listing,
    dataset: &str,
    kept: u64,
    rewrite: impl FnOnce(),
) -> String {
    let warehouse = Warehouse::new(env.warehouse());
    let lock = warehouse.lock().unwrap();
    let mut discovery = discover(&env.input(), &Mappings::default()).unwrap();
    match listing {
        Listing::Hashed => drop(hash_inputs(&mut discovery).unwrap()),
        Listing::Stamped => stamp_inputs(&mut discovery).unwrap(),
    }
    rewrite();
    let loaded = load_input(
        &warehouse,
        &lock,
        &env.input(),
        discovery,
        &mut |_| Ok(()),
        &(),
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

/// The manifest's record of the input file `path`.
fn manifest_file(env: &Env, path: &str) -> serde_json::Value {
    env.manifest()["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap()
        .clone()
}

#[test]
fn a_csv_rewritten_after_it_was_listed_is_not_loaded_and_keeps_the_previous_data() {
    for listing in LISTINGS {
        let env = Env::base();
        env.load_ok();
        let outcome = load_rewritten_between(&env, listing, "staff", 3, || {
            env.write(
                "staff.csv",
                &format!("{STAFF}S4,ORG1,nursing,3,3,2020-01-01,\n"),
            );
        });
        assert!(
            outcome.starts_with("staff.csv: the file changed while it was being read"),
            "{listing:?}: {outcome}"
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
}

#[test]
fn a_csv_rewritten_at_the_same_size_after_it_was_stamped_is_not_loaded() {
    let env = Env::base();
    env.load_ok();
    let outcome = load_rewritten_between(&env, Listing::Stamped, "staff", 3, || {
        env.write("staff.csv", &STAFF.replace("S3,ORG2", "S3,ORG1"));
    });
    assert!(
        outcome.starts_with("staff.csv: the file changed while it was being read"),
        "{outcome}"
    );
}

#[test]
fn a_parquet_file_rewritten_after_it_was_listed_is_not_loaded() {
    for listing in LISTINGS {
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
                datafusion::parquet::arrow::ArrowWriter::try_new(file, schema.into(), None)
                    .unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        };
        write(false);
        env.load_ok();
        let outcome = load_rewritten_between(&env, listing, "supervision", 2, || write(true));
        assert!(
            outcome.starts_with("supervision.parquet: the file changed while it was being read"),
            "{listing:?}: {outcome}"
        );
    }
}

#[test]
fn an_unchanged_file_loads_and_the_manifest_hash_is_of_its_bytes() {
    for listing in LISTINGS {
        let env = Env::base();
        env.load_ok();
        let outcome = load_rewritten_between(&env, listing, "staff", 3, || {});
        assert!(outcome.starts_with("Loaded"), "{listing:?}: {outcome}");
        let bytes = std::fs::read(env.input().join("staff.csv")).unwrap();
        let record = manifest_file(&env, "staff.csv");
        assert_eq!(
            record["xxh3_128"],
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
        );
        assert_eq!(record["bytes"], bytes.len() as u64);
    }
}

#[test]
fn a_file_whose_dataset_stopped_before_it_was_read_is_still_hashed() {
    // Stamped, not hashed, when listed; its header stops its dataset before its rows are read.
    let env = Env::base();
    env.load_ok();
    env.write("supervision.csv", "session_id,staff_id\nV9,S1\n");
    let outcome = load_rewritten_between(&env, Listing::Stamped, "supervision", 2, || {});
    assert!(outcome.contains("required column"), "{outcome}");
    let bytes = std::fs::read(env.input().join("supervision.csv")).unwrap();
    let record = manifest_file(&env, "supervision.csv");
    assert_eq!(
        record["xxh3_128"],
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
    );
    assert_eq!(record["bytes"], bytes.len() as u64);
}
