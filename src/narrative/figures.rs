//! Figures in the text: the table of named figures the report passes in (each value exactly as
//! the report prints it, after disclosure control), and the replacement of `{{name}}` in the
//! narrative's text by its value, with the nearest names when a name is unknown.

use std::collections::HashMap;
use std::io::{self, Write};

use super::error::Reason;

/// The figure names the narrative contract requires the report to provide (besides
/// `training_compliance.CODE` and `supervision_compliance.CODE` for every organisation).
pub const REQUIRED: [&str; 16] = [
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
];

/// The named figures the narrative may quote, in the order the report lists them
/// (`safeguard report --list-figures` prints them in this order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    entries: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Figures {
    pub fn new() -> Figures {
        Figures::default()
    }

    /// Adds a figure, or replaces the value of one already named `name` (keeping its place).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self.index.get(&name) {
            Some(&i) => self.entries[i].1 = value,
            None => {
                self.index.insert(name.clone(), self.entries.len());
                self.entries.push((name, value));
            }
        }
    }

    /// The value of the figure `name`, as printed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.index.get(name).map(|&i| self.entries[i].1.as_str())
    }

    /// Every figure, `(name, value)`, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to three known names nearest to `name`, nearest first, leaving out names too far
    /// away to be what was meant.
    pub fn nearest(&self, name: &str) -> Vec<&str> {
        let wanted = name.to_lowercase();
        let mut scored: Vec<(f64, &str)> = self
            .entries
            .iter()
            .map(|(n, _)| {
                let score = strsim::normalized_damerau_levenshtein(&wanted, &n.to_lowercase());
                (score, n.as_str())
            })
            .filter(|(score, _)| *score >= 0.5)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        scored.into_iter().take(3).map(|(_, n)| n).collect()
    }

    /// The value of `name`, or the reason it cannot be printed (with the nearest names).
    pub fn lookup(&self, name: &str) -> Result<&str, Reason> {
        self.get(name).ok_or_else(|| Reason::UnknownFigure {
            name: name.to_owned(),
            nearest: self.nearest(name).into_iter().map(str::to_owned).collect(),
        })
    }

    /// Prints every figure as `name<TAB>value`, one a line (`report --list-figures`).
    pub fn write_list(&self, out: &mut impl Write) -> io::Result<()> {
        for (name, value) in self.iter() {
            writeln!(out, "{name}\t{value}")?;
        }
        Ok(())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Figures {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Figures {
        let mut figures = Figures::new();
        for (k, v) in iter {
            figures.insert(k, v);
        }
        figures
    }
}

/// A piece of text once figures are found in it.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'t> {
    Text(&'t str),
    Figure { name: String, value: String },
}

/// Splits `text` into literal text and figures. Every `{{...}}` is a figure reference (a `{{`
/// with no `}}` after it prints as it is); an unknown name is returned with the byte offset of
/// its `{{` in `text`, and prints as written so the rest of the file can still be checked.
pub fn split<'t>(text: &'t str, figures: &Figures) -> (Vec<Piece<'t>>, Vec<(usize, Reason)>) {
    let mut pieces = Vec::new();
    let mut problems = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find("{{").map(|i| rest + i) {
        let Some(close) = text[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        if open > rest {
            pieces.push(Piece::Text(&text[rest..open]));
        }
        let name = text[open + 2..close].trim();
        match figures.lookup(name) {
            Ok(value) => pieces.push(Piece::Figure {
                name: name.to_owned(),
                value: value.to_owned(),
            }),
            Err(reason) => {
                problems.push((open, reason));
                pieces.push(Piece::Text(&text[open..close + 2]));
            }
        }
        rest = close + 2;
    }
    if rest < text.len() {
        pieces.push(Piece::Text(&text[rest..]));
    }
    (pieces, problems)
}

/// `text` with every figure replaced by its value (for the cover sheet's fields).
pub fn fill(text: &str, figures: &Figures) -> (String, Vec<(usize, Reason)>) {
    let (pieces, problems) = split(text, figures);
    let filled = pieces
        .iter()
        .map(|p| match p {
            Piece::Text(s) => *s,
            Piece::Figure { value, .. } => value.as_str(),
        })
        .collect();
    (filled, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Figures {
        [
            ("training_compliance", "89.0%"),
            ("training_rag", "Amber"),
            ("supervision_compliance", "83.0%"),
            ("supervision_compliance.N2B", "84.1%"),
            ("supervision_compliance.N0J", "*"),
            ("year", "2025/26"),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn figures_keep_their_order_and_replace_in_place() {
        let mut f = sample();
        f.insert("training_rag", "Green");
        let names: Vec<&str> = f.iter().map(|(n, _)| n).collect();
        assert_eq!(names[..2], ["training_compliance", "training_rag"]);
        assert_eq!(f.get("training_rag"), Some("Green"));
        assert_eq!(f.len(), 6);
        let mut out = Vec::new();
        f.write_list(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("training_compliance\t89.0%\ntraining_rag\tGreen\n"));
        assert!(out.contains("supervision_compliance.N0J\t*\n"));
    }

    #[test]
    fn text_splits_into_literal_text_and_figures() {
        let (pieces, problems) = split(
            "Compliance was {{training_compliance}} ({{ training_rag }}) in {{year}}.",
            &sample(),
        );
        assert!(problems.is_empty());
        assert_eq!(
            pieces,
            vec![
                Piece::Text("Compliance was "),
                Piece::Figure {
                    name: "training_compliance".into(),
                    value: "89.0%".into()
                },
                Piece::Text(" ("),
                Piece::Figure {
                    name: "training_rag".into(),
                    value: "Amber".into()
                },
                Piece::Text(") in "),
                Piece::Figure {
                    name: "year".into(),
                    value: "2025/26".into()
                },
                Piece::Text("."),
            ]
        );
    }

    #[test]
    fn a_suppressed_figure_prints_as_a_star() {
        let (text, problems) = fill("Dalebury: {{supervision_compliance.N0J}}", &sample());
        assert!(problems.is_empty());
        assert_eq!(text, "Dalebury: *");
    }

    #[test]
    fn unclosed_braces_print_as_written() {
        let (text, problems) = fill("a {{ b } c {{", &sample());
        assert!(problems.is_empty());
        assert_eq!(text, "a {{ b } c {{");
    }

    #[test]
    fn an_unknown_name_gives_its_offset_and_the_nearest_names() {
        let (text, problems) = fill("At {{supervision_complience}} now", &sample());
        assert_eq!(text, "At {{supervision_complience}} now");
        assert_eq!(problems.len(), 1);
        let (offset, reason) = &problems[0];
        assert_eq!(*offset, 3);
        match reason {
            Reason::UnknownFigure { name, nearest } => {
                assert_eq!(name, "supervision_complience");
                assert_eq!(nearest[0], "supervision_compliance");
                assert!(nearest.len() <= 3);
            }
            other => panic!("{other:?}"),
        }
        let (_, problems) = fill("{{supervision_compliance.N9Z}}", &sample());
        let Reason::UnknownFigure { nearest, .. } = &problems[0].1 else {
            panic!()
        };
        assert!(
            nearest
                .iter()
                .all(|n| n.starts_with("supervision_compliance"))
        );
        // Nothing near: no names, only the hint to list them.
        let (_, problems) = fill("{{zzzzzzzzzzzzzzzzzzzz}}", &sample());
        let Reason::UnknownFigure { nearest, .. } = &problems[0].1 else {
            panic!()
        };
        assert!(nearest.is_empty());
        assert!(problems[0].1.to_string().contains("--list-figures"));
    }
}
