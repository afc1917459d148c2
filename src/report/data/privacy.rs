//! The last check before the data leaves for the template: no staff identifier of the warehouse
//! appears anywhere in it.

use std::collections::HashSet;

use super::model::ReportData;
use super::rows::query;
use crate::query::Session;

impl ReportData {
    /// Refuses data holding any staff identifier of the warehouse, as defence in depth: no
    /// query above reads staff_id, and this keeps it so.
    pub async fn check_no_staff_ids(&self, session: &Session) -> anyhow::Result<()> {
        let json = serde_json::to_string(self)?;
        let ids = query(session, "SELECT DISTINCT staff_id FROM staff").await?;
        let tokens: HashSet<&str> = json
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        for r in &ids {
            let Some(id) = r.text("staff_id") else {
                continue;
            };
            let simple = id.chars().all(|c| c.is_ascii_alphanumeric());
            let found = if simple {
                tokens.contains(id)
            } else {
                json.contains(id)
            };
            if found {
                anyhow::bail!(
                    "the report data holds a staff identifier; staff identifiers must never be \
                     published, so no report was written"
                );
            }
        }
        Ok(())
    }
}
