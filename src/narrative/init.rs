//! `safeguard narrative init`: a starter narrative folder, one file per slot, each holding only
//! a guide in an HTML comment (so every slot starts *unwritten*): what annual safeguarding
//! reports put there, and example figure references. It never overwrites a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Slot;

/// What `init` did: the files it wrote and the ones it left alone because they existed.
#[derive(Debug, Default, PartialEq)]
pub struct Written {
    pub written: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
}

/// Writes the starter files into `dir` (created if missing); an existing file is skipped,
/// never overwritten (the check and the creation are one step, so a file appearing meanwhile
/// is not overwritten either).
pub fn init(dir: &Path) -> std::io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut out = Written::default();
    for slot in Slot::ALL {
        let path = dir.join(slot.file());
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(guide(slot).as_bytes())?;
                out.written.push(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => out.skipped.push(path),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The starter text of a slot: a guide in one HTML comment.
pub fn guide(slot: Slot) -> String {
    let (what, figures) = match slot {
        Slot::Cover => (COVER, ""),
        Slot::Foreword => (
            "Half a page. Who writes it (usually the \
             Designated Nurse and Designated Doctor, sometimes with the Chief Nursing Officer), \
             the year in two or three sentences, thanks to safeguarding teams across the \
             footprint, and the one or two messages the board must take away.",
            "Training compliance across the footprint was {{training_compliance}} at {{as_of}} \
             ({{training_rag}}), against {{training_compliance_last_year}} a year earlier.",
        ),
        Slot::Context => (
            "The footprint: {{organisations}} \
             organisations, their size, the child population and what makes it distinctive \
             (deprivation, rurality, looked-after children placed from other areas, \
             unaccompanied asylum-seeking children). The statutory duties behind the report: \
             Section 11 of the Children Act 2004, Working Together to Safeguard Children, and \
             the NHS Safeguarding Accountability and Assurance Framework.",
            "{{icb_name}} commissions care from {{organisations}} organisations employing \
             {{staff_in_post}} staff in posts that need safeguarding children training.",
        ),
        Slot::Governance => (
            "How assurance reaches the \
             board (the safeguarding committee, quality committee, reporting cycle), the \
             designated and named professionals, the place of the ICB in the local \
             safeguarding children partnership with the local authority and the police, and \
             any change in the year. A diagram of the partnership works well here: \
             ![what the diagram shows](partnership.svg)",
            "The review action plans hold {{review_actions}} actions, {{review_actions_overdue}} \
             of them overdue.",
        ),
        Slot::Training => (
            "What the figures mean: which \
             organisations or levels are below the threshold and why (turnover, new starters, \
             course capacity), what is being done and by when, and whether Level 3 \
             compliance in particular is improving.",
            "Overall compliance was {{training_compliance}} ({{training_rag}}), against \
             {{training_compliance_last_year}} a year earlier. One organisation: \
             {{training_compliance.CODE}} (CODE is its ODS code).",
        ),
        Slot::Supervision => (
            "How safeguarding supervision is \
             offered (one-to-one, group, reflective), which staff groups find it hard to \
             attend, and what the providers have agreed to change.",
            "Supervision compliance was {{supervision_compliance}} ({{supervision_rag}}). \
             One organisation: {{supervision_compliance.CODE}}.",
        ),
        Slot::Section11 => (
            "How the self-audit was run and \
             challenged (peer review, a challenge event), the standards most often rated \
             amber or red, and the actions that follow.",
            "{{section11_standards_green}} of {{section11_standards_rated}} standards were \
             rated green in the latest round.",
        ),
        Slot::Reviews => (
            "Child \
             safeguarding practice reviews, rapid reviews and domestic homicide reviews the \
             ICB took part in, the themes (information sharing, professional curiosity, the \
             voice of the child, fathers and men in the household), and how the learning \
             reached practice. Do not name or identify any child or family.",
            "The action plans hold {{review_actions}} actions; {{review_actions_overdue}} are \
             overdue.",
        ),
        Slot::Multiagency => (
            "Health's contribution to \
             child protection conferences and strategy discussions, attendance and reports \
             submitted on time, and work with the MASH, the police and the local authority.",
            "Health contributed to {{multiagency_contribution}} of child protection meetings \
             in the year.",
        ),
        Slot::Quality => (
            "Inspection \
             findings about safeguarding (CQC, Ofsted joint targeted area inspections), \
             contract quality visits, and how concerns were followed up with providers.",
            "Figures at {{as_of}} for {{year}}.",
        ),
        Slot::CaseStudies => (
            "Two or three short, \
             anonymised stories showing safeguarding practice making a difference, each with \
             what happened, what professionals did and what changed for the child. Quote \
             children and young people as a block quote (a line starting with >). Change \
             every detail that could identify a child, family or member of staff.",
            "",
        ),
        Slot::Achievements => (
            "What the safeguarding team and \
             partners delivered (new training, audits completed, pathways launched, \
             recognition), ideally as a short list with a sentence each.",
            "Training compliance rose to {{training_compliance}} from \
             {{training_compliance_last_year}}.",
        ),
        Slot::Priorities => (
            "Three to six priorities, each with \
             what will be done, who leads it and how the board will know it worked. A table \
             with the columns Priority, Lead and Measure works well.",
            "Raise supervision compliance from {{supervision_compliance}} to above the green \
             threshold.",
        ),
        Slot::Risks => (
            "Each risk, its score or \
             rating on the risk register, the mitigation and what the board is asked to do. \
             Keep it to what the board must know and can act on.",
            "{{review_actions_overdue}} review actions are overdue at {{as_of}}.",
        ),
    };
    let mut text = format!(
        "<!--\n{}: printed as \"{}\", {}.\n\n{}\n",
        slot.file(),
        slot.heading(),
        slot.printed(),
        wrap(what)
    );
    if !figures.is_empty() {
        text.push_str(&format!(
            "\nFigures come from the report data, after disclosure control, for example:\n{}\n\
             `safeguard report --list-figures` prints every name and its value.\n",
            wrap(figures)
        ));
    }
    text.push_str(
        "\nWrite Markdown below this comment, and delete the comment when you like: a slot \
         holding\nonly comments is still to write (`safeguard report --draft` lists it).\n-->\n",
    );
    text
}

const COVER: &str = "Start with front matter between +++ lines, then write the summary for the \
    board below it:\n\n\
    +++\n\
    purpose = \"assurance\"   # approval | assurance | discussion | information\n\
    recommendation = \"The board is asked to note the report and approve the priorities.\"\n\
    executive_lead = \"Chief Nursing Officer\"\n\
    presented_by = \"Designated Nurse for Safeguarding Children\"\n\
    risks = [\"Training compliance at {{training_compliance}} ({{training_rag}})\"]\n\
    +++\n\n\
    The summary is a few short paragraphs: the purpose of the report, the key findings with \
    their figures (for example {{training_compliance}} training compliance, \
    {{supervision_compliance}} supervision compliance), and what the board is asked to do.";

/// Wraps prose at about 96 columns, keeping lines that are already short (the example front
/// matter) as they are.
fn wrap(text: &str) -> String {
    let mut out = Vec::new();
    for para in text.split('\n') {
        if para.len() <= 96 {
            out.push(para.to_owned());
            continue;
        }
        let mut line = String::new();
        for word in para.split(' ') {
            if !line.is_empty() && line.len() + 1 + word.len() > 96 {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guide_is_one_comment_and_says_where_the_slot_prints() {
        for slot in Slot::ALL {
            let g = guide(slot);
            assert!(g.starts_with("<!--\n"), "{g}");
            assert!(g.ends_with("-->\n"));
            assert_eq!(g.matches("-->").count(), 1, "{}", slot.file());
            assert!(g.contains(slot.heading()));
            assert!(g.lines().all(|l| l.len() <= 120), "{}", slot.file());
        }
        assert!(guide(Slot::Training).contains("{{training_compliance}}"));
        assert!(guide(Slot::Cover).contains("purpose = \"assurance\""));
    }

    #[test]
    fn the_cover_guide_s_example_front_matter_parses_once_uncommented() {
        let guide = guide(Slot::Cover);
        let start = guide.find("\n+++\n").unwrap() + 1;
        let end = guide.rfind("\n+++\n").unwrap() + 5;
        let example = &guide[start..end];
        let lines = crate::narrative::error::Lines::new(example);
        let located = crate::narrative::cover::locate(example, &lines)
            .unwrap()
            .unwrap();
        let figures: crate::narrative::Figures =
            [("training_compliance", "89.0%"), ("training_rag", "Amber")]
                .into_iter()
                .collect();
        let (fm, problems) = crate::narrative::cover::parse(
            &example[located.toml.clone()],
            located.toml.start,
            &lines,
            &figures,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            fm.risks,
            vec!["Training compliance at 89.0% (Amber)".to_owned()]
        );
    }

    #[test]
    fn init_writes_every_slot_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("narrative");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("foreword.md"), "Our own words.").unwrap();
        let done = init(&folder).unwrap();
        assert_eq!(done.skipped, vec![folder.join("foreword.md")]);
        assert_eq!(done.written.len(), Slot::ALL.len() - 1);
        assert_eq!(
            std::fs::read_to_string(folder.join("foreword.md")).unwrap(),
            "Our own words."
        );
        assert_eq!(
            std::fs::read_to_string(folder.join("risks.md")).unwrap(),
            guide(Slot::Risks)
        );
        let again = init(&folder).unwrap();
        assert!(again.written.is_empty());
        assert_eq!(again.skipped.len(), Slot::ALL.len());
    }
}
