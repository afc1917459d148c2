//! Provider assurance packs (`report --organisation CODE`, `--each-organisation`) from the
//! shipped sample data: one per organisation, naming only its own organisation (in the text,
//! the metadata and the data), its figures equal to the views, suppressed cells printed as `*`,
//! reproducible bytes, PDF/UA checks, and one organisation's failure not stopping the others.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::util::{
    Run, assert_tagged_pdf_a_and_ua, bin, copy_dir, poppler, sample_scratch, sample_sql,
};

const AS_OF: &str = "2026-03-31";

fn run_in(dir: &Path, args: &[&str]) -> Run {
    Command::new(bin())
        .current_dir(dir)
        .env_remove("SAFEGUARD_CONFIG")
        .args(args)
        .output()
        .unwrap()
        .into()
}

/// `safeguard report` over the shared sample warehouse, for 2025/26.
fn report(extra: &[&str]) -> Run {
    let mut args = vec!["report", "--warehouse", "w", "--year", "2025/26"];
    args.extend_from_slice(extra);
    run_in(sample_scratch(), &args)
}

/// (code, name) of every sample organisation.
fn organisations() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/organisations.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

/// Every pack, made once with --each-organisation.
fn each() -> &'static (PathBuf, Run) {
    static EACH: OnceLock<(PathBuf, Run)> = OnceLock::new();
    EACH.get_or_init(|| {
        let dir = sample_scratch().join("packs-each");
        let run = report(&["--each-organisation", "--out-dir", "packs-each"]);
        (dir, run)
    })
}

/// Everything a reader of the PDF sees: its text, its metadata (document info and XMP), with
/// whitespace runs as single spaces.
fn everything_in(pdf: &Path) -> String {
    let pdf = pdf.to_str().unwrap();
    let text = poppler("pdftotext", &[pdf, "-"]);
    let info = poppler("pdfinfo", &[pdf]);
    let meta = poppler("pdfinfo", &["-meta", pdf]);
    format!("{text} {info} {meta}")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn names_code(text: &str, code: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == code)
}

#[test]
fn each_organisation_gets_a_pack_that_names_it_and_no_other() {
    let (dir, run) = each();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let orgs = organisations();
    for (code, name) in &orgs {
        let pdf = dir.join(format!("{code}-{AS_OF}.pdf"));
        assert!(run.stdout.contains(&format!("{code}-{AS_OF}.pdf")));
        let seen = everything_in(&pdf);
        assert!(
            seen.contains(name.as_str()),
            "the pack of {code} does not name it"
        );
        for (other, other_name) in orgs.iter().filter(|(c, _)| c != code) {
            assert!(
                !names_code(&seen, other),
                "the pack of {code} names {other}"
            );
            assert!(
                !seen.contains(other_name.as_str()),
                "the pack of {code} names {other_name}"
            );
        }
    }
}

/// One number from `safeguard sql` over the sample warehouse.
fn sql_number(query: &str) -> Option<f64> {
    sample_sql(query)
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.trim().parse().ok())
}

/// The data a report run gave its templates (`--data-json`), the PDF written beside it as
/// `NAME.pdf` in the scratch folder.
fn data_of(name: &str, extra: &[&str]) -> serde_json::Value {
    let json = sample_scratch().join(format!("{name}.json"));
    let pdf = sample_scratch().join(format!("{name}.pdf"));
    let mut args = extra.to_vec();
    args.extend([
        "-o",
        pdf.to_str().unwrap(),
        "--data-json",
        json.to_str().unwrap(),
    ]);
    let run = report(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

fn pack_json(code: &str) -> serde_json::Value {
    data_of(&format!("pack-{code}"), &["--organisation", code])
}

#[test]
fn a_packs_figures_are_the_views_for_that_organisation() {
    let code = "N2B";
    let data = pack_json(code);
    let row = &data["training"]["organisations"][0];
    assert_eq!(
        row["name"],
        "Northshire Teaching Hospitals NHS Foundation Trust"
    );
    let percent = |view: &str, num: &str, den: &str| {
        sql_number(&format!(
            "SELECT 100.0 * SUM({num}) / SUM({den}) FROM {view} \
             WHERE organisation_code = '{code}' AND period_end = DATE '{AS_OF}'"
        ))
        .map(|v| format!("{v:.1}%"))
        .unwrap()
    };
    assert_eq!(
        row["now"]["percent"],
        percent("training_compliance", "staff_compliant", "staff_in_post")
    );
    // Supervision groups are small: the organisation's row may be suppressed, and then by the
    // same plan as the annual report's (the packs and the annual report are planned together).
    let supervision = &data["supervision"]["organisations"][0]["now"]["percent"];
    let annual = annual_json();
    let in_annual = annual["supervision"]["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == row["name"])
        .map(|r| &r["now"]["percent"]);
    match supervision.as_str().unwrap() {
        "*" => assert_eq!(in_annual.unwrap(), "*"),
        shown => {
            assert_eq!(
                shown,
                percent(
                    "supervision_compliance",
                    "staff_supervised",
                    "staff_requiring"
                )
            );
            assert_eq!(in_annual.unwrap(), shown);
        }
    }
    // Training by professional group: the organisation's own groups, adding up to its row
    // where every group is printed.
    let groups = data["training_groups"].as_array().unwrap();
    assert!(groups.len() >= 2, "{groups:?}");
    let in_post: Vec<i64> = groups
        .iter()
        .filter_map(|g| g["figure"]["denominator"].as_str()?.parse().ok())
        .collect();
    let total: i64 = row["now"]["denominator"].as_str().unwrap().parse().unwrap();
    assert!(!in_post.is_empty(), "{groups:?}");
    if in_post.len() == groups.len() {
        assert_eq!(in_post.iter().sum::<i64>(), total);
    } else {
        assert!(in_post.iter().sum::<i64>() < total, "{groups:?}");
    }
    // The headline repeats the table's figure beside the footprint's, which is the annual
    // report's total.
    assert_eq!(data["headlines"][0]["value"], row["now"]["percent"]);
    let footprint = sql_number(&format!(
        "SELECT 100.0 * SUM(staff_compliant) / SUM(staff_in_post) FROM training_compliance \
         WHERE period_end = DATE '{AS_OF}'"
    ))
    .unwrap();
    assert_eq!(
        data["headlines"][0]["footprint"],
        format!("{footprint:.1}%")
    );
    assert_eq!(
        data["training"]["total"]["name"],
        "All organisations (footprint)"
    );
}

#[test]
fn a_small_group_in_a_pack_prints_a_star() {
    // An organisation and required level with 1 to 4 staff in post, by the view.
    let rows = sample_sql(&format!(
        "SELECT organisation_code, required_level FROM training_compliance \
         WHERE period_end = DATE '{AS_OF}' GROUP BY 1, 2 \
         HAVING SUM(staff_in_post) BETWEEN 1 AND 4 ORDER BY 1, 2 LIMIT 1"
    ));
    let (code, level) = match rows.first().map(Vec::as_slice) {
        Some([code, level]) => (code.as_str(), level.as_str()),
        _ => panic!("the sample has no small group: {rows:?}"),
    };
    let data = pack_json(code);
    let levels = data["training"]["detail"][0]["levels"].as_array().unwrap();
    let row = levels
        .iter()
        .find(|l| l["level"] == format!("Level {level}"))
        .unwrap();
    assert_eq!(row["figure"]["denominator"], "*", "{row}");
    assert_eq!(row["figure"]["percent"], "*", "{row}");
    let (dir, _) = each();
    let text = everything_in(&dir.join(format!("{code}-{AS_OF}.pdf")));
    assert!(
        text.contains(" * "),
        "no suppressed cell printed in {code}'s pack"
    );
}

#[test]
fn a_pack_is_reproducible_and_passes_the_pdf_ua_checks() {
    let (dir, _) = each();
    let again = sample_scratch().join("again-N7G.pdf");
    let run = report(&["--organisation", "N7G", "-o", again.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = std::fs::read(dir.join(format!("N7G-{AS_OF}.pdf"))).unwrap();
    assert!(first == std::fs::read(&again).unwrap(), "two runs differ");
    assert_tagged_pdf_a_and_ua(again.to_str().unwrap());
    // The pdfua checker sits beside the Python scripts/test installs.
    let Some(python) = std::env::var_os("SAFEGUARD_PYTHON") else {
        eprintln!("SAFEGUARD_PYTHON is not set (scripts/test sets it): pdfua not run");
        return;
    };
    let pdfua = Path::new(&python).with_file_name("pdfua");
    for code in ["N2B", "N7G"] {
        let pdf = dir.join(format!("{code}-{AS_OF}.pdf"));
        let out = Command::new(&pdfua)
            .args(["check", "--min-severity", "error"])
            .arg(&pdf)
            .output()
            .expect("pdfua runs");
        assert!(
            out.status.success(),
            "pdfua finds errors in {code}'s pack:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn an_unknown_organisation_is_a_usage_error_listing_the_codes() {
    let out = sample_scratch().join("nobody.pdf");
    let run = report(&["--organisation", "XXX", "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no organisation XXX"), "{}", run.stderr);
    assert!(run.stderr.contains("N2B"), "{}", run.stderr);
    assert!(!out.exists());
}

#[test]
fn one_organisation_failing_does_not_stop_the_others() {
    // An action plan of N3C that names another organisation: its pack would name N4D's trust,
    // so it must not be written; every other pack still is.
    let dir = tempfile::Builder::new()
        .prefix("safeguard-packs-")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        &data,
    );
    let actions = data.join("section11_actions.csv");
    let mut text = std::fs::read_to_string(&actions).unwrap();
    text.push_str(
        "S11-2025-N3C-9z,N3C,2025,7,Agree a joint pathway with Northshire Community Health NHS \
         Trust,Named Nurse,2026-06-30,\n",
    );
    std::fs::write(&actions, text).unwrap();
    let load = run_in(
        dir.path(),
        &["load", "--quiet", "--input", "data", "--warehouse", "w"],
    );
    assert_eq!(load.code, 0, "{}", load.stderr);
    let run = run_in(
        dir.path(),
        &[
            "report",
            "--warehouse",
            "w",
            "--year",
            "2025/26",
            "--each-organisation",
            "--out-dir",
            "packs",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no pack was written for N3C"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join(format!("packs/N3C-{AS_OF}.pdf")).exists());
    for (code, _) in organisations().iter().filter(|(c, _)| c != "N3C") {
        assert!(
            dir.path()
                .join(format!("packs/{code}-{AS_OF}.pdf"))
                .is_file(),
            "no pack for {code}"
        );
    }
}

#[test]
fn the_nightly_refresh_publishes_packs_and_puts_back_a_missing_one() {
    let dir = tempfile::Builder::new()
        .prefix("safeguard-refresh-packs-")
        .tempdir()
        .unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"),
        &dir.path().join("data"),
    );
    std::fs::write(
        dir.path().join("safeguard.toml"),
        "input = \"data\"\nwarehouse = \"w\"\nreport_dir = \"out\"\nyear = \"2025/26\"\n\
         [refresh]\nsettle_seconds = 0\npacks = true\n",
    )
    .unwrap();
    let first = run_in(dir.path(), &["refresh"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let packs = dir.path().join("out/packs");
    for (code, _) in organisations() {
        assert!(
            packs.join(format!("{code}-{AS_OF}.pdf")).is_file(),
            "{code}"
        );
    }
    let n7g = packs.join(format!("N7G-{AS_OF}.pdf"));
    let published = std::fs::read(&n7g).unwrap();
    std::fs::remove_file(&n7g).unwrap();
    let second = run_in(dir.path(), &["refresh"]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stdout.contains("missing or altered: restored"),
        "{}",
        second.stdout
    );
    assert!(std::fs::read(&n7g).unwrap() == published);
    let third = run_in(dir.path(), &["refresh"]);
    assert!(third.stdout.contains("nothing changed"), "{}", third.stdout);
}

/// Writes `files` (path, text) under a fresh folder `name` in the sample scratch folder.
fn narrative_folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = sample_scratch().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The pack of `code` with the narrative folder `narrative`, written to `pdf`.
fn pack_with(code: &str, narrative: &Path, pdf: &Path) -> Run {
    report(&[
        "--organisation",
        code,
        "--narrative",
        narrative.to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
    ])
}

/// `name<TAB>value` lines as pairs.
fn figures_of(run: &Run) -> std::collections::HashMap<String, String> {
    run.stdout
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn a_pack_typesets_its_organisations_own_narrative_with_its_own_figures() {
    let code = "N2B";
    let dir = narrative_folder(
        "pack-narrative",
        &[
            // The footprint's narrative speaks of every organisation: never in a pack.
            (
                "foreword.md",
                "The footprint foreword, for the board only.\n",
            ),
            (
                &format!("{code}/training.md"),
                "Our training compliance is {{training_compliance}} against \
                 {{footprint_training_compliance}} across the footprint.\n",
            ),
            (
                &format!("{code}/priorities.md"),
                "# Next quarter\n\nAudit level 3 uptake in #set page(width: 1cm) theatres.\n",
            ),
        ],
    );
    let nar = dir.to_str().unwrap();
    let figures = report(&["--organisation", code, "--narrative", nar, "--list-figures"]);
    assert_eq!(figures.code, 0, "{}", figures.stderr);
    let figures = figures_of(&figures);
    assert_eq!(figures["organisation_code"], code);
    let own = &figures["training_compliance"];
    let footprint = &figures["footprint_training_compliance"];
    // The pack's figures are the pack's own: its headline and the footprint's beside it.
    let data = pack_json(code);
    assert_eq!(&data["headlines"][0]["value"], own.as_str());
    assert_eq!(&data["headlines"][0]["footprint"], footprint.as_str());
    assert!(
        own.ends_with('%') && footprint.ends_with('%'),
        "{own} {footprint}"
    );

    let pdf = sample_scratch().join("pack-narrative.pdf");
    let run = pack_with(code, &dir, &pdf);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let seen = everything_in(&pdf);
    assert!(
        seen.contains(&format!(
            "Our training compliance is {own} against {footprint} across the footprint."
        )),
        "{seen}"
    );
    assert!(seen.contains("Priorities for next year"), "{seen}");
    // Narrative text is only text: the Typst in it prints as itself.
    assert!(seen.contains("#set page(width: 1cm)"), "{seen}");
    assert!(!seen.contains("footprint foreword"), "{seen}");

    // Another organisation's pack has no folder of its own: no narrative at all.
    let other = sample_scratch().join("pack-narrative-other.pdf");
    let run = pack_with("N3C", &dir, &other);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let seen = everything_in(&other);
    assert!(!seen.contains("Our training compliance"), "{seen}");
    assert!(!seen.contains("footprint foreword"), "{seen}");
}

#[test]
fn a_pack_narrative_naming_another_organisation_is_refused() {
    let (code, other) = ("N2B", "N3C");
    let other_name = organisations()
        .into_iter()
        .find(|(c, _)| c == other)
        .unwrap()
        .1;
    let dir = narrative_folder(
        "pack-narrative-names",
        &[(
            &format!("{code}/context.md"),
            &format!("We share a pathway with {other_name}.\n"),
        )],
    );
    let pdf = sample_scratch().join("pack-narrative-names.pdf");
    let run = pack_with(code, &dir, &pdf);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr
            .contains(&format!("would name another organisation ({other})")),
        "{}",
        run.stderr
    );
    assert!(!pdf.exists());

    // A figure name the pack does not have is the narrative's usual error.
    let dir = narrative_folder(
        "pack-narrative-unknown",
        &[(
            &format!("{code}/training.md"),
            "The footprint has {{organisations}} organisations.\n",
        )],
    );
    let run = pack_with(code, &dir, &pdf);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("training.md:1"), "{}", run.stderr);
    assert!(run.stderr.contains("organisations"), "{}", run.stderr);
    assert!(!pdf.exists());
}

/// The annual report's data for the sample year (made once).
fn annual_json() -> &'static serde_json::Value {
    static ANNUAL: OnceLock<serde_json::Value> = OnceLock::new();
    ANNUAL.get_or_init(|| data_of("annual-for-packs", &[]))
}

/// (in post, compliant, percent) of a row's figure as printed.
fn cells(figure: &serde_json::Value) -> [String; 3] {
    ["denominator", "numerator", "percent"].map(|k| figure[k].as_str().unwrap().to_owned())
}

#[test]
fn a_pack_prints_its_rows_exactly_as_the_annual_report_does() {
    // One plan for both: a cell the annual report hides (as a complement protecting another
    // organisation, say) is hidden in the pack too, and a printed one is the same figure.
    let annual = annual_json();
    let mut compared = 0;
    let mut hidden = 0;
    for (code, name) in organisations().into_iter().take(4) {
        let pack = pack_json(&code);
        for measure in ["training", "supervision"] {
            let in_annual = annual[measure]["organisations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["name"] == name.as_str());
            let in_pack = pack[measure]["organisations"].as_array().unwrap().first();
            match (in_annual, in_pack) {
                (Some(a), Some(p)) => {
                    let (a, p) = (cells(&a["now"]), cells(&p["now"]));
                    assert_eq!(a, p, "{code} {measure}");
                    hidden += a.iter().filter(|c| *c == "*").count();
                    compared += 1;
                }
                (None, None) => {}
                (a, p) => panic!("{code} {measure}: annual {a:?}, pack {p:?}"),
            }
        }
        // The pack's rows by level are the annual report's organisation-by-level rows.
        let detail = annual["training"]["detail"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name.as_str());
        let levels = pack["training"]["level_totals"].as_array().unwrap();
        if let Some(d) = detail {
            let annual_levels = d["levels"].as_array().unwrap();
            assert_eq!(annual_levels.len(), levels.len(), "{code}");
            for (a, p) in annual_levels.iter().zip(levels) {
                assert_eq!(a["level"], p["level"], "{code}");
                assert_eq!(cells(&a["figure"]), cells(&p["figure"]), "{code}");
            }
        }
    }
    assert!(compared >= 6, "{compared}");
    // The sample's small providers have hidden rows: the comparison covers suppression too.
    assert!(hidden > 0, "no hidden cell was compared");
}
