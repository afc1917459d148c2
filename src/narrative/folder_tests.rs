//! The reader's tests on whole folders: slots, unwritten ones, every problem in every file with
//! its file and line, the cover sheet, the size limit, and the starter folder.

use std::path::Path;
use std::time::{Duration, Instant};

use super::tree::Inline;
use super::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn figures() -> Figures {
    [("training_compliance", "89.0%"), ("year", "2025/26")]
        .into_iter()
        .collect()
}

fn t(s: &str) -> Inline {
    Inline::Text { s: s.into() }
}

fn para(c: Vec<Inline>) -> Block {
    Block::Paragraph { c }
}

fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn read_folder(dir: &Path) -> Result<Narrative, Problems> {
    let is_staff_id = |w: &str| w == "SG1234567";
    read(
        dir,
        &Inputs {
            figures: &figures(),
            is_staff_id: &is_staff_id,
        },
    )
}

fn messages(problems: &Problems, dir: &Path) -> Vec<String> {
    problems
        .0
        .iter()
        .map(|p| {
            p.to_string()
                .replace(&format!("{}/", dir.display()), "narrative/")
        })
        .collect()
}

#[test]
fn a_folder_reads_into_slots_with_unwritten_ones_listed() {
    let dir = folder(&[
        ("foreword.md", b"# Welcome\n\nCompliance was {{training_compliance}}."),
        ("context.md", b"<!-- guide: write here -->\n\n"),
        ("training.md", b""),
        ("risks.md", b"\xEF\xBB\xBF- Risk one\n"),
        ("diagram.png", PNG),
        ("notes.docx", b"not read"),
        (
            "cover.md",
            b"<!-- the cover -->\n+++\npurpose = \"assurance\"\nrisks = [\"At {{training_compliance}}\"]\n+++\nSummary.\n",
        ),
    ]);
    let n = read_folder(dir.path()).unwrap();
    assert!(n.is_written(Slot::Foreword) && n.is_written(Slot::Risks));
    assert!(!n.is_written(Slot::Context) && !n.is_written(Slot::Training));
    assert_eq!(n.blocks(Slot::Foreword).len(), 2);
    let cover = n.cover.as_ref().unwrap();
    assert_eq!(cover.purpose, Purpose::Assurance);
    assert_eq!(cover.risks, vec!["At 89.0%".to_owned()]);
    assert_eq!(cover.blocks, vec![para(vec![t("Summary.")])]);
    assert_eq!(
        n.unwritten(),
        vec![
            Slot::Context,
            Slot::Governance,
            Slot::Training,
            Slot::Supervision,
            Slot::Section11,
            Slot::Reviews,
            Slot::Multiagency,
            Slot::Quality,
            Slot::CaseStudies,
            Slot::Achievements,
            Slot::Priorities,
        ]
    );
    assert_eq!(
        n.read,
        vec![
            "cover.md",
            "foreword.md",
            "context.md",
            "training.md",
            "risks.md"
        ]
    );
    let json = n.to_json();
    assert_eq!(json["slots"]["foreword"]["heading"], "Foreword");
    assert_eq!(json["slots"]["foreword"]["written"], true);
    assert_eq!(json["slots"]["foreword"]["blocks"][0]["t"], "heading");
    assert_eq!(
        json["slots"]["foreword"]["blocks"][1]["c"][1]["t"],
        "figure"
    );
    assert_eq!(json["slots"]["case_studies"]["written"], false);
    assert_eq!(json["cover"]["purpose"], "assurance");
    assert_eq!(json["unwritten"][0]["file"], "context.md");
    assert_eq!(json["unwritten"].as_array().unwrap().len(), 11);
    assert!(json["slots"].get("cover").is_none());
}

#[test]
fn every_problem_in_every_file_is_reported_with_file_and_line() {
    let dir = folder(&[
        ("forward.md", b"Typo in the name."),
        (
            "foreword.md",
            b"Line one\n\nSeen by SG1234567.\n\n{{training_complience}}\n",
        ),
        ("context.md", b"Fine\nCaf\xE9\n"),
        ("risks.md", b"![](nothing.png)\n"),
        (
            "cover.md",
            b"+++\npurpose = \"approve\"\nchair = \"x\"\n+++\n",
        ),
        ("quality.md", b"Just text, then a body\n"),
    ]);
    let problems = read_folder(dir.path()).unwrap_err();
    let got = messages(&problems, dir.path());
    assert_eq!(got.len(), 7, "{got:#?}");
    assert!(got[0].starts_with(
        "narrative/forward.md: `forward.md` is not a narrative slot; did you mean `foreword.md`?"
    ));
    assert!(got[1].starts_with("narrative/cover.md:2: unknown purpose `approve`"));
    assert!(got[2].starts_with("narrative/cover.md:3: unknown key `chair`"));
    assert!(got[3].starts_with("narrative/foreword.md:3: this line holds a staff identifier"));
    assert!(
        !got[3].contains("SG1234567"),
        "the id must never be printed"
    );
    assert!(got[4].starts_with(
        "narrative/foreword.md:5: unknown figure `{{training_complience}}`; the nearest names are `{{training_compliance}}`"
    ));
    assert!(got[5].starts_with("narrative/context.md:2: the file is not UTF-8"));
    assert!(got[6].starts_with("narrative/risks.md:1: the image `nothing.png` has no alt text"));
}

#[test]
fn a_cover_without_front_matter_or_purpose_is_an_error() {
    let dir = folder(&[("cover.md", b"Summary without front matter.\n")]);
    let got = messages(&read_folder(dir.path()).unwrap_err(), dir.path());
    assert!(got[0].starts_with("narrative/cover.md:1: the cover sheet starts with front matter"));
    let dir = folder(&[("cover.md", b"\n+++\nrecommendation = \"Note it\"\n+++\n")]);
    let got = messages(&read_folder(dir.path()).unwrap_err(), dir.path());
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("narrative/cover.md:2: the cover sheet's front matter has no `purpose`")
    );
    // Only the guide: unwritten, not an error.
    let dir = folder(&[("cover.md", init::guide(Slot::Cover).as_bytes())]);
    let n = read_folder(dir.path()).unwrap();
    assert!(!n.is_written(Slot::Cover));
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let big = "x".repeat(5 * 1024 * 1024);
    let dir = folder(&[("foreword.md", big.as_bytes())]);
    let started = Instant::now();
    let got = messages(&read_folder(dir.path()).unwrap_err(), dir.path());
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        got,
        vec![format!(
            "narrative/foreword.md: the file is 5242880 bytes; a narrative file may be at most \
             {} bytes (split the text, or move tables and images out)",
            limits::MAX_FILE_BYTES
        )]
    );
}

#[test]
fn the_starter_folder_reads_as_entirely_unwritten() {
    let dir = tempfile::tempdir().unwrap();
    init::init(dir.path()).unwrap();
    let n = read_folder(dir.path()).unwrap();
    assert_eq!(n.unwritten(), Slot::ALL.to_vec());
}

#[test]
fn a_missing_folder_is_one_problem() {
    let problems = read_folder(Path::new("/nonexistent/narrative")).unwrap_err();
    assert_eq!(problems.0.len(), 1);
    assert!(
        problems
            .to_string()
            .starts_with("/nonexistent/narrative: cannot read the narrative folder")
    );
}
