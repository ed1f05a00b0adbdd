//! The URL slug a workflow is published under, derived from its API name as the seed did.

use crate::ParseError;
use serde::{Deserialize, Serialize};

/// Lower case; every run of characters other than ASCII letters and digits becomes one `-`;
/// no `-` at either end. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApiSlug(String);

impl ApiSlug {
    /// The slug of an API name, e.g. `"Sign Up!"` -> `sign-up`.
    pub fn from_name(name: &str) -> Result<Self, ParseError> {
        let mut slug = String::with_capacity(name.len());
        let mut pending_dash = false;
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                if pending_dash && !slug.is_empty() {
                    slug.push('-');
                }
                pending_dash = false;
                slug.push(c.to_ascii_lowercase());
            } else {
                pending_dash = true;
            }
        }
        if slug.is_empty() {
            return Err(ParseError::new(
                "api name",
                "needs at least one letter or digit to make a URL from",
            ));
        }
        Ok(Self(slug))
    }

    /// Accepts a string that already is a slug (as read from a path or a store).
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let slug = Self::from_name(s)?;
        if slug.0 != s {
            return Err(ParseError::new("api slug", "is not in slug form"));
        }
        Ok(slug)
    }
}

parsed_string!(ApiSlug);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn follows_the_seed_rule() {
        let cases = [
            ("Sign Up", "sign-up"),
            ("  Log   In!! ", "log-in"),
            ("get_user/profile", "get-user-profile"),
            ("API v2", "api-v2"),
            ("Café crème", "caf-cr-me"),
            ("--x--", "x"),
        ];
        for (name, slug) in cases {
            assert_eq!(ApiSlug::from_name(name).unwrap().as_str(), slug, "{name}");
        }
        assert!(ApiSlug::from_name("").is_err());
        assert!(ApiSlug::from_name("!!! ---").is_err());
        assert!(ApiSlug::parse("sign-up").is_ok());
        assert!(ApiSlug::parse("Sign-Up").is_err());
        assert!(ApiSlug::parse("a--b").is_err());
    }

    proptest! {
        #[test]
        fn slugs_are_url_safe_and_idempotent(name in "\\PC{0,40}") {
            if let Ok(slug) = ApiSlug::from_name(&name) {
                let s = slug.as_str();
                prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
                prop_assert!(!s.starts_with('-') && !s.ends_with('-') && !s.contains("--"));
                prop_assert_eq!(ApiSlug::from_name(s).unwrap(), slug.clone());
                prop_assert!(ApiSlug::parse(s).is_ok());
            } else {
                prop_assert!(!name.chars().any(|c| c.is_ascii_alphanumeric()));
            }
        }
    }
}
