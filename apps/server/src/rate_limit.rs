//! Failed-login limits (default 5 per 15 minutes per client address and per email).
//!
//! Only failures spend the budget, so people who log in often are never limited. Once a key's
//! budget is spent it is blocked until `governor` would admit it again, and a blocked key is
//! refused before its password is checked — an attacker cannot keep testing passwords.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keyed limits on failed logins.
pub struct LoginLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    blocked: Mutex<HashMap<String, Instant>>,
}

impl LoginLimiter {
    /// `attempts` failures per `window`, replenished evenly.
    pub fn new(attempts: u32, window: Duration) -> Self {
        let attempts = NonZeroU32::new(attempts.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = window / attempts.get();
        let quota = Quota::with_period(period.max(Duration::from_millis(1)))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(attempts);
        Self {
            limiter: RateLimiter::keyed(quota),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    fn keys(client: &str, email: &str) -> [String; 2] {
        [
            format!("client:{client}"),
            format!("email:{}", email.trim().to_lowercase()),
        ]
    }

    /// `Some(retry_after)` when the client or the email is blocked right now.
    pub fn blocked(&self, client: &str, email: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        Self::keys(client, email)
            .iter()
            .filter_map(|k| match blocked.get(k) {
                Some(until) if *until > now => Some(*until - now),
                Some(_) => {
                    blocked.remove(k);
                    None
                }
                None => None,
            })
            .max()
    }

    /// Records a failed login; `Some(retry_after)` when this failure spent the last of the
    /// budget of the client or the email.
    pub fn record_failure(&self, client: &str, email: &str) -> Option<Duration> {
        let clock = DefaultClock::default();
        let mut worst = None;
        for key in Self::keys(client, email) {
            if let Err(not_until) = self.limiter.check_key(&key) {
                let wait = not_until.wait_time_from(clock.now());
                let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
                blocked.insert(key, Instant::now() + wait);
                worst = worst.max(Some(wait));
            }
        }
        worst
    }

    /// Forgets keys that have fully recovered (called by the hourly clean-up).
    pub fn prune(&self) {
        self.limiter.retain_recent();
        let now = Instant::now();
        self.blocked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
    }
}

/// Whole seconds for a `Retry-After` header, never 0.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_blocks_the_client_and_the_email_only() {
        let l = LoginLimiter::new(5, Duration::from_secs(900));
        for _ in 0..5 {
            assert!(l.blocked("1.1.1.1", "a@b.co").is_none());
            assert!(
                l.record_failure("1.1.1.1", &format!("x{}@b.co", rand_n()))
                    .is_none()
            );
        }
        let wait = l
            .record_failure("1.1.1.1", "a@b.co")
            .expect("sixth failure is limited");
        assert!(
            wait > Duration::from_secs(60) && wait <= Duration::from_secs(180),
            "{wait:?}"
        );
        assert!(
            l.blocked("1.1.1.1", "someone@else.co").is_some(),
            "client is blocked"
        );
        assert!(
            l.blocked("2.2.2.2", "someone@else.co").is_none(),
            "other clients are not"
        );
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
    }

    #[test]
    fn failures_against_one_email_from_many_clients_block_that_email() {
        let l = LoginLimiter::new(5, Duration::from_secs(900));
        for i in 0..5 {
            assert!(
                l.record_failure(&format!("10.0.0.{i}"), "Victim@b.co")
                    .is_none()
            );
        }
        assert!(l.record_failure("10.0.0.9", "victim@b.co").is_some());
        assert!(l.blocked("10.0.0.10", "VICTIM@b.co").is_some());
        assert!(l.blocked("10.0.0.10", "other@b.co").is_none());
    }

    fn rand_n() -> u32 {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }
}
