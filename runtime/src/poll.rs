//! Waiting for long-running work: poll a status until it is final, with an interval
//! between polls and a timeout over all of them.
//!
//! Operations that answer a job (a deployment, an execution request) return at once;
//! the job's state is read with another operation until it leaves its running states.
//! Generated clients wire the two together with [`wait_until`]; the loop lives here
//! once.
//!
//! ```no_run
//! use std::time::Duration;
//! use specwright_runtime::poll::{Wait, WaitError, wait_until};
//! use specwright_runtime::reqwest::Method;
//! use specwright_runtime::serde_json::Value;
//! use specwright_runtime::{Error, Transport, encode_path_segment};
//!
//! async fn finished(transport: &Transport, id: &str) -> Result<Value, WaitError<Value, Error<Value>>> {
//!     let path = &format!("/jobs/{}", encode_path_segment(id));
//!     wait_until(
//!         Wait::new(Duration::from_secs(2), Duration::from_secs(600)),
//!         move || async move {
//!             let response = transport.send(transport.request(Method::GET, path.as_str())).await?;
//!             match response.status() {
//!                 200 => response.json::<Value, Value>(),
//!                 _ => Err(response.unexpected()),
//!             }
//!         },
//!         |job: &Value| !matches!(job["status"].as_str(), Some("PENDING" | "RUNNING")),
//!     )
//!     .await
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How often to poll, and for how long in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    interval: Duration,
    timeout: Duration,
}

impl Default for Wait {
    /// A poll every 2 seconds, for up to 10 minutes.
    fn default() -> Self {
        Self::new(Duration::from_secs(2), Duration::from_secs(600))
    }
}

impl Wait {
    /// A poll every `interval` (counted from the end of one poll to the start of the
    /// next), giving up once `timeout` has passed since the first.
    pub fn new(interval: Duration, timeout: Duration) -> Self {
        Self { interval, timeout }
    }

    /// Replaces the interval.
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Replaces the timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time between polls.
    pub fn interval_duration(&self) -> Duration {
        self.interval
    }

    /// The time after which no new poll starts.
    pub fn timeout_duration(&self) -> Duration {
        self.timeout
    }
}

/// Why [`wait_until`] returned without a final value.
#[derive(Debug)]
pub enum WaitError<T, E> {
    /// The timeout passed and the last value polled was still not final.
    TimedOut {
        /// Time from the first poll's start to giving up.
        elapsed: Duration,
        /// Polls made, the first included.
        attempts: u32,
        /// The last value polled (still running).
        last: T,
    },
    /// A poll failed; its error, unchanged. (The transport has retried it already
    /// where that was safe.)
    Poll(E),
}

impl<T, E> WaitError<T, E> {
    /// The poll's error, if that is why the wait ended.
    pub fn poll_error(&self) -> Option<&E> {
        match self {
            WaitError::Poll(error) => Some(error),
            WaitError::TimedOut { .. } => None,
        }
    }
}

impl<T, E> From<E> for WaitError<T, E> {
    fn from(error: E) -> Self {
        WaitError::Poll(error)
    }
}

impl<T, E: fmt::Display> fmt::Display for WaitError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::TimedOut {
                elapsed, attempts, ..
            } => write!(
                f,
                "still not finished after {:.1} s and {attempts} poll(s)",
                elapsed.as_secs_f64()
            ),
            WaitError::Poll(error) => error.fmt(f),
        }
    }
}

impl<T: fmt::Debug, E: std::error::Error + 'static> std::error::Error for WaitError<T, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Poll(error) => Some(error),
            WaitError::TimedOut { .. } => None,
        }
    }
}

/// Calls `poll` until `done` holds for its value, and returns that value.
///
/// The first poll starts at once; each following one `wait.interval` after the
/// previous one ended. Once `wait.timeout` has passed since the first poll started, no
/// further poll starts and [`WaitError::TimedOut`] returns the last value, but the
/// poll in flight at that moment is not cut short (the transport's own timeout bounds
/// it). The first error from `poll` ends the wait as [`WaitError::Poll`].
pub async fn wait_until<T, E, F, Fut, D>(
    wait: Wait,
    mut poll: F,
    done: D,
) -> Result<T, WaitError<T, E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    D: Fn(&T) -> bool,
{
    let started = Instant::now();
    let deadline = started + wait.timeout;
    let mut attempts = 0u32;
    loop {
        let value = poll().await.map_err(WaitError::Poll)?;
        attempts = attempts.saturating_add(1);
        if done(&value) {
            return Ok(value);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(WaitError::TimedOut {
                elapsed: now - started,
                attempts,
                last: value,
            });
        }
        // The last poll starts at the deadline rather than never.
        tokio::time::sleep_until((now + wait.interval).min(deadline)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn statuses<'a>(
        script: &'a [&'a str],
        polls: &'a Cell<usize>,
    ) -> impl FnMut() -> std::future::Ready<Result<&'a str, String>> + 'a {
        move || {
            let n = polls.get();
            polls.set(n + 1);
            std::future::ready(match script.get(n) {
                Some(&"ERROR") => Err(format!("poll {n} failed")),
                Some(status) => Ok(*status),
                None => Ok(*script.last().expect("a script")),
            })
        }
    }

    fn finished(status: &&str) -> bool {
        !matches!(*status, "PENDING" | "RUNNING")
    }

    #[tokio::test(start_paused = true)]
    async fn returns_the_first_final_value() {
        let polls = Cell::new(0);
        let started = Instant::now();
        let wait = Wait::new(Duration::from_secs(2), Duration::from_secs(60));
        let result = wait_until(wait, statuses(&["PENDING", "RUNNING", "RUNNING", "COMPLETE"], &polls), finished).await;
        assert_eq!(result.expect("finished"), "COMPLETE");
        assert_eq!(polls.get(), 4);
        assert_eq!(started.elapsed(), Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn a_final_first_answer_does_not_wait() {
        let polls = Cell::new(0);
        let started = Instant::now();
        let result = wait_until(Wait::default(), statuses(&["FAILED"], &polls), finished).await;
        assert_eq!(result.expect("finished"), "FAILED");
        assert_eq!((polls.get(), started.elapsed()), (1, Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_last_value_after_a_poll_at_the_deadline() {
        let polls = Cell::new(0);
        let wait = Wait::default().interval(Duration::from_secs(3)).timeout(Duration::from_secs(10));
        let err = wait_until(wait, statuses(&["RUNNING"], &polls), finished).await.expect_err("times out");
        match &err {
            WaitError::TimedOut {
                elapsed,
                attempts,
                last,
            } => {
                // Polls at 0, 3, 6, 9 and 10 s.
                assert_eq!((*elapsed, *attempts, *last), (Duration::from_secs(10), 5, "RUNNING"));
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(err.to_string(), "still not finished after 10.0 s and 5 poll(s)");
        assert!(err.poll_error().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_error_ends_the_wait() {
        let polls = Cell::new(0);
        let err = wait_until(Wait::default(), statuses(&["PENDING", "ERROR", "COMPLETE"], &polls), finished)
            .await
            .expect_err("fails");
        assert_eq!(err.poll_error().map(String::as_str), Some("poll 1 failed"));
        assert_eq!(err.to_string(), "poll 1 failed");
        assert_eq!(polls.get(), 2);
    }
}
