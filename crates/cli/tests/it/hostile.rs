//! Hostile files on the command line (issue #22, finding 1): every import that reads a table
//! refuses a 1.6 KB sparse workbook and a zip bomb with the file and sheet named, in bounded
//! memory: each run has its address space capped at 2 GiB (`prlimit`), where the dense read
//! asked for 512 GiB.

use std::process::Command;

use crate::run;

fn capped(db: &std::path::Path) -> Command {
    let mut c = Command::new("prlimit");
    c.arg(format!("--as={}", 2u64 << 30))
        .arg(env!("CARGO_BIN_EXE_lantian"))
        .arg("--db")
        .arg(db);
    c
}

#[test]
fn hostile_workbooks_are_refused_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let sparse = dir.path().join("sparse.xlsx");
    std::fs::write(&sparse, lantian_testdata::hostile::sparse_xlsx()).unwrap();
    let bomb = dir.path().join("bomb.xlsx");
    std::fs::write(&bomb, lantian_testdata::hostile::zip_bomb_xlsx(300 << 20)).unwrap();
    let commands: [&[&str]; 3] = [
        &["emergency", "list", "import"],
        &["device", "import"],
        &["inventory", "import"],
    ];
    for args in commands {
        let (out, _, stderr) = run(capped(&db).args(args).arg(&sparse));
        assert!(
            !out.status.success(),
            "{args:?} accepted the sparse workbook"
        );
        assert!(
            stderr.contains("sparse.xlsx") && stderr.contains("16384 列"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("memory allocation"), "{args:?}: {stderr}");
        let (out, _, stderr) = run(capped(&db).args(args).arg(&bomb));
        assert!(!out.status.success(), "{args:?} accepted the bomb");
        assert!(
            stderr.contains("bomb.xlsx") && stderr.contains("解压后超过"),
            "{args:?}: {stderr}"
        );
    }
}
