//! What a row must satisfy: unique keys, foreign keys, cross-field rules, booleans and enums
//! in any case and spacing.

use datafusion::arrow::datatypes::DataType;

use crate::util::{Env, counts, lines_starting, rej, reject_rows};

#[test]
fn duplicate_keys_keep_the_first_copy_and_reject_later_ones() {
    let env = Env::base();
    env.write(
        "training.csv",
        "record_id,staff_id,level,completed_on,hours,delivery
T1,S1,3,2024-05-01,6,face_to_face
T2,S2,3,2024-06-01,6,e_learning
T1,S2,1,2024-07-01,1,virtual
T2,S3,2,2024-07-01,1,virtual
T2,S3,2,2024-07-01,1,virtual
",
    );
    env.write(
        "section11_ratings.csv",
        "organisation_code,audit_round,standard,rating,assessed_on
ORG1,2024,1,green,2024-06-01
ORG1,2024,1,red,2024-07-01
ORG1,2025,1,red,2025-06-01
ORG2,2024,1,amber,2024-06-01
ORG1,2024,2,amber,2024-06-01
ORG2,2024,1,green,2024-08-01
",
    );
    env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "training"), (5, 2, 3));
    assert_eq!(counts(&m, "section11_ratings"), (6, 4, 2));

    let t = env.table("training");
    assert_eq!(t.column("record_id"), ["T1", "T2"]);
    assert_eq!(t.column("staff_id"), ["S1", "S2"]);
    let dup = |id: &str| format!("duplicate record_id {id}: an earlier row has the same key");
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej("training.csv", 4, &dup("T1"), "record_id"),
            rej("training.csv", 5, &dup("T2"), "record_id"),
            rej("training.csv", 6, &dup("T2"), "record_id"),
        ]
    );

    let s = env.table("section11_ratings");
    let keyed: Vec<String> = (0..s.len())
        .map(|r| {
            format!(
                "{}/{}/{}={}",
                s.get(r, "organisation_code"),
                s.get(r, "audit_round"),
                s.get(r, "standard"),
                s.get(r, "rating")
            )
        })
        .collect();
    assert_eq!(
        keyed,
        [
            "ORG1/2024/1=green",
            "ORG1/2025/1=red",
            "ORG2/2024/1=amber",
            "ORG1/2024/2=amber"
        ]
    );
    assert_eq!(
        reject_rows(&env.rejects("section11_ratings")),
        [
            rej(
                "section11_ratings.csv",
                3,
                "duplicate organisation_code ORG1, audit_round 2024, standard 1: an earlier row has the same key",
                "organisation_code"
            ),
            rej(
                "section11_ratings.csv",
                7,
                "duplicate organisation_code ORG2, audit_round 2024, standard 1: an earlier row has the same key",
                "organisation_code"
            ),
        ]
    );
}

/// A CSV file is checked in chunks of rows on several threads; what comes out must be what a
/// single pass would give: file order, the first copy of a key kept wherever the later copies
/// fall, and rejects in line order.
#[test]
fn a_large_csv_keeps_row_order_and_first_copies_across_chunks() {
    let env = Env::base();
    let mut csv = String::from("record_id,staff_id,level,completed_on,hours,delivery\n");
    let (mut expected_ids, mut expected_rejects) = (vec![], vec![]);
    let dup = |id: &str| format!("duplicate record_id {id}: an earlier row has the same key");
    for i in 0..30_000u64 {
        let line = i + 2;
        let staff = ["S1", "S2", "S3"][i as usize % 3];
        if i % 7_001 == 5_000 {
            // A copy of a row thousands of rows (and at least one chunk) earlier.
            let earlier = format!("T{}", i - 4_999);
            csv.push_str(&format!("{earlier},{staff},2,2024-05-01,1,virtual\n"));
            expected_rejects.push(rej("training.csv", line, &dup(&earlier), "record_id"));
        } else if i % 9_973 == 17 {
            csv.push_str(&format!("T{i},{staff},7,2024-05-01,1,virtual\n"));
            expected_rejects.push(rej(
                "training.csv",
                line,
                "level 7 is out of range 1-5",
                "level",
            ));
        } else if i == 12_345 {
            csv.push_str(",,,,,\n");
        } else {
            csv.push_str(&format!("T{i},{staff},3,2024-05-01,6,face_to_face\n"));
            expected_ids.push(format!("T{i}"));
        }
    }
    env.write("training.csv", &csv);
    env.load_ok();
    let t = env.table("training");
    assert_eq!(t.column("record_id"), expected_ids);
    // The first copy is the one kept: its staff and level, not the later copy's.
    let kept = t.row_where("record_id", "T1");
    assert_eq!((t.get(kept, "staff_id"), t.get(kept, "level")), ("S2", "3"));
    assert_eq!(reject_rows(&env.rejects("training")), expected_rejects);
    let m = env.manifest();
    assert_eq!(
        counts(&m, "training"),
        (
            29_999,
            expected_ids.len() as u64,
            expected_rejects.len() as u64
        )
    );
}

#[test]
fn unknown_foreign_keys_are_row_errors() {
    let env = Env::base();
    env.write(
        "staff.csv",
        &format!("{}S4,ORG9,nursing,3,,2020-01-01,\n", crate::util::STAFF),
    );
    env.write(
        "training.csv",
        &format!(
            "{}T4,S99,3,2024-05-01,6,face_to_face\nT5,S4,3,2024-05-01,6,face_to_face\n",
            crate::util::TRAINING
        ),
    );
    env.write(
        "review_actions.csv",
        &format!(
            "{}RA3,R2,scr,Child L,Share,Audit,ORG9,2024-01-01,2024-06-01,,\n",
            crate::util::REVIEW_ACTIONS
        ),
    );
    env.write(
        "section11_actions.csv",
        "action_id,organisation_code,audit_round,standard,action,owner,due_date,completed_on
SA1,ORG1,2024,1,Board champion,Chief Nurse,2025-01-01,
SA2,ORG1,2024,5,Training plan,Named Nurse,2025-01-01,
SA3,ORG2,2023,1,Policy,Named Nurse,2025-01-01,
SA4,ORG9,2024,1,Policy,Named Nurse,2025-01-01,
",
    );

    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let f = env.shown("review_actions.csv");
    assert_eq!(
        lines_starting(&check.stdout, &f),
        [format!(
            "{f}:4:7: unknown lead_organisation_code ORG9: not in organisations"
        )]
    );

    env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "staff"), (4, 3, 1));
    assert_eq!(counts(&m, "training"), (5, 3, 2));
    assert_eq!(counts(&m, "review_actions"), (3, 2, 1));
    assert_eq!(counts(&m, "section11_actions"), (4, 1, 3));
    assert_eq!(
        reject_rows(&env.rejects("staff")),
        [rej(
            "staff.csv",
            5,
            "unknown organisation_code ORG9: not in organisations",
            "organisation_code"
        )]
    );
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej(
                "training.csv",
                5,
                "unknown staff_id S99: not in staff",
                "staff_id"
            ),
            // S4 was itself rejected, so it is not in staff either.
            rej(
                "training.csv",
                6,
                "unknown staff_id S4: not in staff",
                "staff_id"
            ),
        ]
    );
    assert_eq!(
        reject_rows(&env.rejects("review_actions")),
        [rej(
            "review_actions.csv",
            4,
            "unknown lead_organisation_code ORG9: not in organisations",
            "lead_organisation_code"
        )]
    );
    assert_eq!(env.table("section11_actions").column("action_id"), ["SA1"]);
    assert_eq!(
        reject_rows(&env.rejects("section11_actions")),
        [
            rej(
                "section11_actions.csv",
                3,
                "no section11_ratings row for organisation_code ORG1, audit_round 2024, standard 5",
                "organisation_code"
            ),
            rej(
                "section11_actions.csv",
                4,
                "no section11_ratings row for organisation_code ORG2, audit_round 2023, standard 1",
                "organisation_code"
            ),
            rej(
                "section11_actions.csv",
                5,
                "unknown organisation_code ORG9: not in organisations; no section11_ratings row for organisation_code ORG9, audit_round 2024, standard 1",
                "organisation_code"
            ),
        ]
    );
}

#[test]
fn cross_field_rules_reject_dates_out_of_order_and_non_quarter_ends() {
    let env = Env::base();
    env.write(
        "staff.csv",
        &format!(
            "{}S4,ORG1,nursing,3,,2022-01-01,2021-12-31\nS5,ORG1,nursing,3,,2022-01-01,2022-01-01\n",
            crate::util::STAFF
        ),
    );
    env.write(
        "review_actions.csv",
        &format!(
            "{}RA3,R2,scr,Child L,Share,Audit,ORG1,2024-05-01,2024-04-30,,\nRA4,R2,scr,Child L,Share,Re-audit,ORG1,2024-05-01,2024-05-01,,\n",
            crate::util::REVIEW_ACTIONS
        ),
    );
    env.write(
        "quality_ratings.csv",
        "organisation_code,quarter_end,metric,rating,commentary,rated_on
ORG1,2025-03-31,11.b,green,On track,2025-05-01
ORG1,30/06/2025,11.b,amber,,
ORG1,2025-03-30,11.a.1,red,Wrong date,
ORG2,2024-12-31,11.a.5,green,,
ORG2,2024-09-30,11.a.5,green,,
ORG2,2024-10-01,11.a.5,green,,
",
    );

    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let f = env.shown("staff.csv");
    assert_eq!(
        lines_starting(&check.stdout, &f),
        [format!(
            "{f}:5:7: end_date 2021-12-31 is before start_date 2022-01-01"
        )]
    );

    env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "staff"), (5, 4, 1));
    assert_eq!(counts(&m, "review_actions"), (4, 3, 1));
    assert_eq!(counts(&m, "quality_ratings"), (6, 4, 2));
    assert_eq!(
        env.table("staff").column("staff_id"),
        ["S1", "S2", "S3", "S5"]
    );
    assert_eq!(
        reject_rows(&env.rejects("review_actions")),
        [rej(
            "review_actions.csv",
            4,
            "due_date 2024-04-30 is before agreed_on 2024-05-01",
            "due_date"
        )]
    );
    let q = env.table("quality_ratings");
    assert_eq!(
        q.column("quarter_end"),
        ["2025-03-31", "2025-06-30", "2024-12-31", "2024-09-30"]
    );
    let not_qe = |d: &str| {
        format!(
            "quarter_end {d} is not a quarter end (30 June, 30 September, 31 December or 31 March)"
        )
    };
    assert_eq!(
        reject_rows(&env.rejects("quality_ratings")),
        [
            rej(
                "quality_ratings.csv",
                4,
                &not_qe("2025-03-30"),
                "quarter_end"
            ),
            rej(
                "quality_ratings.csv",
                7,
                &not_qe("2024-10-01"),
                "quarter_end"
            ),
        ]
    );
}

#[test]
fn booleans_and_enums_in_any_case_and_spacing() {
    let env = Env::base();
    env.write(
        "organisations.csv",
        &format!(
            "{}ORG3,Northshire Mental Health,Mental Health\nORG4,Practice,PRIMARY-CARE\nORG5,Clinic,clinic\n",
            crate::util::ORGANISATIONS
        ),
    );
    let mut reviews = String::from(
        "action_id,review_id,review_type,review_name,recommendation,action,lead_organisation_code,agreed_on,due_date,completed_on,impact_evidenced\n",
    );
    let flags = [
        "yes", "no", "Y", "N", "1", "0", "TRUE", "false", " Yes ", "", "maybe",
    ];
    for (i, flag) in flags.iter().enumerate() {
        reviews.push_str(&format!(
            "RA{i},R1,Rapid Review,Child K,Rec,Act,ORG1,2024-01-01,2024-06-01,,{flag}\n"
        ));
    }
    env.write("review_actions.csv", &reviews);
    env.write(
        "training.csv",
        "record_id,staff_id,level,completed_on,hours,delivery
T1,S1,3,2024-05-01,6,Face to Face
T2,S2,3,2024-06-01,6, E-Learning 
T3,S3,4,2024-07-01,12,VIRTUAL
T4,S3,4,2024-07-02,12,
T5,S3,4,2024-07-03,12,classroom
",
    );
    env.write(
        "multiagency_meetings.csv",
        "meeting_id,organisation_code,meeting_type,meeting_date,contributed
M1,ORG1,Core Group,2025-01-01,Yes
M2,ORG1,ICPC,2025-01-02,n
M3,ORG1,strategy,2025-01-03,
",
    );
    env.load_ok();
    let m = env.manifest();

    assert_eq!(counts(&m, "organisations"), (6, 5, 1));
    let o = env.table("organisations");
    assert_eq!(
        o.column("organisation_type"),
        [
            "acute",
            "community",
            "commissioner",
            "mental_health",
            "primary_care"
        ]
    );
    let r = reject_rows(&env.rejects("organisations"));
    assert_eq!((r[0].1, r[0].3.as_str()), (7, "organisation_type"));
    assert!(
        r[0].2
            .starts_with("invalid value \"clinic\" in organisation_type"),
        "{}",
        r[0].2
    );

    assert_eq!(counts(&m, "review_actions"), (11, 10, 1));
    let ra = env.table("review_actions");
    assert_eq!(ra.data_type("impact_evidenced"), &DataType::Boolean);
    assert_eq!(
        ra.column("impact_evidenced"),
        [
            "true", "false", "true", "false", "true", "false", "true", "false", "true", "NULL"
        ]
    );
    assert!(
        ra.column("review_type")
            .iter()
            .all(|t| *t == "rapid_review")
    );
    let r = reject_rows(&env.rejects("review_actions"));
    assert_eq!((r[0].1, r[0].3.as_str()), (12, "impact_evidenced"));
    assert!(
        r[0].2
            .starts_with("invalid yes/no value \"maybe\" in impact_evidenced"),
        "{}",
        r[0].2
    );

    assert_eq!(counts(&m, "training"), (5, 4, 1));
    assert_eq!(
        env.table("training").column("delivery"),
        ["face_to_face", "e_learning", "virtual", "NULL"]
    );
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [rej(
            "training.csv",
            6,
            "invalid value \"classroom\" in delivery (expected one of e_learning, face_to_face, virtual, conference, other)",
            "delivery"
        )]
    );

    assert_eq!(counts(&m, "multiagency_meetings"), (3, 2, 1));
    let mm = env.table("multiagency_meetings");
    assert_eq!(mm.column("meeting_type"), ["core_group", "icpc"]);
    assert_eq!(mm.column("contributed"), ["true", "false"]);
    assert_eq!(
        reject_rows(&env.rejects("multiagency_meetings")),
        [rej(
            "multiagency_meetings.csv",
            4,
            "contributed is required but blank",
            "contributed"
        )]
    );
}
