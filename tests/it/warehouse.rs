//! The warehouse: `current` is always a whole snapshot, even when a load is killed; old
//! snapshots are pruned; one writer at a time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::util::{Env, assert_snapshot_consistent, command, counts, read_manifest};

/// Snapshot folder names under `warehouse/snapshots`, sorted, partial ones included.
fn snapshot_dirs(warehouse: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(warehouse.join("snapshots")) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => vec![],
    };
    names.sort();
    names
}

fn name(snapshot: &Path) -> String {
    snapshot.file_name().unwrap().to_string_lossy().into_owned()
}

/// Row counts of every dataset in a manifest.
fn all_counts(m: &serde_json::Value) -> BTreeMap<String, (u64, u64, u64)> {
    m["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let n = d["name"].as_str().unwrap();
            (n.to_owned(), counts(m, n))
        })
        .collect()
}

/// Writes an input folder big enough that a debug-build load takes a while: `staff` post
/// holders, three training records and two supervision sessions each.
fn write_big_input(dir: &Path, staff: usize) {
    const ORGS: usize = 25;
    let mut s = String::from("organisation_code,organisation_name,organisation_type\n");
    for o in 0..ORGS {
        let _ = writeln!(s, "ORG{o},Organisation {o},acute");
    }
    crate::util::write(&dir.join("organisations.csv"), &s);

    let mut s = String::from(
        "staff_id,organisation_code,professional_group,required_level,supervision_interval_months,start_date,end_date\n",
    );
    let mut t = String::from("record_id,staff_id,level,completed_on,hours,delivery\n");
    let mut v = String::from("session_id,staff_id,session_date,kind\n");
    for i in 0..staff {
        let _ = writeln!(
            s,
            "S{i},ORG{},nursing,{},3,2020-01-{:02},",
            i % ORGS,
            1 + i % 5,
            1 + i % 28
        );
        for k in 0..3 {
            let _ = writeln!(
                t,
                "T{i}-{k},S{i},{},{:02}/{:02}/2024,{},face_to_face",
                1 + (i + k) % 5,
                1 + (i + k) % 28,
                1 + k * 4,
                k + 1
            );
        }
        for k in 0..2 {
            let _ = writeln!(v, "V{i}-{k},S{i},2024-{:02}-15,one_to_one", 1 + k * 6);
        }
    }
    // A few bad rows so the rejects tables are not empty.
    for i in 0..50 {
        let _ = writeln!(t, "TX{i},NOBODY{i},3,2024-01-01,1,virtual");
    }
    crate::util::write(&dir.join("staff.csv"), &s);
    crate::util::write(&dir.join("training.csv"), &t);
    crate::util::write(&dir.join("supervision.csv"), &v);

    let mut s = String::from("organisation_code,audit_round,standard,rating,assessed_on\n");
    for o in 0..ORGS {
        for std in 1..=8 {
            let _ = writeln!(s, "ORG{o},2024,{std},amber,2024-06-01");
        }
    }
    crate::util::write(&dir.join("section11_ratings.csv"), &s);
    let mut s = String::from(
        "action_id,review_id,review_type,review_name,recommendation,action,lead_organisation_code,agreed_on,due_date,completed_on,impact_evidenced\n",
    );
    for a in 0..200 {
        let _ = writeln!(
            s,
            "RA{a},R{},lcspr,Child {a},Share information,Audit,ORG{},2024-01-01,2024-06-01,,no",
            a / 10,
            a % ORGS
        );
    }
    crate::util::write(&dir.join("review_actions.csv"), &s);
}

/// Fills `input/` with an input big enough that a debug-build load takes about a second:
/// `safeguard generate --staff 10000` when that command writes files, otherwise data written
/// here.
fn big_input(env: &Env) -> &'static str {
    let input = env.input();
    let generated = command(env.root())
        .args(["--quiet", "generate", "--out"])
        .arg(&input)
        .args(["--staff", "10000"])
        .output()
        .expect("run safeguard generate");
    let has_staff = std::fs::read_dir(&input)
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("staff"))
        })
        .unwrap_or(false);
    if generated.status.success() && has_staff {
        return "safeguard generate";
    }
    let _ = std::fs::remove_dir_all(&input);
    std::fs::create_dir_all(&input).unwrap();
    write_big_input(&input, 10_000);
    "the test's own writer"
}

fn load_command(env: &Env) -> Command {
    let mut cmd = command(env.root());
    cmd.arg("--quiet")
        .arg("load")
        .arg("--input")
        .arg(env.input())
        .arg("--warehouse")
        .arg(env.warehouse())
        .stdin(Stdio::null());
    cmd
}

/// Waits until `done` holds, for at most `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn a_killed_load_leaves_current_whole_and_the_next_load_succeeds() {
    let env = Env::empty();
    let source = big_input(&env);

    let started = Instant::now();
    env.load_ok();
    let full_load = started.elapsed();
    let first = env.current();
    let baseline = all_counts(&assert_snapshot_consistent(&first));
    assert!(
        baseline["training"].1 > 10_000,
        "input from {source} is too small: {baseline:?}"
    );

    // While a load runs, a second one is refused and told who holds the lock.
    {
        let mut running = load_command(&env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = format!("pid {}", running.id());
        let lock = env.warehouse().join(".lock");
        let held = wait_for(Duration::from_secs(10), || {
            std::fs::read_to_string(&lock).is_ok_and(|s| s.contains(&pid))
        });
        assert!(
            held,
            "the running load never wrote {pid} into {}",
            lock.display()
        );
        let second = load_command(&env).output().unwrap();
        let still_running = running.try_wait().unwrap().is_none();
        running.kill().ok();
        running.wait().unwrap();
        if still_running {
            let stderr = String::from_utf8_lossy(&second.stderr);
            assert_eq!(second.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains("another safeguard run is writing") && stderr.contains(&pid),
                "{stderr}"
            );
        }
    }

    let seed: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = vec![format!(
        "seed {seed}; input from {source}; a full load took {full_load:?}"
    )];
    // Half the trials kill at any moment in 50-1500 ms, the other half close to when a whole
    // load finishes, where the snapshot is published and `current` switched.
    let full_ms = full_load.as_millis() as u64;
    for trial in 0..8 {
        let before = env.current();
        let delay = Duration::from_millis(if trial % 2 == 0 {
            rng.random_range(50..=1500)
        } else {
            rng.random_range(full_ms * 8 / 10..=full_ms * 11 / 10)
        });
        let mut child = load_command(&env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();

        let now = env.current();
        log.push(format!(
            "trial {trial}: killed after {delay:?} (finished already: {finished}); current {} -> {}",
            name(&before),
            name(&now)
        ));
        let context = log.join("\n");
        assert!(
            now.parent() == Some(&env.warehouse().join("snapshots").canonicalize().unwrap()),
            "{context}\ncurrent is {}",
            now.display()
        );
        assert!(
            !name(&now).ends_with(".partial"),
            "{context}\ncurrent names a partial snapshot"
        );
        if now != before {
            assert!(
                name(&now) > name(&before),
                "{context}\ncurrent moved backwards"
            );
        }
        let m = assert_snapshot_consistent(&now);
        assert_eq!(m["snapshot"], name(&now).as_str(), "{context}");
        assert_eq!(all_counts(&m), baseline, "{context}");
    }
    let context = log.join("\n");

    let run = load_command(&env).output().unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{context}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let last = env.current();
    assert_eq!(all_counts(&assert_snapshot_consistent(&last)), baseline);
    assert!(
        snapshot_dirs(&env.warehouse())
            .iter()
            .all(|n| !n.ends_with(".partial")),
        "{context}\npartial snapshots left behind: {:?}",
        snapshot_dirs(&env.warehouse())
    );
    eprintln!("{context}");
}

#[test]
fn keep_2_leaves_the_two_newest_snapshots_and_current_is_the_newest() {
    let env = Env::base();
    let mut made = vec![];
    for i in 0..4 {
        // Each load sees different input, so each snapshot is its own.
        env.write(
            "supervision.csv",
            &format!(
                "{}V{},S2,2024-08-01,group\n",
                crate::util::SUPERVISION,
                10 + i
            ),
        );
        let run = env.load_with(&["--keep", "2"]);
        assert_eq!(run.code, 0, "{run:#?}");
        let current = env.current();
        assert!(
            !made.contains(&name(&current)),
            "load {i} reused a snapshot"
        );
        made.push(name(&current));
        assert_eq!(counts(&env.manifest(), "supervision"), (3, 3, 0));
    }
    let mut sorted = made.clone();
    sorted.sort();
    assert_eq!(sorted, made, "snapshot names do not sort in load order");
    assert_eq!(snapshot_dirs(&env.warehouse()), made[2..].to_vec());
    assert_eq!(name(&env.current()), made[3]);
    let m = read_manifest(&env.current());
    assert_eq!(m["snapshot"], made[3].as_str());
    assert_eq!(
        crate::util::read_parquet_dir(&env.current().join("supervision")).column("session_id"),
        ["V1", "V2", "V13"]
    );
    assert_snapshot_consistent(&env.warehouse().join("snapshots").join(&made[2]));
}

#[test]
fn a_load_while_another_process_holds_the_lock_exits_1_and_changes_nothing() {
    let env = Env::base();
    env.load_ok();
    let before = env.current();
    let snapshots = snapshot_dirs(&env.warehouse());
    let lock: PathBuf = env.warehouse().join(".lock");

    // `flock .lock cat` holds the lock until its standard input closes.
    let mut holder = Command::new("flock")
        .arg(&lock)
        .arg("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("flock (util-linux) is needed for this test");
    let held = wait_for(Duration::from_secs(10), || {
        Command::new("flock")
            .arg("-n")
            .arg(&lock)
            .arg("true")
            .status()
            .is_ok_and(|s| s.code() == Some(1))
    });
    assert!(held, "flock never took the lock");

    let run = env.load();
    drop(holder.stdin.take());
    holder.wait().unwrap();

    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.contains("another safeguard run is writing")
            && run.stderr.contains(&env.warehouse().display().to_string()),
        "{}",
        run.stderr
    );
    assert_eq!(env.current(), before);
    assert_eq!(snapshot_dirs(&env.warehouse()), snapshots);

    // Once the holder is gone the lock is free again.
    env.load_ok();
    assert_ne!(env.current(), before);
}
