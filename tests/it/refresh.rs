//! `safeguard refresh`, run as a scheduler runs it: the real binary, a configuration file and
//! nothing else. Publishes a snapshot and a report together, does nothing when nothing changed,
//! keeps the previous data for a broken file, and leaves a whole old or new state however it
//! is killed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tempfile::TempDir;

use crate::util::{Run, command, counts, read_manifest};

const REPORT: &str = "safeguarding-annual-report-2025-26.pdf";

/// A scheduler's view: a folder with `safeguard.toml`, `input/`, and after a run `warehouse/`
/// and `reports/`.
struct Site {
    dir: TempDir,
}

impl Site {
    /// Generated input for 120 staff (every dataset, a few deliberate bad rows).
    fn new(refresh_table: &str) -> Site {
        let dir = tempfile::Builder::new()
            .prefix("safeguard-refresh-")
            .tempdir()
            .unwrap();
        let site = Site { dir };
        let generated = command(site.root())
            .args(["-q", "generate", "--out", "input", "--staff", "120"])
            .output()
            .unwrap();
        assert!(generated.status.success(), "{generated:?}");
        std::fs::write(
            site.root().join("safeguard.toml"),
            format!(
                "input = \"input\"\nwarehouse = \"warehouse\"\nreport_dir = \"reports\"\n\
                 year = \"2025/26\"\nkeep_snapshots = 3\n\n[refresh]\n{refresh_table}\n"
            ),
        )
        .unwrap();
        site
    }

    /// Files are read however recently they were written.
    fn quick() -> Site {
        Site::new("settle_seconds = 0")
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn input(&self, relative: &str) -> PathBuf {
        self.root().join("input").join(relative)
    }

    fn refresh_command(&self, extra: &[&str]) -> Command {
        let mut cmd = command(self.root());
        cmd.arg("refresh").args(extra).stdin(Stdio::null());
        cmd
    }

    fn refresh(&self, extra: &[&str]) -> Run {
        self.refresh_command(extra).output().unwrap().into()
    }

    fn refresh_ok(&self) -> Run {
        let run = self.refresh(&[]);
        assert_eq!(run.code, 0, "{run:#?}");
        run
    }

    fn current(&self) -> PathBuf {
        crate::util::current(&self.root().join("warehouse"))
    }

    fn report(&self) -> PathBuf {
        self.root().join("reports").join(REPORT)
    }

    /// Rows loaded per dataset in the live snapshot.
    fn loaded(&self, dataset: &str) -> u64 {
        counts(&read_manifest(&self.current()), dataset).1
    }

    /// `SELECT ... FROM refresh_runs` as CSV lines.
    fn runs(&self, columns: &str) -> Vec<String> {
        let out = command(self.root())
            .args([
                "sql",
                "--format",
                "csv",
                "-c",
                &format!("SELECT {columns} FROM refresh_runs ORDER BY run_id"),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect()
    }

    /// Appends a training record for the first member of staff.
    fn add_training(&self, record_id: &str) {
        let staff = std::fs::read_to_string(self.input("staff.csv")).unwrap();
        let staff_id = staff.lines().nth(1).unwrap().split(',').next().unwrap();
        let path = self.input("training/2025.csv");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&format!(
            "{record_id},{staff_id},1,2025-06-02,1,e_learning\n"
        ));
        std::fs::write(path, text).unwrap();
    }
}

/// `pdfinfo` reads the file: the PDF is whole.
fn assert_whole_pdf(path: &Path, context: &str) {
    let out = Command::new("pdfinfo")
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run pdfinfo ({e}): install poppler-utils, as scripts/test does")
        });
    assert!(
        out.status.success(),
        "{context}\n{} is not a whole PDF: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn publishes_then_does_nothing_then_picks_up_a_change() {
    let site = Site::quick();
    let first = site.refresh_ok();
    assert!(
        first.stdout.contains("published snapshot") && first.stdout.contains(REPORT),
        "{first:#?}"
    );
    assert_whole_pdf(&site.report(), "first run");
    let snapshot = site.current();
    let training = site.loaded("training");
    let pdf = std::fs::read(site.report()).unwrap();
    assert!(
        snapshot.join("report").join(REPORT).is_file(),
        "the snapshot keeps its own copy of the report"
    );

    let second = site.refresh_ok();
    assert!(second.stdout.contains("nothing changed"), "{second:#?}");
    assert_eq!(site.current(), snapshot, "a no-op publishes nothing");
    assert_eq!(std::fs::read(site.report()).unwrap(), pdf);

    site.add_training("T-NEW-1");
    let third = site.refresh_ok();
    assert!(
        third.stdout.contains("training/2025.csv changed"),
        "{third:#?}"
    );
    assert_ne!(site.current(), snapshot);
    assert_eq!(site.loaded("training"), training + 1);
    assert_whole_pdf(&site.report(), "after a change");
    // Its provenance appendix lists the runs before it.
    let text = Command::new("pdftotext")
        .args(["-layout".as_ref(), site.report().as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let history = &text[text
        .rfind("Refresh history")
        .expect("a refresh history section")..];
    assert!(
        history.contains("Nothing changed")
            && history.contains("the warehouse is empty: first load"),
        "{history}"
    );

    // A deleted published report is put back from the live snapshot without reloading.
    let live = site.current();
    std::fs::remove_file(site.report()).unwrap();
    let fourth = site.refresh_ok();
    assert!(fourth.stdout.contains("restored"), "{fourth:#?}");
    assert_eq!(site.current(), live);
    assert_eq!(
        std::fs::read(site.report()).unwrap(),
        std::fs::read(live.join("report").join(REPORT)).unwrap()
    );

    let runs = site.runs("status, exit_code, rows_loaded IS NOT NULL");
    assert_eq!(
        runs,
        ["ok,0,true", "no_change,0,false", "ok,0,true", "ok,0,false"]
    );
    // A changed setting is a change too.
    let config = site.root().join("safeguard.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[thresholds]\nred_below = 70\n")).unwrap();
    let fifth = site.refresh_ok();
    assert!(
        fifth.stdout.contains("the configuration changed"),
        "{fifth:#?}"
    );
    site.add_training("T-NEW-3");
    site.refresh_ok();
    // keep_snapshots = 3: four publishing runs leave the newest three, the live one among them.
    let kept = std::fs::read_dir(site.root().join("warehouse/snapshots"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect::<Vec<_>>();
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(kept.contains(&site.current()));
    assert!(
        !kept.contains(&snapshot),
        "the oldest went, with its report"
    );
}

#[test]
fn a_missing_column_keeps_the_previous_data_publishes_and_exits_1() {
    let site = Site::quick();
    site.refresh_ok();
    let before = site.loaded("escalations");
    assert!(before > 0);
    let path = site.input("escalations.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let renamed = header.replace(",level,", ",escalation_level,");
    assert_ne!(renamed, header);
    let cut = format!("{renamed}\n{rows}");
    std::fs::write(&path, cut).unwrap();

    let run = site.refresh(&[]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("required column level is missing from the header"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("escalations.csv:1:"), "{run:#?}");
    assert_eq!(site.loaded("escalations"), before, "previous data kept");
    let m = read_manifest(&site.current());
    let status = m["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "escalations")
        .unwrap()["status"]
        .clone();
    assert_eq!(status, "kept_previous");
    assert_whole_pdf(&site.report(), "published with the kept data");
    let runs = site.runs("status, exit_code");
    assert_eq!(runs.last().unwrap(), "failed,1");

    // Still broken the next night: tried again and still visible, not a silent no-op.
    let again = site.refresh(&[]);
    assert_eq!(again.code, 1, "{again:#?}");
}

#[test]
fn two_refreshes_at_once_exactly_one_proceeds() {
    let site = Site::quick();
    let spawn = || {
        site.refresh_command(&["--force"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let runs: Vec<Run> = [a, b]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    let codes: Vec<i32> = runs.iter().map(|r| r.code).collect();
    assert!(
        codes.contains(&0) && codes.contains(&1),
        "one run proceeds, the other is refused: {runs:#?}"
    );
    let refused = runs.iter().find(|r| r.code == 1).unwrap();
    assert!(
        refused.stderr.contains("another safeguard run is writing")
            && refused.stderr.contains("pid "),
        "{refused:#?}"
    );
    assert_whole_pdf(&site.report(), "after the race");
}

#[test]
fn a_file_still_being_written_is_not_read() {
    let site = Site::new("settle_seconds = 30\nmax_wait_seconds = 1");
    // Everything is freshly generated: backdate it so only the next write counts as recent.
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for entry in walk(&site.root().join("input")) {
        std::fs::File::options()
            .write(true)
            .open(&entry)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    site.refresh_ok();
    let before = site.loaded("training");

    site.add_training("T-HALF-1");
    let run = site.refresh(&[]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stdout
            .contains("training/2025.csv is still being written"),
        "{run:#?}"
    );
    assert_eq!(site.loaded("training"), before, "not read half-way");

    // Once the copy has finished (the file is left alone), the next run reads it.
    std::fs::File::options()
        .write(true)
        .open(site.input("training/2025.csv"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    site.refresh_ok();
    assert_eq!(site.loaded("training"), before + 1);
}

#[test]
fn a_failed_write_leaves_the_previous_state_published() {
    let site = Site::quick();
    site.refresh_ok();
    let live = site.current();
    let pdf = std::fs::read(site.report()).unwrap();
    // The report folder is unwritable: here a file stands where it should be (a permission
    // test would not fail for root).
    let reports = site.root().join("reports");
    std::fs::rename(&reports, site.root().join("reports.moved")).unwrap();
    std::fs::write(&reports, "not a folder").unwrap();
    site.add_training("T-NEW-2");

    let run = site.refresh(&[]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("previous snapshot and report are still the published ones"),
        "{run:#?}"
    );
    assert_eq!(site.current(), live, "the new snapshot was not published");
    let partials: Vec<_> = std::fs::read_dir(site.root().join("warehouse/snapshots"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(partials.is_empty(), "the unpublished snapshot is removed");

    std::fs::remove_file(&reports).unwrap();
    std::fs::rename(site.root().join("reports.moved"), &reports).unwrap();
    assert_eq!(std::fs::read(site.report()).unwrap(), pdf);
    site.refresh_ok();
    assert_ne!(site.current(), live);
}

#[test]
fn a_refresh_killed_at_any_moment_leaves_a_whole_old_or_new_state() {
    let site = Site::quick();
    let path = site.input("training/2025.csv");
    let started = Instant::now();
    site.refresh_ok();
    let full = started.elapsed();
    let version_a = std::fs::read(&path).unwrap();
    let count_a = site.loaded("training");
    site.add_training("T-KILL-1");
    let version_b = std::fs::read(&path).unwrap();
    let expected = [count_a, count_a + 1];

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = vec![format!("seed {seed}; a full refresh took {full:?}")];
    let full_ms = full.as_millis() as u64;
    let trials = 21;
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut done = 0;
    let mut new_state = 0;
    for trial in 0..trials {
        if Instant::now() > deadline {
            break;
        }
        // The input the live snapshot was not made from, so every trial has work to publish.
        let version = if site.loaded("training") == count_a {
            &version_b
        } else {
            &version_a
        };
        let tmp = path.with_extension("csv.tmp");
        std::fs::write(&tmp, version).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        // Kill at a random moment in a third of the trials; in the others, at the two moments
        // that matter most: once the new snapshot is sealed with its report staged (just
        // before `current` switches), and just after `current` switched (before the PDF is
        // renamed into place).
        let before = site.current();
        let snapshots = site.root().join("warehouse/snapshots");
        let old_partials = partials(&snapshots);
        let output = site.root().join("trial-output.txt");
        let mut child = site
            .refresh_command(&[])
            .stdout(std::fs::File::create(&output).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let moment = match trial % 3 {
            0 => {
                std::thread::sleep(Duration::from_millis(rng.random_range(0..=full_ms)));
                "at random"
            }
            1 => {
                wait_for(full * 4, || {
                    staged(&snapshots, &old_partials) || child_done(&mut child)
                });
                "when staged"
            }
            _ => {
                wait_for(full * 4, || {
                    crate::util::current(&site.root().join("warehouse")) != before
                        || child_done(&mut child)
                });
                "when switched"
            }
        };
        let elapsed = start.elapsed();
        let finished = child.try_wait().unwrap().map(|status| {
            let said = std::fs::read_to_string(&output).unwrap_or_default();
            format!("{status}: {}", said.lines().last().unwrap_or_default())
        });
        child.kill().ok();
        child.wait().unwrap();
        done += 1;
        let published = site.current() != before;
        if published {
            new_state += 1;
        }
        log.push(format!(
            "trial {trial}: killed {moment} after {elapsed:?} ({}); {}",
            finished.as_deref().unwrap_or("still running"),
            if published {
                "new state published"
            } else {
                "old state kept"
            }
        ));
        let context = log.join("\n");
        let live = site.current();
        assert!(
            !live.to_string_lossy().ends_with(".partial"),
            "{context}\ncurrent names a partial snapshot"
        );
        let training = site.loaded("training");
        assert!(
            expected.contains(&training),
            "{context}\ncurrent has {training} training rows, expected one of {expected:?}"
        );
        for entry in std::fs::read_dir(site.root().join("reports"))
            .unwrap()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                assert_whole_pdf(&entry.path(), &context);
            }
        }
    }
    let context = log.join("\n");
    assert!(
        done >= 20,
        "{context}\nonly {done} trials in the time allowed"
    );

    // The next run succeeds, and leaves the published report matching the live snapshot.
    let run = site.refresh(&[]);
    assert_eq!(run.code, 0, "{context}\n{run:#?}");
    let live = site.current();
    assert_eq!(
        std::fs::read(site.report()).unwrap(),
        std::fs::read(live.join("report").join(REPORT)).unwrap(),
        "{context}"
    );
    let again = site.refresh_ok();
    assert!(
        again.stdout.contains("nothing changed"),
        "{context}\n{again:#?}"
    );
    let leftovers: Vec<String> = std::fs::read_dir(site.root().join("reports"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != REPORT)
        .collect();
    assert!(
        leftovers.is_empty(),
        "{context}\nleft in reports/: {leftovers:?}"
    );
    let interrupted = site
        .runs("status, error")
        .iter()
        .filter(|r| r.contains("did not finish"))
        .count();
    eprintln!(
        "{context}\n{done} trials: {new_state} left the new state, {} the old; {interrupted} runs recorded as killed",
        done - new_state
    );
}

/// Waits until `done` holds, for at most `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit && !done() {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The unfinished snapshots in the folder.
fn partials(snapshots: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(snapshots)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// A new sealed, unpublished snapshot holds its staged report record.
fn staged(snapshots: &Path, old: &[PathBuf]) -> bool {
    partials(snapshots)
        .iter()
        .any(|p| !old.contains(p) && p.join("refresh.json").exists())
}

fn child_done(child: &mut std::process::Child) -> bool {
    child.try_wait().ok().flatten().is_some()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}
