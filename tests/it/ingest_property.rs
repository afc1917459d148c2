//! Property: whatever the input, every row is loaded or rejected, never both, never lost.

use std::collections::{BTreeMap, HashSet};

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use proptest::prelude::*;
use safeguard::contract::Dataset;
use safeguard::ingest::{DatasetStats, FileError, Kept, Outcome, Reject, Sink, ingest};

use crate::util::Env;

/// Counts what ingest hands over, per dataset.
#[derive(Default)]
struct Counter {
    current: Option<&'static str>,
    loaded: BTreeMap<&'static str, u64>,
    rejected: BTreeMap<&'static str, Vec<u64>>,
    training_ids: Vec<String>,
}

impl Sink for Counter {
    fn begin(&mut self, dataset: &'static Dataset, _: SchemaRef) -> anyhow::Result<()> {
        self.current = Some(dataset.name);
        Ok(())
    }
    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        let name = self.current.expect("begin before rows");
        *self.loaded.entry(name).or_default() += batch.num_rows() as u64;
        if name == "training" {
            let ids = batch
                .column_by_name("record_id")
                .unwrap()
                .as_string::<i32>();
            self.training_ids
                .extend(ids.iter().map(|s| s.unwrap().to_owned()));
        }
        Ok(())
    }
    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        assert_eq!(Some(reject.dataset), self.current);
        assert!(!reject.problems.is_empty());
        self.rejected
            .entry(reject.dataset)
            .or_default()
            .push(reject.line);
        Ok(())
    }
    fn commit(&mut self, _: &DatasetStats) -> anyhow::Result<()> {
        self.current = None;
        Ok(())
    }
    fn abandon(
        &mut self,
        dataset: &'static Dataset,
        e: &FileError,
    ) -> anyhow::Result<Option<Kept>> {
        panic!("{} abandoned: {e}", dataset.name);
    }
}

/// What a generated training row is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Good,
    /// Repeats the record_id of an earlier good row.
    Duplicate,
    BadDate,
    UnknownStaff,
    LevelOutOfRange,
    BlankRequired,
    NegativeHours,
    BadDelivery,
    /// Every cell empty: not a row at all.
    BlankLine,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Good),
        1 => Just(Kind::Duplicate),
        1 => Just(Kind::BadDate),
        1 => Just(Kind::UnknownStaff),
        1 => Just(Kind::LevelOutOfRange),
        1 => Just(Kind::BlankRequired),
        1 => Just(Kind::NegativeHours),
        1 => Just(Kind::BadDelivery),
        1 => Just(Kind::BlankLine),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_training_row_is_loaded_or_rejected(
        rows in prop::collection::vec((kind(), 0usize..1000), 0..40)
    ) {
        let env = Env::base();
        let mut csv = String::from("record_id,staff_id,level,completed_on,hours,delivery\n");
        let (mut good_ids, mut bad_lines, mut read) = (Vec::<String>::new(), vec![], 0u64);
        for (i, (kind, pick)) in rows.iter().enumerate() {
            let line = i as u64 + 2;
            let id = format!("R{i}");
            let staff = ["S1", "S2", "S3"][pick % 3];
            let level = 1 + pick % 5;
            let date = if pick % 2 == 0 { "2025-04-03" } else { "03/04/2025" };
            let delivery = ["Face to Face", "e_learning", "", "VIRTUAL", "other"][pick % 5];
            let row = match kind {
                Kind::Good => format!("{id},{staff},{level},{date},{},{delivery}", pick % 7),
                Kind::Duplicate if !good_ids.is_empty() => {
                    let earlier = &good_ids[pick % good_ids.len()];
                    format!("{earlier},{staff},{level},{date},1,{delivery}")
                }
                Kind::Duplicate => format!("{id},{staff},{level},{date},1,{delivery}"),
                Kind::BadDate => {
                    let bad = ["31/02/2025", "2025-13-01", "yesterday", "2025/04/03"][pick % 4];
                    format!("{id},{staff},{level},{bad},1,{delivery}")
                }
                Kind::UnknownStaff => format!("{id},X{pick},{level},{date},1,{delivery}"),
                Kind::LevelOutOfRange => {
                    let bad = ["0", "6", "9", "-1", "three"][pick % 5];
                    format!("{id},{staff},{bad},{date},1,{delivery}")
                }
                Kind::BlankRequired => match pick % 4 {
                    0 => format!(",{staff},{level},{date},1,{delivery}"),
                    1 => format!("{id},,{level},{date},1,{delivery}"),
                    2 => format!("{id},{staff}, ,{date},1,{delivery}"),
                    _ => format!("{id},{staff},{level},,1,{delivery}"),
                },
                Kind::NegativeHours => format!("{id},{staff},{level},{date},-0.5,{delivery}"),
                Kind::BadDelivery => format!("{id},{staff},{level},{date},1,classroom"),
                Kind::BlankLine => ",,,,,".to_owned(),
            };
            csv.push_str(&row);
            csv.push('\n');
            match kind {
                Kind::BlankLine => continue,
                Kind::Good => good_ids.push(id),
                Kind::Duplicate if good_ids.is_empty() => good_ids.push(id),
                _ => bad_lines.push(line),
            }
            read += 1;
        }
        env.write("training.csv", &csv);

        let mut sink = Counter::default();
        let report = ingest(&env.input(), &mut sink, &()).unwrap();
        let training = report
            .datasets
            .iter()
            .find(|d| d.dataset.name == "training")
            .unwrap();
        let Outcome::Loaded(stats) = training.outcome else {
            panic!("training not loaded: {:?}", training.outcome);
        };
        prop_assert_eq!(stats.rows_read, stats.rows_loaded + stats.rows_rejected);
        prop_assert_eq!(stats.rows_read, read);
        prop_assert_eq!(stats.rows_loaded, good_ids.len() as u64);
        prop_assert_eq!(sink.loaded.get("training").copied().unwrap_or(0), stats.rows_loaded);
        prop_assert_eq!(&sink.training_ids, &good_ids);
        let rejected = sink.rejected.get("training").cloned().unwrap_or_default();
        prop_assert_eq!(rejected.len() as u64, stats.rows_rejected);
        prop_assert_eq!(&rejected, &bad_lines);
        let unique: HashSet<&String> = sink.training_ids.iter().collect();
        prop_assert_eq!(unique.len(), sink.training_ids.len());
        // The other datasets are the valid base input, untouched.
        for d in &report.datasets {
            if let Outcome::Loaded(s) = d.outcome {
                prop_assert_eq!(s.rows_read, s.rows_loaded + s.rows_rejected);
                prop_assert_eq!(sink.loaded.get(d.dataset.name).copied().unwrap_or(0), s.rows_loaded);
            }
        }
    }
}
