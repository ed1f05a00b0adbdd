//! Email addresses, parsed once at the edge.

use crate::ParseError;
use serde::{Deserialize, Serialize};

/// An email address of the form `local@domain.tld`. There is no list of top-level domains:
/// the last label only needs two or more letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let what = "email";
        let s = s.trim();
        if s.chars().count() > 254 {
            return Err(ParseError::new(what, "is longer than 254 characters"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(ParseError::new(what, "must look like name@example.com"));
        };
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>(),;:\\\"[]".contains(c));
        if !local_ok {
            return Err(ParseError::new(what, "has an invalid part before '@'"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let labels_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
        if !labels_ok || !tld_ok {
            return Err(ParseError::new(what, "has an invalid domain"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The form used for uniqueness and look-ups: emails are case-insensitive.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

parsed_string!(Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "ada@example.com",
            "a.b+tag@sub.example.co",
            "x@example.museum",
            "José@correo.es",
            "  padded@example.com  ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Email::parse(" a@b.io ").unwrap().as_str(), "a@b.io");
        assert_eq!(
            Email::parse("Ada@Example.COM").unwrap().normalized(),
            "ada@example.com"
        );
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a@example.c",
            "a@example.123",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a@example..com",
            ".a@example.com",
            "a\r\nBcc: x@y.com@example.com",
            "a@example.com\n",
        ] {
            let trimmed_ok = bad == "a@example.com\n";
            assert_eq!(Email::parse(bad).is_ok(), trimmed_ok, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
