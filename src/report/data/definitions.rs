//! Appendix B, definitions: how every figure is computed, worded with the thresholds and
//! periods of this report.

use super::model::Definition;
use super::params::Params;
use super::summary::disclosure_note;
use crate::report::format::{long_date, percent};

/// The definitions, in the order the report uses the terms.
pub(super) fn definitions(p: &Params) -> Vec<Definition> {
    let d = |term: &str, text: String| Definition {
        term: term.to_owned(),
        text,
    };
    let years = if p.validity_months % 12 == 0 {
        format!("{} years", p.validity_months / 12)
    } else {
        format!("{} months", p.validity_months)
    };
    vec![
        d(
            "as_of",
            format!(
                "The date the figures are taken at: {}. Quarterly figures are at the last quarter \
                 end on or before it ({}); \"a year earlier\" is the same quarter end twelve \
                 months before ({}).",
                long_date(p.as_of),
                long_date(p.period_end),
                long_date(p.previous)
            ),
        ),
        d(
            "In post",
            "A post holder is in post at a date when they started on or before it and have not \
             left before it."
                .to_owned(),
        ),
        d(
            "Training compliance (quality metric 11.b)",
            format!(
                "Staff in post who hold safeguarding children training at or above the \
                 Intercollegiate level their role requires, completed on or before the date and \
                 within the previous {years}, as a percentage of staff in post. RAG: red below {}, \
                 amber from {} to {} inclusive, green above {}.",
                percent(p.red_below),
                percent(p.red_below),
                percent(p.green_above),
                percent(p.green_above)
            ),
        ),
        d(
            "Supervision compliance (quality metric 11.a.5)",
            "Staff in post whose role has a safeguarding supervision interval of m months and who \
             have been in post for at least m months are \"requiring\"; they are \"supervised\" \
             when they had a one-to-one or group session in the m months up to the date (ad hoc \
             sessions do not count). Compliance is supervised as a percentage of requiring, with \
             the same RAG bands as training."
                .to_owned(),
        ),
        d(
            "Section 11 self-audit",
            "Each organisation rates itself green, amber or red against the eight Section 11 \
             (Children Act 2004) standards in each audit round. A standard improved when its \
             rating moved towards green since the organisation's previous round and worsened \
             when it moved towards red. An action is complete when completed on or before as_of \
             and overdue when not complete and past its due date."
                .to_owned(),
        ),
        d(
            "Review action plans",
            "Actions agreed on or before as_of from Serious Case Reviews, Child Safeguarding \
             Practice Reviews, rapid reviews and related reviews. Completed: completed on or \
             before as_of; overdue: not completed and past the due date; open: neither. Impact \
             evidenced counts completed actions whose effect on practice has been evidenced. \
             Median days: the median number of days from agreement to completion."
                .to_owned(),
        ),
        d(
            "Multi-agency contribution (quality metric 11.a.2)",
            format!(
                "Child protection conferences, strategy meetings and similar meetings a health \
                 organisation was asked to contribute to, and the share it contributed to by \
                 attending or sending a report. RAG: red below {}, amber from {} to {} \
                 inclusive, green above {}.",
                percent(p.ma_red_below),
                percent(p.ma_red_below),
                percent(p.ma_green_above),
                percent(p.ma_green_above)
            ),
        ),
        d(
            "Statistical process control (SPC)",
            format!(
                "XmR charts in the NHS \"Making Data Count\" style over the 36 months to as_of. \
                 The mean is the average of the monthly values; the process limits are the mean \
                 plus and minus 2.66 times the average moving range (moving ranges of 3.267 times \
                 the average or more are left out). Special cause: a point outside the limits, a \
                 run of 7 or more points rising or falling, two of three points near a limit on \
                 the same side, or a run of 7 or more points on one side of the mean. Assurance \
                 compares the {} target with the limits.",
                percent(p.green_above)
            ),
        ),
        d(
            "Disclosure control",
            disclosure_note(p.rule).trim_start_matches("* ").to_owned(),
        ),
    ]
}
