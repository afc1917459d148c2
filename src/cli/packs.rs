//! `safeguard report --organisation CODE` and `--each-organisation`: provider assurance packs.
//! The annual report's figures are computed once for the footprint comparison; each pack is
//! then collected over its organisation's scoped session and typeset on every core while the
//! next is collected, each file published atomically as soon as it is ready.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::args::ReportCommand;
use super::exit;
use super::progress::Reporter;
use super::report::write_atomically;
use crate::query::Session;
use crate::report::ReportSettings;
use crate::report::pack::{self, Packer, Prepared};

/// One `report` invocation that makes packs.
pub(super) struct Packs<'a> {
    pub cmd: &'a ReportCommand,
    pub settings: &'a ReportSettings,
    pub report_dir: &'a Path,
    pub as_of: NaiveDate,
}

impl Packs<'_> {
    pub(super) fn run(
        &self,
        runtime: &tokio::runtime::Runtime,
        session: &Session,
        progress: &Reporter,
    ) -> anyhow::Result<u8> {
        progress.step("computing the footprint's figures");
        let packer = runtime.block_on(Packer::new(session, self.settings))?;
        let codes: Vec<String> = match &self.cmd.organisation {
            Some(code) => vec![code.trim().to_owned()],
            None => packer
                .organisations()
                .iter()
                .map(|o| o.code.clone())
                .collect(),
        };
        if self.cmd.list_figures {
            let pack = runtime.block_on(packer.prepare(&codes[0]))?;
            let mut out = std::io::stdout().lock();
            for (name, value) in pack.figures.iter() {
                writeln!(out, "{name}\t{value}")?;
            }
            return Ok(exit::OK);
        }
        let threads = crate::work::cores();
        let outcomes = packer.make_all(
            runtime.handle(),
            &codes,
            threads,
            |code| progress.step(&format!("making the pack of {code}")),
            |p, built| {
                if let Some(path) = &self.cmd.data_json {
                    write_atomically(path, p.json())?;
                }
                let path = self.output(p);
                let built = built?;
                write_atomically(&path, &built.pdf)?;
                Ok((path, built))
            },
        );
        progress.finish();
        let mut failed = vec![];
        let mut out = std::io::stdout().lock();
        for (code, outcome) in outcomes {
            match outcome {
                Ok((path, built)) => {
                    for warning in &built.warnings {
                        eprint!("{warning}");
                    }
                    writeln!(out, "wrote {} ({} pages)", path.display(), built.pages)?;
                }
                Err(why) => failed.push((code, why)),
            }
        }
        if failed.is_empty() {
            return Ok(exit::OK);
        }
        for (code, why) in &failed {
            eprintln!("error: no pack was written for {code}: {why}");
        }
        // One organisation asked for and not made is bad input; some of many is a problem.
        Ok(if self.cmd.organisation.is_some() {
            exit::USAGE
        } else {
            exit::PROBLEMS
        })
    }

    /// Where a pack goes: -o for the one organisation, else CODE-AS_OF.pdf in the folder.
    fn output(&self, p: &Prepared) -> PathBuf {
        if let (Some(o), Some(_)) = (&self.cmd.output, &self.cmd.organisation) {
            return o.clone();
        }
        let dir = self.cmd.out_dir.as_deref().unwrap_or(self.report_dir);
        dir.join(pack::file_name(&p.organisation.code, self.as_of))
    }
}
