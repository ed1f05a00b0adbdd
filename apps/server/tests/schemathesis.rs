//! Fuzzes the platform API from its own OpenAPI document with schemathesis (installed by
//! scripts/test.sh): no generated request may get a 5xx answer.

mod common;

use common::{real_server, register_user, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_generated_request_gets_a_server_error() {
    let Some(bin) = real_server("SCHEMATHESIS_BIN", "schemathesis") else {
        return;
    };
    let app = spawn_app().await;
    let token = register_user(&app, "fuzz@example.com").await;
    let out = tokio::process::Command::new(bin)
        .args([
            "run",
            &app.url("/openapi.json"),
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--seed",
            "1",
        ])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        // Logging out would revoke the fuzzer's own token halfway through.
        .args([
            "--exclude-path",
            "/auth/logout",
            "--exclude-path",
            "/auth/logout-all",
        ])
        .env("NO_COLOR", "1")
        .kill_on_drop(true)
        .output()
        .await
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = report
        .lines()
        .rev()
        .take(25)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "{}", tail.join("\n"));
    println!("{}", tail.join("\n"));
}
