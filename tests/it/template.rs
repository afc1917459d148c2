//! `safeguard template`: the provider return workbooks, read back from their XML. Their drop-down
//! lists are the contract's values, organisation codes come from the loaded warehouse, and a
//! template filled with valid rows loads with no rejects.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use safeguard::contract::{self as schema, Kind};

use crate::util::{Env, Run};

/// Every part of an XLSX file, by name.
fn parts(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = vec![];
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn write_parts(path: &Path, parts: &BTreeMap<String, Vec<u8>>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    // [Content_Types].xml first, as Excel writes it.
    let mut names: Vec<&String> = parts.keys().collect();
    names.sort_by_key(|n| (n.as_str() != "[Content_Types].xml", n.as_str()));
    for name in names {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(&parts[name]).unwrap();
    }
    zip.finish().unwrap();
}

/// The value of `name="..."` among the attributes of an XML start tag (`tag` starts with the
/// first attribute).
fn attribute<'x>(tag: &'x str, name: &str) -> Option<&'x str> {
    let start = if tag.starts_with(&format!("{name}=\"")) {
        name.len() + 2
    } else {
        tag.find(&format!(" {name}=\""))? + name.len() + 3
    };
    let end = tag[start..].find('"')?;
    Some(&tag[start..start + end])
}

/// The data sheet's validations: column letter -> (type, formula1 unescaped).
fn validations(sheet: &str) -> BTreeMap<String, (String, String)> {
    sheet
        .split("<dataValidation ")
        .skip(1)
        .map(|v| {
            let tag = &v[..v.find('>').unwrap()];
            let column: String = attribute(tag, "sqref")
                .unwrap()
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .collect();
            let kind = attribute(tag, "type").unwrap_or("any").to_owned();
            let formula = v
                .split_once("<formula1>")
                .map(|(_, f)| f[..f.find("</formula1>").unwrap()].replace("&quot;", "\""))
                .unwrap_or_default();
            (column, (kind, formula))
        })
        .collect()
}

fn letter(column: usize) -> String {
    ((b'A' + column as u8) as char).to_string()
}

fn template(env: &Env, extra: &[&str]) -> Run {
    let mut args = vec!["template", "--out", "templates"];
    args.extend(extra);
    env.run(args)
}

#[test]
fn templates_offer_the_contracts_values_and_the_warehouses_organisations() {
    let env = Env::base();
    let run = template(&env, &["--warehouse", "none-loaded"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.contains("organisation codes are free text"),
        "{}",
        run.stdout
    );
    for name in safeguard::template::PROVIDER_RETURNS {
        let def = schema::dataset(name).unwrap();
        let book = parts(&env.root().join("templates").join(format!("{name}.xlsx")));
        let sheet = String::from_utf8(book["xl/worksheets/sheet1.xml"].clone()).unwrap();
        assert!(
            sheet.contains("<pane ySplit=\"1\""),
            "{name}: header not frozen"
        );
        let found = validations(&sheet);
        assert_eq!(
            found.len(),
            def.columns.len(),
            "{name}: one validation per column"
        );
        for (i, column) in def.columns.iter().enumerate() {
            let (kind, formula) = &found[&letter(i)];
            let want = match column.kind {
                Kind::Enum(values) => ("list".to_owned(), format!("\"{}\"", values.join(","))),
                Kind::Int { min, max } => (
                    "list".to_owned(),
                    format!(
                        "\"{}\"",
                        (min..=max)
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                ),
                Kind::Bool => ("list".to_owned(), "\"yes,no\"".to_owned()),
                Kind::Date => ("date".to_owned(), "36526".to_owned()),
                Kind::Decimal { .. } => ("decimal".to_owned(), "0".to_owned()),
                Kind::Text => ("any".to_owned(), String::new()),
            };
            assert_eq!(
                (kind, formula),
                (&want.0, &want.1),
                "{name}.{}",
                column.name
            );
        }
        let instructions = String::from_utf8(book["xl/sharedStrings.xml"].clone()).unwrap();
        for column in def.columns {
            assert!(
                instructions.contains(column.description.split(';').next().unwrap()),
                "{name}.{}",
                column.name
            );
        }
    }

    // With a warehouse loaded, organisation codes are a drop-down of its organisations.
    env.load_ok();
    let run = template(&env, &["--warehouse", "warehouse"]);
    assert!(
        run.stdout.contains("organisation codes offered: 3"),
        "{run:#?}"
    );
    let book = parts(&env.root().join("templates/escalations.xlsx"));
    let sheet = String::from_utf8(book["xl/worksheets/sheet1.xml"].clone()).unwrap();
    assert_eq!(
        validations(&sheet)["B"],
        ("list".to_owned(), "lists!$A$2:$A$4".to_owned())
    );
    let strings = String::from_utf8(book["xl/sharedStrings.xml"].clone()).unwrap();
    for code in ["ORG1", "ORG2", "ICB1"] {
        assert!(strings.contains(&format!(">{code}<")), "{code}");
    }
}

/// A cell of a filled-in row.
enum V {
    S(&'static str),
    N(f64),
    /// A typed date: the Excel serial number with the column's date style.
    D(u32),
}

/// Writes `rows` into the data sheet of a template, under its header, as Excel would save it.
fn fill(path: &Path, rows: &[Vec<V>]) {
    let mut book = parts(path);
    let sheet = String::from_utf8(book["xl/worksheets/sheet1.xml"].clone()).unwrap();
    // The style of each column (dates carry theirs) from <col min= max= style=>.
    let mut styles: BTreeMap<usize, String> = BTreeMap::new();
    for c in sheet.split("<col ").skip(1) {
        let tag = &c[..c.find('>').unwrap()];
        let (Some(min), Some(max), Some(style)) = (
            attribute(tag, "min").and_then(|m| m.parse::<usize>().ok()),
            attribute(tag, "max").and_then(|m| m.parse::<usize>().ok()),
            attribute(tag, "style"),
        ) else {
            continue;
        };
        for column in min..=max {
            styles.insert(column, style.to_owned());
        }
    }
    let mut xml = String::new();
    for (r, row) in rows.iter().enumerate() {
        let n = r + 2;
        xml.push_str(&format!("<row r=\"{n}\">"));
        for (c, v) in row.iter().enumerate() {
            let at = format!("{}{n}", letter(c));
            match v {
                V::S(s) => xml.push_str(&format!(
                    "<c r=\"{at}\" t=\"inlineStr\"><is><t>{s}</t></is></c>"
                )),
                V::N(x) => xml.push_str(&format!("<c r=\"{at}\"><v>{x}</v></c>")),
                V::D(d) => xml.push_str(&format!(
                    "<c r=\"{at}\" s=\"{}\"><v>{d}</v></c>",
                    styles[&(c + 1)]
                )),
            }
        }
        xml.push_str("</row>");
    }
    let end_of_header = sheet.find("</row>").unwrap() + "</row>".len();
    let filled = format!(
        "{}{xml}{}",
        &sheet[..end_of_header],
        &sheet[end_of_header..]
    );
    book.insert("xl/worksheets/sheet1.xml".into(), filled.into_bytes());
    write_parts(path, &book);
}

#[test]
fn a_filled_template_loads_with_no_rejects() {
    let env = Env::base();
    env.load_ok();
    assert_eq!(template(&env, &["--warehouse", "warehouse"]).code, 0);
    let templates = env.root().join("templates");
    // 45413 is 2024-05-01, 45444 2024-06-01.
    fill(
        &templates.join("training.xlsx"),
        &[
            vec![
                V::S("F1"),
                V::S("S1"),
                V::N(3.0),
                V::D(45413),
                V::N(6.5),
                V::S("face_to_face"),
            ],
            vec![V::S("F2"), V::S("S2"), V::N(2.0), V::D(45444)],
        ],
    );
    fill(
        &templates.join("escalations.xlsx"),
        &[vec![
            V::S("E1"),
            V::S("ORG1"),
            V::D(45413),
            V::N(2.0),
            V::S("Threshold for referral"),
            V::S("Northshire"),
            V::D(45444),
        ]],
    );
    fill(
        &templates.join("multiagency_meetings.xlsx"),
        &[vec![
            V::S("M1"),
            V::S("ORG2"),
            V::S("icpc"),
            V::D(45413),
            V::S("yes"),
        ]],
    );
    env.remove("training.csv");
    for name in ["training", "escalations", "multiagency_meetings"] {
        std::fs::copy(
            templates.join(format!("{name}.xlsx")),
            env.input().join(format!("{name}.xlsx")),
        )
        .unwrap();
    }
    let run = env.load_ok();
    assert!(!run.stdout.contains("rejected:"), "{}", run.stdout);
    let m = crate::util::assert_snapshot_consistent(&env.current());
    assert_eq!(crate::util::counts(&m, "training"), (2, 2, 0));
    assert_eq!(crate::util::counts(&m, "escalations"), (1, 1, 0));
    assert_eq!(crate::util::counts(&m, "multiagency_meetings"), (1, 1, 0));
    let training = env.table("training");
    assert_eq!(
        training.column("completed_on"),
        ["2024-05-01", "2024-06-01"]
    );
}
