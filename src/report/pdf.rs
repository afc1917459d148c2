//! Compiling the templates and exporting the PDF: Typst diagnostics as readable messages (file,
//! line, column, the source line and hints, like typst-cli's `print_diagnostics`), and the PDF
//! standards the report is published to.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use typst::World;
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst::syntax::{FileId, Lines};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use super::world::{ReportWorld, Templates};
use super::{ReportOutput, ReportSettings};

/// The templates did not compile (or the PDF could not be exported): Typst's diagnostics,
/// formatted for a terminal. No output is written when this happens.
#[derive(Debug, thiserror::Error)]
#[error("the report template has errors, so no report was written:\n{diagnostics}")]
pub struct TemplateError {
    pub diagnostics: String,
}

/// Typesets `data` (the JSON of [`super::data::ReportData`], or of a pack's data with
/// [`super::world::PACK`] as `main`) with the settings' templates; `extra` are the other files
/// the templates read (the narrative's JSON and images).
pub fn typeset(
    settings: &ReportSettings,
    main: &str,
    data: Vec<u8>,
    extra: Vec<(String, Vec<u8>)>,
    as_of: NaiveDate,
    title: &str,
) -> anyhow::Result<ReportOutput> {
    let world = ReportWorld::new(settings.templates.clone(), main, data, extra, as_of)?;
    let warned = typst::compile::<typst_layout::PagedDocument>(&world);
    let warnings: Vec<String> = warned
        .warnings
        .iter()
        .map(|d| format_diagnostic(&world, d))
        .collect();
    let document = warned.output.map_err(|errors| TemplateError {
        diagnostics: errors
            .iter()
            .chain(&warned.warnings)
            .map(|d| format_diagnostic(&world, d))
            .collect(),
    })?;
    let date = Datetime::from_ymd_hms(
        as_of.year(),
        as_of.month() as u8,
        as_of.day() as u8,
        0,
        0,
        0,
    )
    .ok_or_else(|| anyhow::anyhow!("the as_of date {as_of} cannot be a PDF date"))?;
    let standards = PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
        .map_err(|e| anyhow::anyhow!("the PDF standards do not fit together: {}", e.message()))?;
    let options = PdfOptions {
        ident: Smart::Custom(format!("safeguard annual report: {title}")),
        creator: Smart::Custom(Some(format!(
            "safeguard {} with Typst",
            settings.program_version
        ))),
        timestamp: Some(Timestamp::new_utc(date)),
        standards,
        tagged: true,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| TemplateError {
        diagnostics: errors
            .iter()
            .map(|d| format_diagnostic(&world, d))
            .collect(),
    })?;
    Ok(ReportOutput {
        pdf,
        pages: document.pages().len(),
        warnings,
        unwritten: vec![],
    })
}

/// One diagnostic as text:
///
/// ```text
/// error: unclosed delimiter
///   --> report-templates/report.typ:12:5
///    |
/// 12 | #let x = (
///    |          ^
///    = hint: ...
/// ```
pub fn format_diagnostic(world: &ReportWorld, d: &SourceDiagnostic) -> String {
    let mut out = String::new();
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = writeln!(out, "{severity}: {}", d.message);
    if let Some(place) = locate(world, d.span.id(), world.range(d.span)) {
        let width = place.line.to_string().len();
        let pad = " ".repeat(width);
        let _ = writeln!(
            out,
            "{pad}--> {}:{}:{}",
            place.file, place.line, place.column
        );
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{} | {}", place.line, place.text);
        let _ = writeln!(
            out,
            "{pad} | {}{}",
            " ".repeat(place.column - 1),
            "^".repeat(place.width.max(1))
        );
    }
    for hint in &d.hints {
        let at = locate(world, hint.span.id(), world.range(hint.span))
            .map(|p| format!(" ({}:{}:{})", p.file, p.line, p.column))
            .unwrap_or_default();
        let _ = writeln!(out, "  = hint: {}{at}", hint.v);
    }
    for point in &d.trace {
        if let Some(p) = locate(world, point.span.id(), world.range(point.span)) {
            let _ = writeln!(out, "  = {} at {}:{}:{}", point.v, p.file, p.line, p.column);
        }
    }
    out
}

/// A diagnostic's place in a file, 1-based.
struct Place {
    file: String,
    line: usize,
    column: usize,
    /// The source line, for showing under the message.
    text: String,
    /// How many characters to underline on that line.
    width: usize,
}

fn locate(
    world: &ReportWorld,
    id: Option<FileId>,
    range: Option<std::ops::Range<usize>>,
) -> Option<Place> {
    let id = id?;
    let range = range?;
    let lines: Lines<String> = match world.source(id) {
        Ok(source) => source.lines().clone(),
        Err(_) => world.file(id).ok()?.lines().ok()?,
    };
    let (line, column) = lines.byte_to_line_column(range.start)?;
    let line_range = lines.line_to_range(line)?;
    let text = lines.text()[line_range.clone()].trim_end().to_owned();
    let end = range
        .end
        .min(line_range.start + text.len())
        .max(range.start);
    let width = lines.text()[range.start..end].chars().count();
    let templates: &Templates = world.templates();
    let rel = id.vpath().get_without_slash();
    let file = if rel == super::world::DATA {
        "the report data (data.json)".to_owned()
    } else if rel == super::world::NARRATIVE {
        "the narrative's data (narrative.json)".to_owned()
    } else {
        templates.display_name(id.vpath())
    };
    Some(Place {
        file,
        line: line + 1,
        column: column + 1,
        text,
        width,
    })
}
