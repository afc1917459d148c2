//! Provider assurance packs: one PDF per organisation for the quarterly contract meeting, holding
//! that organisation's figures only, beside the footprint's.
//!
//! The annual report's data is collected once ([`footprint`]); each pack then reads a session
//! scoped to its organisation (the same scoping `serve` enforces below the SQL), and its data is
//! checked for staff identifiers and for any other organisation's code or name before it is
//! typeset. Typesetting, the slow part, runs on every core ([`typeset_all`]).

use std::collections::BTreeSet;
use std::sync::Mutex;

use chrono::NaiveDate;

use super::data::pack::{Footprint, collect};
use super::data::privacy::{check_names_only, check_no_staff_ids};
use super::data::{self, Organisation};
use super::{ReportOutput, ReportSettings, narrated, pdf, world};
use crate::query::Session;

/// A pack's data, checked and ready to typeset.
pub struct Prepared {
    pub organisation: Organisation,
    json: Vec<u8>,
    as_of: NaiveDate,
    title: String,
}

/// The footprint's figures and organisations, from the annual report's data, computed once and
/// shared by every pack.
pub async fn footprint(session: &Session, settings: &ReportSettings) -> anyhow::Result<Footprint> {
    Ok(Footprint::of(&data::collect(session, settings).await?))
}

/// Every organisation a pack can be made for, by code.
pub fn organisations(footprint: &Footprint) -> &[Organisation] {
    &footprint.organisations
}

/// Collects and checks the pack of organisation `code`.
pub async fn prepare(
    session: &Session,
    footprint: &Footprint,
    code: &str,
    settings: &ReportSettings,
) -> anyhow::Result<Prepared> {
    if !footprint.organisations.iter().any(|o| o.code == code) {
        let known: Vec<&str> = footprint
            .organisations
            .iter()
            .map(|o| o.code.as_str())
            .collect();
        anyhow::bail!(
            "there is no organisation {code} in the organisations dataset (it has {})",
            known.join(", ")
        );
    }
    let scoped = session.scoped(&BTreeSet::from([code.to_owned()])).await?;
    let data = collect(&scoped, code, footprint, settings).await?;
    let json = serde_json::to_string_pretty(&data)?;
    check_no_staff_ids(&json, session).await?;
    check_names_only(&json, &data.organisation, &footprint.organisations)?;
    Ok(Prepared {
        as_of: NaiveDate::parse_from_str(&data.meta.as_of, "%Y-%m-%d")?,
        title: data.meta.title.clone(),
        organisation: data.organisation,
        json: json.into_bytes(),
    })
}

/// Collects and checks the packs of `codes` in turn (the queries use every core already):
/// the packs made, and for each organisation that failed its code and why.
pub async fn prepare_all(
    session: &Session,
    footprint: &Footprint,
    codes: &[String],
    settings: &ReportSettings,
    on_start: impl Fn(&str),
) -> (Vec<Prepared>, Vec<(String, String)>) {
    let mut prepared = vec![];
    let mut failed = vec![];
    for code in codes {
        on_start(code);
        match prepare(session, footprint, code, settings).await {
            Ok(p) => prepared.push(p),
            Err(e) => failed.push((code.clone(), format!("{e:#}"))),
        }
    }
    (prepared, failed)
}

impl Prepared {
    /// The date the pack's figures are at.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The pack's data as the template receives it, for template authors.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// Typesets the pack to PDF/A-2a + PDF/UA-1.
    pub fn typeset(&self, settings: &ReportSettings) -> anyhow::Result<ReportOutput> {
        // The shared section templates read the narrative's places, which a pack leaves empty.
        let narrative = serde_json::to_vec(&narrated::json(None, false))?;
        pdf::typeset(
            settings,
            world::PACK,
            self.json.clone(),
            vec![(world::NARRATIVE.to_owned(), narrative)],
            self.as_of,
            &self.title,
        )
    }
}

/// `RXA-2026-03-31.pdf`: the organisation's code and the figures' as_of.
pub fn file_name(code: &str, as_of: NaiveDate) -> String {
    format!("{code}-{as_of}.pdf")
}

/// Typesets every pack on `threads` threads, calling `done` with each result as it finishes
/// (writing the file there keeps one failure from stopping the others). Returns the results
/// in the packs' order.
pub fn typeset_all<T: Send>(
    packs: &[Prepared],
    settings: &ReportSettings,
    threads: usize,
    done: impl Fn(&Prepared, anyhow::Result<ReportOutput>) -> T + Sync,
) -> Vec<T> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<T>>> = Mutex::new(packs.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, packs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().expect("no thread panics holding it");
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(pack) = packs.get(i) else { break };
                    let result = done(pack, pack.typeset(settings));
                    results.lock().expect("no thread panics holding it")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no thread panicked")
        .into_iter()
        .map(|r| r.expect("every pack was typeset"))
        .collect()
}
