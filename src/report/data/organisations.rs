//! The footprint's organisations: the appendix's list, and the code-to-name look-up every
//! section that names an organisation uses.

use std::collections::HashMap;

use super::model::Organisation;
use super::rows::query;
use crate::query::Session;
use crate::report::format::organisation_type;

/// Every organisation of the organisations dataset, by code.
pub(super) async fn organisations(session: &Session) -> anyhow::Result<Vec<Organisation>> {
    Ok(query(
        session,
        "SELECT organisation_code, organisation_name, organisation_type FROM organisations \
         ORDER BY organisation_code",
    )
    .await?
    .iter()
    .map(|r| Organisation {
        code: r.string("organisation_code"),
        name: r.string("organisation_name"),
        kind: organisation_type(r.text("organisation_type").unwrap_or("other")),
    })
    .collect())
}

/// Organisation names by code.
pub(super) struct Names(HashMap<String, String>);

impl Names {
    pub(super) fn new(organisations: &[Organisation]) -> Names {
        Names(
            organisations
                .iter()
                .map(|o| (o.code.clone(), o.name.clone()))
                .collect(),
        )
    }

    /// The organisation's name, or its code when the organisations dataset does not name it.
    pub(super) fn of(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}
