//! When and how long to wait before sending a request again, and pacing.
//!
//! Boomi answers 503 when an account exceeds its rate limit (10 requests per second
//! today, 5 in older documents); other APIs answer 429. Both mean the server did not
//! act on the request, so they are retried for every operation. Other 5xx answers,
//! timeouts and connection failures leave it unknown whether the server acted, so they
//! are retried only for idempotent requests: retrying a create (say, deploying a
//! package) could do it twice.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How failed requests are retried.
///
/// The defaults: 4 attempts in all; waits of about 0.5 s, 1 s, 2 s (exponential, each
/// with ±50 % jitter, at most 30 s); a `Retry-After` header (seconds or an HTTP date)
/// is honoured instead of the computed wait, up to 60 s.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; each later wait doubles.
    #[must_use]
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest computed wait.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` that is honoured; a longer one is cut to this.
    #[must_use]
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Whether waits are spread by ±50 % so that many clients do not retry in step.
    #[must_use]
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let base = self.initial_delay.saturating_mul(factor).min(self.max_delay);
        if self.jitter {
            base.mul_f64(0.5 + random_unit()).min(self.max_delay)
        } else {
            base
        }
    }

    /// The wait a response asks for, capped.
    pub(crate) fn retry_after(&self, headers: &HeaderMap) -> Option<Duration> {
        let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        let wait = match value.parse::<u64>() {
            Ok(seconds) => Duration::from_secs(seconds),
            Err(_) => {
                let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
                let now = chrono::Utc::now();
                (at.with_timezone(&chrono::Utc) - now).to_std().unwrap_or(Duration::ZERO)
            }
        };
        Some(wait.min(self.max_retry_after))
    }
}

/// Whether a status is worth retrying: always for "slow down" answers, for other
/// server errors only when repeating the request is harmless.
pub(crate) fn retryable_status(status: u16, idempotent: bool) -> bool {
    match status {
        429 | 503 => true,
        500..=599 => idempotent,
        _ => false,
    }
}

/// A number in [0, 1) for jitter.
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random-enough number for jitter and multipart boundaries. Not for cryptography:
/// it only has to differ between clients and calls, so a counter mixed with the clock
/// through splitmix64 does.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Spaces request starts at least `interval` apart, across clones of a transport.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// At most `per_second` request starts per second.
    pub(crate) fn new(per_second: f64) -> Self {
        let interval = if per_second.is_finite() && per_second > 0.0 {
            Duration::from_secs_f64(1.0 / per_second)
        } else {
            Duration::ZERO
        };
        Self {
            interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's slot; answers how long that was.
    pub(crate) async fn wait(&self) -> Duration {
        let wait = {
            // A poisoned lock only means another task panicked mid-update; the
            // timestamp inside is still usable.
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let start = next.map_or(now, |n| n.max(now));
            *next = Some(start + self.interval);
            start - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::default()
            .jitter(false)
            .initial_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(350));
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(350));
        assert_eq!(policy.backoff(40), Duration::from_millis(350));
    }

    #[test]
    fn jitter_stays_within_half_either_side() {
        let policy = RetryPolicy::default().initial_delay(Duration::from_millis(100));
        for _ in 0..200 {
            let d = policy.backoff(1);
            assert!(d >= Duration::from_millis(50) && d < Duration::from_millis(150), "{d:?}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().expect("header"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(RETRY_AFTER, "120".parse().expect("header"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::from_secs(5)));
        headers.insert(RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"));
        assert_eq!(policy.retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, "soon".parse().expect("header"));
        assert_eq!(policy.retry_after(&headers), None);
    }

    #[test]
    fn which_statuses_are_retried() {
        assert!(retryable_status(503, false));
        assert!(retryable_status(429, false));
        assert!(!retryable_status(500, false));
        assert!(retryable_status(500, true));
        assert!(retryable_status(504, true));
        assert!(!retryable_status(404, true));
    }

    #[tokio::test]
    async fn pacer_spaces_request_starts() {
        let pacer = Pacer::new(20.0);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait().await;
        }
        // Five starts at 20/s: the fifth no earlier than 4 × 50 ms after the first.
        assert!(start.elapsed() >= Duration::from_millis(195), "{:?}", start.elapsed());
    }
}
