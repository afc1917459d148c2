//! The query contexts a server keeps. For each snapshot and as_of: the full session (what
//! `--all` users query, and what scoped contexts are made from), and one context per scope; each
//! with the pg_catalog that clients read on connect. Built on first use, shared by every
//! connection that needs the same one (so the views' cached counts are computed once), and
//! forgotten when a load or refresh publishes a newer snapshot. A query holds its context for as
//! long as it runs, so a new snapshot never disturbs it; the next query sees the new data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use tokio::sync::OnceCell;

use crate::query::scope::{Scope, scoped_context};
use crate::query::{Engine, Params, Thresholds};
use crate::warehouse::Warehouse;

/// How many (as_of, scope) contexts are kept for one snapshot before the least recent are
/// dropped: sessions that set many dates should not hold many copies of the views' counts.
const MAX_CONTEXTS: usize = 32;

/// A context queries run in (one snapshot, one as_of, one scope).
pub struct Served {
    pub ctx: SessionContext,
}

type Cell = Arc<OnceCell<Arc<Served>>>;

/// The contexts of the live snapshot.
pub struct Contexts {
    warehouse: Warehouse,
    thresholds: Thresholds,
    queries: tokio::runtime::Handle,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    snapshot: Option<PathBuf>,
    /// By (as_of, scope), with the order of last use.
    entries: HashMap<(NaiveDate, Scope), (u64, Cell)>,
    uses: u64,
}

impl Contexts {
    pub fn new(
        warehouse: Warehouse,
        thresholds: Thresholds,
        queries: tokio::runtime::Handle,
    ) -> Contexts {
        Contexts {
            warehouse,
            thresholds,
            queries,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The context for `scope` at `as_of` over the snapshot live now.
    pub async fn get(&self, scope: &Scope, as_of: NaiveDate) -> anyhow::Result<Arc<Served>> {
        let snapshot = self.warehouse.current()?.with_context(|| {
            format!(
                "the warehouse {} has no data yet: run `safeguard load` first",
                self.warehouse.root().display()
            )
        })?;
        self.get_at(&snapshot, scope, as_of).await
    }

    async fn get_at(
        &self,
        snapshot: &Path,
        scope: &Scope,
        as_of: NaiveDate,
    ) -> anyhow::Result<Arc<Served>> {
        let cell = self.cell(snapshot, scope, as_of);
        cell.get_or_try_init(|| self.build(snapshot, scope, as_of))
            .await
            .cloned()
    }

    fn cell(&self, snapshot: &Path, scope: &Scope, as_of: NaiveDate) -> Cell {
        let mut cache = self.cache.lock().expect("contexts cache");
        if cache.snapshot.as_deref() != Some(snapshot) {
            cache.entries.clear();
            cache.snapshot = Some(snapshot.to_path_buf());
        }
        if cache.entries.len() >= MAX_CONTEXTS
            && !cache.entries.contains_key(&(as_of, scope.clone()))
        {
            let oldest = cache
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                cache.entries.remove(&k);
            }
        }
        cache.uses += 1;
        let uses = cache.uses;
        let entry = cache
            .entries
            .entry((as_of, scope.clone()))
            .or_insert_with(|| (uses, Cell::default()));
        entry.0 = uses;
        entry.1.clone()
    }

    async fn build(
        &self,
        snapshot: &Path,
        scope: &Scope,
        as_of: NaiveDate,
    ) -> anyhow::Result<Arc<Served>> {
        let ctx = match scope {
            Scope::All => {
                let params = Params {
                    as_of,
                    thresholds: self.thresholds.clone(),
                };
                let ctx = crate::query::open_snapshot(snapshot, &params, &Engine::Local)
                    .await?
                    .into_ctx();
                self.warm(&ctx).await?;
                ctx
            }
            Scope::Organisations(codes) => {
                let full = Box::pin(self.get_at(snapshot, &Scope::All, as_of)).await?;
                scoped_context(&full.ctx, codes).await?
            }
        };
        super::yielding::install(&ctx);
        add_pg_catalog(&ctx)?;
        Ok(Arc::new(Served { ctx }))
    }
}

impl Contexts {
    /// Computes the views kept once computed (the per-period counts most views read), on the
    /// query runtime, before any client query: a read that filters them (as the compliance
    /// views do) would otherwise compute its part again every time, for every connection.
    async fn warm(&self, ctx: &SessionContext) -> anyhow::Result<()> {
        for view in crate::query::VIEWS.iter().filter(|v| v.cached) {
            if !ctx.table_exist(view.name)? {
                continue;
            }
            let ctx = ctx.clone();
            let sql = format!("SELECT count(*) FROM {}", view.name);
            self.queries
                .spawn(async move { ctx.sql(&sql).await?.collect().await })
                .await
                .context("the query runtime stopped")?
                .with_context(|| format!("cannot compute the view {}", view.name))?;
        }
        Ok(())
    }
}

/// The pg_catalog schema and the functions clients' catalog queries call, over the context's
/// own tables (so a scoped context's catalog lists only what its user sees).
fn add_pg_catalog(ctx: &SessionContext) -> anyhow::Result<()> {
    datafusion_pg_catalog::setup_pg_catalog(ctx, "datafusion", EmptyContextProvider)
        .map_err(|e| anyhow::anyhow!("cannot set up the pg_catalog: {e}"))
}
