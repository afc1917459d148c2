//! The action plans of Serious Case Reviews, Child Safeguarding Practice Reviews and other
//! reviews: actions complete, overdue and open per review. Actions are not people, so no
//! disclosure control applies.

use super::model::{ReviewRow, Reviews};
use super::rows::query;
use crate::query::Session;
use crate::report::format::{percent, review_type, thousands};

/// The review action plans section.
pub(super) async fn reviews(session: &Session) -> anyhow::Result<Reviews> {
    let rows = query(
        session,
        "SELECT * FROM review_action_status ORDER BY review_id",
    )
    .await?;
    let mut out = vec![];
    let (mut t, mut c, mut o, mut op, mut im) = (0, 0, 0, 0, 0);
    for r in &rows {
        let (total, done, overdue, open, impact) = (
            r.count("actions_total"),
            r.count("actions_completed"),
            r.count("actions_overdue"),
            r.count("actions_open"),
            r.count("impact_evidenced"),
        );
        t += total;
        c += done;
        o += overdue;
        op += open;
        im += impact;
        out.push(ReviewRow {
            id: r.string("review_id"),
            kind: review_type(r.text("review_type").unwrap_or("other")).to_owned(),
            name: r.string("review_name"),
            actions: thousands(total),
            completed: thousands(done),
            overdue: thousands(overdue),
            open: thousands(open),
            completion: r
                .float("completion_pct")
                .map_or_else(|| "–".to_owned(), percent),
            impact: thousands(impact),
            median_days: r
                .float("median_days_to_complete")
                .map_or_else(|| "–".to_owned(), |d| format!("{d:.0}")),
            completed_n: done,
            overdue_n: overdue,
            open_n: open,
        });
    }
    let total = ReviewRow {
        id: String::new(),
        kind: String::new(),
        name: "All reviews".into(),
        actions: thousands(t),
        completed: thousands(c),
        overdue: thousands(o),
        open: thousands(op),
        completion: if t > 0 {
            percent(100.0 * c as f64 / t as f64)
        } else {
            "–".into()
        },
        impact: thousands(im),
        median_days: String::new(),
        completed_n: c,
        overdue_n: o,
        open_n: op,
    };
    let summary = format!(
        "Across {} review action plans, {} of {} actions are complete ({}), {} are overdue and \
         {} are open and within their due date; the impact on practice is evidenced for {} \
         completed actions.",
        rows.len(),
        thousands(c),
        thousands(t),
        total.completion,
        thousands(o),
        thousands(op),
        thousands(im)
    );
    Ok(Reviews {
        rows: out,
        total,
        summary,
    })
}
