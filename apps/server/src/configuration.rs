//! Settings: built-in defaults, then a `.env` file in the working directory, then the
//! environment (unprefixed names, as the seed's users already have them).

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Sqlite,
    Mongodb,
}

impl StorageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Mongodb => "mongodb",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection (local relays and test sinks).
    None,
    /// Upgrade with STARTTLS.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub pass: Option<SecretString>,
    pub from: String,
    pub security: SmtpSecurity,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AiSettings {
    pub provider: Option<String>,
    pub api_key: Option<SecretString>,
    pub base_url: Option<String>,
    pub model: Option<String>,
}

/// Everything the server reads from its environment. `Debug` never shows a secret.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub app_env: AppEnv,
    pub storage: StorageKind,
    pub database_path: PathBuf,
    pub mongodb_uri: Option<SecretString>,
    pub jwt_secret: Option<SecretString>,
    /// Origins allowed by CORS (comma-separated in `FRONTEND_URL`).
    pub frontend_url: Vec<String>,
    pub auth_required: bool,
    pub bcrypt_cost: u32,
    /// How long a login session (and its token) lives, e.g. `7d`, `12h`.
    pub session_ttl: orchestrix_domain::Duration,
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub shutdown_timeout_secs: u64,
    /// Failed logins allowed per client and per email within `login_window_secs`.
    /// Hosts `httpRequest` may reach even when they are loopback or private (comma list in
    /// `HTTP_ALLOW_HOSTS`; `*` allows all). Empty by default: such addresses are refused.
    pub http_allow_hosts: Vec<String>,
    /// Longest one node of a workflow run may take (`NODE_TIMEOUT`, e.g. `10s`).
    pub node_timeout: orchestrix_domain::Duration,
    /// Longest a whole workflow run may take (`RUN_TIMEOUT`, e.g. `30s`).
    pub run_timeout: orchestrix_domain::Duration,
    /// Largest workflow the compiler accepts (`too_many_nodes` past it).
    pub max_nodes: usize,
    pub login_attempts: u32,
    pub login_window_secs: u64,
    /// Take the client address from `Forwarded`/`X-Forwarded-For` (only behind a proxy you
    /// trust: anyone can send these headers).
    pub trust_proxy_headers: bool,
    pub log_format: Option<LogFormat>,
    pub smtp: SmtpSettings,
    #[serde(default)]
    pub ai: AiSettings,
}

impl Settings {
    /// Reads `.env` (when present) and the environment over the defaults.
    pub fn load() -> anyhow::Result<Self> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(e).context("reading .env"),
        }
        Self::from_vars(std::env::vars())
    }

    /// Builds settings from `NAME=value` pairs over the defaults (the environment, or a
    /// test's own list).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Self> {
        use config::{Config, Value};
        let mut builder = Config::builder()
            .set_default("host", "0.0.0.0")?
            .set_default("port", 4000)?
            .set_default("app_env", "development")?
            .set_default("storage", "sqlite")?
            .set_default("database_path", "./data/orchestrix.db")?
            .set_default("frontend_url", Vec::<Value>::new())?
            .set_default("auth_required", true)?
            .set_default("bcrypt_cost", 10)?
            .set_default("session_ttl", "7d")?
            .set_default("body_limit_bytes", 1024 * 1024)?
            .set_default("request_timeout_secs", 30)?
            .set_default("shutdown_timeout_secs", 10)?
            .set_default("max_nodes", 500)?
            .set_default("node_timeout", "10s")?
            .set_default("run_timeout", "30s")?
            .set_default("http_allow_hosts", Vec::<Value>::new())?
            .set_default("login_attempts", 5)?
            .set_default("login_window_secs", 15 * 60)?
            .set_default("trust_proxy_headers", false)?
            .set_default("smtp.from", "Orchestrix <no-reply@orchestrix.local>")?
            .set_default("smtp.security", "starttls")?;
        for (name, value) in vars {
            let Some(key) = setting_key(&name) else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            builder = if key == "frontend_url" || key == "http_allow_hosts" {
                let origins: Vec<Value> = value
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/'))
                    .filter(|o| !o.is_empty())
                    .map(|o| Value::from(o.to_owned()))
                    .collect();
                builder.set_override(key, origins)?
            } else {
                builder.set_override(key, value.trim().to_owned())?
            };
        }
        let settings: Settings = builder
            .build()?
            .try_deserialize()
            .context("invalid configuration (see .env.example for every key)")?;
        settings.check()?;
        Ok(settings)
    }

    /// Refuses combinations that would be unsafe or cannot work.
    fn check(&self) -> anyhow::Result<()> {
        if self.app_env == AppEnv::Production {
            match &self.jwt_secret {
                None => bail!("JWT_SECRET is required when APP_ENV=production (at least 32 bytes)"),
                Some(s) if s.expose_secret().len() < 32 => {
                    bail!(
                        "JWT_SECRET is too short for production: use at least 32 bytes (e.g. `openssl rand -hex 32`)"
                    )
                }
                Some(_) => {}
            }
            if !self.auth_required {
                bail!(
                    "AUTH_REQUIRED=false is a compatibility mode for development and is refused when APP_ENV=production"
                );
            }
        }
        if self.storage == StorageKind::Mongodb && self.mongodb_uri.is_none() {
            bail!("STORAGE=mongodb needs MONGODB_URI (e.g. mongodb://localhost:27017/orchestrix)");
        }
        if !(4..=31).contains(&self.bcrypt_cost) {
            bail!("BCRYPT_COST must be between 4 and 31");
        }
        if self.body_limit_bytes < 1024 {
            bail!("BODY_LIMIT_BYTES must be at least 1024");
        }
        Ok(())
    }

    /// JSON logs in production unless `LOG_FORMAT` says otherwise.
    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.app_env {
            AppEnv::Production => LogFormat::Json,
            AppEnv::Development => LogFormat::Pretty,
        })
    }

    /// The directory that holds the embedded database and development secrets.
    pub fn data_dir(&self) -> PathBuf {
        match self.database_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The platform signing secret. In development, a missing one is generated once and
    /// kept in the data directory so tokens survive restarts.
    pub fn resolve_jwt_secret(&self) -> anyhow::Result<SecretString> {
        if let Some(s) = &self.jwt_secret {
            if s.expose_secret().len() < 32 {
                tracing::warn!("JWT_SECRET is shorter than 32 bytes; production would refuse it");
            }
            return Ok(s.clone());
        }
        let path = self.data_dir().join("jwt-secret");
        load_or_create_secret(&path)
    }
}

/// Maps an environment variable to its setting key; other variables are ignored.
fn setting_key(name: &str) -> Option<&'static str> {
    Some(match name {
        "HOST" => "host",
        "PORT" => "port",
        "APP_ENV" => "app_env",
        "STORAGE" => "storage",
        "DATABASE_PATH" => "database_path",
        "MONGODB_URI" => "mongodb_uri",
        "JWT_SECRET" => "jwt_secret",
        "FRONTEND_URL" => "frontend_url",
        "AUTH_REQUIRED" => "auth_required",
        "BCRYPT_COST" => "bcrypt_cost",
        "SESSION_TTL" => "session_ttl",
        "BODY_LIMIT_BYTES" => "body_limit_bytes",
        "REQUEST_TIMEOUT_SECS" => "request_timeout_secs",
        "SHUTDOWN_TIMEOUT_SECS" => "shutdown_timeout_secs",
        "LOG_FORMAT" => "log_format",
        "LOGIN_ATTEMPTS" => "login_attempts",
        "MAX_NODES" => "max_nodes",
        "NODE_TIMEOUT" => "node_timeout",
        "RUN_TIMEOUT" => "run_timeout",
        "HTTP_ALLOW_HOSTS" => "http_allow_hosts",
        "LOGIN_WINDOW_SECS" => "login_window_secs",
        "TRUST_PROXY_HEADERS" => "trust_proxy_headers",
        "SMTP_HOST" => "smtp.host",
        "SMTP_PORT" => "smtp.port",
        "SMTP_USER" => "smtp.user",
        "SMTP_PASS" => "smtp.pass",
        "SMTP_FROM" => "smtp.from",
        "SMTP_SECURITY" => "smtp.security",
        "AI_PROVIDER" => "ai.provider",
        "AI_API_KEY" => "ai.api_key",
        "AI_BASE_URL" => "ai.base_url",
        "AI_MODEL" => "ai.model",
        _ => return None,
    })
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<SecretString> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(SecretString::from(existing.to_owned()));
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    write_private(path, &secret).with_context(|| format!("writing {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: generated a development secret and kept it in the data directory; set JWT_SECRET in production"
    );
    Ok(SecretString::from(secret))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let s = Settings::from_vars(vars(&[("PATH", "/bin"), ("HOME", "/root")])).unwrap();
        assert_eq!(s.port, 4000);
        assert_eq!(s.app_env, AppEnv::Development);
        assert_eq!(s.storage, StorageKind::Sqlite);
        assert_eq!(s.database_path, PathBuf::from("./data/orchestrix.db"));
        assert!(s.auth_required);
        assert_eq!(s.bcrypt_cost, 10);
        assert_eq!(s.log_format(), LogFormat::Pretty);
    }

    #[test]
    fn environment_overrides_and_lists_parse() {
        let s = Settings::from_vars(vars(&[
            ("PORT", "8080"),
            ("FRONTEND_URL", "http://a.test, http://b.test/"),
            ("AUTH_REQUIRED", "false"),
            ("SMTP_PORT", "2525"),
            ("SMTP_PASS", "hunter2"),
            ("SMTP_SECURITY", "none"),
            ("LOG_FORMAT", "json"),
        ]))
        .unwrap();
        assert_eq!(s.port, 8080);
        assert_eq!(s.frontend_url, ["http://a.test", "http://b.test"]);
        assert!(!s.auth_required);
        assert_eq!(s.smtp.port, Some(2525));
        assert_eq!(s.smtp.security, SmtpSecurity::None);
        assert_eq!(s.log_format(), LogFormat::Json);
        assert!(
            !format!("{s:?}").contains("hunter2"),
            "Debug must redact secrets"
        );
    }

    #[test]
    fn production_refuses_a_short_or_missing_secret() {
        let e = Settings::from_vars(vars(&[("APP_ENV", "production")])).unwrap_err();
        assert!(e.to_string().contains("JWT_SECRET is required"), "{e}");
        let e = Settings::from_vars(vars(&[("APP_ENV", "production"), ("JWT_SECRET", "short")]))
            .unwrap_err();
        assert!(e.to_string().contains("too short"), "{e}");
        let long = "x".repeat(32);
        let s =
            Settings::from_vars(vars(&[("APP_ENV", "production"), ("JWT_SECRET", &long)])).unwrap();
        assert_eq!(s.log_format(), LogFormat::Json);
        let e = Settings::from_vars(vars(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", &long),
            ("AUTH_REQUIRED", "false"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("AUTH_REQUIRED"), "{e}");
    }

    #[test]
    fn bad_values_are_reported() {
        assert!(Settings::from_vars(vars(&[("PORT", "many")])).is_err());
        assert!(Settings::from_vars(vars(&[("STORAGE", "postgres")])).is_err());
        assert!(Settings::from_vars(vars(&[("STORAGE", "mongodb")])).is_err());
        assert!(Settings::from_vars(vars(&[("BCRYPT_COST", "99")])).is_err());
    }

    #[test]
    fn development_secret_is_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sub/orchestrix.db");
        let s = Settings::from_vars(vars(&[("DATABASE_PATH", db.to_str().unwrap())])).unwrap();
        let first = s.resolve_jwt_secret().unwrap();
        let second = s.resolve_jwt_secret().unwrap();
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= 32);
        assert!(dir.path().join("sub/jwt-secret").exists());
    }
}
