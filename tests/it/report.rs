//! `safeguard report`: the annual report typeset from the shipped sample data, read back with
//! poppler's `pdftotext` / `pdfinfo` (installed by `scripts/test`), and checked against what
//! `safeguard sql` computes: the headline figures, disclosure control, the absence of every
//! staff identifier, reproducible bytes, PDF/A + PDF/UA identification, and template errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Run, assert_tagged_pdf_a_and_ua, bin, copy_dir, poppler, sample_sql};

mod disclosure;
mod model;

fn sample_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates")
}

/// The sample data loaded once into `w/` (shared with the other read-only tests).
fn scratch() -> &'static Path {
    crate::util::sample_scratch()
}

/// Runs the binary in the scratch folder, ignoring any configuration from the environment.
fn run(args: &[&str]) -> Run {
    Command::new(bin())
        .current_dir(scratch())
        .env_remove("SAFEGUARD_CONFIG")
        .args(args)
        .output()
        .unwrap()
        .into()
}

/// `safeguard report` for 2025/26 over the shared warehouse, written to `name`.
fn report(name: &str, extra: &[&str]) -> (Run, PathBuf) {
    let out = scratch().join(name);
    let mut args = vec!["report", "--warehouse", "w", "--year", "2025/26", "-o"];
    let out_str = out.to_str().unwrap().to_owned();
    args.push(&out_str);
    args.extend_from_slice(extra);
    (run(&args), out)
}

/// The report built once, and its text with all whitespace runs as single spaces.
fn built() -> &'static (PathBuf, String) {
    static BUILT: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let (run, pdf) = report("report.pdf", &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("report.pdf"), "{}", run.stdout);
        assert!(run.stdout.contains(" pages)"), "{}", run.stdout);
        let text = poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]);
        (pdf, squash(&text))
    })
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One number from `safeguard sql`.
fn sql_number(query: &str) -> f64 {
    let rows = sample_sql(query);
    rows.first()
        .and_then(|r| r.first())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no number in {rows:?}"))
}

/// A CSV column of a sample-data file (the header may carry a byte-order mark).
fn sample_column(file: &str, column: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(sample_data().join(file)).unwrap();
    let headers = reader.headers().unwrap().clone();
    let i = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == column)
        .unwrap_or_else(|| panic!("{file} has no column {column}"));
    reader
        .records()
        .map(|r| r.unwrap().get(i).unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn headline_training_compliance_is_what_sql_computes() {
    let pct = sql_number(
        "SELECT 100.0 * SUM(staff_compliant) / SUM(staff_in_post) FROM training_compliance \
         WHERE period_end = (SELECT period_end FROM params)",
    );
    let shown = format!("{pct:.1}%");
    let (_, text) = built();
    let sentence =
        format!("Overall safeguarding children training compliance was {shown} at 31 March 2026");
    assert!(text.contains(&sentence), "no {sentence:?} in the report");
    assert!(text.contains("TRAINING COMPLIANCE"));
    let staff = sql_number(
        "SELECT SUM(staff_in_post) FROM training_compliance \
         WHERE period_end = (SELECT period_end FROM params)",
    );
    let staff = format!("{}", staff as i64);
    let with_comma = format!(
        "{},{}",
        &staff[..staff.len() - 3],
        &staff[staff.len() - 3..]
    );
    assert!(text.contains("STAFF IN POST"));
    assert!(
        text.contains(&format!(" {with_comma} ")),
        "no {with_comma} staff in post"
    );
}

#[test]
fn every_organisation_is_named() {
    let (_, text) = built();
    for name in sample_column("organisations.csv", "organisation_name") {
        assert!(text.contains(&name), "{name} is not in the report");
    }
}

#[test]
fn no_staff_identifier_appears() {
    let (_, text) = built();
    let ids = sample_column("staff.csv", "staff_id");
    assert!(ids.len() > 1000);
    for id in ids.iter().filter(|id| !id.is_empty()) {
        assert!(
            !text.contains(id.as_str()),
            "staff_id {id} is in the report"
        );
    }
    // Nor the ids of rows rejected for naming an unknown member of staff.
    assert!(!text.contains("SG3517261"));
}

#[test]
fn a_small_group_is_suppressed() {
    // Level 5 across the footprint: fewer than 5 staff in post in the sample data.
    let level5 = sql_number(
        "SELECT SUM(staff_in_post) FROM training_compliance \
         WHERE period_end = (SELECT period_end FROM params) AND required_level = 5",
    );
    assert!((1.0..5.0).contains(&level5), "level 5 has {level5} staff");
    let (_, text) = built();
    assert!(text.contains("Level 5 * * *"), "level 5 is not suppressed");
    assert!(!text.contains(&format!("Level 5 {level5} ")));
    assert!(text.contains("* Suppressed to protect individuals"));
}

#[test]
fn section11_grid_shows_the_latest_two_rounds_side_by_side() {
    // Dalebury Independent Hospital Ltd (N0J) was rated in 2023 and 2025 in the sample data.
    let rows = sample_sql(
        "SELECT standard, previous_round, audit_round, previous_rating, rating, change \
         FROM section11_standards WHERE organisation_code = 'N0J' \
         AND audit_round = (SELECT MAX(audit_round) FROM section11_ratings) ORDER BY standard",
    );
    assert_eq!(rows.len(), 8, "{rows:?}");
    let (previous, latest) = (rows[0][1].clone(), rows[0][2].clone());
    assert!(!previous.is_empty() && previous != latest, "{rows:?}");
    assert!(
        rows.iter().any(|r| r[3] != r[4]),
        "no rating of N0J moved, so the row would not tell the rounds apart"
    );
    let letter = |rating: &str| rating[..1].to_uppercase();
    let cells: Vec<String> = rows
        .iter()
        .map(|r| {
            let mark = match r[5].as_str() {
                "improved" => "▲",
                "worsened" => "▼",
                _ => "",
            };
            format!("{} {}{mark}", letter(&r[3]), letter(&r[4]))
        })
        .collect();
    let (pdf, _) = built();
    // -raw keeps each table row's cells in order.
    let text = squash(&poppler("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]));
    let start = text
        .find("Section 11 self-audit In the")
        .expect("no Section 11");
    let end = start + text[start..].find("Section 11 action plans").unwrap();
    let section = &text[start..end];
    let header = [previous.as_str(), latest.as_str()].repeat(8).join(" ");
    assert!(section.contains(&header), "no {header:?} in {section}");
    let row = format!("Dalebury Independent Hospital Ltd {}", cells.join(" "));
    assert!(section.contains(&row), "no {row:?} in {section}");
}

/// Every `alt` / `*_alt` string of the data the templates receive, with its path.
fn alt_texts(value: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}.{key}");
                match v {
                    serde_json::Value::String(s) if key == "alt" || key.ends_with("_alt") => {
                        out.push((here, s.clone()))
                    }
                    _ => alt_texts(v, &here, out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                alt_texts(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_alt_text_is_a_short_description() {
    // An alt text becomes one PDF string, and PDF/A allows at most 32,767 characters: the
    // training trend charts' descriptions, once joined into one, grew with every organisation
    // and broke the report at national scale. A description that is already long for ten
    // organisations is one that grows with them.
    let json = scratch().join("alt-texts.json");
    let (run, _) = report("alt-texts.pdf", &["--data-json", json.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mut alts = vec![];
    alt_texts(&data, "", &mut alts);
    assert!(alts.len() > 10, "{alts:?}");
    for (path, alt) in alts {
        assert!(!alt.is_empty(), "{path} is empty");
        assert!(
            alt.chars().count() < 1_500,
            "{path} has {} characters: {alt}",
            alt.len()
        );
    }
}

#[test]
fn two_runs_give_identical_bytes() {
    let (first, _) = built();
    let (run, second) = report("again.pdf", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::read(first).unwrap() == std::fs::read(&second).unwrap(),
        "two runs on the same warehouse differ"
    );
}

#[test]
fn the_pdf_is_tagged_pdf_a_and_pdf_ua() {
    let (pdf, _) = built();
    let pdf = pdf.to_str().unwrap();
    let info = assert_tagged_pdf_a_and_ua(pdf);
    assert!(info.contains("Safeguarding Children Annual Report 2025/26"));
    assert!(
        info.contains("CreationDate:    Tue Mar 31 00:00:00 2026 UTC"),
        "{info}"
    );
}

#[test]
fn a_broken_template_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::Builder::new()
        .prefix("safeguard-templates-")
        .tempdir()
        .unwrap();
    for entry in std::fs::read_dir(templates()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let main = dir.path().join("report.typ");
    let mut text = std::fs::read_to_string(&main).unwrap();
    let line = text.lines().count() + 1;
    text.push_str("#let broken = (\n");
    std::fs::write(&main, text).unwrap();
    let (run, out) = report("broken.pdf", &["--templates", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let place = format!("report.typ:{line}:");
    assert!(run.stderr.contains(&place), "no {place} in {}", run.stderr);
    assert!(
        run.stderr.contains("error: unclosed delimiter"),
        "{}",
        run.stderr
    );
    assert!(
        !out.exists(),
        "a broken template still wrote {}",
        out.display()
    );
    let leftovers: Vec<_> = std::fs::read_dir(scratch())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("broken"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn with_no_flags_it_loads_first_and_writes_the_default_path() {
    let dir = tempfile::Builder::new()
        .prefix("safeguard-report-default-")
        .tempdir()
        .unwrap();
    copy_dir(&sample_data(), &dir.path().join("input"));
    std::fs::write(
        dir.path().join("safeguard.toml"),
        "input = \"input\"\nwarehouse = \"w\"\nreport_dir = \"reports\"\nyear = \"2025/26\"\n\n\
         [report]\nicb_name = \"Northshire Integrated Care Board\"\n\
         board_meeting_date = \"2026-06-25\"\n",
    )
    .unwrap();
    let report = || -> Run {
        Command::new(bin())
            .current_dir(dir.path())
            .env_remove("SAFEGUARD_CONFIG")
            .args(["report", "--quiet"])
            .output()
            .unwrap()
            .into()
    };
    let run = report();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("loaded "),
        "the empty warehouse was not loaded first"
    );
    let pdf = dir
        .path()
        .join("reports/safeguarding-annual-report-2025-26.pdf");
    assert!(pdf.is_file(), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("reports/safeguarding-annual-report-2025-26.pdf ("),
        "{}",
        run.stdout
    );
    let text = squash(&poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]));
    assert!(text.contains("Northshire Integrated Care Board"));
    assert!(text.contains("Report to the board meeting of 25 June 2026"));

    // Up to date: no load. A changed input file: loaded again before the report.
    let again = report();
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stdout.contains("loaded "), "{}", again.stdout);
    let orgs = dir.path().join("input/organisations.csv");
    let mut text = std::fs::read_to_string(&orgs).unwrap();
    text.push_str("ZZ9,Plural Z Alpha Clinic,independent\n");
    std::fs::write(&orgs, text).unwrap();
    let changed = report();
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    assert!(changed.stdout.contains("loaded "), "{}", changed.stdout);
    let text = squash(&poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]));
    assert!(text.contains("Plural Z Alpha Clinic"));
}
