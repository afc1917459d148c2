//! Views computed at most once per session. `training_counts` and `supervision_counts` are read
//! by the compliance views, the headline and both SPC views; a session that runs several of
//! those (`sql -f`, the report) would otherwise compute them again for every statement.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::{MemTable, ViewTable};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, LogicalPlan, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;
use tokio::sync::OnceCell;

use super::View;

/// Defines `view` in `ctx`: as a plain view, or, for a view marked `cached` when `keep` allows
/// it, as a table whose rows are computed in full when first read and kept for the rest of the
/// session. (A cluster session cannot keep them: its plans travel to executors that have no
/// access to this process's memory.)
pub async fn define(ctx: &SessionContext, view: &View, keep: bool) -> Result<()> {
    if view.cached && keep {
        let plan = ctx.sql(view.sql).await?.into_unoptimized_plan();
        ctx.register_table(view.name, Arc::new(CachedView::new(plan, view.sql, false)))?;
    } else {
        ctx.sql(&format!("CREATE VIEW {} AS {}", view.name, view.sql))
            .await?;
    }
    Ok(())
}

/// A view (`plan`) whose rows are computed in full the first time anything reads it, even a
/// filtered read, and kept: for a session many scoped readers share (provider packs), where
/// every reader wants a different part and computing each part apart would repeat the work.
pub fn kept(plan: LogicalPlan, definition: &str) -> Arc<dyn TableProvider> {
    Arc::new(CachedView::new(plan, definition, true))
}

/// A view whose result is kept once computed. Meant for small results of expensive queries:
/// the rows stay in memory for the session.
#[derive(Debug)]
struct CachedView {
    plan: LogicalPlan,
    definition: String,
    schema: SchemaRef,
    rows: OnceCell<Vec<RecordBatch>>,
    /// Whether a filtered first read computes every row too (see [`kept`]).
    whole: bool,
}

impl CachedView {
    fn new(plan: LogicalPlan, definition: &str, whole: bool) -> CachedView {
        CachedView {
            schema: Arc::new(plan.schema().as_arrow().clone()),
            plan,
            definition: definition.to_owned(),
            rows: OnceCell::new(),
            whole,
        }
    }
}

#[async_trait]
impl TableProvider for CachedView {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    fn get_table_definition(&self) -> Option<&str> {
        Some(&self.definition)
    }

    /// Inexact: DataFusion filters the rows again, so a read from the kept rows can ignore them,
    /// while a read before there are any can push them into the query.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // A first read of a part (one view's quarter ends, say) computes just that part, as a
        // plain view would: a session that reads only that part pays no more than before.
        if !self.whole && self.rows.get().is_none() && !filters.is_empty() {
            return ViewTable::new(self.plan.clone(), None)
                .scan(state, projection, filters, limit)
                .await;
        }
        let rows = self
            .rows
            .get_or_try_init(|| async {
                let plan = state.create_physical_plan(&self.plan).await?;
                collect(plan, state.task_ctx()).await
            })
            .await?;
        MemTable::try_new(self.schema.clone(), vec![rows.clone()])?
            .scan(state, projection, &[], limit)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Int64Array};

    async fn numbers(ctx: &SessionContext, sql: &str) -> Vec<i64> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let mut out: Vec<i64> = batches
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                (0..a.len()).map(|i| a.value(i)).collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    }

    /// A session with a table `t` of 1, 2, 3 and a cached view over it.
    async fn session() -> SessionContext {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE t (x BIGINT) AS VALUES (1), (2), (3)")
            .await
            .unwrap();
        let view = View {
            name: "doubled",
            sql: "SELECT 2 * x AS y, x FROM t",
            requires: &[],
            cached: true,
        };
        define(&ctx, &view, true).await.unwrap();
        ctx
    }

    /// Adds a row to `t`, to see whether the view reads it again.
    async fn add_ten(ctx: &SessionContext) {
        ctx.sql("INSERT INTO t VALUES (10)")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_whole_read_is_kept_for_the_session() {
        let ctx = session().await;
        assert_eq!(numbers(&ctx, "SELECT y FROM doubled").await, [2, 4, 6]);
        add_ten(&ctx).await;
        assert_eq!(numbers(&ctx, "SELECT y FROM doubled").await, [2, 4, 6]);
        // kept rows are still filtered, projected and limited as asked
        assert_eq!(
            numbers(&ctx, "SELECT x FROM doubled WHERE y > 2").await,
            [2, 3]
        );
        assert_eq!(
            numbers(&ctx, "SELECT y FROM doubled ORDER BY y LIMIT 1").await,
            [2]
        );
    }

    #[tokio::test]
    async fn a_filtered_first_read_computes_only_its_part_and_keeps_nothing() {
        let ctx = session().await;
        assert_eq!(
            numbers(&ctx, "SELECT y FROM doubled WHERE x >= 2").await,
            [4, 6]
        );
        add_ten(&ctx).await;
        assert_eq!(numbers(&ctx, "SELECT y FROM doubled").await, [2, 4, 6, 20]);
    }
}
