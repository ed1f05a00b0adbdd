//! Shared by the server's integration tests: the app on port 0, and access to the real
//! servers `scripts/test.sh` starts.
#![allow(dead_code)]

use orchestrix_server::configuration::Settings;
use orchestrix_server::startup::Application;

/// A running app on a random port with its own data directory.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

/// Settings for a test: loopback, port 0, a fresh data directory, fast bcrypt.
pub fn test_settings(
    data_dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> anyhow::Result<Settings> {
    let db = data_dir.join("orchestrix.db");
    let mut vars = vec![
        ("HOST".to_string(), "127.0.0.1".to_string()),
        ("PORT".to_string(), "0".to_string()),
        ("DATABASE_PATH".to_string(), db.display().to_string()),
        ("BCRYPT_COST".to_string(), "4".to_string()),
        (
            "FRONTEND_URL".to_string(),
            "http://localhost:3000".to_string(),
        ),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Settings::from_vars(vars)
}

pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(data_dir.path(), extra).expect("settings");
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        data_dir,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The value of an environment variable `scripts/test.sh` exports for a real server.
/// Missing: under `CI` the test fails; elsewhere it is skipped with a printed reason
/// (and a skipped test is never reported as passing).
pub fn real_server(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "{var} is not set: {what} is required in CI (run the tests with scripts/test.sh)"
            )
        }
        _ => {
            eprintln!("SKIPPED: {var} is not set, so {what} is not available; run scripts/test.sh");
            None
        }
    }
}

/// Registers a user and returns its token.
pub async fn register_user(app: &TestApp, email: &str) -> String {
    let res = app
        .client
        .post(app.url("/auth/register"))
        .json(&serde_json::json!({"email": email, "password": "correct-horse", "name": "Test"}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 201, "registering {email}");
    let body: serde_json::Value = res.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

/// Sends a JSON request with a bearer token and returns status and body.
pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// Which store a test's app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Mongo,
}

/// The app on `store` with extra settings; `None` (skipped, outside CI only) when the
/// MongoDB-protocol server is not available. Each MongoDB app gets a database of its own.
pub async fn spawn(store: Store, extra: &[(&str, &str)]) -> Option<TestApp> {
    match store {
        Store::Sqlite => Some(spawn_app_with(extra).await),
        Store::Mongo => {
            let base = real_server("MONGODB_TEST_URI", "the MongoDB-protocol server")?;
            let db = format!("http_{}", orchestrix_domain::DocumentId::generate());
            let uri = format!("{}/{db}", base.trim_end_matches('/'));
            let mut vars: Vec<(&str, &str)> = vec![("STORAGE", "mongodb"), ("MONGODB_URI", &uri)];
            vars.extend_from_slice(extra);
            Some(spawn_app_with(&vars).await)
        }
    }
}

/// Runs each named `async fn(Store)` as two tests: `sqlite::name` and `mongo::name`.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name($crate::common::Store::Sqlite).await } )*
        }
        mod mongo {
            $( #[tokio::test] async fn $name() { super::$name($crate::common::Store::Mongo).await } )*
        }
    };
}

/// `../shared/conformance` (or `ORCHESTRIX_CONFORMANCE_DIR`); missing fails under `CI`,
/// elsewhere the caller skips with a printed reason.
pub fn conformance_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("ORCHESTRIX_CONFORMANCE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/conformance"
            ))
        });
    if dir.join("validate.json").exists() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("the conformance fixtures are missing at {}", dir.display());
    }
    eprintln!("SKIPPED: no conformance fixtures at {}", dir.display());
    None
}
