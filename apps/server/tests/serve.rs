//! `orchestrix serve` as a process: JSON log lines with one span per request, no secret in
//! any log line, and a clean exit 0 on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn serves_logs_json_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let secret = "s3cr3t-".repeat(6);
    let mut child = Command::new(env!("CARGO_BIN_EXE_orchestrix"))
        .arg("serve")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("DATABASE_PATH", data.path().join("o.db"))
        .env("JWT_SECRET", &secret)
        .env("SMTP_PASS", "smtp-password-do-not-log")
        .env_remove("STORAGE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });

    let mut lines = vec![];
    let port = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("starts within 20 s")
            .expect("log line");
        let json: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
        lines.push(line);
        if let Some(port) = json["port"].as_u64() {
            break port;
        }
    };
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/health"))
        .header("X-Request-Id", "log-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM ends the server with exit 0"
    );
    while let Ok(line) = rx.try_recv() {
        lines.push(line);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    while let Ok(line) = rx.try_recv() {
        lines.push(line);
    }

    let request_line = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|j| j["request_id"] == "log-check-1" || j["span"]["request_id"] == "log-check-1")
        .unwrap_or_else(|| panic!("no log line for the request:\n{}", lines.join("\n")));
    let field = |name: &str| {
        request_line
            .get(name)
            .or_else(|| request_line["span"].get(name))
            .cloned()
    };
    assert_eq!(
        field("status").and_then(|v| v.as_u64()),
        Some(200),
        "{request_line}"
    );
    assert_eq!(
        field("method")
            .and_then(|v| v.as_str().map(str::to_owned))
            .as_deref(),
        Some("GET")
    );
    assert_eq!(
        field("path")
            .and_then(|v| v.as_str().map(str::to_owned))
            .as_deref(),
        Some("/health")
    );
    assert!(
        field("latency_ms").is_some_and(|v| v.is_number()),
        "{request_line}"
    );
    let all = lines.join("\n");
    assert!(all.contains("orchestrix stopped"), "{all}");
    assert!(
        !all.contains(&secret) && !all.contains("smtp-password-do-not-log"),
        "a secret was logged"
    );
}
