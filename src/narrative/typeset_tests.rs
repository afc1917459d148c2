//! Typesetting tests: a narrative folder read, its JSON and images served to Typst in a small
//! World next to `report-templates/narrative.typ`, exported as PDF/A-2a + PDF/UA-1 (as the
//! report is), and the PDF's text read back with poppler's `pdftotext`: hostile text must print
//! literally, every construct must typeset, and the limits must keep Typst within its own.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration as TypstDuration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use super::*;

/// A 2 × 2 NHS-blue PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x0f\x49\x44\x41\x54\x78\x9c\x63\x60\x88\xdb\x01\x42\x10\x0a\x00\x1b\x96\x04\x59\x7b\x6c\x4d\x2f\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#005EB8"/></svg>"##;

/// The document the tests typeset: the cover sheet, the "Still to write" box, the foreword,
/// the commentary slots in a data section, then the slots that are sections of their own.
const MAIN: &str = r#"
#set document(title: "Narrative test", date: datetime(year: 2026, month: 3, day: 31))
#set text(font: "Liberation Sans", size: 10pt, lang: "en", region: "GB")
#set heading(numbering: "1.1")
// The report's own show rules (report.typ), so the narrative is tested as it will be placed.
#show heading.where(level: 1): it => {
  pagebreak(weak: true)
  block(below: 1em, text(size: 18pt, it))
}
#show figure: set block(breakable: true)
#show figure.where(kind: table): set figure.caption(position: top)
#show table: set text(size: 8.5pt)
#import "narrative.typ": *
#let nar = json("/narrative.json")
#if nar.cover != none {
  narrative-cover(nar.cover, title: "Safeguarding Children Annual Report 2025/26",
    meeting: "21 May 2026", organisation: "Northshire ICB")
}
#narrative-still-to-write(nar.unwritten)
#narrative-slot(nar.slots.foreword, level: 1, numbering: none)
= A data section
#for key in ("context", "governance", "training", "supervision", "section11", "reviews", "multiagency", "quality") {
  narrative-slot(nar.slots.at(key), level: 2)
}
#for key in ("case_studies", "achievements", "priorities", "risks") {
  narrative-slot(nar.slots.at(key), level: 1)
}
"#;

struct TestWorld {
    library: LazyHash<Library>,
    fonts: FontStore,
    main: FileId,
    files: HashMap<FileId, Bytes>,
}

fn id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a valid virtual path"),
    )
    .intern()
}

impl TestWorld {
    fn new(narrative: &Narrative) -> TestWorld {
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates");
        let mut fonts = FontStore::new();
        fonts.extend(typst_kit::fonts::embedded());
        for face in ["Regular", "Bold", "Italic", "BoldItalic"] {
            let bytes =
                std::fs::read(templates.join(format!("fonts/LiberationSans-{face}.ttf"))).unwrap();
            fonts.extend(Font::iter(Bytes::new(bytes)).map(|f| {
                let info = f.info().clone();
                (f, info)
            }));
        }
        let mut files = HashMap::new();
        for name in ["narrative.typ", "style.typ"] {
            files.insert(
                id(name),
                Bytes::new(std::fs::read(templates.join(name)).unwrap()),
            );
        }
        files.insert(
            id(JSON_PATH),
            Bytes::new(serde_json::to_vec(&narrative.to_json()).unwrap()),
        );
        for (path, bytes) in narrative.virtual_files() {
            files.insert(id(path), Bytes::new(bytes.to_vec()));
        }
        files.insert(id("main.typ"), Bytes::new(MAIN.as_bytes().to_vec()));
        TestWorld {
            library: LazyHash::new(Library::default()),
            fonts,
            main: id("main.typ"),
            files,
        }
    }
}

impl World for TestWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        let bytes = self.file(id)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_owned()))
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }
    fn today(&self, _offset: Option<TypstDuration>) -> Option<Datetime> {
        Datetime::from_ymd(2026, 3, 31)
    }
}

/// Typesets a narrative to PDF/A-2a + PDF/UA-1 bytes; a Typst error fails the test with
/// its messages.
fn typeset(narrative: &Narrative) -> Vec<u8> {
    let world = TestWorld::new(narrative);
    let document = typst::compile::<typst_layout::PagedDocument>(&world)
        .output
        .unwrap_or_else(|errors| panic!("typst failed: {errors:#?}"));
    let options = PdfOptions {
        ident: Smart::Custom("narrative test".into()),
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1]).unwrap(),
        tagged: true,
        timestamp: Some(typst_pdf::Timestamp::new_utc(
            Datetime::from_ymd_hms(2026, 3, 31, 0, 0, 0).unwrap(),
        )),
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).unwrap_or_else(|errors| panic!("pdf: {errors:#?}"))
}

/// Keeps a test's PDF as `$NARRATIVE_PDF_DIR/<name>.pdf` when that is set, to look at by eye
/// (`NARRATIVE_PDF_DIR=/tmp cargo test --lib narrative::typeset_tests`).
fn keep(pdf: &[u8], name: &str) {
    if let Some(dir) = std::env::var_os("NARRATIVE_PDF_DIR") {
        std::fs::write(Path::new(&dir).join(format!("{name}.pdf")), pdf).unwrap();
    }
}

/// The PDF's text, as poppler's `pdftotext` reads it.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("n.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args([file.to_str().unwrap(), "-"])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run pdftotext ({e}): install poppler-utils, as scripts/test does")
        });
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn read_files(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Narrative) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let figures: Figures = [
        ("training_compliance", "89.0%"),
        ("supervision_compliance.N0J", "*"),
        ("year", "2025/26"),
    ]
    .into_iter()
    .collect();
    let narrative = read(
        dir.path(),
        &Inputs {
            figures: &figures,
            is_staff_id: &|_| false,
        },
    )
    .unwrap_or_else(|p| panic!("{p}"));
    (dir, narrative)
}

/// Lines of hostile text, each a paragraph of its own, and how each must print.
const HOSTILE: &[&str] = &[
    "#import \"/etc/passwd\": *",
    "#read(\"/etc/passwd\")",
    "#sys.inputs.at(\"x\")",
    "$ x^2 $ and $5",
    "] ) } #{ 1 + 1 }",
    "@ref <label> == heading // not a comment /* nor this */",
    "C:\\temp\\x and \\ alone",
    "#set page(width: 1pt) #show: none",
    "<script>alert(1)</script>",
    "a <b>bold</b> tag",
    "tilde ~ and ~~~ and --- and ... and 'quotes' \"quoted\"",
];

#[test]
fn hostile_text_prints_literally_in_the_pdf() {
    let mut foreword = HOSTILE.join("\n\n");
    foreword.push_str(
        "\n\nIn code: `{{training_compliance}} #import` and a figure {{training_compliance}}.",
    );
    foreword.push_str("\n\n```\n#let x = read(\"/etc/passwd\")\n```\n");
    let (_dir, n) = read_files(&[("foreword.md", foreword.as_bytes())]);
    let text = pdf_text(&typeset(&n));
    for s in HOSTILE {
        assert!(text.contains(s), "{s:?} not printed literally in:\n{text}");
    }
    assert!(text.contains("In code: {{training_compliance}} #import and a figure 89.0%."));
    assert!(text.contains("#let x = read(\"/etc/passwd\")"));
    assert!(!text.contains("root:"), "a file was read");
}

#[test]
fn every_construct_typesets_to_an_accessible_pdf() {
    let foreword = "\
# A heading of our own

Text with *emphasis*, **strong**, ~~struck~~, `code`, a [link](https://example.org/guide)
and a hard  \nbreak. Dalebury: {{supervision_compliance.N0J}}.[^n]

[^n]: The footnote's text.

1. First numbered
   - nested bullet
     > quoted inside
2. Second numbered

> \"They asked what I wanted.\" Child, aged 9

| Organisation | Compliance |
|:--|--:|
| Northshire Teaching Hospitals | {{training_compliance}} |
| Dalebury | * |

![A blue square standing in for a diagram](square.png \"The partnership, {{year}}\")

![A blue bar](bar.svg)

---
";
    let cover = "+++\npurpose = \"assurance\"\nrecommendation = \"Note the report for {{year}}.\"\nexecutive_lead = \"Chief Nursing Officer\"\npresented_by = \"Designated Nurse\"\nrisks = [\"Level 3 training below 90%\", \"Supervision at {{supervision_compliance.N0J}}\"]\n+++\n\nThe summary for the board.\n";
    let (_dir, n) = read_files(&[
        ("foreword.md", foreword.as_bytes()),
        ("cover.md", cover.as_bytes()),
        ("square.png", PNG),
        ("bar.svg", SVG.as_bytes()),
    ]);
    assert_eq!(n.images.len(), 2);
    let pdf = typeset(&n);
    keep(&pdf, "constructs");
    let text = pdf_text(&pdf);
    for s in [
        "Report to the board",
        "21 May 2026",
        "Safeguarding Children Annual Report 2025/26",
        "☒ Assurance",
        "☐ Approval",
        "Chief Nursing Officer",
        "Note the report for 2025/26.",
        "Level 3 training below 90%",
        "Supervision at *",
        "The summary for the board.",
        "Still to write",
        "Local context (context.md)",
        "A heading of our own",
        "link (https://example.org/guide)",
        "Dalebury: *.",
        "The footnote's text.",
        "First numbered",
        "nested bullet",
        "quoted inside",
        "They asked what I wanted.",
        "Northshire Teaching Hospitals",
        "89.0%",
        "The partnership, 2025/26",
    ] {
        assert!(text.contains(s), "{s:?} missing from:\n{text}");
    }
    // The alt text is in the PDF's structure (PDF/UA export would refuse a figure without it).
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("A blue square standing in for a diagram") || raw.contains("/Alt"));
}

/// Inline nesting to the limit: a link around emphasis in emphasis ..., around `inner`.
fn deepest_inlines(inner: &str) -> String {
    let emphasis = limits::MAX_INLINE_DEPTH - 1;
    format!(
        "[{}{inner}{}*](https://e.org)",
        "*a ".repeat(emphasis),
        "* a".repeat(emphasis - 1)
    )
}

/// How deeply a JSON value nests.
fn json_depth(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        serde_json::Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn the_deepest_nesting_allowed_stays_within_typsts_limits() {
    // Lists to the limit with inlines to the limit in the deepest item; a footnote whose
    // definition nests lists and inlines as far as the limits allow where it is referenced;
    // quotes to the limit. The deepest trees the reader lets through, which Typst's JSON
    // decoder, function-call depth and the test thread's stack must all take.
    let mut deep = String::new();
    for i in 0..limits::MAX_BLOCK_DEPTH - 1 {
        deep.push_str(&format!("{}- level {i}\n", "  ".repeat(i)));
    }
    let last = limits::MAX_BLOCK_DEPTH - 1;
    deep.push_str(&format!(
        "{}- level {last} {}\n\n",
        "  ".repeat(last),
        deepest_inlines("deepest")
    ));
    deep.push_str("A note.[^d]\n\n[^d]: The definition\n");
    for i in 0..limits::MAX_BLOCK_DEPTH - 2 {
        deep.push_str(&format!("    {}- note {i}\n", "  ".repeat(i)));
    }
    let last = limits::MAX_BLOCK_DEPTH - 2;
    deep.push_str(&format!(
        "    {}- note {last} {}\n",
        "  ".repeat(last),
        deepest_inlines("innermost")
    ));
    let quotes = ">".repeat(limits::MAX_BLOCK_DEPTH);
    deep.push_str(&format!("\n{quotes} deep quote\n"));
    let (_dir, n) = read_files(&[("foreword.md", deep.as_bytes())]);
    let json = n.to_json();
    assert!(
        json_depth(&json) > 35,
        "the test reaches the limits: {}",
        json_depth(&json)
    );
    let text = pdf_text(&typeset(&n));
    assert!(text.contains(&format!("level {}", limits::MAX_BLOCK_DEPTH - 1)));
    assert!(text.contains("deepest"));
    assert!(text.contains("innermost"));
    assert!(text.contains("deep quote"));
}

#[test]
fn the_longest_block_allowed_typesets_in_reasonable_time() {
    let words = "safeguarding ".repeat(limits::MAX_BLOCK_CHARS / 13);
    let unbroken = "x".repeat(limits::MAX_BLOCK_CHARS / 4);
    let text = format!("{words}\n\n{unbroken}\n");
    let (_dir, n) = read_files(&[("foreword.md", text.as_bytes())]);
    let started = Instant::now();
    let pdf = typeset(&n);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert!(pdf_text(&pdf).contains("safeguarding safeguarding"));
}

/// The figures of the shipped sample data at 31 March 2026, as the report prints them.
fn sample_figures() -> Figures {
    let mut f: Figures = [
        ("as_of", "31 March 2026"),
        ("year", "2025/26"),
        ("icb_name", "Northshire ICB"),
        ("organisations", "10"),
        ("staff_in_post", "2,620"),
        ("training_compliance", "89.0%"),
        ("training_rag", "Amber"),
        ("training_compliance_last_year", "87.5%"),
        ("supervision_compliance", "83.0%"),
        ("supervision_rag", "Amber"),
        ("section11_standards_green", "56"),
        ("section11_standards_rated", "80"),
        ("review_actions", "53"),
        ("review_actions_overdue", "15"),
        ("multiagency_contribution", "81.3%"),
        ("rows_rejected", "12"),
    ]
    .into_iter()
    .collect();
    for code in [
        "N1A", "N2B", "N3C", "N4D", "N5E", "N6F", "N7G", "N8H", "N9I", "N0J",
    ] {
        f.insert(format!("training_compliance.{code}"), "90.0%");
        f.insert(format!("supervision_compliance.{code}"), "*");
    }
    f.insert("training_compliance.N6F", "73.4%");
    f
}

#[test]
fn the_shipped_example_is_complete_and_typesets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-narrative");
    let figures = sample_figures();
    assert!(figures::REQUIRED.iter().all(|n| figures.get(n).is_some()));
    let n = read(
        &dir,
        &Inputs {
            figures: &figures,
            is_staff_id: &|w: &str| w.len() == 9 && w.starts_with("SG"),
        },
    )
    .unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(n.unwritten(), Vec::<Slot>::new(), "every slot is written");
    assert_eq!(n.images.len(), 1);
    let json = serde_json::to_string(&n.to_json()).unwrap();
    for kind in [
        "\"t\":\"table\"",
        "\"t\":\"quote\"",
        "\"t\":\"image\"",
        "\"t\":\"footnote\"",
    ] {
        assert!(json.contains(kind), "the example shows no {kind}");
    }
    // Several figures, one of them suppressed.
    assert!(json.matches("\"t\":\"figure\"").count() >= 10);
    let mut shown = Vec::new();
    figures_in(&n.to_json(), &mut shown);
    assert!(shown.contains(&("supervision_compliance.N9I".to_owned(), "*".to_owned())));
    let pdf = typeset(&n);
    keep(&pdf, "sample-narrative");
    let text = pdf_text(&pdf);
    for s in [
        "Report to the board",
        "☒ Assurance",
        "Case studies and the voice of the child",
        "Westbrook Health Partnership, shown as *.",
        "The Northshire Safeguarding Children Partnership",
    ] {
        assert!(text.contains(s), "{s:?} missing from the example");
    }
}

/// Every figure node in a narrative's JSON, as (name, value).
fn figures_in(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("t").and_then(|t| t.as_str()) == Some("figure") {
                out.push((
                    map["name"].as_str().unwrap().to_owned(),
                    map["value"].as_str().unwrap().to_owned(),
                ));
            }
            map.values().for_each(|v| figures_in(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| figures_in(v, out)),
        _ => {}
    }
}
