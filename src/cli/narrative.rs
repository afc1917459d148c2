//! `safeguard narrative`: commands for the team's own words in the report.

use std::io::Write;

use anyhow::Context;

use super::args::{NarrativeAction, NarrativeCommand};
use super::exit;
use crate::narrative::init;

pub fn run(cmd: NarrativeCommand) -> anyhow::Result<u8> {
    match cmd.action {
        NarrativeAction::Init(init_cmd) => {
            let dir = init_cmd.dir;
            let done = init::init(&dir)
                .with_context(|| format!("cannot write the narrative folder {}", dir.display()))?;
            let mut out = std::io::stdout().lock();
            for path in &done.written {
                writeln!(out, "wrote   {}", path.display())?;
            }
            for path in &done.skipped {
                writeln!(
                    out,
                    "skipped {} (it exists; init never overwrites)",
                    path.display()
                )?;
            }
            writeln!(
                out,
                "\nWrite each file in Markdown below its guide. Point the report at the folder \
                 with `[report] narrative = \"{}\"` in safeguard.toml.",
                dir.display()
            )?;
            Ok(exit::OK)
        }
    }
}
