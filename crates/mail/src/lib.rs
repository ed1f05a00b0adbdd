//! Outgoing email for Orchestrix: an SMTP sender (lettre, async) and a development outbox
//! that keeps messages in memory when no SMTP server is configured.
//!
//! Depends on the domain crate and lettre only: no web framework, no store. The server wires
//! a [`Mailer`] into the engine's mail port.

use lettre::message::{Mailbox, Mailboxes, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Mutex;
use std::time::Duration;

/// One message to send. Addresses are checked here; bodies are sent as given.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEmail {
    pub from: Option<String>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub html: bool,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message itself is wrong (bad address, CR/LF in a header): the caller's fault.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// The SMTP server refused or could not be reached.
    #[error("SMTP delivery failed: {0}")]
    Delivery(String),
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    None,
    StartTls,
    Tls,
}

/// Where and how to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: Option<u16>,
    pub credentials: Option<(String, String)>,
    pub security: Security,
    pub default_from: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("security", &self.security)
            .field("default_from", &self.default_from)
            .finish()
    }
}

/// Sends email. `SmtpMailer` delivers for real; `Outbox` keeps messages for development.
pub enum Mailer {
    /// Boxed: the transport is large and a mailer lives once per server.
    Smtp(Box<SmtpMailer>),
    Outbox(Outbox),
}

impl Mailer {
    /// Sends one message and returns its Message-ID.
    pub async fn send(&self, email: OutgoingEmail) -> Result<String, MailError> {
        match self {
            Self::Smtp(m) => m.send(email).await,
            Self::Outbox(o) => o.send(email),
        }
    }
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    default_from: Mailbox,
}

impl SmtpMailer {
    pub fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let builder = match config.security {
            Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            Security::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(|e| MailError::Delivery(e.to_string()))?
            }
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| MailError::Delivery(e.to_string()))?,
        };
        let mut builder = builder.timeout(Some(config.timeout));
        if let Some(port) = config.port {
            builder = builder.port(port);
        }
        if let Some((user, pass)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        let default_from = parse_mailbox("from", &config.default_from)?;
        Ok(Self {
            transport: builder.build(),
            default_from,
        })
    }

    pub async fn send(&self, email: OutgoingEmail) -> Result<String, MailError> {
        let (message, id) = build_message(&email, &self.default_from)?;
        self.transport
            .send(message)
            .await
            .map_err(|e| MailError::Delivery(e.to_string()))?;
        Ok(id)
    }
}

/// Messages "sent" without an SMTP server, kept (bounded) so developers can see them.
#[derive(Default)]
pub struct Outbox {
    sent: Mutex<Vec<OutgoingEmail>>,
}

const OUTBOX_LIMIT: usize = 100;

impl Outbox {
    pub fn send(&self, email: OutgoingEmail) -> Result<String, MailError> {
        let fallback = Mailbox::new(
            None,
            "outbox@orchestrix.local"
                .parse()
                .map_err(|_| MailError::Invalid("outbox address".into()))?,
        );
        let (_, id) = build_message(&email, &fallback)?;
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        if sent.len() == OUTBOX_LIMIT {
            sent.remove(0);
        }
        sent.push(email);
        Ok(id)
    }

    /// The most recent messages, oldest first.
    pub fn messages(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn has_line_break(s: &str) -> bool {
    s.contains(['\r', '\n'])
}

fn parse_mailbox(what: &str, s: &str) -> Result<Mailbox, MailError> {
    if has_line_break(s) {
        return Err(MailError::Invalid(format!("{what} contains a line break")));
    }
    s.trim()
        .parse()
        .map_err(|e| MailError::Invalid(format!("{what} is not an email address: {e}")))
}

/// Builds the message and its Message-ID. Header injection (CR/LF in `to`, `from`,
/// `subject`) is refused, not escaped.
fn build_message(
    email: &OutgoingEmail,
    default_from: &Mailbox,
) -> Result<(Message, String), MailError> {
    if has_line_break(&email.subject) {
        return Err(MailError::Invalid("subject contains a line break".into()));
    }
    if has_line_break(&email.to) {
        return Err(MailError::Invalid("to contains a line break".into()));
    }
    let to: Mailboxes = email
        .to
        .trim()
        .parse()
        .map_err(|e| MailError::Invalid(format!("to is not a list of email addresses: {e}")))?;
    if to.iter().next().is_none() {
        return Err(MailError::Invalid("to names no recipient".into()));
    }
    let from = match &email.from {
        Some(f) if !f.trim().is_empty() => parse_mailbox("from", f)?,
        _ => default_from.clone(),
    };
    let domain = from.email.domain().to_owned();
    let id = format!("<{}.{}@{}>", chrono_free_stamp(), rand_hex(), domain);
    let content_type = if email.html {
        ContentType::TEXT_HTML
    } else {
        ContentType::TEXT_PLAIN
    };
    let mut builder = Message::builder().from(from);
    for recipient in to {
        builder = builder.to(recipient);
    }
    let message = builder
        .subject(email.subject.clone())
        .message_id(Some(id.clone()))
        .header(content_type)
        .body(email.body.clone())
        .map_err(|e| MailError::Invalid(e.to_string()))?;
    Ok((message, id))
}

fn chrono_free_stamp() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn rand_hex() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:x}{:x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str, subject: &str) -> OutgoingEmail {
        OutgoingEmail {
            from: None,
            to: to.into(),
            subject: subject.into(),
            body: "hi".into(),
            html: false,
        }
    }

    #[test]
    fn header_injection_is_refused() {
        let outbox = Outbox::default();
        assert!(matches!(
            outbox.send(email("a@b.co\r\nBcc: x@y.co", "s")),
            Err(MailError::Invalid(_))
        ));
        assert!(matches!(
            outbox.send(email("a@b.co", "s\nBcc: x@y.co")),
            Err(MailError::Invalid(_))
        ));
        let mut e = email("a@b.co", "s");
        e.from = Some("me@x.co\rBcc: y@z.co".into());
        assert!(matches!(outbox.send(e), Err(MailError::Invalid(_))));
        assert!(outbox.messages().is_empty());
    }

    #[test]
    fn several_recipients_separated_by_commas() {
        let outbox = Outbox::default();
        assert!(
            outbox
                .send(email("a@example.com, Bo <b@example.com>", "s"))
                .is_ok()
        );
        assert!(matches!(
            outbox.send(email("a@example.com, nope", "s")),
            Err(MailError::Invalid(_))
        ));
        assert!(matches!(
            outbox.send(email(" ", "s")),
            Err(MailError::Invalid(_))
        ));
    }

    #[test]
    fn outbox_keeps_messages_and_ids_are_unique() {
        let outbox = Outbox::default();
        let a = outbox.send(email("Ada <ada@example.com>", "one")).unwrap();
        let b = outbox.send(email("ada@example.com", "two")).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with('<') && a.ends_with('>'));
        assert_eq!(outbox.messages().len(), 2);
        assert!(matches!(
            outbox.send(email("not an address", "x")),
            Err(MailError::Invalid(_))
        ));
    }
}
