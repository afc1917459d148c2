//! The board cover sheet, `cover.md`: TOML front matter between `+++` lines (purpose,
//! recommendation, executive lead, presenter, key risks), then Markdown for the summary.
//! Figures work in every field; an unknown key or purpose is an error naming it and its line.

use std::ops::Range;

use serde::Serialize;
use toml::de::{DeTable, DeValue};

use super::error::{Lines, Reason};
use super::figures::{self, Figures};
use super::tree::Block;

/// The keys the front matter may hold.
pub const KEYS: [&str; 5] = [
    "purpose",
    "recommendation",
    "executive_lead",
    "presented_by",
    "risks",
];

/// What the board is asked to do with the report (the boxes of an NHS cover sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Approval,
    Assurance,
    Discussion,
    Information,
}

impl Purpose {
    /// Every purpose, in the order a cover sheet lists them.
    pub const ALL: [Purpose; 4] = [
        Purpose::Approval,
        Purpose::Assurance,
        Purpose::Discussion,
        Purpose::Information,
    ];

    /// The purpose as written in the front matter: `assurance`.
    pub fn key(self) -> &'static str {
        match self {
            Purpose::Approval => "approval",
            Purpose::Assurance => "assurance",
            Purpose::Discussion => "discussion",
            Purpose::Information => "information",
        }
    }

    fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.key() == s)
    }
}

/// The cover sheet: its fields with figures already replaced, and the summary's blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cover {
    pub purpose: Purpose,
    pub recommendation: Option<String>,
    pub executive_lead: Option<String>,
    pub presented_by: Option<String>,
    pub risks: Vec<String>,
    /// The Markdown after the front matter.
    pub blocks: Vec<Block>,
}

/// The cover sheet's front matter, parsed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrontMatter {
    pub purpose: Option<Purpose>,
    pub recommendation: Option<String>,
    pub executive_lead: Option<String>,
    pub presented_by: Option<String>,
    pub risks: Vec<String>,
}

/// Where the front matter is in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The TOML between the `+++` lines.
    pub toml: Range<usize>,
    /// The byte the Markdown starts at.
    pub body: usize,
}

/// Finds the front matter of a file: `Ok(None)` when it has none; an opening `+++` with no
/// closing one is an error at the opening line. Blank lines and HTML comments may come first.
pub fn locate(text: &str, lines: &Lines) -> Result<Option<Located>, (usize, Reason)> {
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with("<!--") {
            match trimmed.find("-->") {
                Some(end) => at += end + 3,
                None => return Ok(None),
            }
        } else {
            break;
        }
    }
    let Some(first) = text[at..].split_inclusive('\n').next() else {
        return Ok(None);
    };
    if first.trim_end() != "+++" {
        return Ok(None);
    }
    let open_line = lines.line(at);
    let toml_start = at + first.len();
    let mut pos = toml_start;
    for line in text[toml_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok(Some(Located {
                toml: toml_start..pos,
                body: pos + line.len(),
            }));
        }
        pos += line.len();
    }
    Err((
        open_line,
        Reason::FrontMatter(
            "the front matter has no closing `+++` line: end it with a line holding only `+++`"
                .to_owned(),
        ),
    ))
}

/// Parses the front matter `toml` (which starts at byte `base` of the file), replacing figures
/// in every field. Every problem comes with its line.
pub fn parse(
    toml: &str,
    base: usize,
    lines: &Lines,
    figures: &Figures,
) -> (FrontMatter, Vec<(usize, Reason)>) {
    let mut fm = FrontMatter::default();
    let mut problems = Vec::new();
    let line = |span: Range<usize>| lines.line(base + span.start);
    let table = match DeTable::parse(toml) {
        Ok(table) => table.into_inner(),
        Err(e) => {
            let at = e.span().map(line).unwrap_or_else(|| lines.line(base));
            let reason = format!("the front matter is not valid TOML: {}", e.message());
            problems.push((at, Reason::FrontMatter(reason.trim_end().to_owned())));
            return (fm, problems);
        }
    };
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in entries {
        let at = line(key.span());
        let mut text = |value: &DeValue<'_>, what: &str| -> Option<String> {
            match value {
                DeValue::String(s) => {
                    let (filled, unknown) = figures::fill(s, figures);
                    problems.extend(unknown.into_iter().map(|(_, r)| (at, r)));
                    Some(filled)
                }
                _ => {
                    problems.push((
                        at,
                        Reason::FrontMatter(format!(
                            "`{key}` must be {what} in double quotes",
                            key = key.get_ref()
                        )),
                    ));
                    None
                }
            }
        };
        match key.get_ref().as_ref() {
            "purpose" => {
                if let Some(p) = text(value.get_ref(), "one word") {
                    match Purpose::parse(p.trim()) {
                        Some(p) => fm.purpose = Some(p),
                        None => problems.push((at, Reason::UnknownPurpose { purpose: p })),
                    }
                }
            }
            "recommendation" => fm.recommendation = text(value.get_ref(), "a sentence"),
            "executive_lead" => fm.executive_lead = text(value.get_ref(), "a job title"),
            "presented_by" => fm.presented_by = text(value.get_ref(), "a job title"),
            "risks" => match value.get_ref() {
                DeValue::Array(items) => {
                    for item in items.iter() {
                        if let Some(risk) = text(item.get_ref(), "a list of sentences, each") {
                            fm.risks.push(risk);
                        }
                    }
                }
                _ => problems.push((
                    at,
                    Reason::FrontMatter(
                        "`risks` must be a list of sentences: risks = [\"first\", \"second\"]"
                            .to_owned(),
                    ),
                )),
            },
            other => {
                let nearest = KEYS
                    .iter()
                    .map(|k| (strsim::normalized_damerau_levenshtein(other, k), *k))
                    .filter(|(score, _)| *score >= 0.5)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, k)| k.to_owned());
                problems.push((
                    at,
                    Reason::UnknownKey {
                        key: other.to_owned(),
                        nearest,
                    },
                ));
            }
        }
    }
    (fm, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Figures {
        [("year", "2025/26"), ("training_compliance", "89.0%")]
            .into_iter()
            .collect()
    }

    fn front(text: &str) -> (FrontMatter, Vec<(usize, Reason)>) {
        let lines = Lines::new(text);
        let Located { toml, .. } = locate(text, &lines).unwrap().expect("front matter");
        parse(&text[toml.clone()], toml.start, &lines, &figures())
    }

    const COVER: &str = "+++\npurpose = \"assurance\"   # approval | assurance\nrecommendation = \"Note the report for {{year}}.\"\nexecutive_lead = \"Chief Nursing Officer\"\npresented_by = \"Designated Nurse\"\nrisks = [\"Training at {{training_compliance}}\", \"Second\"]\n+++\n\nThe summary.\n";

    #[test]
    fn the_front_matter_is_found_and_parsed_with_figures() {
        let lines = Lines::new(COVER);
        let Located { toml, body } = locate(COVER, &lines).unwrap().unwrap();
        assert!(COVER[toml].starts_with("purpose"));
        assert_eq!(&COVER[body..], "\nThe summary.\n");
        let (fm, problems) = front(COVER);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            fm,
            FrontMatter {
                purpose: Some(Purpose::Assurance),
                recommendation: Some("Note the report for 2025/26.".into()),
                executive_lead: Some("Chief Nursing Officer".into()),
                presented_by: Some("Designated Nurse".into()),
                risks: vec!["Training at 89.0%".into(), "Second".into()],
            }
        );
    }

    #[test]
    fn comments_and_blank_lines_may_come_first() {
        let text = "\n<!-- guide\n+++ not this -->\n\n+++\npurpose = \"approval\"\n+++\nBody";
        let lines = Lines::new(text);
        let Located { toml, body } = locate(text, &lines).unwrap().unwrap();
        assert_eq!(&text[toml], "purpose = \"approval\"\n");
        assert_eq!(&text[body..], "Body");
        // No front matter: a `+++` later is text.
        let text = "Body\n+++\nmore";
        assert_eq!(locate(text, &Lines::new(text)).unwrap(), None);
    }

    #[test]
    fn an_unclosed_front_matter_is_an_error_at_its_line() {
        let text = "\n+++\npurpose = \"approval\"\n";
        let (line, reason) = locate(text, &Lines::new(text)).unwrap_err();
        assert_eq!(line, 2);
        assert!(reason.to_string().contains("no closing `+++`"));
    }

    #[test]
    fn an_unknown_key_or_purpose_is_named_with_its_line() {
        let (_, problems) = front("+++\npurpose = \"aproval\"\n\nrecomendation = \"x\"\n+++\n");
        assert_eq!(
            problems,
            vec![
                (
                    2,
                    Reason::UnknownPurpose {
                        purpose: "aproval".into()
                    }
                ),
                (
                    4,
                    Reason::UnknownKey {
                        key: "recomendation".into(),
                        nearest: Some("recommendation".into())
                    }
                ),
            ]
        );
        assert!(
            problems[1]
                .1
                .to_string()
                .contains("did you mean `recommendation`?")
        );
        assert!(
            problems[0]
                .1
                .to_string()
                .contains("approval, assurance, discussion or information")
        );
    }

    #[test]
    fn wrong_types_bad_toml_and_unknown_figures_are_errors_at_their_lines() {
        let (_, problems) = front("+++\npurpose = \"approval\"\nrisks = \"one\"\n+++\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 3);
        assert!(problems[0].1.to_string().contains("list"));
        let (_, problems) = front("+++\npurpose = \"approval\"\nrecommendation = 5\n+++\n");
        assert_eq!(problems[0].0, 3);
        let (_, problems) = front("+++\npurpose = \"approval\"\nrecommendation = \"x\n+++\n");
        assert_eq!(problems[0].0, 3, "{problems:?}");
        assert!(problems[0].1.to_string().contains("not valid TOML"));
        let (_, problems) = front("+++\npurpose = \"approval\"\n\nrisks = [\"{{yeer}}\"]\n+++\n");
        assert_eq!(problems[0].0, 4);
        assert!(matches!(&problems[0].1, Reason::UnknownFigure { name, .. } if name == "yeer"));
    }
}
