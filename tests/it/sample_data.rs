//! The shipped `sample-data/` is exactly what `safeguard generate` makes with its defaults, so
//! anyone can rebuild it and the generator cannot drift from it unnoticed.

use std::path::{Path, PathBuf};

use crate::util::bin;

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn sample_data_is_the_generators_default_output() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(bin())
        .args(["generate", "--quiet", "--out"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let made = files(dir.path());
    assert_eq!(files(&shipped), made, "the same files");
    assert!(
        made.iter()
            .any(|f| f.extension().is_some_and(|e| e == "xlsx")),
        "an XLSX input"
    );
    assert!(
        made.iter()
            .any(|f| f.extension().is_some_and(|e| e == "parquet")),
        "a Parquet input"
    );
    assert!(
        made.iter().any(|f| f.components().count() > 1),
        "a folder dataset"
    );
    for f in &made {
        let a = std::fs::read(shipped.join(f)).unwrap();
        let b = std::fs::read(dir.path().join(f)).unwrap();
        assert!(
            a == b,
            "{} differs from the generator's output: regenerate with `safeguard generate --out sample-data`",
            f.display()
        );
    }
}
