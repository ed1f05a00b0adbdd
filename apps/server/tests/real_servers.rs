//! Proof that the test command's real servers work: a MongoDB-protocol server (SecantusDB)
//! reached with the Rust `mongodb` driver, an SMTP server that receives a message sent with
//! `lettre`, and the real `socket.io-client` npm package.

mod common;

use common::real_server;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use mongodb::bson::{Document, doc};
use std::time::Duration;

#[tokio::test]
async fn mongodb_driver_pings_and_round_trips_a_document() {
    let Some(uri) = real_server("MONGODB_TEST_URI", "the MongoDB-protocol server") else {
        return;
    };
    let mut options = mongodb::options::ClientOptions::parse(&uri)
        .await
        .expect("uri parses");
    options.server_selection_timeout = Some(Duration::from_secs(5));
    let client = mongodb::Client::with_options(options).expect("client");
    let db = client.database(&format!("real_servers_{}", std::process::id()));
    let pong = db
        .run_command(doc! {"ping": 1})
        .await
        .expect("ping answers");
    assert_eq!(
        pong.get_f64("ok")
            .ok()
            .or(pong.get_i32("ok").ok().map(f64::from)),
        Some(1.0)
    );

    let coll = db.collection::<Document>("round_trip");
    let id = format!("{:024x}", std::process::id());
    coll.insert_one(doc! {"_id": &id, "email": "ada@example.com", "n": 3})
        .await
        .expect("insert");
    let found = coll
        .find_one(doc! {"email": "ada@example.com"})
        .await
        .expect("find")
        .expect("document is there");
    assert_eq!(found.get_str("_id").unwrap(), id);
    assert_eq!(found.get_i32("n").unwrap(), 3);
    db.drop().await.expect("drop");
}

#[tokio::test]
async fn smtp_server_receives_a_message_sent_with_lettre() {
    let Some(addr) = real_server("SMTP_TEST_ADDR", "the SMTP server") else {
        return;
    };
    let Some(maildir) = real_server("SMTP_TEST_MAILDIR", "the SMTP server's Maildir") else {
        return;
    };
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port.parse().expect("port"))
        .build();
    let marker = format!("orchestrix-{}-{}", std::process::id(), rand_suffix());
    let message = Message::builder()
        .from("Orchestrix <no-reply@orchestrix.test>".parse().unwrap())
        .to("Ada <ada@example.com>".parse().unwrap())
        .subject(format!("Welcome {marker}"))
        .body(String::from("Hello from the test suite"))
        .unwrap();
    let response = transport
        .send(message)
        .await
        .expect("SMTP server accepts the message");
    assert!(response.is_positive());

    let found = read_back(std::path::Path::new(&maildir), &marker).await;
    let found = found.unwrap_or_else(|| panic!("no message with {marker} arrived in {maildir}"));
    assert!(found.contains("To: Ada <ada@example.com>"), "{found}");
    assert!(found.contains("Hello from the test suite"), "{found}");
}

/// Polls the sink's Maildir (`new/`) for a message containing `marker`.
async fn read_back(maildir: &std::path::Path, marker: &str) -> Option<String> {
    for _ in 0..50 {
        if let Ok(entries) = std::fs::read_dir(maildir.join("new")) {
            for entry in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path())
                    && text.contains(marker)
                {
                    return Some(text);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

#[test]
fn socket_io_client_package_loads_in_node() {
    let Some(dir) = real_server("ORCHESTRIX_JS_DIR", "the socket.io-client test package") else {
        return;
    };
    let out = std::process::Command::new("node")
        .arg("client-check.mjs")
        .current_dir(&dir)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node failed: {}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("the script prints JSON");
    assert_eq!(report["ok"], true);
    assert!(
        report["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("4.")),
        "{report}"
    );
}
