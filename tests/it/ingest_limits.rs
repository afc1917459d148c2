//! The limits README lists for what `load` accepts (issue 21): each refuses its file or dataset
//! with a sentence naming it, and the rest of the input loads.

use std::os::unix::fs::symlink;

use crate::util::{Env, STAFF, TRAINING, status};

/// Loads `env` expecting a file error on `dataset` whose line contains every one of `words`.
fn refused(env: &Env, dataset: &str, words: &[&str]) {
    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("error: ") && words.iter().all(|w| l.contains(w)))
        .unwrap_or_else(|| panic!("no error line with {words:?}: {}", run.stdout));
    assert!(line.contains(&env.input().display().to_string()), "{line}");
    let manifest = env.manifest();
    assert_eq!(status(&manifest, dataset), "failed");
    assert_eq!(
        status(&manifest, "organisations"),
        "loaded",
        "the rest loads"
    );
}

#[test]
fn a_quote_never_closed_stops_at_the_row_limit_with_the_line() {
    let env = Env::base();
    let mut staff = STAFF.to_owned();
    staff.push_str("S4,ORG1,\"nursing,3,3,2020-01-01,\n");
    staff.push_str(&"x".repeat(17 << 20));
    env.write("staff.csv", &staff);
    refused(
        &env,
        "staff",
        &["staff.csv", "line 5: the row is longer than 16 MiB"],
    );
}

#[test]
fn a_link_out_of_the_input_folder_stops_its_dataset() {
    let env = Env::base();
    let outside = env.root().join("elsewhere.csv");
    std::fs::write(&outside, STAFF).unwrap();
    env.remove("staff.csv");
    symlink(&outside, env.input().join("staff.csv")).unwrap();
    refused(&env, "staff", &["staff.csv", "outside the input folder"]);
}

#[test]
fn a_link_within_the_input_folder_is_followed() {
    let env = Env::base();
    std::fs::create_dir(env.input().join("exports")).unwrap();
    std::fs::rename(
        env.input().join("staff.csv"),
        env.input().join("exports/staff-export.csv"),
    )
    .unwrap();
    symlink(
        env.input().join("exports/staff-export.csv"),
        env.input().join("staff.csv"),
    )
    .unwrap();
    let run = env.load();
    assert_eq!(status(&env.manifest(), "staff"), "loaded", "{run:#?}");
}

#[test]
fn a_folder_link_back_up_the_tree_ends_at_the_depth_limit() {
    let env = Env::base();
    env.remove("training.csv");
    env.write("training/2024.csv", TRAINING);
    symlink(
        env.input().join("training"),
        env.input().join("training/again"),
    )
    .unwrap();
    refused(
        &env,
        "training",
        &["training/again/again", "folders below the input folder"],
    );
}
