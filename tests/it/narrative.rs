//! The narrative through the real binary: `safeguard narrative init` (here), the report with
//! a narrative (`report`), and the nightly refresh noticing a changed narrative (`refresh`).

use crate::util::Env;

mod refresh;
mod report;

#[test]
fn narrative_init_writes_every_slot_and_never_overwrites() {
    let env = Env::empty();
    let run = env.run(["narrative", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let folder = env.root().join("narrative");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 14, "{names:?}");
    assert!(
        names.contains(&"cover.md".to_owned()) && names.contains(&"case-studies.md".to_owned())
    );
    let training = std::fs::read_to_string(folder.join("training.md")).unwrap();
    assert!(training.starts_with("<!--") && training.contains("{{training_compliance}}"));
    assert!(
        run.stdout.contains("wrote   narrative/foreword.md"),
        "{}",
        run.stdout
    );

    // Run again: existing files are left alone and named, a missing one is written.
    std::fs::write(folder.join("foreword.md"), "Our words.").unwrap();
    std::fs::remove_file(folder.join("risks.md")).unwrap();
    let again = env.run(["narrative", "init", "narrative"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(folder.join("foreword.md")).unwrap(),
        "Our words."
    );
    assert!(
        again.stdout.contains("wrote   narrative/risks.md"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("skipped narrative/foreword.md (it exists; init never overwrites)")
    );
    assert_eq!(again.stdout.matches("skipped").count(), 13);
}

#[test]
fn narrative_init_into_a_path_that_is_a_file_fails_with_a_reason() {
    let env = Env::empty();
    std::fs::write(env.root().join("taken"), "a file").unwrap();
    let run = env.run(["narrative", "init", "taken"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot write the narrative folder taken"),
        "{}",
        run.stderr
    );
}
