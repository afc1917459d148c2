//! Checking one `[[mapping]]` table against the contract: every key names a dataset or column
//! that exists, every expression, format and constant is valid, before any file is read.

use std::borrow::Cow;

use super::config::MappingConfig;
use super::dates::DateFormats;
use super::values::ValueMap;
use crate::contract::{self as schema, Dataset, Kind, normalise_name};
use crate::ingest::value::{self, Cell, Value};

/// A checked mapping, ready to read files with.
#[derive(Debug)]
pub struct Mapping {
    /// Its 1-based position among the configuration's `[[mapping]]` tables.
    pub number: usize,
    pub dataset: &'static Dataset,
    /// The globs as written, and compiled.
    pub globs: Vec<(String, glob::Pattern)>,
    /// One rule per contract column of the dataset, in contract order.
    pub columns: Vec<ColumnRule>,
}

/// How a mapping reads one contract column.
#[derive(Debug, Default)]
pub struct ColumnRule {
    /// The file's header it is read from, as configured.
    pub header: Option<String>,
    /// The value every row gets.
    pub constant: Option<String>,
    /// Exact values and patterns.
    pub values: Option<ValueMap>,
    /// Extra date formats.
    pub dates: Option<DateFormats>,
}

impl ColumnRule {
    /// Whether cells of this column are changed on their way to the validator.
    pub fn transforms(&self) -> bool {
        self.values.is_some() || self.dates.is_some()
    }
}

impl Mapping {
    /// How messages name it: `mapping 1 (training)`.
    pub fn name(&self) -> String {
        format!("mapping {} ({})", self.number, self.dataset.name)
    }

    /// Whether one of its globs matches a path relative to the input folder.
    pub fn matches(&self, relative: &str) -> bool {
        self.matching_globs(relative).next().is_some()
    }

    /// The positions of the globs that match a path relative to the input folder: any case,
    /// `*` within one folder, `**` across folders.
    pub fn matching_globs<'a>(&'a self, relative: &'a str) -> impl Iterator<Item = usize> + 'a {
        let options = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        self.globs
            .iter()
            .enumerate()
            .filter(move |(_, (_, g))| g.matches_with(relative, options))
            .map(|(i, _)| i)
    }
}

/// A problem with one key: (key, message).
pub type KeyError = (String, String);

/// Checks `config` (the `number`th `[[mapping]]`).
pub fn compile(config: &MappingConfig, number: usize) -> Result<Mapping, KeyError> {
    let err = |key: String, message: String| (key, message);
    let dataset = schema::dataset(&normalise_name(&config.dataset)).ok_or_else(|| {
        err(
            "dataset".into(),
            format!(
                "{:?} is not a dataset of the contract{}",
                config.dataset,
                suggest(
                    &config.dataset,
                    schema::DATASETS.iter().map(|d| d.name),
                    "datasets"
                )
            ),
        )
    })?;
    if config.files.is_empty() {
        return Err(err(
            "files".into(),
            "lists no files: give at least one glob, such as \"esr/*.csv\"".into(),
        ));
    }
    let mut globs = vec![];
    for (i, g) in config.files.iter().enumerate() {
        let key = format!("files[{i}]");
        let relative = g.trim().trim_start_matches("./");
        if relative.is_empty()
            || relative.starts_with('/')
            || relative.split('/').any(|p| p == "..")
        {
            return Err(err(
                key,
                format!("{g:?} must be a path inside the input folder, such as \"esr/*.csv\""),
            ));
        }
        let pattern = glob::Pattern::new(relative)
            .map_err(|e| err(key, format!("{g:?} is not a glob: {}", e.msg)))?;
        globs.push((g.clone(), pattern));
    }
    let mut columns: Vec<ColumnRule> = dataset
        .columns
        .iter()
        .map(|_| ColumnRule::default())
        .collect();
    let column = |table: &str, name: &str| -> Result<usize, KeyError> {
        dataset.column_index(&normalise_name(name)).ok_or_else(|| {
            err(
                format!("{table}.{name}"),
                format!(
                    "{name:?} is not a column of {}{}",
                    dataset.name,
                    suggest(name, dataset.columns.iter().map(|c| c.name), "columns")
                ),
            )
        })
    };

    for (name, header) in &config.columns {
        let i = column("columns", name)?;
        if header.trim().is_empty() {
            return Err(err(
                format!("columns.{name}"),
                "is blank: give the file's header the column is read from".into(),
            ));
        }
        columns[i].header = Some(header.clone());
    }
    for (name, constant) in &config.constants {
        let i = column("constants", name)?;
        let key = format!("constants.{name}");
        if columns[i].header.is_some() {
            return Err(err(
                key,
                format!("{name} is also read from a header (columns.{name}): keep one of the two"),
            ));
        }
        let c = &dataset.columns[i];
        match value::parse(Cell::Text(Cow::Borrowed(constant)), c.kind) {
            Ok(Value::Null) => {
                return Err(err(
                    key,
                    "is blank: a constant needs a value (leave the column out instead)".into(),
                ));
            }
            Ok(_) => {}
            Err(invalid) => return Err(err(key, invalid.reason(c.name))),
        }
        columns[i].constant = Some(constant.clone());
    }
    for (name, dates) in &config.dates {
        let i = column("dates", name)?;
        let key = format!("dates.{name}");
        if dataset.columns[i].kind != Kind::Date {
            return Err(err(key, format!("{name} is not a date column")));
        }
        columns[i].dates = Some(DateFormats::new(dates).map_err(|m| err(key, m))?);
    }
    for (name, values) in &config.values {
        let i = column("values", name)?;
        let map = columns[i].values.get_or_insert_with(ValueMap::default);
        for (from, to) in values {
            map.add_exact(from, to)
                .map_err(|m| err(format!("values.{name}"), m))?;
        }
    }
    for (name, patterns) in &config.patterns {
        let i = column("patterns", name)?;
        let map = columns[i].values.get_or_insert_with(ValueMap::default);
        for (n, (pattern, replacement)) in patterns.iter().enumerate() {
            map.add_pattern(pattern, replacement)
                .map_err(|m| err(format!("patterns.{name}[{n}]"), m))?;
        }
    }
    for (i, rule) in columns.iter().enumerate() {
        let c = &dataset.columns[i];
        if let Some(map) = &rule.values
            && matches!(
                c.kind,
                Kind::Int { .. } | Kind::Decimal { .. } | Kind::Bool | Kind::Enum(_)
            )
        {
            for literal in map.literals() {
                if let Err(invalid) = value::parse(Cell::Text(Cow::Borrowed(literal)), c.kind) {
                    return Err(err(
                        format!("values.{}", c.name),
                        format!(
                            "maps to {literal:?}, which no row could load: {}",
                            invalid.reason(c.name)
                        ),
                    ));
                }
            }
        }
    }
    Ok(Mapping {
        number,
        dataset,
        globs,
        columns,
    })
}

/// `(did you mean training?)` when a known name is close to what was written.
pub fn suggest<'a>(written: &str, known: impl Iterator<Item = &'a str>, what: &str) -> String {
    let n = normalise_name(written);
    let all: Vec<&str> = known.collect();
    let best = all
        .iter()
        .map(|k| (strsim::normalized_levenshtein(&n, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, k)) if score >= 0.5 => format!(" (did you mean {k}?)"),
        _ => format!(" (the {what} are {})", all.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn esr() -> MappingConfig {
        MappingConfig {
            dataset: "training".into(),
            files: vec!["esr/*.csv".into()],
            columns: BTreeMap::from([
                ("record_id".into(), "Competence Record ID".into()),
                ("staff_id".into(), "Employee Number".into()),
            ]),
            ..Default::default()
        }
    }

    fn error(config: &MappingConfig) -> (String, String) {
        compile(config, 1).map(|_| ()).unwrap_err()
    }

    #[test]
    fn a_good_mapping_compiles_with_a_rule_per_contract_column() {
        let mut c = esr();
        c.constants.insert("delivery".into(), "e_learning".into());
        c.dates
            .insert("completed_on".into(), vec!["%d-%b-%Y".into()]);
        let m = compile(&c, 1).unwrap();
        assert_eq!(m.columns.len(), m.dataset.columns.len());
        assert_eq!(m.columns[1].header.as_deref(), Some("Employee Number"));
        assert_eq!(m.columns[5].constant.as_deref(), Some("e_learning"));
        assert!(m.columns[3].transforms());
        assert!(m.matches("esr/2025.csv") && m.matches("ESR/2025.CSV"));
        assert!(!m.matches("esr/old/2025.csv") && !m.matches("training/2025.csv"));
        assert_eq!(m.name(), "mapping 1 (training)");
    }

    #[test]
    fn unknown_datasets_and_columns_name_the_key() {
        let mut c = esr();
        c.dataset = "trainig".into();
        let (key, message) = error(&c);
        assert_eq!(key, "dataset");
        assert!(message.contains("did you mean training?"), "{message}");

        let mut c = esr();
        c.columns.insert("levl".into(), "Competence Name".into());
        assert_eq!(error(&c).0, "columns.levl");
        assert!(error(&c).1.contains("did you mean level?"));

        for table in ["values", "patterns", "dates", "constants"] {
            let mut c = esr();
            match table {
                "values" => {
                    c.values.insert("grade".into(), BTreeMap::new());
                }
                "patterns" => {
                    c.patterns.insert("grade".into(), vec![]);
                }
                "dates" => {
                    c.dates.insert("grade".into(), vec![]);
                }
                _ => {
                    c.constants.insert("grade".into(), "x".into());
                }
            }
            assert_eq!(error(&c).0, format!("{table}.grade"));
        }
    }

    #[test]
    fn bad_expressions_formats_globs_and_constants_name_the_key() {
        let mut c = esr();
        c.patterns.insert(
            "level".into(),
            vec![("ok".into(), "1".into()), ("(".into(), "1".into())],
        );
        assert_eq!(error(&c).0, "patterns.level[1]");

        let mut c = esr();
        c.dates.insert("completed_on".into(), vec!["%H:%M".into()]);
        assert_eq!(error(&c).0, "dates.completed_on");
        let mut c = esr();
        c.dates.insert("level".into(), vec!["%Y%m%d".into()]);
        assert!(error(&c).1.contains("not a date column"));

        let mut c = esr();
        c.files = vec!["esr/[.csv".into()];
        assert_eq!(error(&c).0, "files[0]");
        c.files = vec!["../elsewhere/*.csv".into()];
        assert_eq!(error(&c).0, "files[0]");
        c.files = vec![];
        assert_eq!(error(&c).0, "files");

        let mut c = esr();
        c.constants
            .insert("delivery".into(), "carrier pigeon".into());
        let (key, message) = error(&c);
        assert_eq!(key, "constants.delivery");
        assert!(message.contains("expected one of e_learning"), "{message}");
        let mut c = esr();
        c.constants.insert("staff_id".into(), "X".into());
        assert!(error(&c).1.contains("also read from a header"));
    }

    #[test]
    fn fixed_values_no_row_could_load_are_errors() {
        let mut c = esr();
        c.values.insert(
            "level".into(),
            BTreeMap::from([("Level one".into(), "one".into())]),
        );
        let (key, message) = error(&c);
        assert_eq!(key, "values.level");
        assert!(message.contains("\"one\""), "{message}");
        c.values.insert(
            "level".into(),
            BTreeMap::from([
                ("Level one".into(), "1".into()),
                ("Fire".into(), "skip".into()),
            ]),
        );
        assert!(compile(&c, 1).is_ok());
    }
}
