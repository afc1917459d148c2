//! The value maps of one contract column: exact values first (trimmed, any case), then regular
//! expressions in order; the first that matches gives the cell its contract value, or `skip`.
//! A value nothing matches passes through unchanged, to be validated as usual.
//!
//! This runs for every cell of a mapped column, so the common cases allocate nothing: an exact
//! value is looked up through a lower-cased copy on the stack, a fixed replacement is borrowed
//! from the mapping, and a replacement that is one capture group (`$1`) is borrowed from the cell.
//! A column of an export holds few distinct values (ESR: a few dozen course names over millions
//! of rows), so a [`Memo`] keeps what each gave and a value seen before is not matched again.

use std::borrow::Cow;
use std::collections::HashMap;

use foldhash::fast::FixedState;
use regex::Regex;

pub use super::memo::Memo;
use crate::ingest::records::Decision;

/// The word that drops a row on purpose (MAPPING.md).
pub const SKIP: &str = "skip";

/// What a map gives a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped<'a> {
    /// Nothing matched: the value passes through.
    Unmatched,
    /// The contract value.
    Value(Cow<'a, str>),
    /// The row is not data for this dataset.
    Skip,
}

/// What an exact value or a pattern turns a value into.
#[derive(Debug, Clone)]
enum Template {
    /// Fixed text, with no capture groups in it.
    Literal(String),
    /// Exactly one capture group (`$1`, `${name}`): the part of the value it captured.
    Group(usize),
    /// Text with capture groups in it, expanded as the `regex` crate does.
    Expand(String),
    Skip,
}

/// One column's exact values and patterns, compiled once per mapping.
#[derive(Debug, Clone, Default)]
pub struct ValueMap {
    /// Keyed by the lower-cased value: where its target is in `targets`.
    exact: HashMap<Box<str>, usize, FixedState>,
    /// What the exact values give (fixed text or `skip`).
    targets: Vec<Template>,
    patterns: Vec<(Regex, Template)>,
}

/// What a value was found to give, borrowing neither the value nor the map.
#[derive(Debug, Clone, Copy, Default)]
pub(super) enum Hit {
    #[default]
    Unmatched,
    /// The target of an exact value.
    Exact(usize),
    /// The fixed text (or `skip`) of the pattern at this index.
    Pattern(usize),
    /// This part of the value: the one capture group a pattern's replacement is.
    Part(usize, usize),
    /// The replacement of the pattern at this index, expanded again (an allocation anyway).
    Expand(usize),
}

impl Hit {
    /// The hit as a nonzero number, to travel with a row from the reader that looked its value
    /// up to the worker that maps it; 0 (no note) for a part too far into a value to pack.
    fn note(self) -> u64 {
        let (tag, payload) = match self {
            Hit::Unmatched => (1, 0),
            Hit::Exact(at) => (2, at as u64),
            Hit::Pattern(at) => (3, at as u64),
            Hit::Expand(at) => (4, at as u64),
            Hit::Part(start, end) if end < 1 << 30 => (5, (start as u64) << 30 | end as u64),
            Hit::Part(..) => return 0,
        };
        payload << 3 | tag
    }

    fn from_note(note: u64) -> Option<Hit> {
        let payload = note >> 3;
        let at = payload as usize;
        Some(match note & 7 {
            1 => Hit::Unmatched,
            2 => Hit::Exact(at),
            3 => Hit::Pattern(at),
            4 => Hit::Expand(at),
            5 => Hit::Part(
                (payload >> 30) as usize,
                (payload & ((1 << 30) - 1)) as usize,
            ),
            _ => return None,
        })
    }
}

/// Lower-casing a value longer than this goes to the heap (rare: values are short codes).
const STACK_KEY: usize = 256;

impl ValueMap {
    /// Adds an exact value; an error says why it cannot be (the caller names the key).
    pub fn add_exact(&mut self, from: &str, to: &str) -> Result<(), String> {
        let key = from.trim().to_lowercase();
        let target = if to.trim().eq_ignore_ascii_case(SKIP) {
            Template::Skip
        } else {
            Template::Literal(to.to_owned())
        };
        if self.exact.contains_key(key.as_str()) {
            return Err(format!(
                "{from:?} is listed twice (values match whatever their case, so {from:?} and another spelling of it are the same value)"
            ));
        }
        self.exact.insert(key.into(), self.targets.len());
        self.targets.push(target);
        Ok(())
    }

    /// Adds a pattern after those already added.
    pub fn add_pattern(&mut self, pattern: &str, replacement: &str) -> Result<(), String> {
        let regex = Regex::new(pattern).map_err(|e| match e {
            regex::Error::Syntax(text) => format!(
                "{pattern:?} is not a regular expression:\n{}",
                text.trim_end()
            ),
            other => format!("{pattern:?} cannot be used: {other}"),
        })?;
        let template = template(&regex, replacement)?;
        self.patterns.push((regex, template));
        Ok(())
    }

    /// Whether some value maps to `skip`.
    pub fn can_skip(&self) -> bool {
        self.targets
            .iter()
            .chain(self.patterns.iter().map(|(_, t)| t))
            .any(|t| matches!(t, Template::Skip))
    }

    /// Whether the map has nothing in it.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.patterns.is_empty()
    }

    /// The fixed values the map can give (not `skip`, not expanded ones), to check them
    /// against the column's type once rather than reject every row that gets one.
    pub fn literals(&self) -> impl Iterator<Item = &str> {
        self.targets
            .iter()
            .chain(self.patterns.iter().map(|(_, t)| t))
            .filter_map(|t| match t {
                Template::Literal(s) => Some(s.as_str()),
                _ => None,
            })
    }

    /// Maps a (trimmed) value.
    pub fn apply<'a>(&'a self, value: &'a str) -> Mapped<'a> {
        self.give(value, self.find(value))
    }

    /// [`ValueMap::apply`], with what each distinct value gave kept in `memo` (one per thread).
    pub(super) fn apply_remembered<'a>(&'a self, value: &'a str, memo: &Memo<Hit>) -> Mapped<'a> {
        let known = memo.get(value.as_bytes());
        let hit = known.unwrap_or_else(|| self.find_and_remember(value, memo));
        self.give(value, hit)
    }

    fn find_and_remember(&self, value: &str, memo: &Memo<Hit>) -> Hit {
        let hit = self.find(value);
        memo.remember(value.as_bytes(), hit);
        hit
    }

    /// Whether the map skips `value`, a field's (trimmed) bytes, as
    /// [`ValueMap::apply_remembered`] would, with the bytes checked to be text only the first
    /// time they are seen (a reader asks this of every row of an export). A value kept carries
    /// a note of what it gave, for [`ValueMap::apply_noted`]; bytes that are not UTF-8 are
    /// kept, with no note.
    pub(super) fn decide_remembered(&self, value: &[u8], memo: &Memo<Decision>) -> Decision {
        if let Some(decision) = memo.get(value) {
            return decision;
        }
        let Ok(text) = std::str::from_utf8(value) else {
            return Decision::Keep(0);
        };
        let hit = self.find(text);
        let skips = match hit {
            Hit::Exact(at) => matches!(self.targets[at], Template::Skip),
            Hit::Pattern(at) => matches!(self.patterns[at].1, Template::Skip),
            Hit::Unmatched | Hit::Part(..) | Hit::Expand(_) => false,
        };
        let decision = match skips {
            true => Decision::Leave,
            false => Decision::Keep(hit.note()),
        };
        memo.remember(value, decision);
        decision
    }

    /// [`ValueMap::apply_remembered`] for a value the reader noted (`note` 0: it did not), so a
    /// worker need not look up again what the reader already did.
    pub(super) fn apply_noted<'a>(
        &'a self,
        value: &'a str,
        note: u64,
        memo: &Memo<Hit>,
    ) -> Mapped<'a> {
        match Hit::from_note(note) {
            Some(hit) => self.give(value, hit),
            None => self.apply_remembered(value, memo),
        }
    }

    /// Which exact value or pattern matches `value` first.
    fn find(&self, value: &str) -> Hit {
        if !self.exact.is_empty()
            && let Some(&at) = self.exact_match(value)
        {
            return Hit::Exact(at);
        }
        for (at, (regex, template)) in self.patterns.iter().enumerate() {
            // Most values a pattern sees do not match it (the other courses of an export):
            // finding that out needs no capture groups, which cost an allocation each.
            if !regex.is_match(value) {
                continue;
            }
            match template {
                Template::Skip | Template::Literal(_) => return Hit::Pattern(at),
                Template::Group(group) => {
                    if let Some(caps) = regex.captures(value) {
                        return caps
                            .get(*group)
                            .map_or(Hit::Part(0, 0), |m| Hit::Part(m.start(), m.end()));
                    }
                }
                Template::Expand(_) => return Hit::Expand(at),
            }
        }
        Hit::Unmatched
    }

    /// What `hit` gives `value`.
    fn give<'a>(&'a self, value: &'a str, hit: Hit) -> Mapped<'a> {
        let fixed = |t: &'a Template| match t {
            Template::Skip => Mapped::Skip,
            Template::Literal(s) => Mapped::Value(Cow::Borrowed(s)),
            // Exact values are never templates; patterns with groups are other hits.
            Template::Group(_) | Template::Expand(_) => Mapped::Unmatched,
        };
        match hit {
            Hit::Unmatched => Mapped::Unmatched,
            Hit::Exact(at) => fixed(&self.targets[at]),
            Hit::Pattern(at) => fixed(&self.patterns[at].1),
            Hit::Part(start, end) => Mapped::Value(Cow::Borrowed(&value[start..end])),
            Hit::Expand(at) => {
                let (regex, template) = &self.patterns[at];
                match (template, regex.captures(value)) {
                    (Template::Expand(replacement), Some(caps)) => {
                        let mut out = String::new();
                        caps.expand(replacement, &mut out);
                        Mapped::Value(Cow::Owned(out))
                    }
                    _ => Mapped::Unmatched,
                }
            }
        }
    }

    fn exact_match(&self, value: &str) -> Option<&usize> {
        if value.len() <= STACK_KEY && value.is_ascii() {
            let mut buf = [0u8; STACK_KEY];
            let key = &mut buf[..value.len()];
            key.copy_from_slice(value.as_bytes());
            key.make_ascii_lowercase();
            // ASCII bytes lower-cased are still ASCII, so still text.
            let key = std::str::from_utf8(key).ok()?;
            self.exact.get(key)
        } else {
            self.exact.get(value.to_lowercase().as_str())
        }
    }
}

/// Reads a replacement: `skip`, fixed text, one capture group, or text with groups in it.
/// A group the expression does not have is an error rather than a silent blank.
fn template(regex: &Regex, replacement: &str) -> Result<Template, String> {
    if replacement.trim().eq_ignore_ascii_case(SKIP) {
        return Ok(Template::Skip);
    }
    let refs = references(replacement);
    for r in &refs {
        let known = match r.parse::<usize>() {
            Ok(n) => n < regex.captures_len(),
            Err(_) => regex.capture_names().flatten().any(|n| n == r),
        };
        if !known {
            return Err(format!(
                "the replacement {replacement:?} uses the group ${r}, which {:?} does not have (it has {})",
                regex.as_str(),
                match regex.captures_len() - 1 {
                    0 => "no capture groups: put the part to keep in parentheses".to_owned(),
                    1 => "one capture group, $1".to_owned(),
                    n => format!("capture groups $1 to ${n}"),
                }
            ));
        }
    }
    let group = |r: &str| {
        r.parse::<usize>()
            .ok()
            .or_else(|| regex.capture_names().position(|n| n == Some(r)))
    };
    Ok(match refs.as_slice() {
        [] => Template::Literal(replacement.replace("$$", "$")),
        [only] if replacement == format!("${only}") || replacement == format!("${{{only}}}") => {
            Template::Group(group(only).unwrap_or(0))
        }
        _ => Template::Expand(replacement.to_owned()),
    })
}

/// The group references of a replacement, read as `regex::Captures::expand` reads them:
/// `$$` is a dollar, `${name}` a group, `$name` the longest run of letters, digits and `_`.
fn references(replacement: &str) -> Vec<String> {
    let mut refs = vec![];
    let mut rest = replacement;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            rest = after;
        } else if let Some(braced) = rest.strip_prefix('{')
            && let Some(end) = braced.find('}')
        {
            refs.push(braced[..end].to_owned());
            rest = &braced[end + 1..];
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end > 0 {
                refs.push(rest[..end].to_owned());
            }
            rest = &rest[end..];
        }
    }
    refs
}

#[cfg(test)]
mod tests {
    use super::super::memo::MEMO_VALUES;
    use super::*;

    fn esr() -> ValueMap {
        let mut map = ValueMap::default();
        map.add_exact("NHS|CSTF|Safeguarding Children Level 1 - 3 Years|", "1")
            .unwrap();
        map.add_exact("Fire Safety", "skip").unwrap();
        map.add_pattern("(?i)safeguarding children level ([1-5])", "$1")
            .unwrap();
        map.add_pattern(".*", "skip").unwrap();
        map
    }

    #[test]
    fn exact_values_match_in_any_case_before_patterns() {
        let map = esr();
        assert_eq!(
            map.apply("nhs|cstf|SAFEGUARDING children level 1 - 3 years|"),
            Mapped::Value(Cow::Borrowed("1"))
        );
        assert_eq!(map.apply("FIRE SAFETY"), Mapped::Skip);
    }

    #[test]
    fn patterns_in_order_with_the_first_capture() {
        let map = esr();
        let value = "NHS|CSTF|Safeguarding Children Level 3 - 3 Years|";
        match map.apply(value) {
            Mapped::Value(Cow::Borrowed(v)) => assert_eq!(v, "3"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            map.apply("NHS|CSTF|Manual Handling - 2 Years|"),
            Mapped::Skip
        );
    }

    #[test]
    fn a_value_nothing_matches_passes_through() {
        let mut map = ValueMap::default();
        map.add_exact("Classroom", "face_to_face").unwrap();
        map.add_pattern("^(?i)virtual", "virtual").unwrap();
        assert_eq!(map.apply("Basic Life Support"), Mapped::Unmatched);
        assert_eq!(
            map.apply("Virtual classroom"),
            Mapped::Value(Cow::Borrowed("virtual"))
        );
    }

    #[test]
    fn replacements_with_text_around_groups_and_named_groups() {
        let mut map = ValueMap::default();
        map.add_pattern(r"(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)", "$y-$m-$d")
            .unwrap();
        map.add_pattern(r"level (?P<n>\d)", "${n}").unwrap();
        assert_eq!(
            map.apply("20281130"),
            Mapped::Value(Cow::Owned("2028-11-30".into()))
        );
        assert_eq!(map.apply("level 4"), Mapped::Value(Cow::Borrowed("4")));
    }

    #[test]
    fn bad_expressions_and_missing_groups_are_errors() {
        let mut map = ValueMap::default();
        let e = map.add_pattern("level ([1-5]", "$1").unwrap_err();
        assert!(e.contains("not a regular expression"), "{e}");
        let e = map.add_pattern("level [1-5]", "$1").unwrap_err();
        assert!(e.contains("no capture groups"), "{e}");
        let e = map.add_pattern("level ([1-5])", "$2").unwrap_err();
        assert!(e.contains("one capture group, $1"), "{e}");
        let e = map.add_pattern("(?P<n>x)", "${m}").unwrap_err();
        assert!(e.contains("$m"), "{e}");
        assert!(map.add_pattern("x", "costs $$5").is_ok());
        assert_eq!(map.apply("x"), Mapped::Value(Cow::Borrowed("costs $5")));
    }

    #[test]
    fn remembered_values_give_what_matching_gives() {
        let mut map = ValueMap::default();
        map.add_exact("Classroom", "face_to_face").unwrap();
        map.add_exact("Fire Safety", "skip").unwrap();
        map.add_pattern("(?i)level ([0-9]+)", "$1").unwrap();
        map.add_pattern(r"(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)", "$y-$m-$d")
            .unwrap();
        map.add_pattern("^(?i)virtual", "virtual").unwrap();
        map.add_pattern("(?i)^old", "skip").unwrap();
        let values = [
            "CLASSROOM",
            "fire safety",
            "Safeguarding Level 3",
            "20281130",
            "Virtual classroom",
            "Old course",
            "Basic Life Support",
        ];
        let memo = Memo::default();
        let decided = Memo::default();
        for _ in 0..3 {
            for value in values {
                assert_eq!(
                    map.apply_remembered(value, &memo),
                    map.apply(value),
                    "{value}"
                );
                // A reader's question about the bytes, whether asked first or after, and a
                // worker's answer from the note the reader passes on.
                let skips = map.apply(value) == Mapped::Skip;
                for decided in [&decided, &Memo::default()] {
                    match map.decide_remembered(value.as_bytes(), decided) {
                        Decision::Leave => assert!(skips, "{value}"),
                        Decision::Keep(note) => {
                            assert!(!skips && note != 0, "{value}");
                            let fresh = Memo::default();
                            assert_eq!(map.apply_noted(value, note, &fresh), map.apply(value));
                            assert_eq!(fresh.len(), 0, "{value} was looked up again");
                        }
                    }
                }
            }
        }
        assert_eq!(
            map.decide_remembered(b"old \xff", &decided),
            Decision::Keep(0)
        );
        assert_eq!(map.apply_noted("Old course", 0, &memo), Mapped::Skip);
        // Past what a memo keeps, values are matched every time, with the same answers.
        let many: Vec<String> = (0..MEMO_VALUES + 10)
            .map(|i| format!("level {i}"))
            .collect();
        for value in many.iter().chain(many.iter()) {
            assert_eq!(map.apply_remembered(value, &memo), map.apply(value));
        }
        assert_eq!(memo.len(), MEMO_VALUES);
        assert_eq!(memo.clone().len(), 0);
    }

    #[test]
    fn the_same_exact_value_twice_is_an_error() {
        let mut map = ValueMap::default();
        map.add_exact("Fire Safety", "skip").unwrap();
        assert!(map.add_exact("fire safety", "1").is_err());
    }

    #[test]
    fn references_are_read_as_the_regex_crate_reads_them() {
        assert_eq!(references("$1"), ["1"]);
        assert_eq!(references("${1}x"), ["1"]);
        assert_eq!(references("$$1"), Vec::<String>::new());
        assert_eq!(references("$a-$b"), ["a", "b"]);
        assert_eq!(references("$"), Vec::<String>::new());
    }
}
