//! Session settings: what `SET` may change and what `SHOW` answers.
//!
//! `safeguard.as_of` and `safeguard.year` choose the date the figures are taken at for the rest
//! of the session, with the meaning of `sql --as-of` and `--year`. The settings client drivers
//! send on connect (DateStyle, extra_float_digits, client_encoding, application_name, ...) are
//! accepted and kept per connection; none of them changes what the server reads or how it runs.
//! Any other `SET` (DataFusion's own settings, roles, session authorisation) is refused.
//!
//! Settings live in the connection's metadata (pgwire keeps the start-up parameters there too),
//! under lower-case names; arrow-pg reads the formatting ones from it when encoding rows.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use datafusion::sql::sqlparser::ast::{Expr, Set, TransactionAccessMode, TransactionMode, Value};
use pgwire::error::PgWireError;

use super::statement::{error, refusal};

/// The metadata key of the session's as_of (YYYY-MM-DD).
pub const AS_OF: &str = "safeguard.as_of";
/// The metadata key of the financial year last set, for `SHOW safeguard.year`.
pub const YEAR: &str = "safeguard.year";
/// The metadata key of the session's statement timeout, in milliseconds.
pub const TIMEOUT_MS: &str = "statement_timeout";

/// Settings a client may set, with the parameter status name PostgreSQL reports them under
/// (None: not reported).
const CLIENT_SETTINGS: &[(&str, Option<&str>)] = &[
    ("application_name", Some("application_name")),
    ("bytea_output", None),
    ("client_encoding", Some("client_encoding")),
    ("client_min_messages", None),
    ("datestyle", Some("DateStyle")),
    ("extra_float_digits", None),
    ("intervalstyle", Some("IntervalStyle")),
    ("lc_messages", None),
    ("search_path", None),
    (
        "standard_conforming_strings",
        Some("standard_conforming_strings"),
    ),
    ("timezone", Some("TimeZone")),
];

/// What a `SET` did: the parameter status to report, if any.
#[derive(Debug, Default, PartialEq)]
pub struct Applied {
    pub report: Option<(String, String)>,
}

/// Applies a `SET` to the connection's settings, or refuses it.
pub fn set(
    set: &Set,
    settings: &mut HashMap<String, String>,
    server_timeout: Duration,
) -> Result<Applied, PgWireError> {
    let (name, value) = match set {
        Set::SingleAssignment {
            scope: None,
            hivevar: false,
            variable,
            values,
        } => (variable.to_string().to_lowercase(), value_text(values)),
        Set::SetTimeZone {
            local: false,
            value,
        } => ("timezone".into(), value_text(std::slice::from_ref(value))),
        Set::SetNames { charset_name, .. } => {
            ("client_encoding".into(), charset_name.value.clone())
        }
        Set::SetTransaction { modes, .. } => {
            // Isolation levels and READ ONLY describe this server already; READ WRITE does not.
            let writes = modes.iter().any(|m| {
                matches!(
                    m,
                    TransactionMode::AccessMode(TransactionAccessMode::ReadWrite)
                )
            });
            if writes {
                return Err(refusal(&set.to_string()));
            }
            return Ok(Applied::default());
        }
        other => return Err(refusal(&other.to_string())),
    };
    let default = value.eq_ignore_ascii_case("default");
    match name.as_str() {
        AS_OF => {
            if default {
                settings.remove(AS_OF);
            } else {
                let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
                    invalid(&name, &value, "a date YYYY-MM-DD, for example 2026-03-31")
                })?;
                settings.insert(AS_OF.into(), date.to_string());
            }
            settings.remove(YEAR);
            Ok(Applied::default())
        }
        YEAR => {
            if default {
                settings.remove(AS_OF);
                settings.remove(YEAR);
            } else {
                let end =
                    crate::contract::calendar::financial_year_end(&value).ok_or_else(|| {
                        invalid(&name, &value, "an NHS financial year such as 2024/25")
                    })?;
                settings.insert(AS_OF.into(), end.to_string());
                settings.insert(YEAR.into(), value.trim().to_owned());
            }
            Ok(Applied::default())
        }
        TIMEOUT_MS => {
            let ms = if default {
                None
            } else {
                Some(parse_duration_ms(&value).ok_or_else(|| {
                    invalid(
                        &name,
                        &value,
                        "a duration such as 30s, 5min or 30000 (milliseconds)",
                    )
                })?)
            };
            match ms {
                // A client may shorten the server's limit, never lengthen it.
                Some(ms) if ms > 0 && ms <= server_timeout.as_millis() as u64 => {
                    settings.insert(TIMEOUT_MS.into(), ms.to_string());
                }
                _ => {
                    settings.remove(TIMEOUT_MS);
                }
            }
            Ok(Applied::default())
        }
        "client_encoding" if !is_utf8(&value) => Err(error(
            "22023",
            format!("client_encoding {value:?} is not supported: this server speaks UTF8 only"),
        )),
        "standard_conforming_strings" if !value.eq_ignore_ascii_case("on") => Err(error(
            "22023",
            "standard_conforming_strings can only be on".into(),
        )),
        _ => {
            let Some((_, report)) = CLIENT_SETTINGS.iter().find(|(n, _)| *n == name) else {
                return Err(refusal(&set.to_string()));
            };
            if default {
                settings.remove(&name);
            } else {
                settings.insert(name.clone(), value.clone());
            }
            Ok(Applied {
                report: report.map(|r| (r.to_owned(), if default { String::new() } else { value })),
            })
        }
    }
}

/// Forgets the session's settings (`RESET name`, `RESET ALL`, `DISCARD ALL`).
pub fn reset(name: Option<&str>, settings: &mut HashMap<String, String>) {
    match name.map(str::to_lowercase) {
        Some(n) if n == YEAR || n == AS_OF => {
            settings.remove(AS_OF);
            settings.remove(YEAR);
        }
        Some(n) => {
            settings.remove(&n);
        }
        None => {
            for key in [AS_OF, YEAR, TIMEOUT_MS] {
                settings.remove(key);
            }
            for (n, _) in CLIENT_SETTINGS {
                settings.remove(*n);
            }
        }
    }
}

/// The session's as_of: its own, else the server's.
pub fn as_of(settings: &HashMap<String, String>, server: NaiveDate) -> NaiveDate {
    settings
        .get(AS_OF)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(server)
}

/// The session's statement timeout: its own if shorter, else the server's.
pub fn timeout(settings: &HashMap<String, String>, server: Duration) -> Duration {
    settings
        .get(TIMEOUT_MS)
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .map_or(server, |own| own.min(server))
}

/// What `SHOW name` answers, or None for a setting this server does not know.
pub fn show(
    name: &str,
    settings: &HashMap<String, String>,
    server_as_of: NaiveDate,
    server_timeout: Duration,
) -> Option<String> {
    let name = name.to_lowercase();
    let own = |key: &str, default: &str| settings.get(key).cloned().unwrap_or(default.into());
    Some(match name.as_str() {
        AS_OF => as_of(settings, server_as_of).to_string(),
        YEAR => settings
            .get(YEAR)
            .cloned()
            .unwrap_or_else(|| financial_year_of(as_of(settings, server_as_of))),
        TIMEOUT_MS => format!("{}ms", timeout(settings, server_timeout).as_millis()),
        "server_version" => super::SERVER_VERSION.into(),
        "server_encoding" | "client_encoding" => "UTF8".into(),
        "transaction_isolation"
        | "transaction isolation level"
        | "default_transaction_isolation" => "read committed".into(),
        "transaction_read_only" | "default_transaction_read_only" => "on".into(),
        "standard_conforming_strings" | "integer_datetimes" => "on".into(),
        "is_superuser" => "off".into(),
        "max_identifier_length" => "63".into(),
        "datestyle" => own("datestyle", "ISO, MDY"),
        "intervalstyle" => own("intervalstyle", "postgres"),
        "timezone" | "time zone" => own("timezone", "Etc/UTC"),
        "extra_float_digits" => own("extra_float_digits", "1"),
        "bytea_output" => own("bytea_output", "hex"),
        "search_path" => own("search_path", "public"),
        "application_name" => own("application_name", ""),
        "client_min_messages" => own("client_min_messages", "notice"),
        "lc_messages" => own("lc_messages", "C"),
        _ => return None,
    })
}

/// The NHS financial year an as_of date falls in (`2025/26` for 1 April 2025 to 31 March 2026).
fn financial_year_of(date: NaiveDate) -> String {
    use chrono::Datelike;
    let start = if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    };
    format!("{start}/{:02}", (start + 1) % 100)
}

fn value_text(values: &[Expr]) -> String {
    values
        .iter()
        .map(|v| match v {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
                Value::Number(n, _) => n.to_string(),
                other => other.to_string(),
            },
            Expr::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_duration_ms(value: &str) -> Option<u64> {
    let v = value.trim().to_lowercase();
    let (number, unit) = v
        .find(|c: char| !c.is_ascii_digit())
        .map_or((v.as_str(), ""), |i| (&v[..i], v[i..].trim()));
    let n: u64 = number.parse().ok()?;
    Some(match unit {
        "" | "ms" => n,
        "s" => n * 1000,
        "min" => n * 60_000,
        "h" => n * 3_600_000,
        _ => return None,
    })
}

fn is_utf8(value: &str) -> bool {
    matches!(
        value.trim().to_lowercase().replace('-', "").as_str(),
        "utf8" | "unicode"
    )
}

fn invalid(name: &str, value: &str, expected: &str) -> PgWireError {
    error(
        "22023",
        format!("invalid value for parameter \"{name}\": {value:?}: expected {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::ast::Statement;
    use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

    fn run(sql: &str, settings: &mut HashMap<String, String>) -> Result<Applied, String> {
        let statements = PostgresCompatibilityParser::new().parse(sql).unwrap();
        let Statement::Set(s) = &statements[0] else {
            panic!("{sql} is not a SET");
        };
        set(s, settings, Duration::from_secs(300)).map_err(|e| {
            let info: pgwire::error::ErrorInfo = e.into();
            format!("{} {}", info.code, info.message)
        })
    }

    #[test]
    fn the_figures_date_follows_the_session() {
        let server = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let mut s = HashMap::new();
        run("SET safeguard.year = '2024/25'", &mut s).unwrap();
        assert_eq!(as_of(&s, server).to_string(), "2025-03-31");
        assert_eq!(
            show("safeguard.year", &s, server, Duration::ZERO).unwrap(),
            "2024/25"
        );
        run("SET safeguard.as_of = '2024-02-29'", &mut s).unwrap();
        assert_eq!(as_of(&s, server).to_string(), "2024-02-29");
        assert_eq!(
            show("safeguard.year", &s, server, Duration::ZERO).unwrap(),
            "2023/24"
        );
        assert!(
            run("SET safeguard.as_of = '31/02/2024'", &mut s)
                .unwrap_err()
                .starts_with("22023")
        );
        reset(None, &mut s);
        assert_eq!(as_of(&s, server), server);
    }

    #[test]
    fn client_settings_pass_and_others_are_refused() {
        let mut s = HashMap::new();
        let applied = run("SET DateStyle = 'ISO, DMY'", &mut s).unwrap();
        assert_eq!(
            applied.report,
            Some(("DateStyle".into(), "ISO, DMY".into()))
        );
        run("SET extra_float_digits = 3", &mut s).unwrap();
        assert_eq!(s["extra_float_digits"], "3");
        run("SET client_encoding TO 'UTF8'", &mut s).unwrap();
        run(
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            &mut s,
        )
        .unwrap();
        for sql in [
            "SET datafusion.execution.batch_size = 1",
            "SET ROLE postgres",
            "SET SESSION AUTHORIZATION postgres",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        ] {
            let err = run(sql, &mut s).unwrap_err();
            assert!(err.starts_with("25006 "), "{sql}: {err}");
        }
        assert!(run("SET client_encoding = 'LATIN1'", &mut s).is_err());
    }

    #[test]
    fn a_client_may_only_shorten_the_timeout() {
        let mut s = HashMap::new();
        let server = Duration::from_secs(300);
        run("SET statement_timeout = '2s'", &mut s).unwrap();
        assert_eq!(timeout(&s, server), Duration::from_secs(2));
        run("SET statement_timeout = '1h'", &mut s).unwrap();
        assert_eq!(timeout(&s, server), server);
    }
}
