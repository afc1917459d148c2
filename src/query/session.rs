//! A session: one DataFusion context over one warehouse snapshot, with the datasets and the
//! load's tables read from its Parquet files, the small tables the session makes itself, and
//! the views of `queries/*.sql` defined in dependency order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

use super::period_tables::register_params;
use super::scope::scoped_context;
use super::tables::Tables;
use super::{Engine, Params, VIEWS, cache, catalog};
use crate::contract::{DATASETS, warehouse_schema};
use crate::warehouse::{DatasetStatus, Manifest, Warehouse};

/// An open session over one warehouse snapshot, read through its accessors.
pub struct Session {
    ctx: SessionContext,
    /// The snapshot folder the session reads (fixed for its lifetime).
    snapshot: PathBuf,
    manifest: Manifest,
    /// The tables and views registered, with a one-line description each, for `\d`.
    catalog: Vec<(String, String)>,
}

impl Session {
    /// The DataFusion context the tables and views are registered in.
    pub fn ctx(&self) -> &SessionContext {
        &self.ctx
    }

    /// The context alone, for a server that keeps it beside contexts of its own.
    pub fn into_ctx(self) -> SessionContext {
        self.ctx
    }

    /// The snapshot folder the session reads (fixed for its lifetime).
    pub fn snapshot(&self) -> &Path {
        &self.snapshot
    }

    /// The manifest of the load that made the snapshot.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Every table and view registered, with a one-line description, in the order `\d` lists
    /// them.
    pub fn catalog(&self) -> &[(String, String)] {
        &self.catalog
    }

    /// Whether a table or view of that name exists (an optional dataset's views exist only when
    /// it was supplied).
    pub fn has(&self, name: &str) -> bool {
        self.catalog.iter().any(|(n, _)| n == name)
    }

    /// The same session with every view's rows computed once, when first read, and kept in
    /// memory, for many readers of the same views (a pack per organisation): each scoped
    /// session then filters the kept rows instead of computing the view again over the whole
    /// footprint. Views nobody reads (a person's training spells, say) are never computed.
    pub async fn frozen(&self) -> anyhow::Result<Session> {
        let ctx = SessionContext::new_with_config(self.ctx.copied_config());
        super::functions::register(&ctx);
        let names = self
            .ctx
            .catalog("datafusion")
            .and_then(|c| c.schema("public"))
            .map(|s| s.table_names())
            .unwrap_or_default();
        for name in names {
            match VIEWS.iter().find(|v| v.name == name) {
                Some(view) => {
                    let plan = self.ctx.table(name.as_str()).await?.into_unoptimized_plan();
                    ctx.register_table(name.as_str(), cache::kept(plan, view.sql))?;
                }
                None => {
                    let table = self.ctx.table_provider(name.as_str()).await?;
                    ctx.register_table(name.as_str(), table)?;
                }
            }
        }
        Ok(Session {
            ctx,
            snapshot: self.snapshot.clone(),
            manifest: self.manifest.clone(),
            catalog: self.catalog.clone(),
        })
    }

    /// The same snapshot as the given organisations see it (a provider's pack): every table
    /// and view filtered below the SQL, the load records left out (see [`super::scope`]).
    pub async fn scoped(&self, codes: &BTreeSet<String>) -> anyhow::Result<Session> {
        let ctx = scoped_context(&self.ctx, codes).await?;
        let catalog = self
            .catalog
            .iter()
            .filter(|(name, _)| ctx.table_exist(name.as_str()).unwrap_or(false))
            .cloned()
            .collect();
        Ok(Session {
            ctx,
            snapshot: self.snapshot.clone(),
            manifest: self.manifest.clone(),
            catalog,
        })
    }
}

/// Opens a session over the warehouse's live snapshot.
pub async fn open(
    warehouse: &Warehouse,
    params: &Params,
    engine: &Engine,
) -> anyhow::Result<Session> {
    let snapshot = warehouse.current()?.with_context(|| {
        format!(
            "the warehouse {} has no data yet: run `safeguard load --warehouse {0}` first",
            warehouse.root().display()
        )
    })?;
    open_snapshot(&snapshot, params, engine).await
}

/// How every local session is configured: information_schema on (`\d`, clients' catalog
/// queries), and batches of 65,536 rows rather than DataFusion's 8,192. The views are a few
/// long scans, sorts, windows and aggregations over millions of rows, so fewer, larger batches
/// mean less per-batch work: at 1,000,000 staff the nine views together took 0.85 of the time
/// (median of 5 paired runs) at a similar peak. More partitions than cores (4 on 2) gained
/// another 8% but raised the peak of `spc_monthly` by a quarter, so stays at the default.
fn config() -> SessionConfig {
    SessionConfig::new()
        .with_information_schema(true)
        .with_batch_size(65_536)
}

/// A new local context: [`config`], with the functions the views call.
pub(crate) fn context() -> SessionContext {
    let ctx = SessionContext::new_with_config(config());
    super::functions::register(&ctx);
    ctx
}

/// Opens a session over one snapshot folder.
pub async fn open_snapshot(
    snapshot: &Path,
    params: &Params,
    engine: &Engine,
) -> anyhow::Result<Session> {
    let manifest = Manifest::read(snapshot)?;
    let (ctx, snapshot, tables) = match engine {
        Engine::Local => (context(), snapshot.to_path_buf(), Tables::Memory),
        Engine::Cluster(url) => {
            // The executors open the files by the paths the plan names.
            let snapshot = std::path::absolute(snapshot)?;
            (cluster_context(url).await?, snapshot, Tables::Values)
        }
    };
    let snapshot = snapshot.as_path();
    let mut catalog = vec![];
    for def in DATASETS {
        let dir = snapshot.join(def.name);
        if dir.is_dir() {
            register_parquet(&ctx, def.name, &dir).await?;
            catalog.push((
                def.name.to_owned(),
                format!("dataset: {}", catalog::describe_dataset(def.name)),
            ));
        } else {
            // Not supplied: an empty table with the contract's columns, so views that count from
            // it (Section 11 actions, say) count zero rather than fail.
            let schema = warehouse_schema(def, &[]);
            tables.register(&ctx, def.name, RecordBatch::new_empty(schema))?;
            catalog.push((
                def.name.to_owned(),
                format!(
                    "dataset (not supplied, empty): {}",
                    catalog::describe_dataset(def.name)
                ),
            ));
        }
    }
    for (name, about) in catalog::LOAD_TABLES {
        let dir = snapshot.join(name);
        if dir.is_dir() {
            register_parquet(&ctx, name, &dir).await?;
            catalog.push((name.to_owned(), about.to_owned()));
        }
    }
    register_refresh_history(&ctx, snapshot, tables)?;
    register_params(&ctx, params, tables)?;
    for (name, about) in catalog::HISTORY_TABLES
        .iter()
        .chain(&catalog::PERIOD_TABLES)
    {
        catalog.push(((*name).to_owned(), (*about).to_owned()));
    }
    for view in VIEWS {
        let supplied = |d: &&str| {
            manifest
                .dataset(d)
                .is_some_and(|r| r.status != DatasetStatus::Absent)
        };
        if view.requires.iter().all(supplied) {
            cache::define(&ctx, view, tables == Tables::Memory)
                .await
                .with_context(|| {
                    format!("cannot define the view {} (queries/{0}.sql)", view.name)
                })?;
            catalog.push((view.name.to_owned(), view.description()));
        }
    }
    Ok(Session {
        ctx,
        snapshot: snapshot.to_path_buf(),
        manifest,
        catalog,
    })
}

/// The warehouse's refresh history (kept beside the snapshots, not in one): empty tables when
/// the warehouse has never been refreshed, so queries and the report work either way.
fn register_refresh_history(
    ctx: &SessionContext,
    snapshot: &Path,
    tables: Tables,
) -> anyhow::Result<()> {
    use crate::warehouse::history;
    // snapshots/<id> (or <id>.partial while a refresh typesets from it) -> the warehouse.
    let runs = match snapshot.parent().and_then(Path::parent) {
        Some(root) => history::read(root)?,
        None => vec![],
    };
    let (runs, datasets) = history::tables(&runs)?;
    tables.register(ctx, "refresh_runs", runs)?;
    tables.register(ctx, "refresh_run_datasets", datasets)
}

/// A session whose queries run on the Ballista cluster at `url`.
#[cfg(feature = "cluster")]
async fn cluster_context(url: &str) -> anyhow::Result<SessionContext> {
    super::cluster::context(url).await
}

#[cfg(not(feature = "cluster"))]
async fn cluster_context(url: &str) -> anyhow::Result<SessionContext> {
    anyhow::bail!(
        "cannot run on the cluster {url}: this safeguard was built without cluster support \
         (install it with `cargo install --path . --features cluster`)"
    )
}

async fn register_parquet(ctx: &SessionContext, name: &str, dir: &Path) -> anyhow::Result<()> {
    let path = format!("{}/", dir.display());
    ctx.register_parquet(name, &path, ParquetReadOptions::default())
        .await
        .with_context(|| format!("cannot read the table {name} in {}", dir.display()))
}
