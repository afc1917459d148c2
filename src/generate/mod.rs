//! `safeguard generate`: realistic, deterministic synthetic input data.
//!
//! Makes a full set of input files for one fictional ICB footprint (or, for large staff
//! counts, a national roll-up) in the mixed formats real returns arrive in: ESR-style CSV,
//! yearly CSV (or Parquet) training files, a late-returns spreadsheet, typed Parquet
//! supervision, an XLSX Section 11 audit, and CSVs with UK or ISO dates and assorted boolean
//! spellings. The figures vary by organisation, professional group and quarter so that every
//! metric in METRICS.md shows red, amber and green, and trends; a fixed handful of bad rows
//! (see [`bad_rows`]) exercises the loader's rejects.
//!
//! Output depends only on the configuration: random draws come from ChaCha streams seeded
//! from (seed, stream name, index), never the clock, and XLSX document properties carry a
//! creation date derived from as_of, so two runs give byte-identical files. Post holders are
//! generated and written one at a time, so memory stays flat up to national scale.

mod bad_rows;
mod dates;
mod esr;
mod groups;
mod histories;
mod names;
mod orgs;
mod partnership;
mod people;
mod quality;
mod reviews;
mod section11;
mod workforce;
mod writers;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use orgs::Footprint;
use writers::{CsvFile, CsvStyle, Written};

use crate::contract::calendar;

/// What `safeguard generate` makes.
#[derive(Clone, Debug)]
pub struct GenerateConfig {
    /// Output folder; created if missing, generated files in it are overwritten.
    pub out: PathBuf,
    /// Number of staff (post holders); 3000 makes one ICB footprint, above 20,000 a national roll-up.
    pub staff: u64,
    /// Seed of every random draw; the same configuration always gives the same bytes.
    pub seed: u64,
    /// Histories end here (the end of NHS year 2025/26, 2026-03-31, by default).
    pub as_of: NaiveDate,
    /// National scale: write the yearly training files as Parquet instead of CSV, for fast loads.
    pub parquet: bool,
    /// Write the training data as an ESR competence export (`esr/`, other mandatory courses
    /// mixed in) with the mapping that loads it (`esr-mapping.toml`), instead of `training/`.
    pub esr: bool,
}

/// What was written, for the command to report.
#[derive(Clone, Debug, Default)]
pub struct GenerateSummary {
    /// Each file's path relative to `out`, and its number of data rows (bad rows included).
    pub files: Vec<(PathBuf, u64)>,
}

/// The configuration `--esr` writes beside the export, and its text.
pub use esr::{MAPPING as ESR_MAPPING, MAPPING_FILE as ESR_MAPPING_FILE};

/// Most staff a run can make: staff ids have seven digits, and a few are kept for bad rows.
pub const MAX_STAFF: u64 = 9_999_000;

/// Writes the synthetic input files into `cfg.out`, calling `progress` with short messages
/// ("writing training") as it goes.
pub fn generate(cfg: &GenerateConfig, progress: &dyn Fn(&str)) -> Result<GenerateSummary> {
    if cfg.staff == 0 || cfg.staff > MAX_STAFF {
        bail!(
            "--staff must be between 1 and {MAX_STAFF}, got {}",
            cfg.staff
        );
    }
    if cfg.esr && cfg.parquet {
        bail!(
            "--esr writes the training data as an ESR export (CSV and XLSX), so it cannot be Parquet too"
        );
    }
    prepare_folders(&cfg.out, cfg.esr)?;
    let ctx = Context::new(cfg);
    let mut files = Vec::new();
    progress("writing organisations");
    files.push(write_organisations(&ctx)?);
    progress("writing staff, training and supervision");
    files.extend(people::write(&ctx, progress)?);
    progress("writing section 11 audits");
    files.extend(section11::write(&ctx)?);
    progress("writing review actions");
    files.push(reviews::write(&ctx)?);
    progress("writing multi-agency meetings and escalations");
    files.extend(partnership::write(&ctx)?);
    progress("writing quality ratings");
    files.push(quality::write(&ctx)?);
    if cfg.esr {
        let path = cfg.out.join(esr::MAPPING_FILE);
        fs::write(&path, esr::MAPPING).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(GenerateSummary { files })
}

/// The dates every dataset is generated against.
struct Timeline {
    as_of: NaiveDate,
    /// Histories start here: ten years before as_of, the span of an ESR training extract
    /// (the 12 trend quarters with three-year validity need only 78 months).
    history_start: NaiveDate,
    /// Middle of the trend window; organisation trends pivot here.
    trend_mid: NaiveDate,
    /// The 12 trend quarter ends, oldest first.
    quarter_ends: Vec<NaiveDate>,
}

impl Timeline {
    fn new(as_of: NaiveDate) -> Timeline {
        let quarter_ends = calendar::quarter_ends(as_of, calendar::TREND_QUARTERS);
        let (first, last) = (quarter_ends[0], quarter_ends[quarter_ends.len() - 1]);
        let trend_mid = dates::add_days(first, dates::days_between(first, last) / 2);
        Timeline {
            as_of,
            history_start: calendar::add_months(as_of, -120),
            trend_mid,
            quarter_ends,
        }
    }
}

/// Everything the dataset writers share.
struct Context<'a> {
    cfg: &'a GenerateConfig,
    timeline: Timeline,
    footprint: Footprint,
}

impl Context<'_> {
    fn new(cfg: &GenerateConfig) -> Context<'_> {
        let mut rng = rng_for(cfg.seed, "organisations", 0);
        Context {
            cfg,
            timeline: Timeline::new(cfg.as_of),
            footprint: Footprint::build(cfg.staff, &mut rng),
        }
    }

    /// The year the bad rows' dates fall in: the year before as_of.
    fn bad_year(&self) -> i32 {
        self.cfg.as_of.year() - 1
    }
}

/// An independent random stream for (seed, stream, index).
fn rng_for(seed: u64, stream: &str, index: u64) -> ChaCha8Rng {
    let key = xxh3_64_with_seed(&index.to_le_bytes(), seed ^ xxh3_64(stream.as_bytes()));
    ChaCha8Rng::seed_from_u64(key)
}

/// Creates `out` and the training folder of the layout asked for (`training/`, or `esr/` for
/// an ESR export), and removes the training files of an earlier run in any layout (a CSV run
/// followed by a Parquet or ESR run must not leave both behind: they would load twice).
fn prepare_folders(out: &Path, esr: bool) -> Result<()> {
    let training = out.join("training");
    let export = out.join(esr::FOLDER);
    for dir in [&training, &export] {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let path = entry
                .with_context(|| format!("reading {}", dir.display()))?
                .path();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let year = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
            let ext = path.extension().and_then(|e| e.to_str());
            let generated = match ext {
                Some("csv" | "parquet") => {
                    year(stem) || stem.strip_prefix("competences-").is_some_and(year)
                }
                Some("xlsx") => stem == "late-returns",
                _ => false,
            };
            if generated {
                fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    let mapping = out.join(esr::MAPPING_FILE);
    if mapping.exists() {
        fs::remove_file(&mapping).with_context(|| format!("removing {}", mapping.display()))?;
    }
    // The folder the other layout would use goes if nothing else is in it.
    let unused = if esr { training } else { export };
    if fs::read_dir(&unused).is_ok_and(|mut d| d.next().is_none()) {
        fs::remove_dir(&unused).with_context(|| format!("removing {}", unused.display()))?;
    }
    Ok(())
}

fn write_organisations(ctx: &Context<'_>) -> Result<Written> {
    let mut file = CsvFile::create(
        &ctx.cfg.out,
        "organisations.csv",
        &[
            "organisation_code",
            "organisation_name",
            "organisation_type",
        ],
        CsvStyle::Plain,
    )?;
    for org in &ctx.footprint.orgs {
        file.text_row(&[org.code.as_str(), &org.name, org.kind.as_str()])?;
    }
    file.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(out: PathBuf, parquet: bool) -> GenerateConfig {
        let as_of = NaiveDate::from_ymd_opt(2026, 3, 31).expect("valid date");
        GenerateConfig {
            out,
            staff: 300,
            seed: 7,
            as_of,
            parquet,
            esr: false,
        }
    }

    fn read_all(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).expect("readable dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let bytes = fs::read(&path).expect("readable file");
                    files.push((path.strip_prefix(dir).expect("inside").to_path_buf(), bytes));
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn same_config_gives_identical_bytes() {
        let a = tempfile::tempdir().expect("temp dir");
        let b = tempfile::tempdir().expect("temp dir");
        for parquet in [false, true] {
            let first =
                generate(&config(a.path().to_path_buf(), parquet), &|_| {}).expect("generates");
            generate(&config(b.path().to_path_buf(), parquet), &|_| {}).expect("generates");
            assert_eq!(read_all(a.path()), read_all(b.path()));
            assert!(
                first
                    .files
                    .iter()
                    .any(|(p, _)| p == Path::new("supervision.parquet"))
            );
        }
    }

    /// The national-scale benchmark needs the record volume of a real ESR extract: about a
    /// dozen safeguarding training records per person over the ten-year history.
    #[test]
    fn about_twelve_training_records_per_person() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = config(dir.path().to_path_buf(), false);
        cfg.staff = 2000;
        let summary = generate(&cfg, &|_| {}).expect("generates");
        let rows = |pick: &dyn Fn(&Path) -> bool| -> u64 {
            summary
                .files
                .iter()
                .filter(|(p, _)| pick(p))
                .map(|(_, n)| *n)
                .sum()
        };
        let staff = rows(&|p| p == Path::new("staff.csv"));
        let training = rows(&|p| p.starts_with("training"));
        let per_person = training as f64 / staff as f64;
        assert!(
            (10.5..=13.5).contains(&per_person),
            "{training} training records for {staff} staff: {per_person:.1} each"
        );
    }

    #[test]
    fn staff_csv_is_esr_style() {
        let dir = tempfile::tempdir().expect("temp dir");
        generate(&config(dir.path().to_path_buf(), false), &|_| {}).expect("generates");
        let staff = fs::read(dir.path().join("staff.csv")).expect("staff.csv");
        assert!(staff.starts_with(b"\xEF\xBB\xBFstaff_id,"));
        assert!(staff.windows(2).any(|w| w == b"\r\n"));
    }
}
