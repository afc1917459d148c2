//! A table or view as a scoped user sees it: a fixed plan (the full table read through the
//! organisation filter) behind a boundary no part of the user's query crosses.
//!
//! Why a boundary: if the user's own predicates were pushed below the organisation filter (as
//! DataFusion does for ordinary views), they would be evaluated on other organisations' rows, and
//! an error such as "cannot cast 'S123' to Int32" would print a value from a row the user may not
//! see. So the provider accepts no filter pushdown and offers no logical plan to inline, and its
//! physical plan sits inside [`ScopeBoundaryExec`], a leaf to the rest of the query, which takes
//! no filters, projections or statistics across it. Inside, only the trusted plan (our filter and our views) runs on the full
//! data.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Column;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties, SendableRecordBatchStream,
};

/// A table whose rows are those of a fixed plan, read whole or projected, never with the
/// reader's filters inside it.
#[derive(Debug)]
pub struct ScopedTable {
    plan: LogicalPlan,
    schema: SchemaRef,
    table_type: TableType,
    definition: Option<String>,
}

impl ScopedTable {
    /// `plan` as a table (`TableType::Base`, listed by `\dt`) or a view (`\dv`), with the view's
    /// definition for `information_schema.views`.
    pub fn new(plan: LogicalPlan, table_type: TableType, definition: Option<String>) -> Self {
        ScopedTable {
            schema: Arc::new(plan.schema().as_arrow().clone()),
            plan,
            table_type,
            definition,
        }
    }
}

#[async_trait]
impl TableProvider for ScopedTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        self.table_type
    }

    fn get_table_definition(&self) -> Option<&str> {
        self.definition.as_deref()
    }

    // `get_logical_plan` keeps its default (None) and `supports_filters_pushdown` its default
    // (Unsupported): both are what keeps the reader's expressions above the boundary.

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let mut plan = LogicalPlanBuilder::from(self.plan.clone());
        if let Some(projection) = projection
            && projection.iter().copied().ne(0..self.schema.fields().len())
        {
            let columns = projection
                .iter()
                .map(|i| Expr::Column(Column::from(self.plan.schema().qualified_field(*i))));
            plan = plan.project(columns)?;
        }
        if let Some(limit) = limit {
            plan = plan.limit(0, Some(limit))?;
        }
        let inner = state.create_physical_plan(&plan.build()?).await?;
        Ok(Arc::new(ScopeBoundaryExec::new(inner)))
    }
}

/// The physical boundary over a scoped table's plan: to the rest of the query a leaf that
/// yields the plan's batches. Its plan was optimised whole when the table was scanned, and
/// having no children keeps the query's optimiser out of it: nothing is pushed into it or
/// reordered inside it (reordering an optimised plan's joins is also what DataFusion forbids
/// once their dynamic filters exist), and no statistic comes out of it.
#[derive(Debug)]
pub struct ScopeBoundaryExec {
    inner: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl ScopeBoundaryExec {
    pub fn new(inner: Arc<dyn ExecutionPlan>) -> Self {
        ScopeBoundaryExec {
            properties: inner.properties().clone(),
            inner,
        }
    }
}

impl DisplayAs for ScopeBoundaryExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ScopeBoundaryExec")
    }
}

impl ExecutionPlan for ScopeBoundaryExec {
    fn name(&self) -> &str {
        "ScopeBoundaryExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            datafusion::common::internal_err!("ScopeBoundaryExec has no children to replace")
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        self.inner.execute(partition, context)
    }
}
