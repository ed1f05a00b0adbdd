//! The command line: `validate` and `run` on the conformance workflows, `migrate` twice.

mod common;

use common::conformance_dir;
use serde_json::Value;
use std::process::{Command, Output};

fn orchestrix(args: &[&str], data: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orchestrix"))
        .args(args)
        .env("DATABASE_PATH", data.join("orchestrix.db"))
        .env("BCRYPT_COST", "4")
        .env_remove("STORAGE")
        .output()
        .expect("the binary runs")
}

#[test]
fn validate_prints_diagnostics_and_exits_1_on_errors() {
    let Some(dir) = conformance_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let fixtures = dir.join("branching.json");
    let ok = orchestrix(
        &["validate", fixtures.to_str().unwrap(), "--name", "diamond"],
        data.path(),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("0 errors"));

    let file = data.path().join("cyclic.json");
    std::fs::write(
        &file,
        r#"{"nodes":[{"id":"a","type":"input"},{"id":"b","type":"response"}],"edges":[{"source":"a","target":"b"},{"source":"b","target":"a"}]}"#,
    )
    .unwrap();
    let bad = orchestrix(&["validate", file.to_str().unwrap()], data.path());
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("error cycle"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );

    let ambiguous = orchestrix(&["validate", fixtures.to_str().unwrap()], data.path());
    assert!(!ambiguous.status.success());
    assert!(String::from_utf8_lossy(&ambiguous.stderr).contains("--name"));
}

#[test]
fn run_prints_events_then_the_response() {
    let Some(dir) = conformance_dir() else { return };
    let data = tempfile::tempdir().unwrap();
    let fixtures = dir.join("signup-login-profile.json");
    let input = r#"{"email":"ada@example.com","password":"long-enough-1","name":"Ada"}"#;
    let args = [
        "run",
        fixtures.to_str().unwrap(),
        "--name",
        "signup",
        "--input",
        input,
        "--data-dir",
        data.path().to_str().unwrap(),
    ];
    let out = orchestrix(&args, data.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{') && l.contains("\"seq\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["type"], "workflow_start");
    assert_eq!(events.last().unwrap()["type"], "workflow_complete");
    assert!(
        events
            .windows(2)
            .all(|w| w[1]["seq"].as_u64() == w[0]["seq"].as_u64().map(|s| s + 1))
    );
    assert!(
        !stdout.contains("long-enough-1"),
        "the password never prints"
    );
    let response: Value =
        serde_json::from_str(&stdout[stdout.rfind("\n{\n").map_or(0, |i| i + 1)..]).unwrap();
    assert_eq!(response["status"], 201);
    assert_eq!(response["body"]["user"]["email"], "ada@example.com");

    // Same data dir: the user exists now, so the same sign-up answers 409.
    let again = orchestrix(&args, data.path());
    let stdout = String::from_utf8_lossy(&again.stdout);
    let response: Value =
        serde_json::from_str(&stdout[stdout.rfind("\n{\n").map_or(0, |i| i + 1)..]).unwrap();
    assert_eq!(response["status"], 409, "{stdout}");
}

#[test]
fn migrate_applies_once_then_does_nothing() {
    let data = tempfile::tempdir().unwrap();
    let first = orchestrix(&["migrate"], data.path());
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("applied 0001_users"), "{stdout}");
    let second = orchestrix(&["migrate"], data.path());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("nothing to apply"), "{stdout}");
    assert!(!stdout.contains("applied "));
}

#[test]
fn migrate_on_mongodb_applies_once_then_does_nothing() {
    let base = match std::env::var("MONGODB_TEST_URI") {
        Ok(uri) => uri,
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("MONGODB_TEST_URI is required in CI (scripts/test.sh)")
        }
        Err(_) => return eprintln!("SKIPPED: MONGODB_TEST_URI is not set"),
    };
    let uri = format!(
        "{}/cli_migrate_{}",
        base.trim_end_matches('/'),
        std::process::id()
    );
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_orchestrix"))
            .arg("migrate")
            .env("STORAGE", "mongodb")
            .env("MONGODB_URI", &uri)
            .output()
            .expect("the binary runs")
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("storage: mongodb") && stdout.contains("applied 0005_executions"),
        "{stdout}"
    );
    let second = run();
    assert!(String::from_utf8_lossy(&second.stdout).contains("nothing to apply"));
}
