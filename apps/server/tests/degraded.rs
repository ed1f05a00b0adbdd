//! `/health` tells the truth: 503 `degraded` when the MongoDB store stops answering, 200 again
//! once it is back — without restarting Orchestrix.

mod common;

use common::{real_server, spawn_app_with};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn start_secantus(bin: &str, port: u16) -> Child {
    Command::new(bin)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--storage-path",
            ":memory:",
            "--log-level",
            "WARNING",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("SecantusDB starts")
}

async fn wait_for_port(port: u16) {
    for _ in 0..150 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("SecantusDB did not open port {port}");
}

/// Stops the server when the test ends, also on failure.
struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn health(app: &common::TestApp) -> (u16, Value) {
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn health_reports_a_store_that_does_not_answer() {
    let Some(bin) = real_server("SECANTUSD_BIN", "SecantusDB") else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut db = Stop(start_secantus(&bin, port));
    wait_for_port(port).await;
    let uri = format!("mongodb://127.0.0.1:{port}/degraded");
    let app = spawn_app_with(&[("STORAGE", "mongodb"), ("MONGODB_URI", &uri)]).await;
    assert_eq!(health(&app).await.0, 200);

    drop(db);
    let started = std::time::Instant::now();
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(
        body["storage"],
        serde_json::json!({"kind": "mongodb", "ok": false, "error": body["storage"]["error"]})
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answers promptly: {:?}",
        started.elapsed()
    );

    db = Stop(start_secantus(&bin, port));
    wait_for_port(port).await;
    let mut last = (0, Value::Null);
    for _ in 0..40 {
        last = health(&app).await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(last.0, 200, "recovers without a restart: {}", last.1);
    drop(db);
}
