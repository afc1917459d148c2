//! The reader's tests: every Markdown construct's conversion, every problem with its file and
//! line, hostile text kept literal, the limits, and a folder read end to end.

use std::path::Path;
use std::time::{Duration, Instant};

use super::convert::{Converted, convert};
use super::error::Lines;
use super::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn figures() -> Figures {
    [
        ("as_of", "31 March 2026"),
        ("year", "2025/26"),
        ("training_compliance", "89.0%"),
        ("training_rag", "Amber"),
        ("supervision_compliance", "83.0%"),
        ("supervision_compliance.N0J", "*"),
    ]
    .into_iter()
    .collect()
}

fn md_in(dir: &Path, text: &str) -> Converted {
    convert(text, 0, &Lines::new(text), dir, &figures())
}

fn md(text: &str) -> Converted {
    md_in(Path::new("/nonexistent"), text)
}

/// The blocks of `text`, which must convert without problems.
fn blocks(text: &str) -> Vec<Block> {
    let c = md(text);
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    c.blocks
}

fn t(s: &str) -> Inline {
    Inline::Text { s: s.into() }
}

fn para(c: Vec<Inline>) -> Block {
    Block::Paragraph { c }
}

/// The plain text of a one-paragraph document.
fn paragraph_text(text: &str) -> String {
    match blocks(text).as_slice() {
        [Block::Paragraph { c }] => tree::plain(c),
        other => panic!("not one paragraph: {other:?}"),
    }
}

#[test]
fn headings_keep_their_relative_level() {
    assert_eq!(
        blocks("# Top\n\n## Second *level*"),
        vec![
            Block::Heading {
                level: 1,
                c: vec![t("Top")]
            },
            Block::Heading {
                level: 2,
                c: vec![
                    t("Second "),
                    Inline::Emph {
                        c: vec![t("level")]
                    }
                ]
            },
        ]
    );
}

#[test]
fn headings_never_skip_a_level() {
    let levels = |text: &str| -> Vec<u8> {
        blocks(text)
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, .. } => Some(*level),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        levels("## a\n\n#### b\n\n# c\n\n### d\n\n## e"),
        vec![1, 2, 1, 2, 2]
    );
    let b = blocks("> ### quoted\n\n### after");
    assert!(matches!(&b[0], Block::Quote { c } if matches!(c[0], Block::Heading { level: 1, .. })));
    assert!(matches!(b[1], Block::Heading { level: 2, .. }));
}

#[test]
fn paragraphs_emphasis_strong_strike_code_and_breaks() {
    assert_eq!(
        blocks("One *two* **three** ~~four~~ `five`\nsix  \nseven\n\nNext"),
        vec![
            para(vec![
                t("One "),
                Inline::Emph { c: vec![t("two")] },
                t(" "),
                Inline::Strong {
                    c: vec![t("three")]
                },
                t(" "),
                Inline::Strike { c: vec![t("four")] },
                t(" "),
                Inline::Code { s: "five".into() },
                t(" six"),
                Inline::Break,
                t("seven"),
            ]),
            para(vec![t("Next")]),
        ]
    );
}

#[test]
fn nested_tight_and_loose_lists() {
    let b =
        blocks("3. first\n   - inner a\n   - inner b\n4. second\n\n\n- loose one\n\n- loose two\n");
    assert_eq!(
        b[0],
        Block::List {
            ordered: true,
            start: 3,
            tight: true,
            items: vec![
                vec![
                    para(vec![t("first")]),
                    Block::List {
                        ordered: false,
                        start: 1,
                        tight: true,
                        items: vec![
                            vec![para(vec![t("inner a")])],
                            vec![para(vec![t("inner b")])]
                        ],
                    },
                ],
                vec![para(vec![t("second")])],
            ],
        }
    );
    assert!(matches!(
        &b[1],
        Block::List { ordered: false, tight: false, items, .. } if items.len() == 2
    ));
}

#[test]
fn block_quotes_hold_blocks() {
    assert_eq!(
        blocks("> \"I felt listened to.\"\n>\n> Young person, 14"),
        vec![Block::Quote {
            c: vec![
                para(vec![t("\"I felt listened to.\"")]),
                para(vec![t("Young person, 14")])
            ]
        }]
    );
}

#[test]
fn links_print_their_text_and_address() {
    let b = blocks(
        "See [the guidance](https://example.org/wt) or <https://example.org/a>, \
         <team@example.org>, [mail](mailto:x@example.org).",
    );
    let [Block::Paragraph { c }] = b.as_slice() else {
        panic!("{b:?}")
    };
    assert_eq!(
        c[1],
        Inline::Link {
            c: vec![t("the guidance")],
            url: "https://example.org/wt".into(),
            show: Some("https://example.org/wt".into())
        }
    );
    // An address written as the link's text is not repeated.
    assert_eq!(
        c[3],
        Inline::Link {
            c: vec![t("https://example.org/a")],
            url: "https://example.org/a".into(),
            show: None
        }
    );
    assert_eq!(
        c[5],
        Inline::Link {
            c: vec![t("team@example.org")],
            url: "mailto:team@example.org".into(),
            show: None
        }
    );
    assert_eq!(
        c[7],
        Inline::Link {
            c: vec![t("mail")],
            url: "mailto:x@example.org".into(),
            show: Some("x@example.org".into())
        }
    );
}

#[test]
fn links_to_files_and_paths_are_errors_at_their_line() {
    for url in [
        "../secret.docx",
        "/etc/passwd",
        "file:///etc/passwd",
        "#section",
        "javascript:alert(1)",
    ] {
        let c = md(&format!("Text\n\nSee [this]({url})."));
        assert_eq!(
            c.problems,
            vec![(3, Reason::LinkNotWeb { url: url.into() })],
            "{url}"
        );
    }
}

#[test]
fn tables_have_a_header_row_alignment_and_full_rows() {
    assert_eq!(
        blocks(
            "| Org | Rate | Note |\n|:--|--:|:-:|\n| A | {{training_compliance}} | ok |\n| B |\n"
        ),
        vec![Block::Table {
            align: vec![Align::Left, Align::Right, Align::Center],
            header: vec![vec![t("Org")], vec![t("Rate")], vec![t("Note")]],
            rows: vec![
                vec![
                    vec![t("A")],
                    vec![Inline::Figure {
                        name: "training_compliance".into(),
                        value: "89.0%".into()
                    }],
                    vec![t("ok")]
                ],
                vec![vec![t("B")], vec![], vec![]],
            ],
        }]
    );
}

#[test]
fn footnotes_carry_their_definition_to_each_reference() {
    let b = blocks("Figures[^1] are live[^1].\n\n[^1]: From the *warehouse*.\n");
    let note = Inline::Footnote {
        label: "1".into(),
        c: vec![para(vec![
            t("From the "),
            Inline::Emph {
                c: vec![t("warehouse")],
            },
            t("."),
        ])],
    };
    assert_eq!(
        b,
        vec![para(vec![
            t("Figures"),
            note.clone(),
            t(" are live"),
            note,
            t(".")
        ])]
    );
    // A reference inside a definition prints as written rather than nesting.
    let b = blocks("A[^a].\n\n[^a]: See[^b].\n\n[^b]: B.\n");
    let [Block::Paragraph { c }] = b.as_slice() else {
        panic!("{b:?}")
    };
    let Inline::Footnote { c: def, .. } = &c[1] else {
        panic!("{c:?}")
    };
    assert_eq!(def, &vec![para(vec![t("See[^b].")])]);
}

#[test]
fn a_footnote_printed_deeper_than_the_limits_allow_is_refused_at_its_reference() {
    let nested: String = (0..limits::MAX_BLOCK_DEPTH - 1)
        .map(|i| format!("    {}- n{i}\n", "  ".repeat(i)))
        .collect();
    let definition = format!("[^d]: Definition\n{nested}");
    // At the top level the footnote fits.
    assert!(md(&format!("Top.[^d]\n\n{definition}")).problems.is_empty());
    // Inside a list it would pass the limit.
    let c = md(&format!("Intro\n\n- In a list.[^d]\n\n{definition}"));
    assert_eq!(
        c.problems,
        vec![(3, Reason::FootnoteTooDeep { label: "d".into() })]
    );
    let emphasis = format!("{}x[^e]{}*", "*a ".repeat(5), "* a".repeat(4));
    let c = md(&format!(
        "{emphasis}\n\n[^e]: {}\n",
        "*b ".repeat(4) + "y" + &"* b".repeat(3) + "*"
    ));
    assert_eq!(
        c.problems,
        vec![(1, Reason::FootnoteTooDeep { label: "e".into() })]
    );
}

#[test]
fn rules_and_code_blocks_are_kept_verbatim() {
    assert_eq!(
        blocks("Above\n\n---\n\n    {{training_compliance}} #import\n\n```\n$x$ ]\n```\n"),
        vec![
            para(vec![t("Above")]),
            Block::Rule,
            Block::CodeBlock {
                s: "{{training_compliance}} #import".into()
            },
            Block::CodeBlock { s: "$x$ ]".into() },
        ]
    );
}

#[test]
fn figures_are_replaced_in_text_headings_and_links_but_not_in_code() {
    assert_eq!(
        blocks("# In {{year}}\n\n[{{as_of}}](https://example.org) `{{year}}`"),
        vec![
            Block::Heading {
                level: 1,
                c: vec![
                    t("In "),
                    Inline::Figure {
                        name: "year".into(),
                        value: "2025/26".into()
                    }
                ]
            },
            para(vec![
                Inline::Link {
                    c: vec![Inline::Figure {
                        name: "as_of".into(),
                        value: "31 March 2026".into()
                    }],
                    url: "https://example.org".into(),
                    show: Some("https://example.org".into())
                },
                t(" "),
                Inline::Code {
                    s: "{{year}}".into()
                },
            ]),
        ]
    );
    assert_eq!(
        paragraph_text("Dalebury: {{supervision_compliance.N0J}}."),
        "Dalebury: *."
    );
}

#[test]
fn an_unknown_figure_names_its_line_and_the_nearest_names() {
    let c = md("First\n\nSecond with {{trainng_compliance}} and\n{{year}} and {{yeer}}.");
    let lines: Vec<usize> = c.problems.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 4]);
    let Reason::UnknownFigure { name, nearest } = &c.problems[0].1 else {
        panic!("{:?}", c.problems)
    };
    assert_eq!(name, "trainng_compliance");
    assert_eq!(nearest[0], "training_compliance");
}

#[test]
fn hostile_text_is_only_text() {
    for s in [
        "#import \"/etc/passwd\": *",
        "#read(\"/etc/passwd\")",
        "#sys.inputs and #eval(\"1+1\")",
        "$ x^2 $ costs $5",
        "] ) } #{ let x = 1 }",
        "@ref <label> = heading / slash",
        "C:\\temp\\file and \\ alone",
        "{{ unclosed and } closed",
        "#set page(width: 1pt)",
        "http://example.org/#sys",
    ] {
        assert_eq!(paragraph_text(s), s, "{s}");
    }
    // Backslash escapes are Markdown's: `\*` is a star, `\\` one backslash.
    assert_eq!(
        paragraph_text("\\*not emphasis\\* \\# \\\\server"),
        "*not emphasis* # \\server"
    );
    // Code spans keep braces and backticks.
    assert_eq!(
        blocks("`` {{year}} ` #import ``"),
        vec![para(vec![Inline::Code {
            s: "{{year}} ` #import".into()
        }])]
    );
}

#[test]
fn raw_html_prints_as_text_and_comments_are_dropped() {
    assert_eq!(
        paragraph_text("A <b>bold</b> <!-- hidden --> move"),
        "A <b>bold</b>  move"
    );
    assert_eq!(
        blocks(
            "<!-- guidance\nspanning lines -->\n\n<script>alert(1)</script>\n\n<div>\nhi\n</div>"
        ),
        vec![
            para(vec![t("<script>alert(1)</script>")]),
            para(vec![
                t("<div>"),
                Inline::Break,
                t("hi"),
                Inline::Break,
                t("</div>")
            ]),
        ]
    );
    assert!(blocks("<!-- only a comment -->\n\n   \n").is_empty());
}

#[test]
fn nesting_beyond_the_limit_is_refused_quickly_at_its_line() {
    // Nested by indentation: 400 levels is about the largest file allowed.
    let deep_list: String = (0..400)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    let deep_list_one_line = format!("Intro\n\n{}x\n", "- ".repeat(10_000));
    let deep_quote = format!("Intro\n\n{}x\n", ">".repeat(10_000));
    for (text, line) in [
        (deep_list.as_str(), 9),
        (deep_list_one_line.as_str(), 3),
        (deep_quote.as_str(), 3),
    ] {
        let started = Instant::now();
        let c = md(text);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?} for {} bytes starting {:?}",
            started.elapsed(),
            text.len(),
            &text[..20]
        );
        assert_eq!(c.problems, vec![(line, Reason::TooDeep)]);
        assert!(c.problems[0].1.to_string().contains("at most 8"));
    }
    // `*a *a x* a* a*` nests emphasis in emphasis.
    let emph = format!("{}x{}*", "*a ".repeat(20), "* a".repeat(19));
    assert_eq!(md(&emph).problems, vec![(1, Reason::InlineTooDeep)]);
    // Up to the limit is fine.
    let ok: String = (0..limits::MAX_BLOCK_DEPTH)
        .map(|i| format!("{}- x\n", "  ".repeat(i)))
        .collect();
    assert!(md(&ok).problems.is_empty());
}

#[test]
fn a_block_longer_than_the_limit_is_refused_at_its_line() {
    let long = "word ".repeat(5_000);
    let c = md(&format!("Short.\n\n{long}\n\nAfter."));
    assert_eq!(
        c.problems,
        vec![(
            3,
            Reason::BlockTooLong {
                what: "paragraph",
                chars: 24_999
            }
        )]
    );
    assert!(c.problems[0].1.to_string().contains("at most 20000"));
    let c = md(&format!("- short\n- {long}"));
    assert!(matches!(c.problems[..], [(2, Reason::BlockTooLong { .. })]));
}

#[test]
fn images_become_figures_with_alt_text_and_bytes_for_the_world() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chart.png"), PNG).unwrap();
    let c = md_in(
        dir.path(),
        "![Chart of {{year}}](chart.png \"Training, {{year}}\")\n\n![again](chart.png)",
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.blocks[0],
        para(vec![Inline::Image {
            path: "/narrative/chart.png".into(),
            alt: "Chart of 2025/26".into(),
            caption: Some("Training, 2025/26".into())
        }])
    );
    assert_eq!(c.images.len(), 1);
    assert_eq!(c.images[0].bytes, PNG);
}

#[test]
fn image_problems_name_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chart.png"), PNG).unwrap();
    std::fs::write(dir.path().join("bad.png"), b"<svg/>").unwrap();
    let c = md_in(
        dir.path(),
        "![](chart.png)\n\n![x](../chart.png)\n\n![x](https://e.org/a.png)\n\n![x](bad.png)\n\n![x](gone.png)",
    );
    let got: Vec<(usize, &str)> = c
        .problems
        .iter()
        .map(|(l, r)| {
            (
                *l,
                match r {
                    Reason::ImageWithoutAlt { .. } => "alt",
                    Reason::ImageOutside { .. } => "outside",
                    Reason::ImageContent { .. } => "content",
                    Reason::ImageUnreadable { .. } => "unreadable",
                    _ => "other",
                },
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "alt"),
            (3, "outside"),
            (5, "outside"),
            (7, "content"),
            (9, "unreadable")
        ]
    );
    assert!(c.images.is_empty());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the text, conversion ends quickly without panicking, and whatever it gives
        /// serialises.
        #[test]
        fn any_markdown_converts_quickly(text in "[-#*_>`\\\\\\[\\]()!{}<>|~=$@:/ \n\t0-9a-zA-Z.^+]{0,600}") {
            let started = Instant::now();
            let c = md(&text);
            prop_assert!(started.elapsed() < Duration::from_secs(2));
            serde_json::to_string(&c.blocks).unwrap();
        }

        #[test]
        fn any_unicode_converts_quickly(text in any::<String>()) {
            let started = Instant::now();
            let c = md(&text);
            prop_assert!(started.elapsed() < Duration::from_secs(2));
            serde_json::to_string(&c.blocks).unwrap();
        }

        /// Deep structures built from repeated markers stop at the limit instead of recursing.
        #[test]
        fn repeated_markers_convert_quickly(
            unit in proptest::sample::select(vec!["- ", "> ", "1. ", "* ", "**", "[", "![", "~~", "  - ", "[^a]: "]),
            n in 1usize..3000,
        ) {
            let text = format!("{}x\n", unit.repeat(n));
            let started = Instant::now();
            let c = md(&text);
            prop_assert!(started.elapsed() < Duration::from_secs(2));
            serde_json::to_string(&c.blocks).unwrap();
        }
    }
}
