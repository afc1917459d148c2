//! Two rewrites of clients' catalog queries that datafusion-pg-catalog 0.19 does not make, found
//! by running the type-loading queries Npgsql (Power BI, Excel) sends on every new connection:
//!
//! - the catalog keeps `regproc` columns (`pg_type.typreceive`, ...) as function names, so a
//!   join of one to `pg_proc.oid` is made on `pg_proc.proname` instead;
//! - DataFusion plans a correlated scalar subquery only when it is aggregated, so one over
//!   catalog tables that selects a bare column gets `max(...)` around it (PostgreSQL would fail
//!   if it found two rows; the catalog's subqueries find at most one).
//!
//! Both apply to catalog tables only; queries over the warehouse are left as written.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, Ident, SelectItem, SetExpr, Statement, TableFactor, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// The `regproc` columns of `pg_type`, which reference `pg_proc`.
const REGPROC_COLUMNS: &[&str] = &["typinput", "typoutput", "typreceive", "typsend"];

/// Applies both rewrites to a parsed statement.
pub fn rewrite(mut statement: Statement) -> Statement {
    let _ = statement.visit(&mut CatalogRules);
    statement
}

struct CatalogRules;

impl VisitorMut for CatalogRules {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                join_regproc_by_name(left, right);
                join_regproc_by_name(right, left);
            }
            Expr::Subquery(query) => {
                if let SetExpr::Select(select) = query.body.as_mut()
                    && !select.from.is_empty()
                    && select.from.iter().all(|t| {
                        is_catalog_table(&t.relation)
                            && t.joins.iter().all(|j| is_catalog_table(&j.relation))
                    })
                    && let [item] = select.projection.as_mut_slice()
                {
                    let column = match item {
                        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                        _ => return ControlFlow::Continue(()),
                    };
                    if matches!(column, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
                        && let Ok(max) = Parser::new(&PostgreSqlDialect {})
                            .try_with_sql(&format!("max({column})"))
                            .and_then(|mut p| p.parse_expr())
                    {
                        *column = max;
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// `p.oid = t.typreceive` becomes `p.proname = t.typreceive`.
fn join_regproc_by_name(oid: &mut Expr, regproc: &Expr) {
    let Expr::CompoundIdentifier(regproc) = regproc else {
        return;
    };
    let Some(column) = regproc.last() else {
        return;
    };
    if !REGPROC_COLUMNS.contains(&column.value.to_lowercase().as_str()) {
        return;
    }
    if let Expr::CompoundIdentifier(parts) = oid
        && let Some(last) = parts.last_mut()
        && last.value.eq_ignore_ascii_case("oid")
    {
        *last = Ident::new("proname");
    }
}

fn is_catalog_table(factor: &TableFactor) -> bool {
    match factor {
        TableFactor::Table { name, .. } => {
            let name = name.to_string().to_lowercase();
            name.starts_with("pg_catalog.") || name.starts_with("pg_")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

    fn rewritten(sql: &str) -> String {
        let statement = PostgresCompatibilityParser::new()
            .parse(sql)
            .unwrap()
            .remove(0);
        rewrite(statement).to_string()
    }

    #[test]
    fn regproc_joins_go_by_name() {
        let sql = rewritten(
            "SELECT t.typname FROM pg_type AS t LEFT JOIN pg_proc AS p ON p.oid = t.typreceive",
        );
        assert!(sql.contains("p.proname = t.typreceive"), "{sql}");
    }

    #[test]
    fn catalog_scalar_subqueries_are_aggregated_and_others_are_not() {
        let sql = rewritten(
            "SELECT CASE WHEN t.typtype = 'm' THEN (SELECT rngtypid FROM pg_range WHERE rngmultitypid = t.oid) END FROM pg_type t",
        );
        assert!(sql.contains("max(rngtypid)"), "{sql}");
        let sql = rewritten(
            "SELECT CASE WHEN t.level = 3 THEN (SELECT staff_id FROM staff WHERE staff_id = t.staff_id) END FROM training t",
        );
        assert!(!sql.contains("max("), "{sql}");
    }
}
