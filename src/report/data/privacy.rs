//! The last check before the data leaves for the template: no staff identifier of the warehouse
//! appears anywhere in it.

use std::collections::HashSet;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;

use super::model::{Organisation, ReportData};
use crate::query::{Session, exec};

impl ReportData {
    /// Refuses data holding any of the warehouse's staff identifiers `ids` (from
    /// [`staff_ids`]), as defence in depth: no query above reads staff_id, and this keeps it so.
    pub fn check_no_staff_ids(&self, ids: &HashSet<String>) -> anyhow::Result<()> {
        check_no_staff_ids(&serde_json::to_string(self)?, ids)
    }
}

/// Every staff identifier of the warehouse, read once per report (or run of packs): the data
/// and the narrative, which is text no query produced, are checked against these before they
/// reach a template.
pub async fn staff_ids(session: &Session) -> anyhow::Result<HashSet<String>> {
    let batches = exec::collect(session, "SELECT DISTINCT staff_id FROM staff")
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the staff identifiers: {e}"))?;
    let mut ids = HashSet::new();
    for batch in &batches {
        let column = cast(batch.column(0), &DataType::Utf8)?;
        ids.extend(
            column
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_owned),
        );
    }
    Ok(ids)
}

/// Refuses `json` (data for a template) if it holds any of the staff identifiers `ids`.
pub fn check_no_staff_ids(json: &str, ids: &HashSet<String>) -> anyhow::Result<()> {
    let tokens: HashSet<&str> = json
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    for id in ids {
        let id = id.as_str();
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

/// Refuses a provider pack whose data names any organisation but its own, by code (a whole
/// word) or by name (anywhere, ignoring case): a pack goes to that provider alone.
pub fn check_names_only(
    json: &str,
    own: &Organisation,
    every: &[Organisation],
) -> anyhow::Result<()> {
    let lower = json.to_lowercase();
    let words: HashSet<&str> = json
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    for other in every.iter().filter(|o| o.code != own.code) {
        // A name that is part of the pack's own organisation's name (a parent trust, say)
        // cannot tell a reader anything the pack's own name does not.
        let name = other.name.trim().to_lowercase();
        let named =
            !name.is_empty() && !own.name.to_lowercase().contains(&name) && lower.contains(&name);
        if words.contains(other.code.as_str()) || named {
            anyhow::bail!(
                "the pack for {} ({}) would name another organisation ({}), so it was not \
                 written; check the free text of its action plans",
                own.name,
                own.code,
                other.code
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(code: &str, name: &str) -> Organisation {
        Organisation {
            code: code.into(),
            name: name.into(),
            kind: "Provider".into(),
        }
    }

    #[test]
    fn another_organisation_by_code_or_name_is_refused() {
        let every = [
            org("RXA", "Northfield Hospitals NHS Trust"),
            org("RXB", "Southgate Community Health"),
        ];
        let own = &every[0];
        let clean = r#"{"name":"Northfield Hospitals NHS Trust","code":"RXA"}"#;
        assert!(check_names_only(clean, own, &every).is_ok());
        let by_code = r#"{"action":"Agree a pathway with RXB"}"#;
        let e = check_names_only(by_code, own, &every).unwrap_err();
        assert!(e.to_string().contains("(RXB)"), "{e}");
        let by_name = r#"{"action":"Liaise with southgate community health"}"#;
        assert!(check_names_only(by_name, own, &every).is_err());
        // A code inside a longer word is not the code.
        let inside = r#"{"ref":"XRXBX"}"#;
        assert!(check_names_only(inside, own, &every).is_ok());
    }
}
