//! `safeguard report` with a narrative: the shipped sample narrative typeset over the sample
//! warehouse and read back with poppler (every slot in its place, figures equal to the tables,
//! a suppressed figure as `*`, the cover sheet on one page, alt text in the structure tree,
//! reproducible bytes, PDF/A + PDF/UA identification), and small narratives written here for
//! drafts, `--strict`, hostile text and the errors a writer can make.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Run, assert_tagged_pdf_a_and_ua, bin, poppler, sample_scratch};

/// The shipped, fictional, complete narrative for the sample data.
fn sample_narrative() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-narrative")
}

/// `safeguard report` for 2025/26 over the shared sample warehouse, with `extra` flags.
fn run(extra: &[&str]) -> Run {
    Command::new(bin())
        .current_dir(sample_scratch())
        .env_remove("SAFEGUARD_CONFIG")
        .args(["report", "--warehouse", "w", "--year", "2025/26"])
        .args(extra)
        .output()
        .unwrap()
        .into()
}

/// A report with the narrative folder `dir`, written to `name` in the scratch folder.
fn report(dir: &Path, name: &str, extra: &[&str]) -> (Run, PathBuf) {
    let out = sample_scratch().join(name);
    let mut args = vec![
        "--narrative",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (run(&args), out)
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of every page, each with its whitespace runs as single spaces.
fn pages(pdf: &Path) -> Vec<String> {
    poppler("pdftotext", &[pdf.to_str().unwrap(), "-"])
        .split('\u{c}')
        .map(squash)
        .collect()
}

/// The sample report with the sample narrative, built once: the PDF, its pages, and the data
/// the templates received (`--data-json`).
struct Sample {
    pdf: PathBuf,
    pages: Vec<String>,
    data: serde_json::Value,
}

fn sample() -> &'static Sample {
    static SAMPLE: std::sync::OnceLock<Sample> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let json = sample_scratch().join("narrated.json");
        let (run, pdf) = report(
            &sample_narrative(),
            "narrated.pdf",
            &["--data-json", json.to_str().unwrap()],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            !run.stderr.contains("still to write"),
            "the sample narrative writes every slot: {}",
            run.stderr
        );
        let data = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        Sample {
            pages: pages(&pdf),
            pdf,
            data,
        }
    })
}

/// `--list-figures` as a map of name to value.
fn figures() -> &'static HashMap<String, String> {
    static FIGURES: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
    FIGURES.get_or_init(|| {
        let run = run(&["--list-figures"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
            .lines()
            .map(|l| {
                let (name, value) = l
                    .split_once('\t')
                    .unwrap_or_else(|| panic!("not name<TAB>value: {l:?}"));
                (name.to_owned(), value.to_owned())
            })
            .collect()
    })
}

fn figure(name: &str) -> &'static str {
    figures()
        .get(name)
        .unwrap_or_else(|| panic!("no figure {name}"))
}

/// A narrative folder of the given files, in a temporary folder of its own.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("safeguard-narrative-")
        .tempdir()
        .unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn every_slot_is_printed_in_its_place_and_order() {
    let s = sample();
    let contents = s
        .pages
        .iter()
        .position(|p| p.starts_with("Contents") || p.contains(" Contents "))
        .expect("a contents page");
    let body = s.pages[contents + 1..].join(" ");
    // Each slot's own words between the data sections they belong to.
    let order = [
        "Foreword",
        "This has been a year of steady progress",
        "Executive summary",
        "Local context",
        "commissions health services for around 620,000",
        "Governance and partnership",
        "The Chief Nursing Officer is the executive lead",
        "Safeguarding children training",
        "Commentary Overall compliance rose to",
        "Safeguarding supervision",
        "Commentary Supervision compliance fell to",
        "Section 11 self-audit",
        "completed the 2025 Section 11 self-audit",
        "Review action plans",
        "Learning from reviews Health contributed to every local child safeguarding practice",
        "Multi-agency working",
        "of the child protection conferences and reviews held in",
        "Provider quality ratings",
        "Quality ratings are agreed with each provider",
        "Statistical process control",
        "Case studies and the voice of the child",
        "The stories below are composites",
        "Achievements in the year",
        "Priorities for next year",
        "The priorities below were agreed",
        "Risks and issues for the board",
        "The risks below are on the",
        "Data quality and provenance",
        "Narrative files",
    ];
    let mut at = 0;
    for marker in order {
        let found = body[at..]
            .find(marker)
            .unwrap_or_else(|| panic!("{marker:?} is not after {:?}", &body[..at.min(200)]));
        at += found + marker.len();
    }
}

#[test]
fn the_cover_sheet_is_one_page_after_the_title_page() {
    let s = sample();
    let cover = &s.pages[1];
    for field in [
        "Report to the board",
        // The scratch folder has no configuration, so no `[report] board_meeting_date`.
        "Meeting date To be confirmed",
        "Safeguarding Children Annual Report 2025/26",
        "☒ Assurance",
        "☐ Approval",
        "Executive lead Chief Nursing Officer",
        "Presented by Designated Nurse for Safeguarding Children",
        "The board is asked to note the assurance this report gives for 2025/26",
        "Summary",
    ] {
        assert!(cover.contains(field), "no {field:?} on page 2: {cover}");
    }
    // A figure in a front matter field, after disclosure control.
    let risk = format!(
        "Training compliance at the ambulance service is {}",
        figure("training_compliance.N6F")
    );
    assert!(cover.contains(&risk), "{cover}");
    assert!(
        s.pages[2].starts_with("Contents") || s.pages[2].contains(" Contents "),
        "the page after the cover sheet is the contents: {}",
        s.pages[2]
    );
}

#[test]
fn every_required_figure_equals_the_figure_in_the_tables() {
    let d = &sample().data;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_else(|| panic!("{v}")).to_owned();
    let pairs = [
        ("as_of", &d["meta"]["as_of_long"]),
        ("year", &d["meta"]["year"]),
        ("icb_name", &d["meta"]["icb_name"]),
        (
            "staff_in_post",
            &d["training"]["total"]["now"]["denominator"],
        ),
        ("training_compliance", &d["summary"]["training_overall"]),
        (
            "training_compliance",
            &d["training"]["total"]["now"]["percent"],
        ),
        (
            "training_rag",
            &d["training"]["total"]["now"]["rag"]["word"],
        ),
        (
            "training_compliance_last_year",
            &d["training"]["total"]["previous_percent"],
        ),
        (
            "supervision_compliance",
            &d["supervision"]["total"]["now"]["percent"],
        ),
        (
            "supervision_rag",
            &d["supervision"]["total"]["now"]["rag"]["word"],
        ),
        ("review_actions", &d["reviews"]["total"]["actions"]),
        ("review_actions_overdue", &d["reviews"]["total"]["overdue"]),
        (
            "multiagency_contribution",
            &d["multiagency"]["total"]["percent"],
        ),
        ("rows_rejected", &d["appendix"]["rejects_total"]),
    ];
    for (name, value) in pairs {
        assert_eq!(figure(name), text(value), "{name}");
    }
    let organisations = d["organisations"].as_array().unwrap();
    assert_eq!(figure("organisations"), organisations.len().to_string());
    let grid = d["section11"]["grid"].as_array().unwrap();
    let sum = |keys: &[&str]| -> i64 {
        grid.iter()
            .map(|o| keys.iter().map(|k| o[k].as_i64().unwrap()).sum::<i64>())
            .sum()
    };
    assert_eq!(
        figure("section11_standards_green"),
        sum(&["green"]).to_string()
    );
    assert_eq!(
        figure("section11_standards_rated"),
        sum(&["green", "amber", "red"]).to_string()
    );
    // Per organisation, as its row of the training and supervision tables prints it.
    for section in ["training", "supervision"] {
        for row in d[section]["organisations"].as_array().unwrap() {
            let code = organisations
                .iter()
                .find(|o| o["name"] == row["name"])
                .map(|o| text(&o["code"]))
                .unwrap();
            assert_eq!(
                figure(&format!("{section}_compliance.{code}")),
                text(&row["now"]["percent"]),
                "{section} {code}"
            );
        }
    }
}

#[test]
fn figures_in_the_text_are_the_figures_of_the_report_and_a_suppressed_one_prints_a_star() {
    let text = sample().pages.join(" ");
    let training = format!(
        "Overall compliance rose to {} ({}) from {} a year earlier",
        figure("training_compliance"),
        figure("training_rag"),
        figure("training_compliance_last_year")
    );
    assert!(text.contains(&training), "no {training:?}");
    let supervision = format!(
        "Supervision compliance fell to {} ({})",
        figure("supervision_compliance"),
        figure("supervision_rag")
    );
    assert!(text.contains(&supervision), "no {supervision:?}");
    // Westbrook's supervision figure is a small group: disclosure control hides it in the
    // tables, and the narrative quoting it prints the same `*`.
    assert_eq!(figure("supervision_compliance.N9I"), "*");
    assert!(
        text.contains("Westbrook Health Partnership, shown as *."),
        "the suppressed figure is not printed as *"
    );
}

#[test]
fn the_image_carries_its_alt_text_in_the_structure_tree() {
    let s = sample();
    let bytes = std::fs::read(&s.pdf).unwrap();
    let alt = "/Alt(Diagram of the Northshire Safeguarding Children Partnership";
    let found = streams(&bytes)
        .into_iter()
        .any(|s| s.windows(alt.len()).any(|w| w == alt.as_bytes()));
    assert!(found, "no figure with the image's alt text");
    let structure = poppler("pdfinfo", &["-struct", s.pdf.to_str().unwrap()]);
    assert!(
        structure.contains("Figure"),
        "no Figure in the structure tree"
    );
}

/// Every Flate-compressed stream of a PDF, decompressed (the structure tree lives in them).
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![];
    let mut rest = pdf;
    while let Some(i) = find(rest, b"stream") {
        let mut start = i + b"stream".len();
        if rest[start..].starts_with(b"\r\n") {
            start += 2;
        } else if rest[start..].starts_with(b"\n") {
            start += 1;
        } else {
            rest = &rest[start..];
            continue;
        }
        let Some(len) = find(&rest[start..], b"endstream") else {
            break;
        };
        let mut inflated = vec![];
        if flate2::read::ZlibDecoder::new(&rest[start..start + len])
            .read_to_end(&mut inflated)
            .is_ok()
        {
            out.push(inflated);
        }
        rest = &rest[start + len + b"endstream".len()..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn the_narrated_report_is_tagged_pdf_a_and_pdf_ua_and_the_same_bytes_twice() {
    let s = sample();
    let pdf = s.pdf.to_str().unwrap();
    assert_tagged_pdf_a_and_ua(pdf);
    let (run, again) = report(&sample_narrative(), "narrated-again.pdf", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::read(&s.pdf).unwrap() == std::fs::read(&again).unwrap(),
        "two runs with the same warehouse and narrative differ"
    );
}

/// The Python with `pdfua` that `scripts/test` installs (`SAFEGUARD_PYTHON`), else `python3`.
fn pdfua_python() -> String {
    let python = std::env::var("SAFEGUARD_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import pdfua"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{python} cannot import pdfua: run the tests through scripts/test, which installs it"
    );
    python
}

#[test]
fn the_pdfua_checker_finds_no_error_in_the_narrated_report() {
    let out = Command::new(pdfua_python())
        .args(["-m", "pdfua", "check", "--min-severity", "error"])
        .arg(&sample().pdf)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "pdfua found errors:\n{said}");
    assert!(said.contains("errors=0"), "{said}");
}

#[test]
fn the_provenance_appendix_names_every_narrative_file_with_its_hash() {
    let text = sample().pages.join(" ");
    let files = &text[text.rfind("Narrative files").unwrap()..];
    let foreword = std::fs::read(sample_narrative().join("foreword.md")).unwrap();
    let hash = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&foreword));
    assert!(files.contains("foreword.md"), "{files}");
    assert!(files.contains(&hash), "no hash {hash} of foreword.md");
    assert!(files.contains("partnership.svg"), "images are inputs too");
}

#[test]
fn narrative_text_is_only_text() {
    let hostile = "Hostile: #import \"/etc/passwd\" and #read(\"/etc/passwd\") and $x^2$ \
                   and ] and [ and #sys.version and <b>raw</b> and @label and = and a \\\\ \
                   backslash and `{{year}}` in code.\n";
    let dir = folder(&[("foreword.md", hostile)]);
    let (run, pdf) = report(dir.path(), "hostile.pdf", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = pages(&pdf).join(" ");
    for literal in [
        "#import \"/etc/passwd\"",
        "#read(\"/etc/passwd\")",
        "$x^2$",
        "and ] and [ and #sys.version",
        "<b>raw</b>",
        "@label and =",
        "a \\ backslash",
        "{{year}} in code",
    ] {
        assert!(
            text.contains(literal),
            "{literal:?} is not printed literally"
        );
    }
    assert!(!text.contains("root:x:0:0"), "a file outside was read");
}

#[test]
fn a_draft_marks_every_page_and_lists_what_is_still_to_write() {
    let dir = folder(&[("foreword.md", "Our foreword for {{year}}.\n")]);
    let (run, pdf) = report(dir.path(), "draft.pdf", &["--draft"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pages = pages(&pdf);
    let printed: Vec<&String> = pages.iter().filter(|p| !p.is_empty()).collect();
    // The title page has no running header; every other page says DRAFT in it.
    for (i, page) in printed.iter().enumerate().skip(1) {
        assert!(
            page.contains("DRAFT"),
            "page {} is not marked: {page}",
            i + 1
        );
    }
    let text = pages.join(" ");
    let box_at = text.find("Still to write").expect("a Still to write box");
    let listed = &text[box_at..];
    for slot in [
        "Report to the board (cover.md)",
        "Risks and issues for the board (risks.md)",
        "Commentary (training.md), at the end of the training section",
    ] {
        assert!(listed.contains(slot), "{slot:?} is not listed");
    }
    assert!(
        !listed[..listed.find("Contents").unwrap_or(listed.len())].contains("foreword.md"),
        "a written slot is listed as still to write"
    );
    assert!(text.contains("Our foreword for 2025/26."));
}

#[test]
fn unwritten_slots_warn_and_strict_refuses_to_write() {
    let dir = folder(&[
        ("foreword.md", "Our foreword.\n"),
        ("risks.md", "<!-- only the guidance: still unwritten -->\n"),
    ]);
    let (run, pdf) = report(dir.path(), "partial.pdf", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(pdf.is_file());
    let risks = dir.path().join("risks.md");
    assert!(
        run.stderr
            .contains(&format!("warning: {}: still to write", risks.display())),
        "{}",
        run.stderr
    );

    let (strict, out) = report(dir.path(), "strict.pdf", &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(!out.exists(), "--strict wrote a PDF");
    assert!(
        strict.stderr.contains(&format!(
            "{}: still to write (\"Risks and issues for the board\"",
            risks.display()
        )),
        "{}",
        strict.stderr
    );
    assert!(
        strict.stderr.contains("so no report was written"),
        "{}",
        strict.stderr
    );

    // The shipped narrative writes every slot, so it passes --strict.
    let (complete, out) = report(&sample_narrative(), "strict-sample.pdf", &["--strict"]);
    assert_eq!(complete.code, 0, "{}", complete.stderr);
    assert!(out.is_file());
}

#[test]
fn an_unknown_figure_names_file_line_and_the_nearest_names_and_writes_nothing() {
    let dir = folder(&[(
        "training.md",
        "Training this year.\n\nCompliance was {{training_complience}} overall.\n",
    )]);
    // The previous report stays as it was.
    let out = sample_scratch().join("unknown.pdf");
    std::fs::write(&out, "the previous report").unwrap();
    let (run, _) = report(dir.path(), "unknown.pdf", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "the previous report"
    );
    let at = format!("{}:3:", dir.path().join("training.md").display());
    assert!(run.stderr.contains(&at), "no {at} in {}", run.stderr);
    assert!(run.stderr.contains("training_complience"), "{}", run.stderr);
    assert!(run.stderr.contains("training_compliance"), "{}", run.stderr);
}

#[test]
fn text_nested_too_deep_is_refused_with_a_reason_not_a_crash() {
    let deep = format!("{} deep\n", ">".repeat(10_000));
    let dir = folder(&[("foreword.md", &deep)]);
    let (run, out) = report(dir.path(), "deep.pdf", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!out.exists());
    let at = format!("{}:1: ", dir.path().join("foreword.md").display());
    assert!(
        run.stderr.contains(&at) && run.stderr.contains("nest more than 8 levels"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_staff_identifier_in_the_text_is_an_error_that_does_not_repeat_it() {
    let staff = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/staff.csv"),
    )
    .unwrap();
    let id = staff.lines().nth(1).unwrap().split(',').next().unwrap();
    let dir = folder(&[(
        "case-studies.md",
        &format!("A story.\n\nAsk {id} about it.\n"),
    )]);
    let (run, out) = report(dir.path(), "staff.pdf", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!out.exists());
    let at = format!("{}:3:", dir.path().join("case-studies.md").display());
    assert!(run.stderr.contains(&at), "no {at} in {}", run.stderr);
    assert!(!run.stderr.contains(id), "the error repeats the staff id");
}

#[test]
fn figures_are_listed_without_writing_a_report() {
    let names: Vec<&str> = figures().keys().map(String::as_str).collect();
    for required in [
        "as_of",
        "year",
        "icb_name",
        "organisations",
        "staff_in_post",
        "training_compliance",
        "training_rag",
        "training_compliance_last_year",
        "supervision_compliance",
        "supervision_rag",
        "section11_standards_green",
        "section11_standards_rated",
        "review_actions",
        "review_actions_overdue",
        "multiagency_contribution",
        "rows_rejected",
    ] {
        assert!(names.contains(&required), "no figure {required}");
    }
    assert_eq!(figure("year"), "2025/26");
    assert_eq!(figure("as_of"), "31 March 2026");
}

/// `safeguard report --list-figures` over the sample warehouse with only `period` flags.
fn list_with(period: &[&str]) -> Run {
    Command::new(bin())
        .current_dir(sample_scratch())
        .env_remove("SAFEGUARD_CONFIG")
        .args(["report", "--warehouse", "w", "--list-figures"])
        .args(period)
        .output()
        .unwrap()
        .into()
}

#[test]
fn a_date_after_the_data_is_a_warning_naming_the_date_it_supports() {
    let asked = list_with(&["--as-of", "2026-12-31"]);
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    assert!(
        asked
            .stderr
            .contains("warning: figures are taken at 31 December 2026")
            && asked
                .stderr
                .contains("the data supports --as-of 2026-03-31"),
        "{}",
        asked.stderr
    );
    assert!(
        asked.stdout.contains("as_of\t31 December 2026\n"),
        "made as asked"
    );

    // No date asked for anywhere: the last quarter end before today is later than the sample
    // data, so the report moves back to the quarter end the data supports, and says so.
    let defaulted = list_with(&[]);
    assert_eq!(defaulted.code, 0, "{}", defaulted.stderr);
    assert!(
        defaulted
            .stderr
            .contains("figures are taken at 31 March 2026, the last quarter end the data supports"),
        "{}",
        defaulted.stderr
    );
    assert!(defaulted.stdout.contains("as_of\t31 March 2026\n"));
}
