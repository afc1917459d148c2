//! The narrative Markdown converter (`safeguard::fuzz::narrative`, a slot's text read as the
//! cover and as a chapter): Markdown built from the syntax that nests and the syntax that
//! breaks (unclosed fences, tables, footnotes, figures, images, HTML, front matter), deep
//! nesting, and arbitrary text. Every case reads to blocks or to problems that name a line of
//! the text, without a panic.

use proptest::prelude::*;

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
            "+++\n", "purpose = \"assurance\"\n", "risks = [\"", "\"]\n",
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

#[test]
fn fuzz_narrative_markdown() {
    let read = run("narrative markdown", 512, markdown(), |text| {
        Ok(safeguard::fuzz::narrative(text.as_bytes()))
    });
    assert!(read > 0, "no text read without problems");
}
