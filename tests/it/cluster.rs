//! The views on an Apache DataFusion Ballista cluster: a scheduler and two executors started
//! with this binary on loopback, every contract view and the whole report run through the
//! cluster and locally on the same warehouse, and one executor killed mid-query.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Run, bin};

/// Every view in METRICS.md.
const CONTRACT_VIEWS: &[&str] = &[
    "training_compliance",
    "supervision_compliance",
    "section11_summary",
    "review_action_status",
    "multiagency_contribution",
    "quality_ratings_summary",
    "spc_monthly",
    "spc_summary",
    "load_rejects",
];

/// A free port on loopback (the OS picks it; it is released for the process that binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The processes of a loopback cluster, killed when the test ends however it ends.
struct Cluster {
    url: String,
    scheduler: Child,
    executors: Vec<Child>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let port = free_port();
        let url = format!("df://127.0.0.1:{port}");
        let log = |name: &str| std::fs::File::create(dir.join(format!("{name}.log"))).unwrap();
        let scheduler = Command::new(bin())
            .args(["scheduler", "--port", &port.to_string()])
            .args(["--executor-timeout", "5"])
            .stdout(Stdio::null())
            .stderr(log("scheduler"))
            .spawn()
            .unwrap();
        let executors = (0..2)
            .map(|i| {
                let work = dir.join(format!("executor-{i}"));
                std::fs::create_dir_all(&work).unwrap();
                Command::new(bin())
                    .args(["executor", "--scheduler", &url])
                    .args(["--port", &free_port().to_string()])
                    .args(["--grpc-port", &free_port().to_string()])
                    .args(["--concurrent-tasks", "2", "--heartbeat", "1"])
                    .arg("--work-dir")
                    .arg(&work)
                    .stdout(Stdio::null())
                    .stderr(log(&format!("executor-{i}")))
                    .spawn()
                    .unwrap()
            })
            .collect();
        Cluster {
            url,
            scheduler,
            executors,
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().chain([&mut self.scheduler]) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn sql(warehouse: &Path, cluster: Option<&str>, query: &str) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args([
        "sql",
        "--format",
        "csv",
        "--as-of",
        "2026-03-31",
        "--warehouse",
    ])
    .arg(warehouse)
    .args(["-c", query])
    .env_remove("SAFEGUARD_CONFIG");
    if let Some(url) = cluster {
        cmd.args(["--cluster", url]);
    }
    cmd
}

fn run(mut cmd: Command) -> Run {
    cmd.output().expect("the command starts").into()
}

/// A view's rows as CSV lines, header first, the rows sorted (a cluster returns them in
/// whatever order its partitions finish).
fn rows(out: &Run) -> Vec<String> {
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut lines: Vec<String> = out.stdout.lines().map(str::to_owned).collect();
    lines[1..].sort();
    lines
}

fn generated_warehouse(dir: &Path) -> PathBuf {
    let input = dir.join("input");
    let warehouse = dir.join("warehouse");
    let generate = run({
        let mut c = Command::new(bin());
        c.args([
            "generate", "--quiet", "--staff", "2000", "--seed", "11", "--out",
        ])
        .arg(&input);
        c
    });
    assert_eq!(generate.code, 0, "{}", generate.stderr);
    let load = run({
        let mut c = Command::new(bin());
        c.args(["load", "--quiet", "--input"])
            .arg(&input)
            .arg("--warehouse")
            .arg(&warehouse);
        c
    });
    assert_eq!(load.code, 0, "{}", load.stderr);
    warehouse
}

/// Runs `query` on the cluster until it succeeds, failing the test after `within`.
fn until_answered(warehouse: &Path, url: &str, query: &str, within: Duration, what: &str) -> Run {
    let deadline = Instant::now() + within;
    loop {
        let out = run(sql(warehouse, Some(url), query));
        if out.code == 0 {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "the cluster did not {what} within {within:?}: {}",
            out.stderr
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn cluster_gives_the_local_figures_and_survives_a_lost_executor() {
    let dir = tempfile::tempdir().unwrap();
    let warehouse = generated_warehouse(dir.path());
    let mut cluster = Cluster::start(dir.path());
    let ready = "SELECT count(*) AS n FROM staff";
    until_answered(
        &warehouse,
        &cluster.url,
        ready,
        Duration::from_secs(90),
        "start",
    );

    // Every contract view, row for row.
    let mut local_rows = std::collections::HashMap::new();
    for view in CONTRACT_VIEWS {
        let query = format!("SELECT * FROM {view}");
        let local = rows(&run(sql(&warehouse, None, &query)));
        let remote = rows(&run(sql(&warehouse, Some(&cluster.url), &query)));
        assert!(
            local.len() > 1 || *view == "load_rejects",
            "{view} is empty"
        );
        assert_eq!(local, remote, "{view}: cluster and local results differ");
        local_rows.insert(*view, local);
    }

    // The whole report: the same data reaches the templates, so the PDF is the same bytes.
    let report = |cluster: Option<&str>, name: &str| -> (Vec<u8>, String) {
        let pdf = dir.path().join(format!("{name}.pdf"));
        let json = dir.path().join(format!("{name}.json"));
        let mut cmd = Command::new(bin());
        cmd.args(["report", "--quiet", "--as-of", "2026-03-31", "--warehouse"])
            .arg(&warehouse)
            .arg("--output")
            .arg(&pdf)
            .arg("--data-json")
            .arg(&json)
            .env_remove("SAFEGUARD_CONFIG");
        if let Some(url) = cluster {
            cmd.args(["--cluster", url]);
        }
        let out = run(cmd);
        assert_eq!(out.code, 0, "report {name}: {}", out.stderr);
        (
            std::fs::read(pdf).unwrap(),
            std::fs::read_to_string(json).unwrap(),
        )
    };
    let (local_pdf, local_json) = report(None, "local");
    let (remote_pdf, remote_json) = report(Some(&cluster.url), "cluster");
    assert_eq!(local_json, remote_json, "the report data differ");
    assert!(local_pdf == remote_pdf, "the report PDFs differ");

    // An executor killed mid-query: the answer is the right one or a clear error, never a
    // wrong figure.
    let mut query = sql(&warehouse, Some(&cluster.url), "SELECT * FROM spc_monthly");
    let pending = query
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let mut lost = cluster.executors.remove(1);
    lost.kill().unwrap();
    lost.wait().unwrap();
    let out: Run = pending.wait_with_output().unwrap().into();
    if out.code == 0 {
        assert_eq!(
            rows(&out),
            local_rows["spc_monthly"],
            "wrong figures after a lost executor"
        );
        eprintln!("executor lost mid-query: the query completed with the right figures");
    } else {
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(
            out.stdout.is_empty(),
            "a failed query printed rows: {}",
            out.stdout
        );
        assert!(!out.stderr.trim().is_empty());
        eprintln!(
            "executor lost mid-query: the query failed with: {}",
            out.stderr.trim()
        );
    }

    // The cluster goes on with the executor it has left.
    let query = "SELECT * FROM training_compliance";
    let within = Duration::from_secs(60);
    let out = until_answered(&warehouse, &cluster.url, query, within, "recover");
    assert_eq!(rows(&out), local_rows["training_compliance"]);
}

/// A wrong address is bad usage (exit 2), said in a sentence that names it.
#[test]
fn an_unreachable_cluster_is_a_clear_error() {
    let warehouse = crate::util::sample_scratch().join("w");
    let url = format!("df://127.0.0.1:{}", free_port());
    let out = run(sql(
        &warehouse,
        Some(&url),
        "SELECT * FROM training_compliance",
    ));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("cannot reach the Ballista scheduler at {url}")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("tonic"), "{}", out.stderr);
}
