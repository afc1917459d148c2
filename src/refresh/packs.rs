//! Provider assurance packs in the nightly refresh (`[refresh] packs = true`): every
//! organisation's pack is typeset from the new snapshot beside the annual report, kept in the
//! snapshot's `report/packs/` folder and published to `report_dir/packs/CODE-AS_OF.pdf` with the
//! same atomic publish. A pack that cannot be made does not stop the others: the run publishes
//! the rest and exits 1 naming it. A later run with nothing changed puts back any published
//! pack that went missing or was altered, as it does the report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::changes::REPORT_FOLDER;
use crate::fsutil::Staged;
use crate::query::Session;
use crate::report::ReportSettings;
use crate::report::pack::{self, Packer};
use crate::warehouse::SealedSnapshot;
use crate::warehouse::manifest::hash_file;
use tokio::runtime::Handle;

/// The packs' folder, in `report_dir` and in the snapshot's report folder.
pub const FOLDER: &str = "packs";

/// One published pack, recorded in the snapshot's stamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackStamp {
    pub file: String,
    /// XXH3-128 of the PDF.
    pub xxh3: String,
}

/// Packs written beside their final names, and those names, ready to publish.
pub type StagedPacks = Vec<(Staged, PathBuf)>;

/// The packs a run typeset, and the organisations it could not make one for.
pub struct Built {
    pub packs: Vec<(String, Vec<u8>)>,
    /// `no pack was written for CODE: why`.
    pub problems: Vec<String>,
}

/// Typesets every organisation's pack from `session` on every core.
pub async fn build(session: &Session, settings: &ReportSettings) -> anyhow::Result<Built> {
    let packer = Packer::new(session, settings).await?;
    let codes: Vec<String> = packer
        .organisations()
        .iter()
        .map(|o| o.code.clone())
        .collect();
    let threads = crate::work::cores();
    // The packs block this thread while their queries run on the runtime's others.
    let outcomes = tokio::task::block_in_place(|| {
        packer.make_all(
            &Handle::current(),
            &codes,
            threads,
            |_| {},
            |p, built| built.map(|b| (pack::file_name(&p.organisation.code, p.as_of()), b.pdf)),
        )
    });
    let mut packs = vec![];
    let mut problems = vec![];
    for (code, outcome) in outcomes {
        match outcome {
            Ok(pack) => packs.push(pack),
            Err(why) => problems.push(format!("no pack was written for {code}: {why}")),
        }
    }
    Ok(Built { packs, problems })
}

/// Writes every pack into the sealed snapshot and beside its final name, ready to publish.
pub fn stage(
    sealed: &SealedSnapshot,
    report_dir: &Path,
    built: &Built,
) -> anyhow::Result<(StagedPacks, Vec<PackStamp>)> {
    let mut staged = vec![];
    let mut stamps = vec![];
    for (file, pdf) in &built.packs {
        sealed.write_file(&format!("{REPORT_FOLDER}/{FOLDER}/{file}"), pdf)?;
        let path = report_dir.join(FOLDER).join(file);
        staged.push((stage_beside(&path, pdf)?, path));
        stamps.push(PackStamp {
            file: file.clone(),
            xxh3: format!("{:032x}", xxhash_rust::xxh3::xxh3_128(pdf)),
        });
    }
    Ok((staged, stamps))
}

/// Renames every staged pack into place.
pub fn publish(staged: StagedPacks) -> anyhow::Result<()> {
    for (s, path) in staged {
        s.publish()
            .with_context(|| format!("cannot rename the new pack to {}", path.display()))?;
    }
    Ok(())
}

/// Puts back every published pack of the live snapshot that is missing or altered; returns a
/// line per pack restored, for the run's changes.
pub fn restore(
    snapshot: &Path,
    report_dir: &Path,
    stamps: &[PackStamp],
) -> anyhow::Result<Vec<String>> {
    let mut restored = vec![];
    for stamp in stamps {
        let path = report_dir.join(FOLDER).join(&stamp.file);
        if matches!(hash_file(&path), Ok((_, hash)) if hash == stamp.xxh3) {
            continue;
        }
        let kept = snapshot.join(REPORT_FOLDER).join(FOLDER).join(&stamp.file);
        let pdf = std::fs::read(&kept)
            .with_context(|| format!("cannot read the live snapshot's copy {}", kept.display()))?;
        stage_beside(&path, &pdf)?
            .publish()
            .with_context(|| format!("cannot restore {}", path.display()))?;
        restored.push(format!(
            "{} was missing or altered: restored",
            path.display()
        ));
    }
    Ok(restored)
}

fn stage_beside(path: &Path, pdf: &[u8]) -> anyhow::Result<Staged> {
    let dir = crate::fsutil::parent(path);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the packs folder {}", dir.display()))?;
    Staged::write(path, pdf).with_context(|| format!("cannot write the pack {}", path.display()))
}
