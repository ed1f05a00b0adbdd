//! Durations written the way workflow authors write them: `"15m"`, `"1h"`, `"7d"`, or seconds.

use crate::ParseError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A whole number of seconds, at least one, at most ten years. Accepts `"<n>s|m|h|d|w"`,
/// a plain number of seconds, or a string of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "u64")]
pub struct Duration {
    secs: u64,
}

const MAX_SECS: u64 = 10 * 365 * 24 * 3600;

impl Duration {
    pub fn from_secs(secs: u64) -> Result<Self, ParseError> {
        if secs == 0 || secs > MAX_SECS {
            return Err(ParseError::new(
                "duration",
                "must be between 1 second and 10 years",
            ));
        }
        Ok(Self { secs })
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        let bad = || {
            ParseError::new(
                "duration",
                format!("'{s}' is not like \"15m\", \"1h\", \"7d\" or a number of seconds"),
            )
        };
        let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => s.split_at(i),
            None => (s, "s"),
        };
        if digits.is_empty() || digits.len() > 12 {
            return Err(bad());
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let factor = match unit.trim() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 604_800,
            _ => return Err(bad()),
        };
        Self::from_secs(n.checked_mul(factor).ok_or_else(bad)?)
    }

    pub fn as_secs(self) -> u64 {
        self.secs
    }

    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.secs)
    }
}

impl TryFrom<Value> for Duration {
    type Error = ParseError;
    fn try_from(v: Value) -> Result<Self, Self::Error> {
        match &v {
            Value::String(s) => Self::parse(s),
            Value::Number(n) => match n.as_u64() {
                Some(secs) => Self::from_secs(secs),
                None => Err(ParseError::new(
                    "duration",
                    "must be a whole, positive number of seconds",
                )),
            },
            _ => Err(ParseError::new(
                "duration",
                "must be a string like \"1h\" or a number of seconds",
            )),
        }
    }
}

impl From<Duration> for u64 {
    fn from(d: Duration) -> u64 {
        d.secs
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.secs;
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
            if s.is_multiple_of(size) {
                return write!(f, "{}{unit}", s / size);
            }
        }
        write!(f, "{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_authors_write() {
        for (s, secs) in [
            ("15m", 900),
            ("1h", 3600),
            ("7d", 604_800),
            ("30s", 30),
            ("3600", 3600),
            ("2w", 1_209_600),
            (" 1 h ", 3600),
        ] {
            assert_eq!(Duration::parse(s).unwrap().as_secs(), secs, "{s}");
        }
        assert_eq!(
            serde_json::from_str::<Duration>("900").unwrap().as_secs(),
            900
        );
        assert_eq!(
            serde_json::from_str::<Duration>("\"1h\"")
                .unwrap()
                .as_secs(),
            3600
        );
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "",
            "h",
            "0",
            "0m",
            "-5m",
            "1.5h",
            "1y",
            "15 minutes ago",
            "99999999999999d",
            "１h",
        ] {
            assert!(Duration::parse(s).is_err(), "{s}");
        }
        for j in ["-1", "1.5", "true", "null", "{}"] {
            assert!(serde_json::from_str::<Duration>(j).is_err(), "{j}");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(secs in 1u64..=MAX_SECS) {
            let d = Duration::from_secs(secs).unwrap();
            prop_assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }

        #[test]
        fn unit_forms_multiply(n in 1u64..3_000, unit in prop::sample::select(vec![("s", 1u64), ("m", 60), ("h", 3600), ("d", 86_400)])) {
            let d = Duration::parse(&format!("{n}{}", unit.0)).unwrap();
            prop_assert_eq!(d.as_secs(), n * unit.1);
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = Duration::parse(&s);
        }
    }
}
