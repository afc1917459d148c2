//! The nightly refresh with a narrative: narrative files are inputs, so editing the foreword
//! typesets a new report, and a night when nothing changed is still a no-op.

use std::path::Path;
use std::process::Stdio;

use crate::util::{Run, command};

const REPORT: &str = "safeguarding-annual-report-2025-26.pdf";

fn refresh(root: &Path) -> Run {
    let run: Run = command(root)
        .arg("refresh")
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{run:#?}");
    run
}

fn report_text(root: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg(root.join("reports").join(REPORT))
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): install poppler-utils"));
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn editing_the_foreword_publishes_a_new_report_and_nothing_changed_is_a_no_op() {
    let dir = tempfile::Builder::new()
        .prefix("safeguard-refresh-narrative-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    let generated = command(root)
        .args(["-q", "generate", "--out", "input", "--staff", "120"])
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    std::fs::write(
        root.join("safeguard.toml"),
        "input = \"input\"\nwarehouse = \"warehouse\"\nreport_dir = \"reports\"\n\
         year = \"2025/26\"\n\n[refresh]\nsettle_seconds = 0\n\n[report]\n\
         narrative = \"narrative\"\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("narrative")).unwrap();
    let foreword = root.join("narrative").join("foreword.md");
    std::fs::write(&foreword, "The first foreword, for {{year}}.\n").unwrap();

    let first = refresh(root);
    assert!(first.stdout.contains(REPORT), "{first:#?}");
    assert!(report_text(root).contains("The first foreword, for 2025/26."));

    let second = refresh(root);
    assert!(second.stdout.contains("nothing changed"), "{second:#?}");

    std::fs::write(&foreword, "The foreword, rewritten after the committee.\n").unwrap();
    let third = refresh(root);
    assert!(
        third.stdout.contains("the narrative's foreword.md changed"),
        "{third:#?}"
    );
    let text = report_text(root);
    assert!(
        text.contains("The foreword, rewritten after the committee."),
        "the published report is not the new one"
    );
    assert!(!text.contains("The first foreword"));

    let fourth = refresh(root);
    assert!(fourth.stdout.contains("nothing changed"), "{fourth:#?}");
}
