//! Provider assurance packs: one PDF per organisation for the quarterly contract meeting, holding
//! that organisation's figures only, beside the footprint's.
//!
//! What the packs share is worked out once ([`Packer::new`]): the views, kept for every pack to
//! filter, and the footprint's figures from the annual report's data. Each pack then reads a
//! session scoped to its organisation (the same scoping `serve` enforces below the SQL), takes
//! its own narrative (`narrative/CODE/`) if it has one, and its data and narrative are checked
//! for staff identifiers and for any other organisation's code or name before it is typeset.
//! Typesetting, the slow part, runs on every core while the next pack is collected
//! ([`Packer::make_all`]), so only a few packs are held in memory at once.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use chrono::NaiveDate;
use tokio::runtime::Handle;

use super::data::Organisation;
use super::data::pack::{Footprint, PackData, collect};
use super::data::privacy::{check_names_only, check_no_staff_ids, staff_ids};
use super::narrated::{self, ReadNarrative};
use super::{ReportOutput, ReportSettings, figures, pdf, world};
use crate::narrative::Figures;
use crate::query::Session;

/// A pack's data and narrative, checked and ready to typeset.
pub struct Prepared {
    pub organisation: Organisation,
    json: Vec<u8>,
    as_of: NaiveDate,
    title: String,
    /// The figures its narrative may quote (`--list-figures`).
    pub figures: Figures,
    /// The organisation's own narrative (`narrative/CODE/`), when there is one.
    narrative: Option<ReadNarrative>,
}

/// What every pack of one snapshot shares, worked out once: a session whose views are computed
/// once and kept for every pack to filter, the footprint's figures (from the annual report's
/// data, so they carry its disclosure control) and the staff identifiers each pack is checked
/// against.
pub struct Packer<'a> {
    session: Session,
    footprint: Footprint,
    staff_ids: HashSet<String>,
    settings: &'a ReportSettings,
}

/// One organisation's outcome: what `done` made of its typeset pack, or why there is none.
pub type Outcome<T> = (String, Result<T, String>);

impl<'a> Packer<'a> {
    pub async fn new(session: &Session, settings: &'a ReportSettings) -> anyhow::Result<Self> {
        let session = session.frozen().await?;
        let footprint = Footprint::collect(&session, settings).await?;
        let staff_ids = staff_ids(&session).await?;
        Ok(Packer {
            session,
            footprint,
            staff_ids,
            settings,
        })
    }

    /// Every organisation a pack can be made for, by code.
    pub fn organisations(&self) -> &[Organisation] {
        &self.footprint.organisations
    }

    /// Collects and checks the pack of organisation `code`, with its own narrative when the
    /// narrative folder has a `CODE/` folder (the footprint's narrative speaks of every
    /// organisation, so a pack never takes it).
    pub async fn prepare(&self, code: &str) -> anyhow::Result<Prepared> {
        let every = self.organisations();
        if !every.iter().any(|o| o.code == code) {
            let known: Vec<&str> = every.iter().map(|o| o.code.as_str()).collect();
            anyhow::bail!(
                "there is no organisation {code} in the organisations dataset (it has {})",
                known.join(", ")
            );
        }
        let scoped = self
            .session
            .scoped(&BTreeSet::from([code.to_owned()]))
            .await?;
        let data = collect(&scoped, code, &self.footprint, self.settings).await?;
        let json = serde_json::to_string_pretty(&data)?;
        check_no_staff_ids(&json, &self.staff_ids)?;
        check_names_only(&json, &data.organisation, every)?;
        let figures = figures::pack_figures(&data);
        let narrative = match self.narrative_dir(code) {
            Some(dir) => {
                let read = narrated::read(&dir, &figures, &self.staff_ids)?;
                let text = serde_json::to_string(&narrated::json(Some(&read), false))?;
                check_names_only(&text, &data.organisation, every)?;
                Some(read)
            }
            None => None,
        };
        Prepared::new(data, json, figures, narrative)
    }

    fn narrative_dir(&self, code: &str) -> Option<PathBuf> {
        let dir = self.settings.narrative.as_ref()?.join(code);
        dir.is_dir().then_some(dir)
    }

    /// Makes the packs of `codes`: each is collected on this thread (its queries use every
    /// core) and handed to one of `threads` typesetting threads while the next is collected,
    /// so at most a few packs are held at once. `done` receives each typeset pack as it
    /// finishes (writing the file there keeps one failure from stopping the others). Returns
    /// every organisation's outcome in the order of `codes`: what `done` made, or why the pack
    /// failed (collecting, typesetting or in `done`).
    ///
    /// Blocks on `handle`: call it outside the runtime's own threads (or in
    /// `tokio::task::block_in_place`).
    pub fn make_all<T: Send>(
        &self,
        handle: &Handle,
        codes: &[String],
        threads: usize,
        on_start: impl Fn(&str),
        done: impl Fn(&Prepared, anyhow::Result<ReportOutput>) -> anyhow::Result<T> + Sync,
    ) -> Vec<Outcome<T>> {
        let results: Mutex<Vec<Option<Result<T, String>>>> =
            Mutex::new(codes.iter().map(|_| None).collect());
        let record = |i: usize, r: Result<T, String>| {
            results.lock().expect("no thread panics holding it")[i] = Some(r);
        };
        let threads = threads.clamp(1, codes.len().max(1));
        let (send, receive) = mpsc::sync_channel::<(usize, Prepared)>(threads);
        let receive = Mutex::new(receive);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let next = receive.lock().expect("no thread panics holding it").recv();
                        let Ok((i, pack)) = next else { break };
                        let made = done(&pack, pack.typeset(self.settings));
                        // What every pack shares (the templates, the fonts' shaping) is used
                        // again and stays; a finished pack's own layout goes.
                        comemo::evict(EVICT_AFTER);
                        record(i, made.map_err(|e| format!("{e:#}")));
                    }
                });
            }
            for (i, code) in codes.iter().enumerate() {
                on_start(code);
                match handle.block_on(self.prepare(code)) {
                    Ok(pack) => {
                        if send.send((i, pack)).is_err() {
                            break;
                        }
                    }
                    Err(e) => record(i, Err(format!("{e:#}"))),
                }
            }
            // No more packs: each thread stops when the channel is empty.
            drop(send);
        });
        codes
            .iter()
            .cloned()
            .zip(results.into_inner().expect("no thread panicked"))
            .map(|(code, r)| (code, r.unwrap_or_else(|| Err("it was not typeset".into()))))
            .collect()
    }
}

/// How many packs a memoised typesetting result outlives unused before it is evicted.
const EVICT_AFTER: usize = 2;

impl Prepared {
    fn new(
        data: PackData,
        json: String,
        figures: Figures,
        narrative: Option<ReadNarrative>,
    ) -> anyhow::Result<Prepared> {
        Ok(Prepared {
            as_of: NaiveDate::parse_from_str(&data.meta.as_of, "%Y-%m-%d")?,
            title: data.meta.title.clone(),
            organisation: data.organisation,
            json: json.into_bytes(),
            figures,
            narrative,
        })
    }

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
        let narrative = self.narrative.as_ref();
        let extra = narrated::world_files(narrative, settings.draft)?;
        let mut out = pdf::typeset(
            settings,
            world::PACK,
            self.json.clone(),
            extra,
            self.as_of,
            &self.title,
        )?;
        out.unwritten = narrative
            .map(|n| n.narrative.unwritten())
            .unwrap_or_default();
        Ok(out)
    }
}

/// `RXA-2026-03-31.pdf`: the organisation's code and the figures' as_of.
pub fn file_name(code: &str, as_of: NaiveDate) -> String {
    format!("{code}-{as_of}.pdf")
}
