//! `safeguard scheduler` and `safeguard executor`: a Ballista cluster started with the same
//! binary that queries it, so the executors run exactly the DataFusion the views were written
//! and tested against.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::FunctionRegistry;

use super::args::{ExecutorCommand, SchedulerCommand};
use super::exit;

/// Runs a scheduler until it is stopped.
pub fn scheduler(cmd: SchedulerCommand) -> anyhow::Result<u8> {
    let external = cmd.external_host.unwrap_or_else(|| cmd.bind_host.clone());
    let addr: SocketAddr = format!("{}:{}", cmd.bind_host, cmd.port)
        .parse()
        .with_context(|| format!("--bind-host {:?} is not an IP address", cmd.bind_host))?;
    let mut config = SchedulerConfig::default()
        .with_hostname(external.clone())
        .with_port(cmd.port);
    config.bind_host = cmd.bind_host.clone();
    config.executor_timeout_seconds = cmd.executor_timeout;
    config.no_executors_grace_period_seconds = cmd.executor_timeout;
    config.expire_dead_executor_interval_seconds = cmd.executor_timeout.clamp(1, 15);
    // The scheduler decodes each query's plan, which names the views' own functions.
    config.override_session_builder = Some(Arc::new(|session_config| {
        let mut state = default_session_builder(session_config)?;
        for f in crate::query::functions::all() {
            state.register_udf(f)?;
        }
        Ok(state)
    }));
    runtime()?.block_on(async {
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .context("cannot set up the scheduler")?;
        eprintln!(
            "scheduler listening on {addr}; start executors with \
             `safeguard executor --scheduler df://{external}:{}`",
            cmd.port
        );
        tokio::select! {
            served = start_server(cluster, addr, Arc::new(config)) => {
                served.with_context(|| format!("the scheduler on {addr} stopped"))?;
            }
            () = stopped() => eprintln!("scheduler stopped"),
        }
        Ok(exit::OK)
    })
}

/// Runs an executor until it is stopped.
pub fn executor(cmd: ExecutorCommand) -> anyhow::Result<u8> {
    let (scheduler_host, scheduler_port) = crate::query::cluster::host_port(&cmd.scheduler)?;
    let config = ExecutorProcessConfig {
        bind_host: cmd.bind_host.clone(),
        external_host: cmd.external_host.clone(),
        port: cmd.port,
        grpc_port: cmd.grpc_port,
        scheduler_host,
        scheduler_port,
        // Keep trying while the scheduler starts, rather than failing at once.
        scheduler_connect_timeout_seconds: 30,
        vcores: cmd.concurrent_tasks.unwrap_or(0),
        work_dir: cmd.work_dir.map(|d| d.display().to_string()),
        executor_heartbeat_interval_seconds: cmd.heartbeat,
        print_thread_info: false,
        override_function_registry: Some(Arc::new(registry())),
        ..ExecutorProcessConfig::default()
    };
    runtime()?.block_on(async {
        eprintln!(
            "executor on {}:{} (results) and {}:{} (tasks), registering with {}",
            cmd.bind_host, cmd.port, cmd.bind_host, cmd.grpc_port, cmd.scheduler
        );
        tokio::select! {
            served = start_executor_process(Arc::new(config)) => {
                served.with_context(|| format!("the executor could not serve {}", cmd.scheduler))?;
            }
            () = stopped() => eprintln!("executor stopped"),
        }
        Ok(exit::OK)
    })
}

/// Ballista's functions and the views' own, for an executor to decode the plans it is sent.
fn registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for f in crate::query::functions::all() {
        registry.scalar_functions.insert(f.name().to_owned(), f);
    }
    registry
}

/// Planning deep views recurses deeply: the same large stacks Ballista's own binaries use.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    super::runtime(Some(32 * 1024 * 1024))
}

/// Resolves on Ctrl-C or SIGTERM (what systemd and `kill` send).
async fn stopped() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = ctrl_c => {}
            _ = async {
                match term.as_mut() {
                    Some(t) => { t.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
