//! The sync engine: reads the activity log in whole-second windows up to now minus the
//! publishing lag, splits windows at the offset cap, fetches a few windows at once, and commits
//! them strictly in order, each with the checkpoint in the same transaction.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use secrecy::SecretString;
use serde::Serialize;
use serde_json::Value;
use workday_client::rest::{ActivityQuery, ApiError, Page, RestClient, whole_seconds};

use super::fingerprint::{Keyed, key_window};
use super::store::{Checkpoint, Store, StoreError};
use crate::problem::{Diagnose, Problem};
use crate::profile::SyncSettings;
use crate::tokens::{TokenError, TokenManager};

/// Reads of one window before its answer is taken as it is, when its total keeps changing.
const CONSISTENT_READS: u32 = 3;
/// Pages of one window asked for at once (after its first page).
const PAGES_IN_FLIGHT: usize = 4;

/// How one sync runs; `Default` is what the app uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Days read back on the first sync; None: the connection's `backfill_days`.
    pub backfill_days: Option<u32>,
    /// A backfill span finer than days (tests; a "last hour" choice); wins over `backfill_days`.
    pub backfill: Option<Duration>,
    /// Width of the windows the range is cut into (before any split).
    pub window: Duration,
    /// Re-read before the checkpoint, for events published later than the lag allowed for.
    pub overlap: Duration,
    /// Windows fetched at once; the tenant's rate limiter bounds the requests either way.
    pub concurrency: usize,
    /// Rows one window can page through (Workday: about 10,000); a window whose total reaches
    /// it is split.
    pub offset_cap: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            backfill_days: None,
            backfill: None,
            window: Duration::from_secs(3600),
            overlap: Duration::from_secs(600),
            concurrency: 4,
            offset_cap: 10_000,
        }
    }
}

/// Reported after each committed window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncProgress {
    pub windows_done: usize,
    pub windows_total: usize,
    /// Events read so far (re-reads included).
    pub events_read: u64,
    /// Events new to the store so far.
    pub events_stored: u64,
    pub events_per_sec: f64,
    /// None until a window is done.
    pub eta_secs: Option<f64>,
    pub synced_until: DateTime<Utc>,
}

/// The outcome of one pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncReport {
    pub connection: String,
    /// The range read in this pass, `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Where the store's range starts (the first backfill) and ends.
    pub origin: DateTime<Utc>,
    pub synced_until: DateTime<Utc>,
    pub windows: usize,
    /// Windows split because they reached the offset cap.
    pub splits: usize,
    pub events_read: u64,
    pub events_stored: u64,
    /// Every event in the store now, own calls included.
    pub events_total: u64,
    pub elapsed_secs: f64,
    /// Things that did not stop the sync but are worth knowing.
    pub warnings: Vec<Problem>,
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another window of the same pass failed for good; that window's error is the one reported.
    #[error("stopped because another window failed")]
    Stopped,
}

impl Diagnose for SyncError {
    fn problem(&self) -> Problem {
        match self {
            SyncError::Token(e) => e.problem(),
            SyncError::Api(e) => {
                let r = e.report();
                Problem::new(r.code, r.message, r.fix)
            }
            SyncError::Store(e) => e.problem(),
            SyncError::Stopped => Problem::new(
                "activity.sync_stopped",
                "The sync stopped because another part of it failed.",
                "Run the sync again; it resumes at the checkpoint.",
            ),
        }
    }
}

/// A window `[from, to)` in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Cuts `[from, to)` into windows of `width` (at least a second), ending at whole seconds.
pub fn plan(from: DateTime<Utc>, to: DateTime<Utc>, width: Duration) -> Vec<Span> {
    let (from, to) = (whole_seconds(from), whole_seconds(to));
    let step = chrono::Duration::seconds(width.as_secs().max(1) as i64);
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let end = (at + step).min(to);
        out.push(Span { from: at, to: end });
        at = end;
    }
    out
}

/// The range of this pass: the first backfill, else from the checkpoint minus the overlap
/// (never before the origin), up to now minus the publishing lag.
pub fn range(
    checkpoint: Option<Checkpoint>,
    now: DateTime<Utc>,
    backfill: Duration,
    lag: Duration,
    overlap: Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let to = whole_seconds(now - chrono::Duration::seconds(lag.as_secs() as i64));
    let from = match checkpoint {
        None => whole_seconds(to - chrono::Duration::seconds(backfill.as_secs() as i64)),
        Some(c) => {
            let back = c.synced_until - chrono::Duration::seconds(overlap.as_secs() as i64);
            whole_seconds(back.max(c.origin))
        }
    };
    (from, to)
}

/// What the engine calls the tenant with.
#[derive(Debug, Clone, Copy)]
pub struct Api<'a> {
    pub tokens: &'a TokenManager,
    pub rest: &'a RestClient,
}

enum Leaf {
    Events(Vec<Value>),
    Overfull,
}

struct Reader<'a> {
    api: Api<'a>,
    page_size: u32,
    cap: u64,
    /// Set when the tenant refused the refresh token: the other windows stop instead of each
    /// asking the token endpoint again (one refusal, no loop).
    sign_in_needed: AtomicBool,
    token_gate: tokio::sync::Mutex<()>,
}

impl Reader<'_> {
    /// An access token. One caller at a time, and none after a refusal: waiters queued behind
    /// a refresh that was refused would otherwise each ask the token endpoint again.
    async fn token(&self) -> Result<SecretString, SyncError> {
        let _one = self.token_gate.lock().await;
        if self.sign_in_needed.load(Ordering::SeqCst) {
            return Err(SyncError::Stopped);
        }
        match self.api.tokens.access_token().await {
            Err(t) if t.needs_sign_in() => {
                self.sign_in_needed.store(true, Ordering::SeqCst);
                Err(SyncError::Token(t))
            }
            r => Ok(r?),
        }
    }

    /// One page; a 401 refreshes the token once and retries, a second 401 is final.
    async fn page(&self, q: &ActivityQuery) -> Result<Page, SyncError> {
        let token = self.token().await?;
        match self.api.rest.activity(&token, q).await {
            Err(ApiError::Unauthorized { .. }) => {
                self.api.tokens.invalidate().await;
                let token = self.token().await?;
                Ok(self.api.rest.activity(&token, q).await?)
            }
            r => Ok(r?),
        }
    }

    /// All pages of one window, or `Overfull` when it reaches the offset cap. Every page must
    /// report the same total and the pages must add up to it: a total that moved means an
    /// event was published mid-read and offsets shifted, so the window is read again.
    async fn leaf(&self, span: Span) -> Result<Leaf, SyncError> {
        let mut last = Vec::new();
        for _ in 0..CONSISTENT_READS {
            let q = |offset| ActivityQuery {
                from: span.from,
                to: span.to,
                limit: self.page_size,
                offset,
            };
            let first = self.page(&q(0)).await?;
            if first.total >= self.cap {
                return Ok(Leaf::Overfull);
            }
            let total = first.total;
            let mut consistent = true;
            let mut events = first.data;
            // The first page tells how many follow: ask for them together (answers kept in
            // order), so a tenant's latency is paid once per window rather than once per page.
            // The rate limiter still bounds the requests per second.
            let step = u64::from(self.page_size.max(1));
            let offsets = (1..).map(|i| i * step).take_while(|o| *o < total);
            let pages: Vec<_> = futures::stream::iter(offsets)
                .map(|offset| async move { self.page(&q(offset)).await })
                .buffered(PAGES_IN_FLIGHT)
                .collect()
                .await;
            for page in pages {
                let page = match page {
                    Ok(p) => p,
                    // An offset refused below the reported total: the cap is lower than thought.
                    Err(SyncError::Api(ApiError::BadRequest { .. })) => return Ok(Leaf::Overfull),
                    Err(e) => return Err(e),
                };
                if page.total >= self.cap {
                    return Ok(Leaf::Overfull);
                }
                consistent &= page.total == total;
                events.extend(page.data);
            }
            if consistent && events.len() as u64 == total {
                return Ok(Leaf::Events(events));
            }
            tracing::info!(from = %span.from, to = %span.to, "window changed while read; reading it again");
            last = events;
        }
        tracing::warn!(from = %span.from, to = %span.to, "window kept changing; keeping the last read");
        Ok(Leaf::Events(last))
    }

    /// A whole window, split in halves (at whole seconds) as often as the cap requires; the
    /// events keyed per part (twins share a requestTime, so they always fall in the same part).
    async fn window(&self, span: Span) -> Result<(Vec<Keyed>, usize, Vec<Problem>), SyncError> {
        let mut pending = vec![span];
        let mut keyed = Vec::new();
        let mut splits = 0;
        let mut warnings = Vec::new();
        while let Some(s) = pending.pop() {
            match self.leaf(s).await? {
                Leaf::Events(v) => keyed.extend(key_window(v)),
                Leaf::Overfull => {
                    let secs = (s.to - s.from).num_seconds();
                    if secs <= 1 {
                        // Nothing narrower can be asked for: keep what can be reached.
                        let v = self.capped(s).await?;
                        warnings.push(Problem::new(
                            "activity.window_overfull",
                            format!(
                                "The second from {} holds more events than Workday pages through \
                                 ({}); {} were read.",
                                s.from,
                                self.cap,
                                v.len()
                            ),
                            "Nothing to change: Workday cannot return more for one second.",
                        ));
                        keyed.extend(key_window(v));
                        continue;
                    }
                    splits += 1;
                    let mid = s.from + chrono::Duration::seconds(secs / 2);
                    pending.push(Span {
                        from: mid,
                        to: s.to,
                    });
                    pending.push(Span {
                        from: s.from,
                        to: mid,
                    });
                }
            }
        }
        Ok((keyed, splits, warnings))
    }

    /// What can be paged through of an over-full one-second window.
    async fn capped(&self, s: Span) -> Result<Vec<Value>, SyncError> {
        let mut events: Vec<Value> = Vec::new();
        loop {
            let q = ActivityQuery {
                from: s.from,
                to: s.to,
                limit: self.page_size,
                offset: events.len() as u64,
            };
            match self.page(&q).await {
                Ok(p) if !p.data.is_empty() => events.extend(p.data),
                Ok(_) | Err(SyncError::Api(ApiError::BadRequest { .. })) => return Ok(events),
                Err(e) => return Err(e),
            }
        }
    }
}

/// One pass over the range the checkpoint calls for. `store` is shared with blocking commits.
pub async fn run(
    connection: &str,
    api: Api<'_>,
    store: Arc<Mutex<Store>>,
    settings: &SyncSettings,
    options: &SyncOptions,
    progress: &mut (dyn FnMut(&SyncProgress) + Send),
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let now = Utc::now();
    let days = options.backfill_days.unwrap_or(settings.backfill_days);
    let backfill = options
        .backfill
        .unwrap_or(Duration::from_secs(u64::from(days) * 86_400));
    let lag = Duration::from_secs(settings.publish_lag_secs);
    let existing = blocking(&store, |s| s.checkpoint()).await?;
    let (from, to) = range(existing, now, backfill, lag, options.overlap);
    // Kept before any read, so a backfill interrupted and restarted keeps its range.
    let checkpoint = match existing {
        Some(c) => c,
        None => blocking(&store, move |s| s.start_at(from)).await?,
    };
    let windows = if from < to {
        plan(from, to, options.window)
    } else {
        Vec::new()
    };
    let reader = Reader {
        api,
        page_size: settings.page_size.clamp(1, 1000),
        cap: options.offset_cap.max(2),
        sign_in_needed: AtomicBool::new(false),
        token_gate: tokio::sync::Mutex::new(()),
    };
    let total = windows.len();
    let mut report = SyncReport {
        connection: connection.to_string(),
        from,
        to,
        origin: checkpoint.origin,
        synced_until: checkpoint.synced_until,
        windows: total,
        splits: 0,
        events_read: 0,
        events_stored: 0,
        events_total: 0,
        elapsed_secs: 0.0,
        warnings: Vec::new(),
    };
    // `buffered` runs up to `concurrency` windows at once and yields them in order, so each
    // commit follows every earlier one: the checkpoint only ever covers a contiguous prefix.
    let mut fetched = futures::stream::iter(windows.iter().copied().map(|span| {
        let reader = &reader;
        async move { reader.window(span).await.map(|r| (span, r)) }
    }))
    .buffered(options.concurrency.max(1));
    let mut done = 0;
    while let Some(result) = fetched.next().await {
        let (span, (keyed, splits, warnings)) = match result {
            Ok(r) => r,
            Err(SyncError::Stopped) => {
                // Commit nothing more; find the failure that stopped this window.
                while let Some(r) = fetched.next().await {
                    if let Err(e) = r
                        && !matches!(e, SyncError::Stopped)
                    {
                        return Err(e);
                    }
                }
                return Err(SyncError::Stopped);
            }
            Err(e) => return Err(e),
        };
        report.splits += splits;
        report.warnings.extend(warnings);
        report.events_read += keyed.len() as u64;
        let until = span.to;
        report.events_stored += blocking(&store, move |s| s.commit_window(&keyed, until)).await?;
        report.synced_until = report.synced_until.max(until);
        done += 1;
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        progress(&SyncProgress {
            windows_done: done,
            windows_total: total,
            events_read: report.events_read,
            events_stored: report.events_stored,
            events_per_sec: report.events_read as f64 / secs,
            eta_secs: Some(secs / done as f64 * (total - done) as f64),
            synced_until: report.synced_until,
        });
    }
    report.events_total = blocking(&store, |s| {
        s.optimize()?;
        s.count()
    })
    .await?;
    report.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Runs a store call off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Arc<Mutex<Store>>,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    let path = store
        .lock()
        .map(|s| s.path().to_path_buf())
        .unwrap_or_default();
    tokio::task::spawn_blocking(move || {
        let mut s = store.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s)
    })
    .await
    .unwrap_or_else(|e| {
        Err(StoreError::Unavailable {
            path,
            detail: format!("the store task failed: {e}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn windows_cover_the_range_at_whole_seconds() {
        let from = Utc.with_ymd_and_hms(2026, 4, 17, 8, 0, 0).unwrap()
            + chrono::Duration::milliseconds(300);
        let to = from + chrono::Duration::minutes(150);
        let w = plan(from, to, Duration::from_secs(3600));
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].from, whole_seconds(from));
        assert_eq!(w[2].to, whole_seconds(to));
        assert!(w.windows(2).all(|p| p[0].to == p[1].from));
    }

    #[test]
    fn later_passes_start_before_the_checkpoint_but_not_before_the_origin() {
        let now = Utc.with_ymd_and_hms(2026, 4, 17, 12, 0, 0).unwrap();
        let lag = Duration::from_secs(120);
        let overlap = Duration::from_secs(600);
        let (f, t) = range(None, now, Duration::from_secs(7 * 86_400), lag, overlap);
        assert_eq!(t, now - chrono::Duration::seconds(120));
        assert_eq!(f, t - chrono::Duration::days(7));
        let c = Checkpoint {
            origin: now - chrono::Duration::minutes(15),
            synced_until: now - chrono::Duration::minutes(5),
        };
        assert_eq!(
            range(Some(c), now, Duration::ZERO, lag, overlap).0,
            now - chrono::Duration::minutes(15)
        );
        let c = Checkpoint {
            origin: now - chrono::Duration::days(1),
            ..c
        };
        assert_eq!(
            range(Some(c), now, Duration::ZERO, lag, overlap).0,
            now - chrono::Duration::minutes(15)
        );
    }
}
