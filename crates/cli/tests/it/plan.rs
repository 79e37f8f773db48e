//! `lantian plan` and the user commands that depend on it.

use std::io::Write as _;
use std::process::Stdio;

use crate::{lantian, run};

fn haimen() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/plans/haimen.toml")
}

fn with_stdin(cmd: &mut std::process::Command, input: &str) -> (bool, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn check_load_show_export_and_scoped_users() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plan.db");

    let (out, stdout, _) = run(lantian(&db).args(["plan", "check"]).arg(haimen()));
    assert!(out.status.success());
    assert!(stdout.contains("48 tasks (11 with a deadline)"), "{stdout}");

    // A broken file: every problem with the file and line; nothing stored.
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(haimen())
        .unwrap()
        .replacen(
            "lead = [\"发展改革委\", \"生态环境局\", \"数据局\"]",
            "lead = [\"发展改革委\", \"环保局\"]",
            1,
        )
        .replacen("deadline = \"2024年9月底\"", "deadline = \"尽快\"", 1);
    std::fs::write(&bad, text).unwrap();
    let (out, _, stderr) = run(lantian(&db).args(["plan", "load"]).arg(&bad));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(
        stderr.contains("bad.toml: line ") && stderr.contains("unknown department \"环保局\""),
        "{stderr}"
    );
    assert!(stderr.contains("task 3: deadline \"尽快\""), "{stderr}");
    let (out, _, stderr) = run(lantian(&db).args(["plan", "show"]));
    assert!(
        !out.status.success() && stderr.contains("no plan in the store"),
        "{stderr}"
    );

    let (_, stdout, _) = run(lantian(&db).args(["plan", "load"]).arg(haimen()));
    assert!(stdout.starts_with("loaded plan haimen-aq-2024"), "{stdout}");
    let (_, stdout, _) = run(lantian(&db).args(["plan", "load"]).arg(haimen()));
    assert!(stdout.starts_with("unchanged:"), "{stdout}");

    let (_, stdout, _) = run(lantian(&db).args([
        "plan",
        "show",
        "--what",
        "scorecards",
        "--date",
        "2024-10-15",
    ]));
    assert!(
        stdout.contains("交通运输局,部门,14,0,0,14,0,0,0.0,0"),
        "{stdout}"
    );
    let (_, stdout, _) = run(lantian(&db).args([
        "plan",
        "show",
        "--what",
        "reminders",
        "--date",
        "2024-10-15",
    ]));
    assert!(
        stdout.contains("已逾期,3,"),
        "task 3 was due 2024-09-30:\n{stdout}"
    );
    let xlsx = dir.path().join("plan.xlsx");
    let (out, _, _) = run(lantian(&db).args(["plan", "export", "--out"]).arg(&xlsx));
    assert!(out.status.success());
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // Users: scopes must be the plan's departments and towns (aliases resolve).
    let (ok, text) = with_stdin(
        lantian(&db).args([
            "user",
            "add",
            "zj",
            "--role",
            "department",
            "--scope",
            "环保局",
            "--password-stdin",
        ]),
        "password-1\n",
    );
    assert!(
        !ok && text.contains("not a department of the plan"),
        "{text}"
    );
    let (ok, text) = with_stdin(
        lantian(&db).args([
            "user",
            "add",
            "zj",
            "--role",
            "department",
            "--scope",
            "住房和城市建设局",
            "--password-stdin",
        ]),
        "password-1\n",
    );
    assert!(ok, "{text}");
    let (_, list, _) = run(lantian(&db).args(["user", "list"]));
    assert!(
        list.contains("department\t住房和城乡建设局\tactive"),
        "alias resolved: {list}"
    );
    let (ok, text) = with_stdin(
        lantian(&db).args([
            "user",
            "add",
            "t",
            "--role",
            "town",
            "--scope",
            "不存在镇",
            "--password-stdin",
        ]),
        "password-1\n",
    );
    assert!(!ok && text.contains("not a town of the plan"), "{text}");

    let (out, _, _) = run(lantian(&db).args(["user", "disable", "zj"]));
    assert!(out.status.success());
    let (_, list, _) = run(lantian(&db).args(["user", "list"]));
    assert!(list.contains("住房和城乡建设局\tdisabled"), "{list}");
    let (out, _, stderr) = run(lantian(&db).args(["user", "disable", "nobody"]));
    assert!(
        !out.status.success() && stderr.contains("no user \"nobody\""),
        "{stderr}"
    );
    let (ok, text) = with_stdin(
        lantian(&db).args(["user", "reset-password", "zj", "--password-stdin"]),
        "short\n",
    );
    assert!(!ok && text.contains("at least 8"), "{text}");
    let (ok, text) = with_stdin(
        lantian(&db).args(["user", "reset-password", "zj", "--password-stdin"]),
        "a-new-password\n",
    );
    assert!(ok && text.contains("password reset"), "{text}");
    let (out, _, _) = run(lantian(&db).args(["user", "enable", "zj"]));
    assert!(out.status.success());
    // Each change is in the audit log (the store's).
    let store = lantian_store::Store::open(db.to_str().unwrap()).unwrap();
    let actions: Vec<String> = store
        .audit_log(20)
        .unwrap()
        .into_iter()
        .map(|a| a.entry.action)
        .collect();
    for a in [
        "plan.load",
        "user.upsert",
        "user.disable",
        "user.reset_password",
        "user.enable",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
    // Changes say what was before and after.
    let log = store.audit_log(20).unwrap();
    let disable = log
        .iter()
        .find(|a| a.entry.action == "user.disable")
        .unwrap();
    assert!(
        disable.entry.detail.contains(r#""before":{"active":true}"#),
        "{}",
        disable.entry.detail
    );
    let add = log
        .iter()
        .find(|a| a.entry.action == "user.upsert")
        .unwrap();
    assert!(
        add.entry.detail.contains(r#""after":"#),
        "{}",
        add.entry.detail
    );
}
