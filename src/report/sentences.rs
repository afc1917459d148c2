//! The executive summary's sentences, written from the figures in Rust (not in the template) so
//! that what the board reads is tested: what changed since the same point last year, and which
//! organisations moved RAG band. Generated from the figures, unlike the narrative the team
//! writes itself in Markdown.

use super::format::{Rag, percent};
use super::printed::Shown;

/// One compliance figure now and at the same point last year.
#[derive(Debug, Clone)]
pub struct Compare<'a> {
    /// What is measured, lower case: `overall training compliance`.
    pub what: &'a str,
    pub now: Shown,
    pub now_rag: Rag,
    /// `31 March 2026`.
    pub now_date: &'a str,
    pub then: Shown,
    pub then_date: &'a str,
}

/// `Overall training compliance was 87.4% at 31 March 2026 (amber), up 2.3 percentage points
/// from 85.1% at 31 March 2025.`
pub fn compliance_change(c: &Compare<'_>) -> String {
    let what = capitalise(c.what);
    let now = match c.now {
        Shown::Value(v) => v,
        Shown::Hidden => {
            return format!(
                "{what} at {} is not published because the group is too small (see the note on \
                 disclosure control).",
                c.now_date
            );
        }
        Shown::Empty => return format!("There is no figure for {} at {}.", c.what, c.now_date),
    };
    let band = match c.now_rag.rank() {
        Some(_) => format!(" ({})", c.now_rag.word.to_lowercase()),
        None => String::new(),
    };
    let head = format!("{what} was {} at {}{band}", percent(now), c.now_date);
    match c.then {
        Shown::Value(then) => {
            let delta = ((now - then) * 10.0).round() / 10.0;
            if delta == 0.0 {
                format!(
                    "{head}, unchanged from {} at {}.",
                    percent(then),
                    c.then_date
                )
            } else {
                let direction = if delta > 0.0 { "up" } else { "down" };
                let unit = if delta.abs() == 1.0 {
                    "percentage point"
                } else {
                    "percentage points"
                };
                format!(
                    "{head}, {direction} {:.1} {unit} from {} at {}.",
                    delta.abs(),
                    percent(then),
                    c.then_date
                )
            }
        }
        _ => format!(
            "{head}; there is no published figure for {} to compare with.",
            c.then_date
        ),
    }
}

/// An organisation whose RAG band for a measure is known now and a year ago.
#[derive(Debug, Clone)]
pub struct Band<'a> {
    pub organisation: &'a str,
    pub then: Rag,
    pub now: Rag,
}

/// Which organisations moved up or down a RAG band for `what` since `then_date`.
pub fn band_moves(what: &str, then_date: &str, bands: &[Band<'_>]) -> String {
    let mut up = vec![];
    let mut down = vec![];
    for b in bands {
        let (Some(t), Some(n)) = (b.then.rank(), b.now.rank()) else {
            continue;
        };
        let text = format!(
            "{} ({} to {})",
            b.organisation,
            b.then.word.to_lowercase(),
            b.now.word.to_lowercase()
        );
        match n.cmp(&t) {
            std::cmp::Ordering::Greater => up.push(text),
            std::cmp::Ordering::Less => down.push(text),
            std::cmp::Ordering::Equal => {}
        }
    }
    let what = capitalise(what);
    match (up.is_empty(), down.is_empty()) {
        (true, true) => format!("{what}: no organisation changed RAG band since {then_date}."),
        (false, true) => format!(
            "{what}: {} improved by a RAG band since {then_date}: {}; none moved down.",
            organisations(up.len()),
            list(&up)
        ),
        (true, false) => format!(
            "{what}: {} moved down a RAG band since {then_date}: {}; none improved.",
            organisations(down.len()),
            list(&down)
        ),
        (false, false) => format!(
            "{what}: {} improved by a RAG band since {then_date}: {}; {} moved down: {}.",
            organisations(up.len()),
            list(&up),
            organisations(down.len()),
            list(&down)
        ),
    }
}

fn organisations(n: usize) -> String {
    match n {
        1 => "one organisation".to_owned(),
        n => format!("{} organisations", number_word(n)),
    }
}

/// Small numbers as words, as house style prefers in running text.
pub fn number_word(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

/// `a`, `a and b`, `a, b and c`.
pub fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rag(key: &str) -> Rag {
        Rag::from_key(Some(key))
    }

    #[test]
    fn change_since_last_year() {
        let c = Compare {
            what: "overall training compliance",
            now: Shown::Value(87.44),
            now_rag: rag("amber"),
            now_date: "31 March 2026",
            then: Shown::Value(85.12),
            then_date: "31 March 2025",
        };
        assert_eq!(
            compliance_change(&c),
            "Overall training compliance was 87.4% at 31 March 2026 (amber), up 2.3 percentage \
             points from 85.1% at 31 March 2025."
        );
        let down = Compare {
            then: Shown::Value(88.44),
            ..c.clone()
        };
        assert!(compliance_change(&down).contains("down 1.0 percentage point from 88.4%"));
        let same = Compare {
            then: Shown::Value(87.41),
            ..c.clone()
        };
        assert!(compliance_change(&same).contains("unchanged from 87.4%"));
        let none = Compare {
            then: Shown::Empty,
            ..c.clone()
        };
        assert!(compliance_change(&none).contains("no published figure for 31 March 2025"));
        let hidden = Compare {
            now: Shown::Hidden,
            ..c
        };
        assert!(compliance_change(&hidden).contains("not published"));
    }

    #[test]
    fn band_movements() {
        let bands = [
            Band {
                organisation: "Trust A",
                then: rag("amber"),
                now: rag("green"),
            },
            Band {
                organisation: "Trust B",
                then: rag("green"),
                now: rag("amber"),
            },
            Band {
                organisation: "Trust C",
                then: rag("red"),
                now: rag("amber"),
            },
            Band {
                organisation: "Trust D",
                then: Rag::none(),
                now: rag("red"),
            },
        ];
        assert_eq!(
            band_moves("training compliance", "31 March 2025", &bands),
            "Training compliance: two organisations improved by a RAG band since 31 March 2025: \
             Trust A (amber to green) and Trust C (red to amber); one organisation moved down: \
             Trust B (green to amber)."
        );
        assert_eq!(
            band_moves("supervision", "31 March 2025", &bands[3..]),
            "Supervision: no organisation changed RAG band since 31 March 2025."
        );
    }

    #[test]
    fn lists() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&s(&["a"])), "a");
        assert_eq!(list(&s(&["a", "b"])), "a and b");
        assert_eq!(list(&s(&["a", "b", "c"])), "a, b and c");
    }
}
