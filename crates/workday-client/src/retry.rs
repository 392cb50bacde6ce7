//! When and how long to wait before trying a failed request again: exponential backoff with full
//! jitter for 5xx, timeouts and dropped connections; `Retry-After` for 429; always bounded.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;

use crate::errors::NetworkKind;

/// Retry settings. `Default` is what the connector uses; tests use tiny delays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; doubles per retry.
    pub base_delay: Duration,
    /// The backoff ceiling never exceeds this.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is cut to it (a misbehaving proxy cannot park a sync for
    /// an hour).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// Why an attempt is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RetryReason {
    /// 429 Too Many Requests.
    Throttled,
    /// A 5xx answer.
    ServerError { status: u16 },
    /// No answer: timeout, refused or dropped connection.
    Network { network: NetworkKind },
}

/// One wait before a retry, as reported to observers and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryEvent {
    /// The attempt that failed, from 1.
    pub attempt: u32,
    pub reason: RetryReason,
    /// What the server asked for (429 only).
    pub retry_after: Option<Duration>,
    /// How long is waited before the next attempt.
    pub wait: Duration,
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// Finished, well or not: no retry.
    Done(Result<T, E>),
    /// Failed in a way worth retrying; `error` is returned if no attempt is left.
    Retry {
        error: E,
        reason: RetryReason,
        retry_after: Option<Duration>,
    },
}

impl RetryPolicy {
    /// A policy for tests: `attempts` attempts, millisecond delays.
    pub fn fast(attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_millis(50),
        }
    }

    fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The backoff after failed attempt `attempt` (from 1): a random wait in
    /// [0, min(max_delay, base_delay * 2^(attempt-1))] ("full jitter", so many clients that
    /// failed together do not come back together).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }

    /// The wait after failed attempt `attempt`: what the server asked for (capped) when it said,
    /// else the backoff.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(ra) => ra.min(self.max_retry_after),
            None => self.backoff(attempt),
        }
    }

    /// Runs `op` (given the attempt number, from 1) until it is done or the attempts run out,
    /// waiting between attempts and telling `observe` about each wait.
    pub async fn run<T, E, F, Fut>(
        &self,
        mut op: F,
        mut observe: impl FnMut(&RetryEvent),
    ) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Attempt<T, E>>,
    {
        let max = self.attempts();
        let mut attempt = 1;
        loop {
            match op(attempt).await {
                Attempt::Done(r) => return r,
                Attempt::Retry { error, .. } if attempt >= max => return Err(error),
                Attempt::Retry {
                    reason,
                    retry_after,
                    ..
                } => {
                    let event = RetryEvent {
                        attempt,
                        reason,
                        retry_after,
                        wait: self.wait(attempt, retry_after),
                    };
                    tracing::warn!(
                        attempt,
                        max_attempts = max,
                        reason = ?event.reason,
                        wait_ms = u64::try_from(event.wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying a Workday request"
                    );
                    observe(&event);
                    tokio::time::sleep(event.wait).await;
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            let ceiling = (p.base_delay * 2u32.pow((attempt - 1).min(20))).min(p.max_delay);
            for _ in 0..20 {
                assert!(p.backoff(attempt) <= ceiling);
            }
        }
        // Full jitter: not a constant.
        let waits: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(5)).collect();
        assert!(waits.len() > 1);
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(p.wait(1, Some(Duration::from_secs(999))), p.max_retry_after);
    }

    #[tokio::test(start_paused = true)]
    async fn run_is_bounded_and_reports_waits() {
        let p = RetryPolicy::default();
        let mut events = Vec::new();
        let mut calls = 0;
        let r: Result<(), u32> = p
            .run(
                |n| {
                    calls += 1;
                    async move {
                        Attempt::Retry {
                            error: n,
                            reason: RetryReason::Throttled,
                            retry_after: Some(Duration::from_secs(2)),
                        }
                    }
                },
                |e| events.push(e.clone()),
            )
            .await;
        assert_eq!(r, Err(5), "the last attempt's error");
        assert_eq!(calls, 5);
        assert_eq!(events.len(), 4);
        assert!(events.iter().all(|e| e.wait == Duration::from_secs(2)));

        let mut n = 0;
        let r: Result<u32, ()> = p
            .run(
                |a| {
                    n += 1;
                    async move {
                        if a < 3 {
                            Attempt::Retry {
                                error: (),
                                reason: RetryReason::ServerError { status: 502 },
                                retry_after: None,
                            }
                        } else {
                            Attempt::Done(Ok(a))
                        }
                    }
                },
                |_| {},
            )
            .await;
        assert_eq!(r, Ok(3));
        assert_eq!(n, 3);
    }
}
