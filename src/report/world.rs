//! The Typst [`World`] the report compiles in: the templates (compiled into the binary, or read
//! from `--templates DIR` so an ICB can restyle without rebuilding), the report data as a
//! virtual `/data.json`, Typst's embedded fonts plus the bundled body font, and a fixed date.
//!
//! Modelled on typst-cli's `world.rs`, without packages or system fonts: the report compiles
//! offline and gives the same bytes on every machine. `today` is the data's as_of, never the
//! clock, so two runs on the same warehouse give identical PDFs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore, FsRoot};
use typst_kit::fonts::FontStore;

/// The main template, relative to the templates folder.
pub const MAIN: &str = "report.typ";
/// The main template of a provider's assurance pack.
pub const PACK: &str = "pack.typ";
/// Where the report data appears inside the World: templates read it with `json("/data.json")`.
pub const DATA: &str = "data.json";
/// Where the narrative appears inside the World (`json("/narrative.json")`); its images are
/// under `/narrative/`.
pub const NARRATIVE: &str = crate::narrative::JSON_PATH;

/// `(name, bytes)` of files of `report-templates/`, compiled in.
macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../report-templates/", $name)))),*]
    };
}

/// The shipped templates and fonts, compiled in (the default when `--templates` is not given).
/// Checklist for a new template file: add it here and to `report-templates/` (a test checks
/// that every file there is here).
const EMBEDDED: &[(&str, &[u8])] = embed![
    "report.typ",
    "pack.typ",
    "style.typ",
    "charts.typ",
    "compliance.typ",
    "cover.typ",
    "summary.typ",
    "training.typ",
    "supervision.typ",
    "section11.typ",
    "reviews.typ",
    "multiagency.typ",
    "quality.typ",
    "spc.typ",
    "appendix.typ",
    "definitions.typ",
    "narrative.typ",
    "slots.typ",
    "fonts/LiberationSans-Regular.ttf",
    "fonts/LiberationSans-Bold.ttf",
    "fonts/LiberationSans-Italic.ttf",
    "fonts/LiberationSans-BoldItalic.ttf",
];

/// Where the templates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Templates {
    /// The templates compiled into the binary.
    Embedded,
    /// A folder holding `report.typ` (and its partials, and optionally `fonts/`).
    Dir(PathBuf),
}

impl Templates {
    /// How a template file is named in diagnostics: a path the user can open.
    pub fn display_name(&self, vpath: &VirtualPath) -> String {
        let rel = vpath.get_without_slash();
        match self {
            Templates::Embedded => format!("report-templates/{rel}"),
            Templates::Dir(dir) => dir.join(rel).display().to_string(),
        }
    }
}

/// Serves template files, the data file and the narrative's files to the [`FileStore`].
struct Loader {
    templates: Templates,
    data: Bytes,
    /// Files the report serves besides `/data.json` (the narrative's JSON and images), by
    /// their path without the leading `/`; they win over a templates folder's files.
    extra: HashMap<String, Bytes>,
}

impl FileLoader for Loader {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        if *id.root() != VirtualRoot::Project {
            return Err(FileError::Other(Some(
                "packages are not available: the report compiles offline, so copy what you need \
                 into the templates folder"
                    .into(),
            )));
        }
        let vpath = id.vpath();
        let rel = vpath.get_without_slash();
        if rel == DATA {
            return Ok(self.data.clone());
        }
        if let Some(bytes) = self.extra.get(rel) {
            return Ok(bytes.clone());
        }
        match &self.templates {
            Templates::Embedded => EMBEDDED
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, bytes)| Bytes::new(*bytes))
                .ok_or_else(|| FileError::NotFound(PathBuf::from(rel))),
            Templates::Dir(dir) => FsRoot::new(dir.clone()).load(vpath),
        }
    }
}

/// The World one report is compiled in.
pub struct ReportWorld {
    library: LazyHash<Library>,
    fonts: FontStore,
    files: FileStore<Loader>,
    main: FileId,
    today: Datetime,
}

impl ReportWorld {
    /// A World compiling `main` ([`MAIN`] or [`PACK`]) of `templates` with `data` as
    /// `/data.json` and each of `extra` (a path without the leading `/`, and its bytes) as a
    /// file of its own, dated `today`.
    pub fn new(
        templates: Templates,
        main: &str,
        data: Vec<u8>,
        extra: Vec<(String, Vec<u8>)>,
        today: NaiveDate,
    ) -> anyhow::Result<Self> {
        let mut fonts = FontStore::new();
        fonts.extend(typst_kit::fonts::embedded());
        // The bundled body font always, then any fonts of a custom templates folder, so a
        // restyled report can name its own family.
        for (name, bytes) in EMBEDDED {
            if is_font(Path::new(name)) {
                fonts.extend(faces(Bytes::new(*bytes)));
            }
        }
        if let Templates::Dir(dir) = &templates {
            let font_dir = dir.join("fonts");
            if font_dir.is_dir() {
                let mut paths: Vec<PathBuf> = std::fs::read_dir(&font_dir)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", font_dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| is_font(p))
                    .collect();
                paths.sort();
                for path in paths {
                    let bytes = std::fs::read(&path)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                    fonts.extend(faces(Bytes::new(bytes)));
                }
            }
        }
        let main = RootedPath::new(
            VirtualRoot::Project,
            VirtualPath::new(main).expect("a valid virtual path"),
        )
        .intern();
        let today = Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8)
            .ok_or_else(|| anyhow::anyhow!("the date {today} cannot be a Typst date"))?;
        Ok(ReportWorld {
            library: LazyHash::new(Library::default()),
            fonts,
            files: FileStore::new(Loader {
                templates,
                data: Bytes::new(data),
                extra: extra
                    .into_iter()
                    .map(|(path, bytes)| (path, Bytes::new(bytes)))
                    .collect(),
            }),
            main,
            today,
        })
    }

    /// The templates this World reads.
    pub fn templates(&self) -> &Templates {
        &self.files.loader().templates
    }
}

fn is_font(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc"))
}

/// Every face in a font file (one, or several for a collection).
fn faces(bytes: Bytes) -> Vec<(Font, typst::text::FontInfo)> {
    Font::iter(bytes)
        .map(|font| {
            let info = font.info().clone();
            (font, info)
        })
        .collect()
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.files.source(id)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.file(id)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::EMBEDDED;

    fn is_template(path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "typ")
    }

    /// Every template and font file of `dir`, relative to `root`, with `/` separators.
    fn files(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(root, &path, out);
            } else if is_template(&path) || super::is_font(&path) {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_shipped_template_and_font_is_compiled_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates");
        let mut shipped = vec![];
        files(&root, &root, &mut shipped);
        shipped.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        embedded.sort();
        assert_eq!(shipped, embedded);
    }
}
