//! Per-organisation scoping, enforced below the SQL: a scoped user's queries run in a session
//! context of their own whose every table and view is already filtered, built from the full
//! session's tables and views. No name in that context is bound to an unfiltered table, so no
//! query text (joins, subqueries, CTEs, `UNION`, the catalog) can reach another organisation's
//! rows: there is nothing to name.
//!
//! What each table becomes (SERVE.md, "What a user sees"):
//! - an organisation column (`organisation_code`, `lead_organisation_code`): rows with that
//!   column in scope; footprint rows (organisation_code null) drop out with them;
//! - `training`, `supervision` (no organisation of their own): rows of in-scope staff;
//! - `params` and the period tables: whole;
//! - views without an organisation column (`escalation_summary`, `review_action_status`):
//!   computed again over the scoped tables;
//! - the load and refresh records (and `data_quality`, made from them): not there at all, since
//!   they count every organisation's rows;
//! - anything else: not there (a table added later stays hidden until it is classified here).

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::Context;
use datafusion::catalog::TableProvider;
use datafusion::datasource::{TableType, provider_as_source};
use datafusion::logical_expr::{JoinType, LogicalPlan, LogicalPlanBuilder, col, lit};
use datafusion::prelude::SessionContext;

use super::scoped_table::ScopedTable;
use crate::query::VIEWS;

/// Which rows a user sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Everything `safeguard sql` shows.
    All,
    /// The rows of these organisations (ODS codes) only.
    Organisations(BTreeSet<String>),
}

impl Scope {
    /// A scope of the given organisation codes (at least one).
    pub fn organisations(codes: impl IntoIterator<Item = String>) -> Result<Scope, String> {
        let codes: BTreeSet<String> = codes
            .into_iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            return Err("a scoped user needs at least one organisation code".into());
        }
        if let Some(bad) = codes
            .iter()
            .find(|c| c.contains([',', '\'', '"']) || c.contains(char::is_whitespace))
        {
            return Err(format!("{bad:?} is not an organisation code"));
        }
        Ok(Scope::Organisations(codes))
    }

    /// For the log: `all organisations` or `organisations RXA, RXB`.
    pub fn describe(&self) -> String {
        match self {
            Scope::All => "all organisations".into(),
            Scope::Organisations(codes) => format!(
                "organisation{} {}",
                if codes.len() == 1 { "" } else { "s" },
                codes.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

/// Tables a scoped user never sees: records of every organisation's loads and refreshes.
const HIDDEN: &[&str] = &[
    "load_rejects",
    "load_files",
    "load_summary",
    "refresh_runs",
    "refresh_run_datasets",
    "data_quality",
];

/// Tables every user sees whole: the parameters and periods, which hold no organisation's data.
const WHOLE: &[&str] = &[
    "params",
    "quarter_ends",
    "month_ends",
    "period_ends",
    "period_offsets",
];

/// The columns that name a row's organisation.
const ORGANISATION_COLUMNS: &[&str] = &["organisation_code", "lead_organisation_code"];

/// Tables whose rows belong to a member of staff, and so to the staff member's organisation.
const BY_STAFF: &[&str] = &["training", "supervision"];

/// How one table of the full session appears in a scoped one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Hidden,
    Whole,
    /// Rows whose organisation column is in scope.
    Column(&'static str),
    /// Rows whose staff_id belongs to in-scope staff.
    ByStaff,
    /// A view computed again from its SQL over the scoped tables.
    Recompute,
}

fn rule(name: &str, provider: &dyn TableProvider) -> Rule {
    if HIDDEN.contains(&name) {
        return Rule::Hidden;
    }
    if WHOLE.contains(&name) {
        return Rule::Whole;
    }
    let schema = provider.schema();
    if let Some(column) = ORGANISATION_COLUMNS
        .iter()
        .find(|c| schema.field_with_name(c).is_ok())
    {
        return Rule::Column(column);
    }
    if BY_STAFF.contains(&name) {
        return Rule::ByStaff;
    }
    if VIEWS.iter().any(|v| v.name == name) {
        return Rule::Recompute;
    }
    Rule::Hidden
}

/// A context holding `full`'s tables and views as `codes`' users see them.
pub async fn scoped_context(
    full: &SessionContext,
    codes: &BTreeSet<String>,
) -> anyhow::Result<SessionContext> {
    let ctx = super::session::context();
    let in_scope = |column: &str| col(column).in_list(codes.iter().map(lit).collect(), false);
    let names = full
        .catalog("datafusion")
        .and_then(|c| c.schema("public"))
        .map(|s| s.table_names())
        .unwrap_or_default();
    let provider = |name: &str| {
        let name = name.to_owned();
        async move {
            full.table_provider(name.as_str())
                .await
                .with_context(|| format!("the full session has no table {name}"))
        }
    };

    // The staff ids in scope, for the tables of staff records.
    let staff = provider("staff").await?;
    let staff_ids = LogicalPlanBuilder::scan("scope_staff", provider_as_source(staff), None)?
        .filter(in_scope("organisation_code"))?
        .project([col("scope_staff.staff_id")])?
        .build()?;

    let mut recompute = vec![];
    for name in &names {
        let table = provider(name).await?;
        let plan = match rule(name, table.as_ref()) {
            Rule::Hidden => continue,
            Rule::Whole => {
                ctx.register_table(name.as_str(), table)?;
                continue;
            }
            Rule::Recompute => {
                recompute.push(name.clone());
                continue;
            }
            Rule::Column(column) => scan(name, &table)?
                .filter(in_scope(&format!("{name}.{column}")))?
                .build()?,
            Rule::ByStaff => scan(name, &table)?
                .join_on(
                    staff_ids.clone(),
                    JoinType::LeftSemi,
                    [col(format!("{name}.staff_id")).eq(col("scope_staff.staff_id"))],
                )?
                .build()?,
        };
        register(&ctx, name, plan, table.as_ref())?;
    }

    // In dependency order, each over the scoped tables (and views) registered before it.
    for view in VIEWS
        .iter()
        .filter(|v| recompute.iter().any(|n| n == v.name))
    {
        let plan = ctx
            .sql(view.sql)
            .await
            .with_context(|| format!("cannot scope the view {}", view.name))?
            .into_unoptimized_plan();
        let full_table = provider(view.name).await?;
        register(&ctx, view.name, plan, full_table.as_ref())?;
    }
    Ok(ctx)
}

fn scan(name: &str, table: &Arc<dyn TableProvider>) -> anyhow::Result<LogicalPlanBuilder> {
    Ok(LogicalPlanBuilder::scan(
        name,
        provider_as_source(table.clone()),
        None,
    )?)
}

/// Registers `plan` under `name` as a table or view like the full session's `like`.
fn register(
    ctx: &SessionContext,
    name: &str,
    plan: LogicalPlan,
    like: &dyn TableProvider,
) -> anyhow::Result<()> {
    let table_type = match like.table_type() {
        TableType::View => TableType::View,
        _ => TableType::Base,
    };
    let definition = like.get_table_definition().map(str::to_owned);
    ctx.register_table(
        name,
        Arc::new(ScopedTable::new(plan, table_type, definition)),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked() {
        assert!(Scope::organisations(["".to_owned()]).is_err());
        assert!(Scope::organisations(["R'X".to_owned()]).is_err());
        let s = Scope::organisations(["RXB".to_owned(), " RXA ".to_owned()]).unwrap();
        assert_eq!(s.describe(), "organisations RXA, RXB");
    }
}
