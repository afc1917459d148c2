//! What changed since the last refresh: the input files (by content hash), the configuration,
//! the report templates and the program version. Nothing changed means nothing to do.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::report::world::Templates;
use crate::warehouse::manifest::InputFileRecord;
use crate::warehouse::{DatasetStatus, Manifest};

/// The file inside a snapshot that records the refresh that made it.
pub const STAMP_FILE: &str = "refresh.json";
/// The folder inside a snapshot holding the report typeset from it.
pub const REPORT_FOLDER: &str = "report";

/// What a refresh's output depends on besides the snapshot's input files, recorded in the
/// snapshot it publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub run_id: String,
    /// XXH3-128 of every setting that changes a figure or the report's text.
    pub config_digest: String,
    /// XXH3-128 of the templates folder, or `embedded`.
    pub templates_digest: String,
    pub program_version: String,
    /// The report's file name in `report_dir` (and in the snapshot's `report/` folder).
    pub report_file: String,
    /// XXH3-128 of the PDF, so a missing or altered published copy is noticed and restored.
    pub report_xxh3: String,
    pub pages: u64,
}

impl Stamp {
    pub fn read(snapshot: &Path) -> anyhow::Result<Option<Stamp>> {
        let path = snapshot.join(STAMP_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .with_context(|| format!("{} is not a valid refresh record", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// This run's inputs, to compare with the live snapshot's.
pub struct Fingerprint<'a> {
    pub files: &'a [InputFileRecord],
    pub config_digest: &'a str,
    pub templates_digest: &'a str,
    pub report_file: &'a str,
}

/// Sentences saying what differs between the live snapshot (and the refresh that made it) and
/// this run's inputs; empty when a refresh would produce the same snapshot and report.
pub fn changes(live: Option<(&Manifest, Option<&Stamp>)>, now: &Fingerprint<'_>) -> Vec<String> {
    let Some((manifest, stamp)) = live else {
        return vec!["the warehouse is empty: first load".into()];
    };
    let mut out = vec![];
    let before: BTreeMap<&str, &str> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.xxh3_128.as_str()))
        .collect();
    let after: BTreeMap<&str, &str> = now
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.xxh3_128.as_str()))
        .collect();
    for (path, hash) in &after {
        match before.get(path) {
            None => out.push(format!("{path} added")),
            Some(old) if old != hash => out.push(format!("{path} changed")),
            Some(_) => {}
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        out.push(format!("{path} removed"));
    }
    for d in &manifest.datasets {
        if matches!(
            d.status,
            DatasetStatus::KeptPrevious | DatasetStatus::Failed
        ) {
            out.push(format!(
                "{} could not be read last time: trying again",
                d.name
            ));
        }
    }
    let Some(stamp) = stamp else {
        out.push("the live snapshot was made by `safeguard load`, so it has no report yet".into());
        return out;
    };
    if stamp.program_version != env!("CARGO_PKG_VERSION") {
        out.push(format!(
            "safeguard changed from version {} to {}",
            stamp.program_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if stamp.config_digest != now.config_digest {
        out.push(
            "the configuration changed (period, thresholds, report settings or mappings)".into(),
        );
    }
    if stamp.templates_digest != now.templates_digest {
        out.push("the report templates changed".into());
    }
    if stamp.report_file != now.report_file && stamp.config_digest == now.config_digest {
        out.push(format!("the report is now {}", now.report_file));
    }
    out
}

/// A digest of the templates the report will be typeset with: every file of a templates
/// folder (names and bytes), or `embedded` for the built-in ones (which change only with the
/// program version).
pub fn templates_digest(templates: &Templates) -> anyhow::Result<String> {
    let Templates::Dir(dir) = templates else {
        return Ok("embedded".into());
    };
    let mut files = vec![];
    collect(dir, dir, &mut files)?;
    files.sort();
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for (relative, path) in files {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        hasher.update(relative.as_bytes());
        hasher.update(&[0]);
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

fn collect(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::path::PathBuf)>,
) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            out.push((relative, path));
        }
    }
    Ok(())
}

/// XXH3-128 of a string, in hex.
pub fn digest(text: &str) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Format;

    fn file(path: &str, hash: &str) -> InputFileRecord {
        InputFileRecord {
            dataset: path.split('.').next().unwrap().into(),
            path: path.into(),
            format: Format::Csv,
            bytes: 1,
            xxh3_128: hash.into(),
            mapping: None,
            rows_skipped: 0,
        }
    }

    fn manifest(files: Vec<InputFileRecord>) -> Manifest {
        Manifest {
            snapshot: "s".into(),
            program_version: env!("CARGO_PKG_VERSION").into(),
            load_started: String::new(),
            load_finished: String::new(),
            input: String::new(),
            files,
            datasets: vec![],
            ignored_files: vec![],
        }
    }

    fn stamp() -> Stamp {
        Stamp {
            run_id: "r".into(),
            config_digest: "c".into(),
            templates_digest: "embedded".into(),
            program_version: env!("CARGO_PKG_VERSION").into(),
            report_file: "r.pdf".into(),
            report_xxh3: "x".into(),
            pages: 1,
        }
    }

    #[test]
    fn same_inputs_same_settings_is_no_change_and_each_difference_is_named() {
        let m = manifest(vec![file("staff.csv", "1"), file("training.csv", "2")]);
        let s = stamp();
        let same = [file("staff.csv", "1"), file("training.csv", "2")];
        let fp = |files| Fingerprint {
            files,
            config_digest: "c",
            templates_digest: "embedded",
            report_file: "r.pdf",
        };
        assert!(changes(Some((&m, Some(&s))), &fp(&same)).is_empty());

        let edited = [
            file("staff.csv", "1"),
            file("training.csv", "3"),
            file("escalations.csv", "4"),
        ];
        assert_eq!(
            changes(Some((&m, Some(&s))), &fp(&edited)),
            ["escalations.csv added", "training.csv changed"]
        );
        let fewer = [file("staff.csv", "1")];
        assert_eq!(
            changes(Some((&m, Some(&s))), &fp(&fewer)),
            ["training.csv removed"]
        );
        let other_config = Fingerprint {
            config_digest: "d",
            ..fp(&same)
        };
        assert_eq!(changes(Some((&m, Some(&s))), &other_config).len(), 1);
        assert_eq!(changes(Some((&m, None)), &fp(&same)).len(), 1);
        assert_eq!(changes(None, &fp(&same)).len(), 1);
    }
}
