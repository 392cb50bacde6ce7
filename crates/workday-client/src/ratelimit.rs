//! Keeps the requests to one tenant at or below a rate (Workday publishes no limit; admins
//! complain about collectors that load their tenant). Shared by every call to that tenant.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// What the connector uses per tenant.
pub const DEFAULT_REQUESTS_PER_SECOND: f64 = 10.0;

/// The counting window is this much longer than its nominal length: requests leave here on time
/// but reach the tenant with some jitter, and the tenant must still never see more than `rate`
/// in any second. 2 % leaves 20 ms of jitter at 10 requests/s and costs 2 % of the throughput,
/// where the rate limit is what bounds a sync.
const HEADROOM: f64 = 1.02;

/// A sliding-window limiter: at most `burst` requests leave in any `window` (`burst` = the rate
/// per second, at least one; `window` = `burst / rate`, plus headroom), counted from the
/// moments callers actually left, and never two closer than half the mean spacing. Counting
/// real departures means a caller woken late (a busy machine) costs only its own delay, where
/// "one interval after the previous departure" would add every delay up and lose throughput.
#[derive(Debug)]
pub struct RateLimiter {
    burst: usize,
    window: Duration,
    min_gap: Duration,
    // Held across the wait: waiters queue in order (tokio's Mutex is fair). The departures of
    // the last `burst` callers, oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    /// `requests_per_second` is clamped to [0.001, 1000]; NaN means the default.
    pub fn new(requests_per_second: f64) -> Self {
        let rate = if requests_per_second.is_nan() {
            DEFAULT_REQUESTS_PER_SECOND
        } else {
            requests_per_second.clamp(0.001, 1000.0)
        };
        let burst = (rate.floor() as usize).max(1);
        let window = Duration::from_secs_f64(burst as f64 / rate * HEADROOM);
        RateLimiter {
            burst,
            window,
            min_gap: window / (2 * burst as u32),
            sent: Mutex::new(VecDeque::with_capacity(burst)),
        }
    }

    /// The mean spacing between two requests when callers keep the limiter busy.
    pub fn interval(&self) -> Duration {
        self.window / self.burst as u32
    }

    /// At most this many requests leave in any [`RateLimiter::window`].
    pub fn burst(&self) -> usize {
        self.burst
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Waits for this caller's slot. Cancel-safe: a dropped wait gives up its place.
    pub async fn acquire(&self) {
        let mut sent = self.sent.lock().await;
        let earliest = {
            let spaced = sent.back().map(|last| *last + self.min_gap);
            let counted =
                (sent.len() >= self.burst).then(|| sent[sent.len() - self.burst] + self.window);
            spaced.max(counted)
        };
        if let Some(at) = earliest {
            tokio::time::sleep_until(at).await;
        }
        sent.push_back(Instant::now());
        while sent.len() > self.burst {
            sent.pop_front();
        }
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

    async fn departures(l: &Arc<RateLimiter>, n: usize) -> Vec<Instant> {
        let mut tasks = Vec::new();
        for _ in 0..n {
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
        times
    }

    /// The most departures in any window of `w`.
    fn most_within(times: &[Instant], w: Duration) -> usize {
        (0..times.len())
            .map(|i| times[i..].iter().take_while(|x| **x - times[i] < w).count())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_stay_within_the_rate() {
        let l = Arc::new(RateLimiter::new(10.0));
        let start = Instant::now();
        let times = departures(&l, 25).await;
        assert!(most_within(&times, Duration::from_secs(1)) <= 10);
        // With the headroom: not even 10 in 1.02 s.
        assert!(most_within(&times, l.window()) <= 10);
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= l.interval() / 2, "never bunched");
        }
        // And no slower than the rate allows: the 21st leaves two windows after the first (the
        // timer rounds to whole milliseconds).
        let d = (times[20] - start).abs_diff(l.window() * 2);
        assert!(d <= Duration::from_millis(2), "{d:?} off");
        assert!(times[24] - start < Duration::from_millis(2600));
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_caller_costs_only_its_own_delay() {
        let l = Arc::new(RateLimiter::new(10.0));
        let start = Instant::now();
        l.acquire().await;
        // The second caller comes 300 ms late (a busy machine, a slow answer).
        tokio::time::sleep(Duration::from_millis(300)).await;
        let times = departures(&l, 19).await;
        assert!(most_within(&times, Duration::from_secs(1)) <= 10);
        // Spacing every departure one interval after the one before would put the twentieth at
        // 300 ms + 19 intervals (2.24 s); counted by window, the delay is caught up: the
        // twentieth leaves one window after the tenth (0.3 s + 8 half-intervals + 1.02 s).
        let last = *times.last().unwrap() - start;
        assert!(
            last < Duration::from_millis(300) + l.interval() * 19,
            "{last:?}"
        );
        let want = Duration::from_millis(300) + l.interval() / 2 * 8 + l.window();
        assert!(
            last.abs_diff(want) <= Duration::from_millis(3),
            "{last:?} vs {want:?}"
        );
    }

    #[test]
    fn clamps_nonsense() {
        assert_eq!(
            RateLimiter::new(f64::NAN).interval(),
            RateLimiter::default().interval()
        );
        assert!(RateLimiter::new(0.0).interval() <= Duration::from_secs(1100));
        assert!(RateLimiter::new(1e9).interval() >= Duration::from_micros(1000));
        // Under one per second: one at a time, one window apart.
        let slow = RateLimiter::new(0.5);
        assert_eq!(slow.burst(), 1);
        assert!(slow.window() >= Duration::from_secs(2));
    }
}
