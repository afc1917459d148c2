//! Joins that pause: a physical optimiser rule putting DataFusion's `CooperativeExec` above
//! every join, so that a join producing many batches for each one it reads (a cross join, say)
//! gives its thread back every so many batches.
//!
//! Why: a statement that times out or is cancelled is stopped by aborting its tasks, and a task
//! stops only where it pauses. DataFusion's own rule makes the scans pause; a join that turns
//! one batch into thousands would otherwise run on for many seconds after its statement was
//! stopped, holding the threads every other query needs.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::error::Result;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::prelude::SessionContext;

#[derive(Debug)]
struct YieldAfterJoins;

const COOPERATIVE: &str = "CooperativeExec";

impl PhysicalOptimizerRule for YieldAfterJoins {
    fn name(&self) -> &str {
        "YieldAfterJoins"
    }

    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            if node.name().ends_with("JoinExec") {
                return Ok(Transformed::yes(Arc::new(CooperativeExec::new(node))));
            }
            // A plan optimised twice (a scoped table's plan inside a query) is wrapped once.
            if node.name() == COOPERATIVE
                && let [child] = node.children().as_slice()
                && child.name() == COOPERATIVE
            {
                return Ok(Transformed::yes(Arc::clone(child)));
            }
            Ok(Transformed::no(node))
        })
        .map(|t| t.data)
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Adds the rule to a context's physical optimiser.
pub fn install(ctx: &SessionContext) {
    let state = ctx.state_ref();
    let mut state = state.write();
    let with_rule = SessionStateBuilder::new_from_existing(state.clone())
        .with_physical_optimizer_rule(Arc::new(YieldAfterJoins))
        .build();
    *state = with_rule;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn joins_are_wrapped_once() {
        let ctx = SessionContext::new();
        install(&ctx);
        ctx.sql("CREATE TABLE t (x INT) AS VALUES (1), (2)")
            .await
            .unwrap();
        let plan = ctx
            .sql("SELECT count(*) FROM t a, t b WHERE a.x + b.x > 0")
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap();
        let text = datafusion::physical_plan::displayable(plan.as_ref())
            .indent(false)
            .to_string();
        let join = text.lines().position(|l| l.contains("JoinExec")).unwrap();
        let above = text.lines().nth(join - 1).unwrap();
        assert!(above.contains(COOPERATIVE), "{text}");
        let again = YieldAfterJoins
            .optimize(plan, &ConfigOptions::default())
            .unwrap();
        let text_again = datafusion::physical_plan::displayable(again.as_ref())
            .indent(false)
            .to_string();
        assert_eq!(text, text_again);
    }
}
