//! The narrative Markdown converter, through its public API (`narrative::read` of a folder):
//! Markdown built from the syntax that nests and the syntax that breaks (unclosed fences,
//! tables, footnotes, figures, images, HTML), deep nesting, and arbitrary text. Every case
//! reads to a narrative or to problems that name a line, without a panic.

use proptest::prelude::*;
use safeguard::narrative::{Figures, Inputs, read};

use super::run;

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "# ", "## ", "###### ", "*", "**", "_", "~~", "`", "```", "```rust\n", "~~~",
            "> ", "- ", "* ", "1. ", "   ", "\t", "\n", "\n\n", "| a | b |\n|---|:-:|\n",
            "| ", " |", "---\n", "[link](", ")", "[", "]", "![alt](", "image.png)",
            "missing.png)", "[^1]", "[^1]: ", "{{", "}}", "{{training_compliance}}",
            "{{no_such_figure}}", "<!--", "-->", "<b>", "</b>", "<div>\n", "&amp;", "\\",
            "SG1234567", "word ", "Compliance ", "\u{0}", "\r", "\r\n", "é", "🙂",
        ])
        .prop_map(String::from),
        1 => "[ -~]{0,12}",
    ]
}

fn markdown() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(token(), 0..200).prop_map(|t| t.concat()),
        // Deep nesting of one construct, past the limits.
        1 => (
            prop::sample::select(vec!["> ", "- ", "  - ", "*", "[", "![", "**", "1. ", "> - "]),
            0usize..3000,
            "[a-z ]{0,20}",
        )
            .prop_map(|(open, n, text)| format!("{}{text}", open.repeat(n))),
        1 => any::<String>(),
    ]
}

/// Reads a folder whose foreword is `text`; whether it read without problems.
fn read_foreword(text: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("foreword.md"), text).unwrap();
    std::fs::write(dir.path().join("image.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let mut figures = Figures::new();
    figures.insert("training_compliance", "87.5%");
    let is_staff_id = |w: &str| w == "SG1234567";
    let inputs = Inputs {
        figures: &figures,
        is_staff_id: &is_staff_id,
    };
    match read(dir.path(), &inputs) {
        Ok(_) => true,
        Err(problems) => {
            assert!(!problems.0.is_empty(), "an error without a problem");
            for problem in &problems.0 {
                assert!(!problem.to_string().is_empty());
            }
            false
        }
    }
}

#[test]
fn fuzz_narrative_markdown() {
    let read = run("narrative markdown", 128, markdown(), |text| {
        Ok(read_foreword(&text))
    });
    assert!(read > 0, "no text read without problems");
}
