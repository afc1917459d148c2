//! Streams the workforce: each post holder is drawn, then their staff row, training records
//! and supervision sessions are written straight to open writers, so memory does not grow
//! with the number of staff.
//!
//! Every post holder has their own random stream (seeded from the run seed and their index),
//! so one person's history never depends on anyone else's.

use anyhow::{Result, bail};
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::bad_rows::{self, TrainingRow};
use super::dates::{DateStyle, add_days, format};
use super::esr::{self, OtherCourse};
use super::histories::{self, Course, Session};
use super::workforce::{self, Person};
use super::writers::{
    Cell, ColumnType, CsvFile, CsvStyle, ParquetFile, Written, XlsxCell, XlsxSheet,
};
use super::{Context, rng_for};

/// Most rows the late returns sheet gets, whatever the scale.
const LATE_RETURNS_CAP: usize = 300;

const TRAINING_HEADER: [&str; 6] = [
    "record_id",
    "staff_id",
    "level",
    "completed_on",
    "hours",
    "delivery",
];

const STAFF_HEADER: [&str; 7] = [
    "staff_id",
    "organisation_code",
    "professional_group",
    "required_level",
    "supervision_interval_months",
    "start_date",
    "end_date",
];

/// Typed supervision columns: (name, type, required).
const SUPERVISION_COLUMNS: [(&str, ColumnType, bool); 4] = [
    ("session_id", ColumnType::Text, true),
    ("staff_id", ColumnType::Text, true),
    ("session_date", ColumnType::Date, true),
    ("kind", ColumnType::Text, true),
];

/// Typed training columns for the Parquet yearly files.
const TRAINING_COLUMNS: [(&str, ColumnType, bool); 6] = [
    ("record_id", ColumnType::Text, true),
    ("staff_id", ColumnType::Text, true),
    ("level", ColumnType::Int, true),
    ("completed_on", ColumnType::Date, true),
    ("hours", ColumnType::Float, false),
    ("delivery", ColumnType::Text, false),
];

/// Writes `staff.csv`, `training/` and `supervision.parquet`.
pub fn write(ctx: &Context<'_>, progress: &dyn Fn(&str)) -> Result<Vec<Written>> {
    let out = ctx.cfg.out.as_path();
    let staff_count = ctx.cfg.staff;
    let mut staff = CsvFile::create(out, "staff.csv", &STAFF_HEADER, CsvStyle::Esr)?;
    let mut training = TrainingSink::create(ctx)?;
    let mut supervision = ParquetFile::create(out, "supervision.parquet", &SUPERVISION_COLUMNS)?;
    let mut courses: Vec<Course> = Vec::new();
    let mut sessions: Vec<Session> = Vec::new();
    let step = (staff_count / 10).max(1);
    for index in 0..staff_count {
        if staff_count >= 100_000 && index > 0 && index % step == 0 {
            progress(&format!("writing staff {}%", index * 100 / staff_count));
        }
        let mut rng = rng_for(ctx.cfg.seed, "staff", index);
        let person = workforce::person(index, &ctx.footprint, &ctx.timeline, &mut rng);
        let org = &ctx.footprint.orgs[person.org];
        histories::training(&person, org, &ctx.timeline, &mut rng, &mut courses);
        histories::supervision(&person, org, &ctx.timeline, &mut rng, &mut sessions);
        let staff_id = person.staff_id();
        write_staff_row(&mut staff, &person, &staff_id, &org.code)?;
        training.person(ctx, index, &person, &staff_id, &courses, &mut rng)?;
        write_sessions(&mut supervision, &person, &staff_id, &sessions)?;
        if index == staff_count / 2 {
            write_bad_people(ctx, &mut staff, &mut supervision)?;
        }
    }
    let mut files = vec![staff.finish()?];
    files.extend(training.finish(ctx)?);
    files.push(supervision.finish()?);
    Ok(files)
}

fn write_staff_row(
    staff: &mut CsvFile,
    person: &Person,
    staff_id: &str,
    org_code: &str,
) -> Result<()> {
    let level = [b'0' + person.required_level];
    let interval = person.interval.map(|m| m.to_string()).unwrap_or_default();
    let start = format(person.start, DateStyle::Uk);
    let end = person.end.map(|d| format(d, DateStyle::Uk));
    staff.row(&[
        staff_id.as_bytes(),
        org_code.as_bytes(),
        person.group.as_str().as_bytes(),
        &level,
        interval.as_bytes(),
        &start,
        end.as_ref().map_or(&b""[..], |d| &d[..]),
    ])
}

fn write_sessions(
    file: &mut ParquetFile,
    person: &Person,
    staff_id: &str,
    sessions: &[Session],
) -> Result<()> {
    for (seq, session) in (1u32..).zip(sessions) {
        let session_id = format!("S{:07}-{seq:03}", person.number);
        file.row(&[
            Cell::Text(&session_id),
            Cell::Text(staff_id),
            Cell::Date(session.date),
            Cell::Text(session.kind.as_str()),
        ])?;
    }
    Ok(())
}

/// The bad staff rows and the bad supervision row, written mid-file.
fn write_bad_people(
    ctx: &Context<'_>,
    staff: &mut CsvFile,
    supervision: &mut ParquetFile,
) -> Result<()> {
    let org_code = &ctx.footprint.orgs[ctx.footprint.orgs.len().min(2) - 1].code;
    for row in bad_rows::staff(ctx.cfg.staff, ctx.bad_year(), org_code) {
        staff.text_row(&row)?;
    }
    let staff_id = bad_rows::supervision_staff_id(ctx.cfg.staff);
    let date = add_days(ctx.cfg.as_of, -40);
    supervision.row(&[
        Cell::Text("S9999999-001"),
        Cell::Text(&staff_id),
        Cell::Date(date),
        Cell::Text("one_to_one"),
    ])
}

/// The yearly training files, as CSV, Parquet or an ESR competence export.
enum YearFiles {
    Csv(Vec<CsvFile>),
    Parquet(Vec<ParquetFile>),
    Esr(Vec<CsvFile>),
}

/// Where training records go: the file of their completion year, or now and then (for
/// recent completions) the late returns spreadsheet.
struct TrainingSink {
    first_year: i32,
    files: YearFiles,
    late_returns: Vec<Vec<XlsxCell>>,
    late_chance: f64,
    late_from: NaiveDate,
    /// The first record written to a yearly file: (record_id, staff_id, course).
    first: Option<(String, String, Course)>,
}

impl TrainingSink {
    fn create(ctx: &Context<'_>) -> Result<TrainingSink> {
        let out = ctx.cfg.out.as_path();
        let first_year = ctx.timeline.history_start.year();
        let years = first_year..=ctx.cfg.as_of.year();
        let files = if ctx.cfg.esr {
            let files = years.map(|y| {
                CsvFile::create(
                    out,
                    &format!("{}/competences-{y}.csv", esr::FOLDER),
                    &esr::HEADER,
                    CsvStyle::Esr,
                )
            });
            YearFiles::Esr(files.collect::<Result<_>>()?)
        } else if ctx.cfg.parquet {
            let files = years.map(|y| {
                ParquetFile::create(out, &format!("training/{y}.parquet"), &TRAINING_COLUMNS)
            });
            YearFiles::Parquet(files.collect::<Result<_>>()?)
        } else {
            let files = years.map(|y| {
                CsvFile::create(
                    out,
                    &format!("training/{y}.csv"),
                    &TRAINING_HEADER,
                    CsvStyle::Plain,
                )
            });
            YearFiles::Csv(files.collect::<Result<_>>()?)
        };
        Ok(TrainingSink {
            first_year,
            files,
            late_returns: Vec::new(),
            late_chance: (200.0 / ctx.cfg.staff.max(1) as f64).min(0.03),
            late_from: add_days(ctx.cfg.as_of, -183),
            first: None,
        })
    }

    /// Writes one person's courses, diverting the odd recent one to the late returns sheet.
    /// An ESR export also gets one other mandatory course beside each, from a random stream
    /// of its own (so the safeguarding records are the same in both layouts).
    fn person(
        &mut self,
        ctx: &Context<'_>,
        index: u64,
        person: &Person,
        staff_id: &str,
        courses: &[Course],
        rng: &mut ChaCha8Rng,
    ) -> Result<()> {
        let mut others = self
            .esr()
            .then(|| rng_for(ctx.cfg.seed, "esr-other-courses", index));
        for (seq, course) in (1u32..).zip(courses) {
            let record_id = format!("T{:07}-{seq:02}", person.number);
            let late = course.completed_on >= self.late_from
                && rng.random_bool(self.late_chance)
                && self.late_returns.len() < LATE_RETURNS_CAP;
            let other = others.as_mut().map(|r| {
                let other = OtherCourse::draw(r, course, ctx.timeline.history_start);
                (other, OtherCourse::record_id(person.number, seq))
            });
            if late {
                self.late_returns
                    .push(self.typed_row(&record_id, staff_id, course));
                if let Some((other, id)) = &other {
                    self.late_returns.push(other.typed_row(id, staff_id));
                }
            } else {
                self.write(&record_id, staff_id, course)?;
                if let (Some((other, id)), YearFiles::Esr(files)) = (&other, &mut self.files) {
                    let slot = usize::try_from(other.completed_on.year() - self.first_year)
                        .unwrap_or(0)
                        .min(files.len() - 1);
                    other.write(&mut files[slot], id, staff_id)?;
                }
            }
        }
        Ok(())
    }

    fn esr(&self) -> bool {
        matches!(self.files, YearFiles::Esr(_))
    }

    /// A good record as a person would type it into the late returns sheet.
    fn typed_row(&self, record_id: &str, staff_id: &str, course: &Course) -> Vec<XlsxCell> {
        if self.esr() {
            esr::typed_row(record_id, staff_id, course)
        } else {
            typed_row(record_id, staff_id, course)
        }
    }

    /// A bad record in the late returns sheet.
    fn untyped_row(&self, row: &TrainingRow) -> Vec<XlsxCell> {
        if self.esr() {
            esr::untyped_row(row)
        } else {
            untyped_row(row)
        }
    }

    fn write(&mut self, record_id: &str, staff_id: &str, course: &Course) -> Result<()> {
        let year = course.completed_on.year();
        let Ok(slot) = usize::try_from(year - self.first_year) else {
            bail!("training record {record_id} completed in {year}, before the history starts");
        };
        if self.first.is_none() {
            self.first = Some((record_id.to_string(), staff_id.to_string(), *course));
        }
        match &mut self.files {
            YearFiles::Csv(files) => {
                let level = [b'0' + course.level];
                let date = format(course.completed_on, DateStyle::Iso);
                let hours = course.hours_text();
                files[slot].row(&[
                    record_id.as_bytes(),
                    staff_id.as_bytes(),
                    &level,
                    &date,
                    hours.as_bytes(),
                    course.delivery.as_str().as_bytes(),
                ])
            }
            YearFiles::Parquet(files) => files[slot].row(&[
                Cell::Text(record_id),
                Cell::Text(staff_id),
                Cell::Int(i64::from(course.level)),
                Cell::Date(course.completed_on),
                Cell::Float(course.hours()),
                Cell::Text(course.delivery.as_str()),
            ]),
            YearFiles::Esr(files) => {
                esr::write_course(&mut files[slot], record_id, staff_id, course)
            }
        }
    }

    /// Adds the bad rows, closes the yearly files and writes the late returns sheet.
    fn finish(mut self, ctx: &Context<'_>) -> Result<Vec<Written>> {
        // Bad rows name a real post holder where they need one, so each has a single fault.
        let first = self.first.take();
        let real_staff = first.as_ref().map_or_else(
            || bad_rows::unknown_staff_id(ctx.cfg.staff, 2),
            |f| f.1.clone(),
        );
        let bad = bad_rows::training(ctx.cfg.staff, ctx.bad_year(), &real_staff);
        let bad_slot = usize::try_from(ctx.bad_year() - self.first_year).unwrap_or(0);
        match &mut self.files {
            YearFiles::Csv(files) => {
                let file = files.len().saturating_sub(1).min(bad_slot);
                for row in &bad {
                    let fields = [
                        &row.record_id,
                        &row.staff_id,
                        &row.level,
                        &row.completed_on,
                        &row.hours,
                        &row.delivery,
                    ];
                    files[file].text_row(&fields)?;
                }
            }
            YearFiles::Esr(files) => {
                let file = files.len().saturating_sub(1).min(bad_slot);
                for row in &bad {
                    files[file].text_row(&esr::bad_row(row))?;
                }
            }
            YearFiles::Parquet(_) => self.late_returns.extend(bad.iter().map(untyped_row)),
        }
        if let Some((record_id, staff_id, mut course)) = first {
            // Someone resubmitting a record already in a yearly file, dated a day later.
            course.completed_on = add_days(course.completed_on, 1);
            let row = self.typed_row(&record_id, &staff_id, &course);
            self.late_returns.push(row);
        }
        let tbc = self.untyped_row(&bad_rows::late_return_tbc(ctx.bad_year(), &real_staff));
        self.late_returns.push(tbc);
        let esr = self.esr();

        let mut files: Vec<Written> = match self.files {
            YearFiles::Csv(files) => files
                .into_iter()
                .map(CsvFile::finish)
                .collect::<Result<_>>()?,
            YearFiles::Parquet(files) => files
                .into_iter()
                .map(ParquetFile::finish)
                .collect::<Result<_>>()?,
            YearFiles::Esr(files) => files
                .into_iter()
                .map(CsvFile::finish)
                .collect::<Result<_>>()?,
        };
        let (header, path) = if esr {
            (
                esr::HEADER.to_vec(),
                format!("{}/late-returns.xlsx", esr::FOLDER),
            )
        } else {
            (
                vec![
                    "Record ID",
                    "Staff ID",
                    "Level",
                    "Completed On",
                    "Hours",
                    "Delivery",
                ],
                "training/late-returns.xlsx".to_owned(),
            )
        };
        let sheet = XlsxSheet {
            sheet_name: "Late returns",
            header,
            rows: self.late_returns,
        };
        files.push(sheet.save(&ctx.cfg.out, &path, ctx.cfg.as_of)?);
        Ok(files)
    }
}

/// A good record as a person would type it into the late returns sheet.
fn typed_row(record_id: &str, staff_id: &str, course: &Course) -> Vec<XlsxCell> {
    vec![
        XlsxCell::Text(record_id.to_string()),
        XlsxCell::Text(staff_id.to_string()),
        XlsxCell::Number(f64::from(course.level)),
        XlsxCell::Date(course.completed_on),
        XlsxCell::Number(course.hours()),
        XlsxCell::Text(course.delivery.as_typed().to_string()),
    ]
}

/// A bad record in the late returns sheet: numbers where they parse, text otherwise.
fn untyped_row(row: &TrainingRow) -> Vec<XlsxCell> {
    let number_or_text = |s: &str| match s.parse::<f64>() {
        Ok(n) => XlsxCell::Number(n),
        Err(_) if s.is_empty() => XlsxCell::Blank,
        Err(_) => XlsxCell::Text(s.to_string()),
    };
    let text_or_blank = |s: &str| {
        if s.is_empty() {
            XlsxCell::Blank
        } else {
            XlsxCell::Text(s.to_string())
        }
    };
    vec![
        text_or_blank(&row.record_id),
        text_or_blank(&row.staff_id),
        number_or_text(&row.level),
        text_or_blank(&row.completed_on),
        number_or_text(&row.hours),
        text_or_blank(&row.delivery),
    ]
}
