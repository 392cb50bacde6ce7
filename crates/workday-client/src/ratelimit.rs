//! Keeps the requests to one tenant at or below a rate (Workday publishes no limit; admins
//! complain about collectors that load their tenant). Shared by every call to that tenant.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// What the connector uses per tenant.
pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 10.0;

/// Spacing is this much wider than 1/rate: requests leave here evenly spaced but reach the tenant
/// with some jitter, and the tenant must still never see more than `rate` in any second.
const HEADROOM: f64 = 1.05;

/// A next-slot scheduler: each `acquire` returns at least `1/rate` (plus headroom) after the
/// previous one returned, whatever the concurrency. Share it through an `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    // Held across the wait: waiters queue in order (tokio's Mutex is fair), and the next slot is
    // measured from when a caller actually woke, so a late wake-up never bunches requests.
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `requests_per_second` is clamped to [0.001, 1000]; NaN means the default.
    pub fn new(requests_per_second: f64) -> Self {
        let rate = if requests_per_second.is_nan() {
            DEFAULT_REQUESTS_PER_SECOND
        } else {
            requests_per_second.clamp(0.001, 1000.0)
        };
        RateLimiter {
            interval: Duration::from_secs_f64(HEADROOM / rate),
            next: Mutex::new(None),
        }
    }

    /// The spacing between two requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for this caller's slot. Cancel-safe: a dropped wait gives up its place.
    pub async fn acquire(&self) {
        let mut next = self.next.lock().await;
        if let Some(at) = *next {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(Instant::now() + self.interval);
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(DEFAULT_REQUESTS_PER_SECOND)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_concurrent_callers() {
        let l = Arc::new(RateLimiter::new(10.0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..25 {
            let l = l.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= l.interval());
        }
        // No window of one second holds more than 10.
        for (i, t) in times.iter().enumerate() {
            let n = times[i..]
                .iter()
                .take_while(|x| **x - *t < Duration::from_secs(1))
                .count();
            assert!(n <= 10, "{n} in one second");
        }
        assert!(times[24] - start >= l.interval() * 24);
    }

    #[test]
    fn clamps_nonsense() {
        assert_eq!(
            RateLimiter::new(f64::NAN).interval(),
            RateLimiter::default().interval()
        );
        assert!(RateLimiter::new(0.0).interval() <= Duration::from_secs(1100));
        assert!(RateLimiter::new(1e9).interval() >= Duration::from_micros(1000));
    }
}
