//! Every command-line flag, with its `--help` text. The invocations in the command-line
//! contract (`shared/contract/CLI.md`) are fixed: scripts and schedulers depend on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Safeguarding children assurance for NHS commissioners: load training, supervision,
/// Section 11 and review-action returns into a Parquet warehouse, query the quality
/// metrics in SQL, and typeset the annual report to the board.
///
/// With no flags, every command works on the shipped sample-data/ and ./warehouse, or on the
/// paths set in ./safeguard.toml.
#[derive(Debug, Parser)]
#[command(name = "safeguard", version, max_term_width = 100)]
pub struct Cli {
    /// Configuration file (default: ./safeguard.toml if it exists). Flags override it.
    #[arg(long, global = true, value_name = "FILE", env = "SAFEGUARD_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print no progress, only results and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the input folder and load it into a new warehouse snapshot.
    ///
    /// Every row is either loaded or kept in the load_rejects table with its file, line and
    /// reason. A file that cannot be used stops only its own dataset, whose previous data is
    /// kept. The new snapshot becomes `current` atomically.
    Load(LoadCommand),
    /// Validate the input folder and report every problem; writes nothing.
    ///
    /// Problems print as `file:line:column: reason`, as compilers do, so an editor can jump to
    /// them. Exit code 1 when a row would be rejected, 2 when a file cannot be used at all.
    Check(CheckCommand),
    /// Run SQL over the warehouse: the metric views, the datasets, or your own queries.
    ///
    /// With -c or -f it runs the statements and exits; with neither it opens an interactive
    /// prompt (\d lists the tables and views). Read-only: nothing can be created or changed.
    /// Parameters of every figure are in the `params` table: SELECT * FROM params.
    Sql(SqlCommand),
    /// Typeset the annual Safeguarding Children report to PDF.
    Report(ReportCommand),
    /// The nightly job: load, then report, atomically and under a lock.
    ///
    /// Reads the configuration (input, warehouse, report_dir, year or as_of). When nothing
    /// changed since the last run (input file contents, configuration, templates, program
    /// version) it records a no-op and exits 0. Otherwise it loads a new snapshot, typesets the
    /// report from it, and publishes both: `current` switches to the new snapshot and the PDF is
    /// renamed into report_dir, so readers see the old state or the new, never half of one.
    /// Every run is recorded in the warehouse (SELECT * FROM refresh_runs).
    ///
    /// Exit codes: 0 published or nothing to do; 1 the run failed or published with a problem
    /// (another run holds the lock, a file could not be read and its previous data was kept);
    /// 2 bad configuration.
    Refresh(RefreshCommand),
    /// Write realistic, deterministic synthetic input data.
    ///
    /// Ten years of history: about a dozen training records a person (courses in sessions,
    /// prerequisite e-learning, annual updates), supervision at each person's interval, and a
    /// few deliberately bad rows. The shipped sample-data/ is this command's output with its
    /// defaults.
    Generate(GenerateCommand),
    /// Write XLSX return templates for providers, one per dataset they return.
    ///
    /// Each workbook has a `data` sheet with the contract's header row (frozen), drop-downs and
    /// ranges Excel checks as values are typed (levels, enums, dates, yes/no, organisation codes
    /// from the warehouse when one is loaded), and an `instructions` sheet explaining every
    /// column, both from the same contract table the loader validates against. A template
    /// filled with valid rows loads with no rejects.
    Template(TemplateCommand),
    /// Start the narrative: the team's own words that the report prints among the figures.
    ///
    /// The narrative is a folder of Markdown files, one per place in the report (cover.md for
    /// the board cover sheet, foreword.md, training.md, ... risks.md). `{{name}}` in the text
    /// prints a live figure after disclosure control, as the tables do.
    Narrative(NarrativeCommand),
    /// Serve the views and datasets over the PostgreSQL wire protocol, for Power BI, Excel,
    /// Tableau, psql and other SQL clients.
    ///
    /// Logins are SCRAM-SHA-256 against the users file (`serve add-user`); a user added with
    /// --organisations sees only those organisations' rows. Read-only. Without --tls-cert and
    /// --tls-key it listens on loopback addresses only. Runs until stopped (Ctrl-C or SIGTERM).
    #[cfg(feature = "serve")]
    Serve(super::serve::ServeCommand),
    /// Run a Ballista scheduler: the entry point of a cluster for `sql --cluster` and
    /// `report --cluster`.
    ///
    /// Start one scheduler, then one `safeguard executor` per machine. The warehouse must be at
    /// the same path on every machine. Runs until stopped (Ctrl-C or SIGTERM).
    #[cfg(feature = "cluster")]
    Scheduler(SchedulerCommand),
    /// Run a Ballista executor: does the work of the queries the scheduler hands it.
    ///
    /// Reads the warehouse's Parquet files directly, by the paths in the query plan, so the
    /// warehouse must be mounted at the same path as on the machine that runs `safeguard sql`.
    /// Runs until stopped (Ctrl-C or SIGTERM).
    #[cfg(feature = "cluster")]
    Executor(ExecutorCommand),
}

/// Where the queries run.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Run the queries on the Ballista cluster whose scheduler is at this address, e.g.
    /// df://10.0.0.5:50050 (see `safeguard scheduler --help`); the warehouse must be at the
    /// same path on every executor
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
}

impl EngineArgs {
    /// The engine these flags ask for.
    pub fn engine(&self) -> crate::query::Engine {
        match &self.cluster {
            Some(url) => crate::query::Engine::Cluster(url.clone()),
            None => crate::query::Engine::Local,
        }
    }
}

#[cfg(feature = "cluster")]
#[derive(Debug, Args)]
pub struct SchedulerCommand {
    /// The address to listen on (use 0.0.0.0 to accept executors and clients from other machines)
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub bind_host: String,
    /// The port to listen on
    #[arg(long, value_name = "PORT", default_value_t = 50050)]
    pub port: u16,
    /// The host name executors and clients use to reach this scheduler [default: --bind-host]
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor counts as lost and its work is
    /// given to another
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub executor_timeout: u64,
}

#[cfg(feature = "cluster")]
#[derive(Debug, Args)]
pub struct ExecutorCommand {
    /// The scheduler to register with
    #[arg(
        long,
        value_name = "df://HOST:PORT",
        default_value = "df://127.0.0.1:50050"
    )]
    pub scheduler: String,
    /// The address to listen on
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub bind_host: String,
    /// The host name the scheduler and other executors use to reach this one [default:
    /// --bind-host]
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// The port serving query results (Arrow Flight)
    #[arg(long, value_name = "PORT", default_value_t = 50051)]
    pub port: u16,
    /// The port for the scheduler's calls
    #[arg(long, value_name = "PORT", default_value_t = 50052)]
    pub grpc_port: u16,
    /// How many tasks to run at once [default: the number of CPU cores]
    #[arg(long, value_name = "N")]
    pub concurrent_tasks: Option<usize>,
    /// Folder for intermediate (shuffle) files [default: a new temporary folder]
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Seconds between heartbeats to the scheduler
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub heartbeat: u64,
}

/// Where the input files are.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The input folder: one file (CSV, XLSX or Parquet) or folder per dataset
    /// [default: sample-data, or `input` in the configuration]
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
}

/// Where the warehouse is.
#[derive(Debug, Args)]
pub struct WarehouseArgs {
    /// The warehouse folder [default: warehouse, or `warehouse` in the configuration]
    #[arg(long, value_name = "DIR")]
    pub warehouse: Option<PathBuf>,
}

/// The date the figures are taken at.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// Take figures at this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", conflicts_with = "year")]
    pub as_of: Option<String>,
    /// NHS financial year, e.g. 2025/26 (1 April 2025 to 31 March 2026: as-of 2026-03-31)
    #[arg(long, value_name = "YYYY/YY")]
    pub year: Option<String>,
}

#[derive(Debug, Args)]
pub struct RefreshCommand {
    /// Load and typeset even if nothing changed since the last run
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct LoadCommand {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// How many snapshots to keep; older ones are deleted (never the live one)
    /// [default: 5, or `keep_snapshots` in the configuration]
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

#[derive(Debug, Args)]
pub struct CheckCommand {
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Debug, Args)]
pub struct SqlCommand {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<crate::query::print_format::Format>,
    /// Write the result to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run this SQL and exit
    #[arg(short, long, value_name = "SQL", conflicts_with = "file")]
    pub command: Option<String>,
    /// Run the statements in FILE and exit
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportCommand {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// The PDF to write [default: REPORT_DIR/safeguarding-annual-report-YYYY-YY.pdf, where
    /// REPORT_DIR is `report_dir` in the configuration or reports]
    #[arg(short, long, value_name = "FILE.pdf")]
    pub output: Option<PathBuf>,
    /// Typeset with the templates in DIR (report.typ, its partials and fonts/) instead of the
    /// built-in ones, so the report can be restyled without rebuilding
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Also write the data the templates receive (their /data.json) to FILE, for template
    /// authors: every figure as printed, with disclosure control applied
    #[arg(long, value_name = "FILE")]
    pub data_json: Option<PathBuf>,
    /// Print the disclosure audit instead of writing the PDF: for every period the report
    /// prints figures of, each suppressed count, why it is hidden and the range of values a
    /// reader with the whole report could narrow it to (never a single value)
    #[arg(long, conflicts_with_all = ["output", "templates", "data_json", "organisation", "each_organisation"])]
    pub audit: bool,
    /// The narrative folder: the team's own words, one Markdown file per slot (see `safeguard
    /// narrative init`); a provider's pack takes its own from the folder's CODE/ subfolder,
    /// when there is one [default: `narrative` in the configuration's [report] table;
    /// neither: the data-only report]
    #[arg(long, value_name = "DIR")]
    pub narrative: Option<PathBuf>,
    /// Mark every page DRAFT and list the narrative's slots still to write at the start
    #[arg(long)]
    pub draft: bool,
    /// The final run: a narrative slot still to write is an error (exit 1) and no PDF is written
    #[arg(long, conflicts_with = "draft")]
    pub strict: bool,
    /// Print every figure the narrative can quote, as name<TAB>value one a line, and write no
    /// PDF (with --organisation: the figures its pack's narrative can quote)
    #[arg(long, conflicts_with = "each_organisation")]
    pub list_figures: bool,
    /// Typeset the assurance pack of one organisation (its ODS code) instead of the annual
    /// report: its figures only, beside the footprint's, for the quarterly contract meeting
    /// [default -o: REPORT_DIR/CODE-AS_OF.pdf]
    #[arg(long, value_name = "CODE", conflicts_with = "each_organisation")]
    pub organisation: Option<String>,
    /// Typeset an assurance pack for every organisation, in parallel, as OUT_DIR/CODE-AS_OF.pdf;
    /// one organisation failing does not stop the others (exit 1 names it)
    #[arg(long, conflicts_with_all = ["output", "data_json"])]
    pub each_organisation: bool,
    /// The folder --each-organisation writes the packs into [default: REPORT_DIR]
    #[arg(long, value_name = "DIR", requires = "each_organisation")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TemplateCommand {
    #[command(flatten)]
    pub warehouse: WarehouseArgs,
    /// The folder to write the workbooks into (created if missing)
    #[arg(long, value_name = "DIR", default_value = "templates")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct GenerateCommand {
    /// The folder to write the input files into (created if missing)
    #[arg(long, value_name = "DIR", default_value = "generated-data")]
    pub out: PathBuf,
    /// Number of staff (post holders); organisations scale with it
    #[arg(long, value_name = "N", default_value_t = 3000)]
    pub staff: u64,
    /// Random seed: the same seed and size always give the same files
    #[arg(long, value_name = "N", default_value_t = 2026)]
    pub seed: u64,
    /// Histories end at this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", default_value = "2026-03-31")]
    pub as_of: String,
    /// Write training and supervision as Parquet instead of CSV (fast loads at national scale)
    #[arg(long, conflicts_with = "esr")]
    pub parquet: bool,
    /// Write the training data as an ESR competence export (esr/*.csv and esr/late-returns.xlsx:
    /// ESR headers, competence names, dates like 30-Nov-2028, other mandatory courses mixed in)
    /// instead of training/, with the mapping that loads it (esr-mapping.toml)
    #[arg(long)]
    pub esr: bool,
}

#[derive(Debug, Args)]
pub struct NarrativeCommand {
    #[command(subcommand)]
    pub action: NarrativeAction,
}

#[derive(Debug, Subcommand)]
pub enum NarrativeAction {
    /// Write a starter narrative folder: one Markdown file per slot of the report, each
    /// holding only a guide in an HTML comment (what annual reports put there, and example
    /// figure references such as {{training_compliance}}).
    ///
    /// A slot holding only comments is still to write. Existing files are never overwritten:
    /// the command says which it skipped, so it is safe to run again to add missing slots.
    Init(NarrativeInitCommand),
}

#[derive(Debug, Args)]
pub struct NarrativeInitCommand {
    /// The folder to write (created if missing)
    #[arg(value_name = "DIR", default_value = "narrative")]
    pub dir: PathBuf,
}
