//! The named views, compiled into the binary from `queries/*.sql` so the program and its
//! definitions never drift apart. Order matters: a view comes after the views it reads.

/// A named SQL view.
#[derive(Debug)]
pub struct View {
    pub name: &'static str,
    /// The query (a SELECT), as written in `queries/<name>.sql`.
    pub sql: &'static str,
    /// Datasets that must have been supplied for the view to exist (optional datasets).
    pub requires: &'static [&'static str],
    /// Computed at most once per session and kept (small results that several views read).
    pub cached: bool,
}

impl View {
    /// The first line of the file's header comment, after `name:`.
    pub fn description(&self) -> String {
        let first = self
            .sql
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("--")
            .trim();
        first
            .split_once(':')
            .map_or(first, |(_, d)| d.trim())
            .to_owned()
    }
}

macro_rules! view {
    ($name:literal) => {
        view!($name, [])
    };
    ($name:literal, [$($req:literal),*]) => {
        View { name: $name, sql: include_str!(concat!("../../queries/", $name, ".sql")), requires: &[$($req),*], cached: false }
    };
}

macro_rules! cached {
    ($name:literal) => {
        View {
            cached: true,
            ..view!($name)
        }
    };
}

/// Every view, in dependency order.
pub const VIEWS: &[View] = &[
    view!("training_spells"),
    view!("training_status"),
    cached!("training_counts"),
    view!("training_compliance"),
    view!("supervision_status"),
    cached!("supervision_counts"),
    view!("supervision_compliance"),
    view!("section11_rounds"),
    view!("section11_summary"),
    view!("review_action_status"),
    view!("multiagency_contribution", ["multiagency_meetings"]),
    view!("quality_ratings_summary", ["quality_ratings"]),
    view!("compliance_headline"),
    view!("escalation_summary", ["escalations"]),
    view!("section11_standards"),
    view!("data_quality"),
    view!("spc_points"),
    view!("spc_monthly"),
    view!("spc_summary"),
    view!("spc_disclosure"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_file_is_a_view() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_owned())
            .collect();
        files.sort();
        let mut names: Vec<String> = VIEWS.iter().map(|v| v.name.to_owned()).collect();
        names.sort();
        assert_eq!(files, names);
        for v in VIEWS {
            assert!(
                !v.description().is_empty(),
                "{} has no header comment",
                v.name
            );
        }
    }
}
