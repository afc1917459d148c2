//! What changed since the last refresh: the input files (by content hash), the configuration,
//! the report templates, the narrative's files and the program version. Nothing changed means
//! nothing to do.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::ingest::mapping::MappingConfig;
use crate::query::{Params, Thresholds};
use crate::report::ReportSettings;
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
    /// XXH3-128 of every file of the narrative folder, by its path relative to the folder;
    /// empty without a narrative (and in records written before narratives existed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub narrative: BTreeMap<String, String>,
    /// The provider packs published with the report, when `[refresh] packs` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packs: Option<Vec<super::packs::PackStamp>>,
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
    /// The narrative's files and their hashes ([`narrative_hashes`]).
    pub narrative: &'a BTreeMap<String, String>,
}

/// Sentences saying what differs between the live snapshot (and the refresh that made it) and
/// this run's inputs; empty when a refresh would produce the same snapshot and report.
pub fn changes(live: Option<(&Manifest, Option<&Stamp>)>, now: &Fingerprint<'_>) -> Vec<String> {
    let Some((manifest, stamp)) = live else {
        return vec!["the warehouse is empty: first load".into()];
    };
    let mut out = manifest.input_changes(now.files);
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
    out.extend(narrative_changes(&stamp.narrative, now.narrative));
    if stamp.report_file != now.report_file && stamp.config_digest == now.config_digest {
        out.push(format!("the report is now {}", now.report_file));
    }
    out
}

/// `the narrative's foreword.md changed`, one sentence per added, removed or changed file.
fn narrative_changes(
    before: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = vec![];
    for (path, hash) in now {
        match before.get(path) {
            None => out.push(format!("the narrative's {path} added")),
            Some(h) if h != hash => out.push(format!("the narrative's {path} changed")),
            Some(_) => {}
        }
    }
    for path in before.keys().filter(|p| !now.contains_key(*p)) {
        out.push(format!("the narrative's {path} removed"));
    }
    out
}

/// The files of the narrative folder `dir` (its Markdown and images, as
/// [`crate::narrative::input_files`] lists them) with their XXH3-128 hashes; none without a
/// narrative.
pub fn narrative_hashes(dir: Option<&Path>) -> anyhow::Result<BTreeMap<String, String>> {
    let Some(dir) = dir else {
        return Ok(BTreeMap::new());
    };
    let files = crate::narrative::input_files(dir)
        .with_context(|| format!("cannot read the narrative folder {}", dir.display()))?;
    let mut out = BTreeMap::new();
    for relative in files {
        let path = dir.join(&relative);
        let (_, hash) = crate::warehouse::manifest::hash_file(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let key = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.insert(key, hash);
    }
    Ok(out)
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

/// Every setting that changes a figure or a word of the report, besides the inputs and the
/// templates (hashed separately). A mapping changes which rows load.
#[derive(Serialize)]
struct OutputSettings<'a> {
    as_of: String,
    authors: &'a [String],
    board_meeting_date: Option<String>,
    icb_name: Option<&'a str>,
    thresholds: &'a Thresholds,
    /// Left out when there are none, so configurations without mappings keep their digest.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    mapping: &'a [MappingConfig],
}

/// XXH3-128, in hex, of the settings that change a figure or a word of the report, serialised
/// as JSON: the same settings always give the same digest, whatever program built it.
pub fn config_digest(
    params: &Params,
    settings: &ReportSettings,
    mappings: &[MappingConfig],
) -> anyhow::Result<String> {
    let json = settings_json(params, settings, mappings)?;
    Ok(format!(
        "{:032x}",
        xxhash_rust::xxh3::xxh3_128(json.as_bytes())
    ))
}

/// The settings [`config_digest`] hashes, as JSON with every object's keys sorted, so neither
/// the order of fields in the code nor serde_json's features change the digest.
fn settings_json(
    params: &Params,
    settings: &ReportSettings,
    mappings: &[MappingConfig],
) -> serde_json::Result<String> {
    let value = serde_json::to_value(OutputSettings {
        as_of: params.as_of.to_string(),
        authors: &settings.authors,
        board_meeting_date: settings.board_meeting_date.map(|d| d.to_string()),
        icb_name: settings.icb_name.as_deref(),
        thresholds: &params.thresholds,
        mapping: mappings,
    })?;
    serde_json::to_string(&sort_keys(value))
}

fn sort_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> =
                map.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
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
            narrative: BTreeMap::new(),
            packs: None,
        }
    }

    #[test]
    fn the_config_digest_is_pinned_and_follows_every_setting() {
        let params = Params {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            thresholds: Thresholds::default(),
        };
        let settings = ReportSettings::default();
        let digest = |p: &Params, s: &ReportSettings| config_digest(p, s, &[]).unwrap();
        // A changed serialisation makes every warehouse refresh once more after an upgrade:
        // change this text only on purpose.
        assert_eq!(
            settings_json(&params, &settings, &[]).unwrap(),
            concat!(
                r#"{"as_of":"2026-03-31","#,
                r#""authors":["Designated Nurse for Safeguarding Children","#,
                r#""Designated Doctor for Safeguarding Children"],"#,
                r#""board_meeting_date":null,"icb_name":null,"#,
                r#""thresholds":{"disclosure_threshold":5,"green_above":90.0,"#,
                r#""multiagency_green_above":90.0,"multiagency_red_below":60.0,"#,
                r#""red_below":75.0,"training_validity_months":36}}"#
            )
        );
        let mut other = params.clone();
        other.as_of = chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_ne!(digest(&other, &settings), digest(&params, &settings));
        let mut other = params.clone();
        other.thresholds.disclosure_threshold = 10;
        assert_ne!(digest(&other, &settings), digest(&params, &settings));
        let variants = [
            ReportSettings {
                icb_name: Some("NHS Somewhere ICB".into()),
                ..ReportSettings::default()
            },
            ReportSettings {
                board_meeting_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
                ..ReportSettings::default()
            },
            ReportSettings {
                authors: vec!["Designated Nurse".into()],
                ..ReportSettings::default()
            },
        ];
        for s in &variants {
            assert_ne!(digest(&params, s), digest(&params, &settings), "{s:?}");
        }
        // A mapping is part of the configuration: adding one, or changing it, is a change.
        let mapping = MappingConfig {
            dataset: "training".into(),
            files: vec!["esr/*.csv".into()],
            ..MappingConfig::default()
        };
        let with =
            |m: &MappingConfig| config_digest(&params, &settings, std::slice::from_ref(m)).unwrap();
        assert_ne!(with(&mapping), digest(&params, &settings));
        let mut changed = mapping.clone();
        changed
            .constants
            .insert("delivery".into(), "e_learning".into());
        assert_ne!(with(&changed), with(&mapping));
        assert_eq!(with(&mapping), with(&mapping.clone()));
    }

    #[test]
    fn same_inputs_same_settings_is_no_change_and_each_difference_is_named() {
        let m = manifest(vec![file("staff.csv", "1"), file("training.csv", "2")]);
        let s = stamp();
        let same = [file("staff.csv", "1"), file("training.csv", "2")];
        let no_narrative = BTreeMap::new();
        let fp = |files| Fingerprint {
            files,
            config_digest: "c",
            templates_digest: "embedded",
            report_file: "r.pdf",
            narrative: &no_narrative,
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

    #[test]
    fn each_narrative_file_added_changed_or_removed_is_a_change() {
        let m = manifest(vec![file("staff.csv", "1")]);
        let same = [file("staff.csv", "1")];
        let hashes = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(p, h)| ((*p).to_owned(), (*h).to_owned()))
                .collect()
        };
        let mut s = stamp();
        s.narrative = hashes(&[("foreword.md", "a"), ("risks.md", "b"), ("img/x.png", "c")]);
        let now = hashes(&[("foreword.md", "A"), ("risks.md", "b"), ("cover.md", "d")]);
        let fp = Fingerprint {
            files: &same,
            config_digest: "c",
            templates_digest: "embedded",
            report_file: "r.pdf",
            narrative: &now,
        };
        assert_eq!(
            changes(Some((&m, Some(&s))), &fp),
            [
                "the narrative's cover.md added",
                "the narrative's foreword.md changed",
                "the narrative's img/x.png removed"
            ]
        );
        let unchanged = s.narrative.clone();
        let fp = Fingerprint {
            narrative: &unchanged,
            ..fp
        };
        assert!(changes(Some((&m, Some(&s))), &fp).is_empty());
        // A record written before narratives existed reads as having none.
        let old: Stamp = serde_json::from_str(
            r#"{"run_id":"r","config_digest":"c","templates_digest":"embedded",
               "program_version":"0","report_file":"r.pdf","report_xxh3":"x","pages":1}"#,
        )
        .unwrap();
        assert!(old.narrative.is_empty());
    }

    #[test]
    fn narrative_hashes_follow_the_folders_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("img")).unwrap();
        std::fs::write(dir.path().join("foreword.md"), "Hello").unwrap();
        std::fs::write(dir.path().join("img/a.png"), "png").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not an input").unwrap();
        let before = narrative_hashes(Some(dir.path())).unwrap();
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            ["foreword.md", "img/a.png"]
        );
        std::fs::write(dir.path().join("foreword.md"), "Hello, board").unwrap();
        let after = narrative_hashes(Some(dir.path())).unwrap();
        assert_ne!(before["foreword.md"], after["foreword.md"]);
        assert_eq!(before["img/a.png"], after["img/a.png"]);
        assert!(narrative_hashes(None).unwrap().is_empty());
    }
}
