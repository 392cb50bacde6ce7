//! The sync engine: reads the activity log in whole-second windows up to now minus the
//! publishing lag, sized to stay under the offset cap and split when they reach it, several
//! windows and pages at once, and commits them strictly in order, each with the checkpoint in
//! the same transaction.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use secrecy::SecretString;
use serde::Serialize;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use workday_client::rest::{ActivityQuery, ApiError, RestClient, whole_seconds};

pub use super::plan::Span;
use super::plan::{MAX_SHAPED_WINDOW, Planner};
use super::row::{EventRow, number_twins};
use super::store::{Checkpoint, Store, StoreError, statistics_stale};
use crate::problem::{Diagnose, Problem};
use crate::profile::SyncSettings;
use crate::tokens::{TokenError, TokenManager};

/// Reads of one window before it is left for the next pass, when its answers keep disagreeing.
const CONSISTENT_READS: u32 = 3;
/// Requests of one pass in flight at once. The rate limiter spaces them; with a tenant's latency
/// (~300 ms) and 10 requests/s at least three must always be out, across windows and pages.
const REQUESTS_IN_FLIGHT: usize = 8;
/// Rows a pass may hold in memory, in offset caps (about 1 KB each): read and waiting for
/// their commit, and those the windows still being read will bring (a whole cap until their
/// first page tells their total). A new window starts only below it, so memory stays near this
/// many caps however many events the backfill holds. Two caps keep the store busy: one window
/// commits while the next is read.
const ROWS_HELD_PER_CAP: u64 = 2;
/// Pages known to be left to ask for, below which a second window is planned before the last
/// one told its total: a first page's answer takes about three requests' time (300 ms at 10
/// requests/s), and small windows (a night's) would otherwise leave the limiter idle meanwhile.
const PAGES_AHEAD: u64 = 4;

/// How one sync runs; `Default` is what the app uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOptions {
    /// Days read back on the first sync; None: the connection's `backfill_days`.
    pub backfill_days: Option<u32>,
    /// A backfill span finer than days (tests; a "last hour" choice); wins over `backfill_days`.
    pub backfill: Option<Duration>,
    /// Width of the first window (two go out before any total is known); later ones are
    /// sized from what the windows read tell. Short, so that a backfill starting in busy hours
    /// does not begin by splitting both.
    pub window: Duration,
    /// Re-read before the checkpoint, for events published later than the lag allowed for.
    pub overlap: Duration,
    /// Windows read or waiting for their commit at once (each holds up to `offset_cap` events);
    /// the tenant's rate limiter bounds the requests either way.
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
            window: Duration::from_secs(20 * 60),
            overlap: Duration::from_secs(600),
            concurrency: 6,
            offset_cap: 10_000,
        }
    }
}

/// Reported after each committed window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// Events read that came without a (readable) requestTime: stored with the start of the
    /// window that returned them as their time, marked as estimated.
    pub events_untimed: u64,
    /// Every event in the store now, own calls included.
    pub events_total: u64,
    /// Of `events_read`: the tenant's records of REST API calls, this connector's own among
    /// them (see [`is_own_call`](super::row::is_own_call)); hidden from views by default.
    pub own_calls_read: u64,
    /// Of `events_total`: the same.
    pub own_calls_total: u64,
    /// Events deleted after the pass because they were older than the connection keeps
    /// (`retention_days`).
    pub events_pruned: u64,
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

/// The order requests go out in: first pages first (they tell how much work each window holds
/// and whether it must be split), then pages by window time, so the earliest window, whose
/// commit everything after it waits for, is never stuck behind later ones.
type Priority = (bool, DateTime<Utc>, u64);

/// Hands out a fixed number of slots, lowest [`Priority`] first rather than first come.
/// Cancel-safe: a waiter that goes away passes its slot on when it is handed one.
#[derive(Clone)]
struct Gate(Arc<Mutex<GateState>>);

struct GateState {
    free: usize,
    next: u64,
    waiting: std::collections::BTreeMap<(Priority, u64), tokio::sync::oneshot::Sender<GateSlot>>,
}

/// One slot of a [`Gate`]; dropping it hands it to the next waiter.
struct GateSlot(Gate);

impl Gate {
    fn new(slots: usize) -> Gate {
        Gate(Arc::new(Mutex::new(GateState {
            free: slots,
            next: 0,
            waiting: Default::default(),
        })))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn acquire(&self, p: Priority) -> GateSlot {
        let rx = {
            let mut s = self.lock();
            if s.free > 0 {
                s.free -= 1;
                return GateSlot(self.clone());
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            let n = s.next;
            s.next += 1;
            s.waiting.insert((p, n), tx);
            rx
        };
        // The sender lives in `waiting` until it is handed a slot, and the gate with it.
        rx.await.unwrap_or_else(|_| GateSlot(self.clone()))
    }
}

impl Drop for GateSlot {
    fn drop(&mut self) {
        let next = {
            let mut s = self.0.lock();
            match s.waiting.pop_first() {
                Some((_, tx)) => tx,
                None => {
                    s.free += 1;
                    return;
                }
            }
        };
        // A waiter gone meanwhile drops the slot it is sent, which passes it on again.
        let _ = next.send(GateSlot(self.0.clone()));
    }
}

/// A spawned task that is aborted when this handle is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a window's read ended.
enum Leaf {
    /// Every event, keyed, twins numbered; a warning when not all could be reached.
    Events(Vec<EventRow>, Option<Problem>),
    /// It reached the offset cap; the total its first page told.
    Overfull(u64),
    /// No read could be trusted (see [`Reader::leaf`]): not to be committed in this pass.
    Unstable(Problem),
}

/// One read of a window.
enum Read {
    /// Its rows, page by page, each page as the tenant answered it.
    Pages(Vec<Vec<EventRow>>),
    /// The read contradicted itself, as said.
    Flawed(String),
    /// It reached the offset cap; the total its first page told.
    Overfull(u64),
}

/// A page to ask for again across a boundary of a read, and how often each row repeated
/// across that boundary must be in it.
#[derive(Debug, PartialEq)]
struct Straddle {
    offset: u64,
    counts: Vec<([u8; 16], usize)>,
}

impl Straddle {
    fn holds(&self, rows: &[EventRow]) -> bool {
        self.counts
            .iter()
            .all(|(fp, n)| rows.iter().filter(|r| r.fingerprint == *fp).count() == *n)
    }
}

/// The pages to ask for again to show that a read's repeated rows are identical events (see
/// `Reader::straddles_explain`): one page of `step` rows centred on each boundary that rows
/// repeated across pages straddle. `None` when a repeated row is on pages that are not
/// neighbours, or more often than such a page could show.
fn straddles(pages: &[Vec<EventRow>], step: u64) -> Option<Vec<Straddle>> {
    let mut seen: std::collections::HashMap<[u8; 16], (usize, usize, usize)> = Default::default();
    for (i, page) in pages.iter().enumerate() {
        for r in page {
            let e = seen.entry(r.fingerprint).or_insert((0, i, i));
            e.0 += 1;
            e.2 = i;
        }
    }
    let mut by_boundary: std::collections::BTreeMap<usize, Vec<([u8; 16], usize)>> =
        Default::default();
    for (fp, (n, first, last)) in seen {
        if first == last {
            continue;
        }
        if last != first + 1 || n as u64 > step / 2 {
            return None;
        }
        by_boundary.entry(last).or_default().push((fp, n));
    }
    let starts: Vec<u64> = pages
        .iter()
        .scan(0u64, |at, p| {
            let start = *at;
            *at += p.len() as u64;
            Some(start)
        })
        .collect();
    Some(
        by_boundary
            .into_iter()
            .map(|(page, counts)| Straddle {
                offset: starts[page].saturating_sub(step / 2),
                counts,
            })
            .collect(),
    )
}

/// True when a row (by fingerprint) comes on more than one page.
fn repeats_across_pages(pages: &[Vec<EventRow>]) -> bool {
    let mut seen: std::collections::HashMap<[u8; 16], usize> = Default::default();
    pages.iter().enumerate().any(|(i, page)| {
        page.iter()
            .any(|k| seen.insert(k.fingerprint, i).is_some_and(|j| j != i))
    })
}

struct Reader<'a> {
    api: Api<'a>,
    page_size: u32,
    cap: u64,
    /// Requests of this pass in flight (the limiter spaces them): enough to keep the rate
    /// limit busy through the tenant's latency, few enough to bound the pages held at once.
    in_flight: Gate,
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

    /// One page, as rows (the JSON tree is dropped here); a 401 refreshes the token once and
    /// retries, a second 401 is final.
    async fn page(&self, q: &ActivityQuery) -> Result<(u64, Vec<EventRow>), SyncError> {
        let _slot = self
            .in_flight
            .acquire((q.offset > 0, q.from, q.offset))
            .await;
        let token = self.token().await?;
        match self.fetch(token, *q).await {
            Err(SyncError::Api(ApiError::Unauthorized { .. })) => {
                self.api.tokens.invalidate().await;
                let token = self.token().await?;
                self.fetch(token, *q).await
            }
            r => r,
        }
    }

    /// One request on a task of its own: it leaves the moment the limiter lets it, whatever
    /// this pass's task is busy with (every window is polled from one task, and a request
    /// held back there would reach the tenant bunched with the next ones), and its answer is
    /// parsed and keyed beside the others, on another core. Aborted when its page is dropped.
    async fn fetch(
        &self,
        token: SecretString,
        q: ActivityQuery,
    ) -> Result<(u64, Vec<EventRow>), SyncError> {
        let rest = self.api.rest.clone();
        let mut task = AbortOnDrop(tokio::spawn(async move {
            let page = rest.activity_raw(&token, &q).await?;
            // Keyed on a blocking thread, like the page's first parse: the async threads stay
            // free to send the next requests the moment the limiter lets them go. Each event
            // is parsed into a tree only as its row is made, and both its text and its tree
            // are freed then: a whole page as one tree would be megabytes in tens of
            // thousands of allocations, several pages at once.
            let invalid = |reason: String| ApiError::InvalidResponse {
                call: workday_client::rest::Call::ActivityLog,
                reason,
            };
            let rows = tokio::task::spawn_blocking(move || {
                page.data
                    .into_iter()
                    .map(|e| serde_json::from_str(e.get()).map(|e| EventRow::new(&e)))
                    .collect::<Result<Vec<EventRow>, _>>()
            })
            .await
            .map_err(|e| invalid(format!("the answer could not be keyed: {e}")))?
            .map_err(|_| invalid("the answer is not JSON".into()))?;
            Ok::<_, ApiError>((page.total, rows))
        }));
        match (&mut task.0).await {
            Ok(r) => Ok(r?),
            Err(e) => Err(SyncError::Api(ApiError::InvalidResponse {
                call: workday_client::rest::Call::ActivityLog,
                reason: format!("the request task failed: {e}"),
            })),
        }
    }

    /// All pages of one window, or `Overfull` when it reaches the offset cap, or `Unstable` when
    /// no read of it could be trusted. `probed` hears the first page's total at once, before the
    /// other pages are in.
    ///
    /// A read is trusted when every page reports the same total, the pages hold exactly that
    /// many rows (a short or empty page before the end means rows were skipped), and no row
    /// comes on two pages. A row on two pages is either a re-read (the tenant moved rows
    /// between pages mid-read, so one row came twice and another not at all, with the count
    /// still right) or two identical events that fell on either side of a page boundary; one
    /// read cannot tell them apart, since a page boundary can fall anywhere. So such a read is
    /// checked with a second one whose pages are cut half a page elsewhere: identical events
    /// are in every consistent answer as often, whatever the cut, while a row repeated by a
    /// shift repeats at the boundaries of each read, which differ. The two reads must hold the
    /// same rows, each as often. (Identical rows within one page are never in doubt: a page is
    /// one answer, so they are twins.) A window no read of which is trusted is not committed:
    /// the pass ends before it, and the next pass reads it again.
    async fn leaf(&self, span: Span, probed: &(dyn Fn(u64) + Sync)) -> Result<Leaf, SyncError> {
        let mut told = false;
        let mut flaw = String::new();
        let size = u64::from(self.page_size.max(1));
        for _ in 0..CONSISTENT_READS {
            let pages = match self.read_once(span, size, probed, &mut told).await? {
                Read::Overfull(t) => return Ok(Leaf::Overfull(t)),
                Read::Flawed(f) => {
                    tracing::info!(from = %span.from, to = %span.to, "window changed while read ({f}); reading it again");
                    flaw = f;
                    continue;
                }
                Read::Pages(pages) => pages,
            };
            let repeated = repeats_across_pages(&pages);
            let explained = repeated && self.straddles_explain(span, &pages, size).await?;
            let mut rows: Vec<EventRow> = pages.into_iter().flatten().collect();
            number_twins(&mut rows);
            if !repeated || explained {
                return Ok(Leaf::Events(rows, None));
            }
            let cut = (size / 2).max(1);
            match self.read_once(span, cut, probed, &mut told).await? {
                Read::Overfull(t) => return Ok(Leaf::Overfull(t)),
                Read::Flawed(f) => flaw = f,
                Read::Pages(pages) => {
                    let mut other: Vec<EventRow> = pages.into_iter().flatten().collect();
                    number_twins(&mut other);
                    if other == rows {
                        return Ok(Leaf::Events(rows, None));
                    }
                    flaw = "a row came on two pages, and a read with the pages cut elsewhere \
                            held other rows"
                        .into();
                }
            }
            tracing::info!(from = %span.from, to = %span.to, "window changed while read ({flaw}); reading it again");
        }
        tracing::warn!(from = %span.from, to = %span.to, "window kept changing ({flaw}); not committed in this pass");
        Ok(Leaf::Unstable(Problem::new(
            "activity.window_unstable",
            format!(
                "Workday's answers for {} to {} disagreed on each of {CONSISTENT_READS} reads \
                 ({flaw}), so that window was not stored and the sync stopped before it.",
                span.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                span.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
            "Nothing to change: the next sync reads it again from there, and nothing after it \
             is skipped. If this repeats for the same window for hours, report the time range \
             to Workday support.",
        )))
    }

    /// Whether every row a read's pages hold more than once is there as often in one answer:
    /// for each boundary such rows straddle, a page cut across it is asked for again, and must
    /// report the same total and hold each of them as often as the read did. A page is one
    /// answer, so rows in it as often as that are identical events, not a row served twice
    /// because rows moved between requests (one row, in any one answer, comes once). One
    /// request per boundary instead of a second read of the whole window; `false` when this
    /// cannot show it (copies beyond the neighbouring pages or beyond the page cut across),
    /// and the window is then read again with its pages cut elsewhere.
    async fn straddles_explain(
        &self,
        span: Span,
        pages: &[Vec<EventRow>],
        step: u64,
    ) -> Result<bool, SyncError> {
        let Some(checks) = straddles(pages, step) else {
            return Ok(false);
        };
        let total: u64 = pages.iter().map(|p| p.len() as u64).sum();
        let answers = futures::future::join_all(checks.iter().map(|c| {
            self.page_at(ActivityQuery {
                from: span.from,
                to: span.to,
                limit: step as u32,
                offset: c.offset,
            })
        }))
        .await;
        for (check, answer) in checks.iter().zip(answers) {
            let (page_total, rows) = match answer {
                Ok(a) => a,
                Err(SyncError::Api(ApiError::BadRequest { .. })) => return Ok(false),
                Err(e) => return Err(e),
            };
            if page_total != total || !check.holds(&rows) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// One read of a window: a first page of `first` rows at offset 0, then pages of the page
    /// size after it, all asked for at once (the in-flight limit and the rate limiter pace
    /// them), so the latency is paid once per window.
    async fn read_once(
        &self,
        span: Span,
        first: u64,
        probed: &(dyn Fn(u64) + Sync),
        told: &mut bool,
    ) -> Result<Read, SyncError> {
        let q = |offset, limit: u64| ActivityQuery {
            from: span.from,
            to: span.to,
            limit: limit as u32,
            offset,
        };
        let (total, rows) = self.page(&q(0, first)).await?;
        if !std::mem::replace(told, true) {
            probed(total);
        }
        if total >= self.cap {
            return Ok(Read::Overfull(total));
        }
        let step = u64::from(self.page_size.max(1));
        let offsets = (0..).map(|i| first + i * step).take_while(|o| *o < total);
        let answers = futures::future::join_all(offsets.map(|o| self.page_at(q(o, step)))).await;
        let mut pages = vec![rows];
        let mut moved = None;
        for page in answers {
            let (page_total, page_rows) = match page {
                Ok(p) => p,
                // An offset refused below the reported total: the cap is lower than thought.
                Err(SyncError::Api(ApiError::BadRequest { .. })) => {
                    return Ok(Read::Overfull(total));
                }
                Err(e) => return Err(e),
            };
            if page_total >= self.cap {
                return Ok(Read::Overfull(page_total));
            }
            if page_total != total {
                moved = Some(page_total);
            }
            pages.push(page_rows);
        }
        let held: u64 = pages.iter().map(|p| p.len() as u64).sum();
        // Full pages, then only empty ones below the total: the tenant stops serving at an
        // offset cap lower than this one, answering 200 with an empty page there (unverified;
        // the Splunk add-on expects it) instead of 400. Split, as for the 400.
        if moved.is_none() && held < total && stops_at_a_cap(&pages, first, step) {
            return Ok(Read::Overfull(total));
        }
        Ok(match moved {
            // An event published mid-read shifts the offsets.
            Some(t) => Read::Flawed(format!(
                "the total went from {total} to {t} while it was read"
            )),
            None if held != total => Read::Flawed(format!(
                "its pages held {held} rows where Workday's total said {total}"
            )),
            None => Read::Pages(pages),
        })
    }

    async fn page_at(&self, q: ActivityQuery) -> Result<(u64, Vec<EventRow>), SyncError> {
        self.page(&q).await
    }

    /// What can be paged through of an over-full one-second window: nothing narrower can be
    /// asked for, so keep what can be reached, with a warning.
    async fn capped(&self, s: Span) -> Result<Leaf, SyncError> {
        let mut rows: Vec<EventRow> = Vec::new();
        loop {
            let q = ActivityQuery {
                from: s.from,
                to: s.to,
                limit: self.page_size,
                offset: rows.len() as u64,
            };
            match self.page(&q).await {
                Ok((_, p)) if !p.is_empty() => rows.extend(p),
                Ok(_) | Err(SyncError::Api(ApiError::BadRequest { .. })) => break,
                Err(e) => return Err(e),
            }
        }
        let warning = Problem::new(
            "activity.window_overfull",
            format!(
                "The second from {} holds more events than Workday pages through ({}); {} were \
                 read.",
                s.from,
                self.cap,
                rows.len()
            ),
            "Nothing to change: Workday cannot return more for one second.",
        );
        number_twins(&mut rows);
        Ok(Leaf::Events(rows, Some(warning)))
    }
}

/// Whether a read's pages are full, then at most one shorter page (the cap falling inside it),
/// then only empty ones (at least one): the shape of a tenant that stops serving at its offset
/// cap. A short page followed by more rows, or rows after an empty page, is a read that skipped
/// rows instead.
fn stops_at_a_cap(pages: &[Vec<EventRow>], first: u64, step: u64) -> bool {
    let Some(end) = pages.iter().position(|p| p.is_empty()) else {
        return false;
    };
    let full_before_last = pages[..end.saturating_sub(1)]
        .iter()
        .enumerate()
        .all(|(i, p)| p.len() as u64 == if i == 0 { first } else { step });
    end > 0 && full_before_last && pages[end..].iter().all(|p| p.is_empty())
}

/// A window read or being read, in time order among the others of the pass.
struct Slot {
    id: u64,
    span: Span,
    /// Its first page is in (the planner has seen its total).
    probed: bool,
    /// A part of a split window.
    half: bool,
    /// Its first page told a total at the cap: it is to be cut.
    over: bool,
    /// Rows its read will bring: its total once its first page told it, a whole cap before.
    /// Counted whole while unknown so that the splits at a backfill's start hold new windows
    /// back (counted as empty, they let peak memory rise by a third).
    expect: usize,
    /// Its rows (and a warning), or why it cannot be committed in this pass.
    done: Option<Result<Rows, Problem>>,
}

/// A window's keyed rows and a warning about them.
type Rows = (Vec<EventRow>, Option<Problem>);

type Boxed<'f, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'f>>;
type Probe = (u64, Span, u64);

/// Reads window `id` (a one-second window over the cap: what can be reached of it), telling
/// `probes` its first page's total as soon as it is known.
fn read<'r>(
    reader: &'r Reader<'_>,
    id: u64,
    span: Span,
    probes: tokio::sync::mpsc::UnboundedSender<Probe>,
) -> Boxed<'r, (u64, Result<Leaf, SyncError>)> {
    Box::pin(async move {
        let probed = move |total| {
            let _ = probes.send((id, span, total));
        };
        let mut r = match reader.leaf(span, &probed).await {
            Ok(Leaf::Overfull(_)) if (span.to - span.from).num_seconds() <= 1 => {
                reader.capped(span).await
            }
            r => r,
        };
        if let Ok(Leaf::Events(rows, _)) = &mut r {
            let from = span.from.timestamp_millis();
            rows.iter_mut().for_each(|k| k.place_untimed(from));
        }
        (id, r)
    })
}

/// One pass over the range the checkpoint calls for. `store` is shared with blocking commits.
///
/// Windows are planned one after another from the density seen (see [`Planner`]) and read
/// concurrently, up to `options.concurrency` at once, with their pages in flight together within
/// the rate limit; an over-full window is split in halves, read concurrently too. Finished
/// windows commit strictly in time order, each with the checkpoint in the same transaction, so
/// the checkpoint only ever covers a contiguous prefix, while later windows go on reading.
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
    let reader = Reader {
        api,
        page_size: settings.page_size.clamp(1, 1000),
        cap: options.offset_cap.max(2),
        in_flight: Gate::new(REQUESTS_IN_FLIGHT),
        sign_in_needed: AtomicBool::new(false),
        token_gate: tokio::sync::Mutex::new(()),
    };
    let report = SyncReport {
        connection: connection.to_string(),
        from,
        to,
        origin: checkpoint.origin,
        synced_until: checkpoint.synced_until,
        windows: 0,
        splits: 0,
        events_read: 0,
        events_stored: 0,
        events_untimed: 0,
        events_total: 0,
        own_calls_read: 0,
        own_calls_total: 0,
        events_pruned: 0,
        elapsed_secs: 0.0,
        warnings: Vec::new(),
    };
    let reread_until = existing.map(|c| c.synced_until);
    let statistics = blocking(&store, |s| s.statistics_rows()).await?;
    let pass = Pass::new(
        &reader,
        store.clone(),
        options,
        reread_until,
        report,
        started,
        progress,
    );
    let pass = pass.with_statistics(statistics);
    let mut report = pass.drive().await?;
    report.events_pruned = prune(&store, settings.retention_days, now).await?;
    (report.events_total, report.own_calls_total) = blocking(&store, |s| {
        let total = s.count()?;
        // Taken while the pass read if it grew the store enough; else now, if pruning or
        // the last windows made them stale.
        if statistics_stale(s.statistics_rows()?, total) {
            s.optimize()?;
        }
        Ok((total, s.count_own_calls()?))
    })
    .await?;
    report.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Events deleted per pruning step: each step is one transaction of 40-80 ms on a store of ten
/// million events (2,000 took 100-200 ms), so a sync waiting for the store never waits long;
/// the viewer reads meanwhile in any case (WAL).
pub const PRUNE_STEP: u64 = 500;

/// Deletes the events older than `days` before `now` (0 keeps all) in [`PRUNE_STEP`]s, letting
/// go of the store between steps. Returns how many went.
async fn prune(
    store: &Arc<Mutex<Store>>,
    days: u32,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    if days == 0 {
        return Ok(0);
    }
    let before = now - chrono::Duration::days(i64::from(days));
    let mut total = 0;
    loop {
        let n = blocking(store, move |s| s.prune_step(before, PRUNE_STEP)).await?;
        total += n;
        if n < PRUNE_STEP {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// The windows of one pass from planning to commit, and its report so far.
///
/// What holds throughout:
/// - `open` holds every window planned and neither committed nor dropped, in time order and
///   without gaps: a split window is replaced by its halves at its place.
/// - Only `open`'s front is committed, one commit at a time, each with the checkpoint in the
///   same transaction: the checkpoint only ever covers a contiguous prefix of the range.
/// - `held` counts the rows read and not yet committed, the commit under way included; with
///   the rows the windows still being read are expected to bring (`Slot::expect`), it is what
///   the pass holds in memory, kept under `budget` (a window may start just below it).
/// - After a failure nothing is planned or committed; after an unstable window nothing is
///   planned, and the commits stop before it.
struct Pass<'r, 'p> {
    reader: &'r Reader<'r>,
    store: Arc<Mutex<Store>>,
    /// The range of this pass, `[from, to)`.
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// The last pass's end: windows before it are re-reads, and no window straddles it (see
    /// `Store::commit_window_with` for what that means for events without a time).
    reread_until: Option<DateTime<Utc>>,
    /// How far before a re-read window its events may have been stored: the widest window.
    lookback: chrono::Duration,
    /// Windows read or waiting for their commit at once.
    max_open: usize,
    /// Rows held and expected at most before no new window starts: where the store is slower
    /// than the tenant (no latency, no rate limit), windows would otherwise pile up in memory.
    budget: usize,
    started: Instant,
    planner: Planner,
    open: VecDeque<Slot>,
    reading: FuturesUnordered<Boxed<'r, (u64, Result<Leaf, SyncError>)>>,
    committing: Option<Boxed<'static, Result<(u64, usize), StoreError>>>,
    probe_tx: UnboundedSender<Probe>,
    probe_rx: UnboundedReceiver<Probe>,
    held: usize,
    /// The events SQLite's query statistics (for the viewer) were taken over, and about how
    /// many the store holds (counted on from them: counting a large store costs more than the
    /// guess misses), so that they are taken again while the pass reads once they are stale,
    /// by `analyzing`.
    statistics: Option<u64>,
    rows_about: u64,
    analyzing: Option<AbortOnDrop<()>>,
    next_id: u64,
    planned_until: DateTime<Utc>,
    failure: Option<SyncError>,
    /// Set when a window could not be read consistently: nothing after it is planned.
    unstable: bool,
    report: SyncReport,
    progress: &'p mut (dyn FnMut(&SyncProgress) + Send),
}

/// What the pass woke up for.
enum Step {
    /// The commit under way ended: rows added and rows it held, or why it failed.
    Committed(Result<(u64, usize), StoreError>),
    /// A window's first page told its total.
    Probed(Probe),
    /// A window's read ended.
    Read(u64, Result<Leaf, SyncError>),
}

impl<'r, 'p> Pass<'r, 'p> {
    fn new(
        reader: &'r Reader<'r>,
        store: Arc<Mutex<Store>>,
        options: &SyncOptions,
        reread_until: Option<DateTime<Utc>>,
        report: SyncReport,
        started: Instant,
        progress: &'p mut (dyn FnMut(&SyncProgress) + Send),
    ) -> Self {
        let (probe_tx, probe_rx) = tokio::sync::mpsc::unbounded_channel();
        Pass {
            reader,
            store,
            from: report.from,
            to: report.to,
            reread_until,
            // The planner's widest window, or a wider first one.
            lookback: chrono::Duration::seconds(
                MAX_SHAPED_WINDOW.max(options.window).as_secs() as i64
            ),
            max_open: options.concurrency.max(1),
            budget: (ROWS_HELD_PER_CAP * reader.cap) as usize,
            started,
            planner: Planner::new(reader.cap, options.window),
            open: VecDeque::new(),
            reading: FuturesUnordered::new(),
            committing: None,
            probe_tx,
            probe_rx,
            held: 0,
            statistics: None,
            rows_about: 0,
            analyzing: None,
            next_id: 0,
            planned_until: report.from,
            failure: None,
            unstable: false,
            report,
            progress,
        }
    }

    /// The store's statistics were taken over `rows` events (`None`: never).
    fn with_statistics(mut self, rows: Option<u64>) -> Self {
        self.statistics = rows;
        self.rows_about = rows.unwrap_or(0);
        self
    }

    /// Runs the pass to its end: its report, or the failure that stopped it.
    async fn drive(mut self) -> Result<SyncReport, SyncError> {
        loop {
            self.plan();
            self.start_commit();
            if self.committing.is_none() && self.over() {
                break;
            }
            match self.next_step().await {
                Step::Committed(r) => self.on_committed(r),
                Step::Probed(probe) => self.on_probed(probe),
                Step::Read(id, r) => self.on_read(id, r),
            }
        }
        // Done before the pass ends: the store is the caller's again.
        if let Some(mut a) = self.analyzing.take() {
            let _ = (&mut a.0).await;
        }
        match self.failure {
            Some(e) => Err(e),
            None => Ok(self.report),
        }
    }

    /// Plans the next window once the last one planned has told its total: the density is
    /// then as fresh as it gets (halves of a split window, which say nothing about what comes
    /// after them, are not waited for); nothing is planned after one that told a total at the
    /// cap until it is cut (see [`Pass::split`]). Before any total is known, two windows go
    /// out at once, so that a throttled or slow first answer does not hold the whole pass;
    /// after, two as well while fewer than [`PAGES_AHEAD`] pages are known to be left.
    /// Windows end at the last pass's end when they pass it, so none straddles it.
    fn plan(&mut self) {
        let blind = if !self.planner.informed() || self.pages_ahead() < PAGES_AHEAD {
            2
        } else {
            1
        };
        while self.failure.is_none()
            && !self.unstable
            && self.planned_until < self.to
            && self.open.len() < self.max_open
            && (self.open.is_empty() || self.rows_in_memory() < self.budget)
            && self.open.iter().filter(|s| !s.probed && !s.half).count() < blind
            && !self.open.back().is_some_and(|s| s.over)
        {
            let end = match self.reread_until {
                Some(cp) if self.planned_until < cp && cp < self.to => cp,
                _ => self.to,
            };
            let span = self.planner.next(self.planned_until, end);
            self.planned_until = span.to;
            let slot = self.start_read(span, false);
            self.open.push_back(slot);
        }
    }

    /// Pages of the windows being read whose total is known, at most: those already asked
    /// for are not known here, so this errs towards planning no sooner than before.
    fn pages_ahead(&self) -> u64 {
        let page = u64::from(self.reader.page_size.max(1));
        self.open
            .iter()
            .filter(|s| s.probed && !s.over && s.done.is_none())
            .map(|s| (s.expect as u64).div_ceil(page))
            .sum()
    }

    /// Rows read and not committed, and those the windows still being read will bring.
    fn rows_in_memory(&self) -> usize {
        let reading: usize = self
            .open
            .iter()
            .filter(|s| s.done.is_none())
            .map(|s| s.expect)
            .sum();
        self.held + reading
    }

    /// Starts reading `span`; its slot is for the caller to put in its place in `open`.
    fn start_read(&mut self, span: Span, half: bool) -> Slot {
        let id = self.next_id;
        self.next_id += 1;
        self.reading
            .push(read(self.reader, id, span, self.probe_tx.clone()));
        Slot {
            id,
            span,
            probed: false,
            half,
            over: false,
            expect: self.reader.cap as usize,
            done: None,
        }
    }

    /// Commits the earliest window when it is in and the previous commit is done, never after
    /// a failure. A window that could not be read consistently is not committed: the pass
    /// stops before it.
    fn start_commit(&mut self) {
        if self.committing.is_some()
            || self.failure.is_some()
            || self.open.front().is_none_or(|s| s.done.is_none())
        {
            return;
        }
        let Some(Slot {
            span,
            done: Some(done),
            ..
        }) = self.open.pop_front()
        else {
            return;
        };
        let (rows, warning) = match done {
            Ok(rows) => rows,
            Err(problem) => return self.stop_before(problem),
        };
        let report = &mut self.report;
        report.warnings.extend(warning);
        report.events_read += rows.len() as u64;
        report.events_untimed += rows.iter().filter(|k| k.time_estimated).count() as u64;
        report.own_calls_read += rows.iter().filter(|k| k.own_call).count() as u64;
        let until = span.to;
        let reread = self
            .reread_until
            .filter(|cp| until <= *cp)
            .map(|_| span.from - self.lookback..until);
        let store = self.store.clone();
        let n = rows.len();
        self.committing = Some(Box::pin(async move {
            blocking(&store, move |s| s.commit_window_with(&rows, until, reread))
                .await
                .map(|added| (added, n))
        }));
        report.windows += 1;
        report.synced_until = report.synced_until.max(until);
    }

    /// The checkpoint must not pass a window that could not be read: the pass ends before it,
    /// and the windows read after it are dropped, to be read again next pass.
    fn stop_before(&mut self, problem: Problem) {
        self.report.warnings.push(problem);
        self.open.clear();
        self.reading.clear();
        self.held = 0;
    }

    /// Whether the pass is over, asked while no commit is under way. A real failure ends it at
    /// once (the windows still reading are dropped); a window stopped by another's failure
    /// waits for that failure to surface.
    fn over(&self) -> bool {
        let fatal = self
            .failure
            .as_ref()
            .is_some_and(|f| !matches!(f, SyncError::Stopped));
        let finished = self.reading.is_empty() && (self.open.is_empty() || self.failure.is_some());
        fatal || finished
    }

    /// Waits for the next thing to happen: a commit ending first, then a total told, then a
    /// read ending.
    async fn next_step(&mut self) -> Step {
        let Pass {
            committing,
            probe_rx,
            reading,
            ..
        } = self;
        tokio::select! {
            biased;
            r = async { committing.as_mut().expect("guarded").await }, if committing.is_some() => {
                Step::Committed(r)
            }
            Some(probe) = probe_rx.recv() => Step::Probed(probe),
            Some((id, r)) = reading.next(), if !reading.is_empty() => Step::Read(id, r),
        }
    }

    /// A window is committed with its checkpoint: its rows are no longer held, and the front
    /// hears how far the pass has come.
    fn on_committed(&mut self, r: Result<(u64, usize), StoreError>) {
        self.committing = None;
        match r {
            Ok((added, n)) => {
                self.held -= n;
                self.report.events_stored += added;
                self.rows_about += added;
                self.refresh_statistics();
                let p = self.progress_now();
                (self.progress)(&p);
            }
            Err(e) => {
                self.failure.get_or_insert(SyncError::Store(e));
            }
        }
    }

    /// Takes the query statistics again, beside the reading, once the store has grown
    /// enough since they were taken (a backfill: at each doubling, the last one well before its
    /// last request). It waits for the store like a commit, but after the rows it follows were
    /// let go, so new windows go on starting meanwhile. A failure only leaves them to the end.
    fn refresh_statistics(&mut self) {
        if !statistics_stale(self.statistics, self.rows_about)
            || self.analyzing.as_ref().is_some_and(|a| !a.0.is_finished())
        {
            return;
        }
        self.statistics = Some(self.rows_about);
        let store = self.store.clone();
        self.analyzing = Some(AbortOnDrop(tokio::spawn(async move {
            if let Err(error) = blocking(&store, |s| s.optimize()).await {
                tracing::debug!(%error, "statistics not taken during the sync");
            }
        })));
    }

    fn progress_now(&self) -> SyncProgress {
        let r = &self.report;
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let covered = (r.synced_until - self.from).num_milliseconds().max(1) as f64;
        let left = (self.to - r.synced_until).num_milliseconds().max(0) as f64;
        let total =
            r.windows + self.open.len() + self.planner.windows_left(self.planned_until, self.to);
        SyncProgress {
            windows_done: r.windows,
            windows_total: total,
            events_read: r.events_read,
            events_stored: r.events_stored,
            events_per_sec: r.events_read as f64 / secs,
            eta_secs: Some(secs / covered * left),
            synced_until: r.synced_until,
        }
    }

    /// A window's first page told its total: the planner learns the density.
    fn on_probed(&mut self, (id, span, total): Probe) {
        if let Some(s) = self.open.iter_mut().find(|s| s.id == id) {
            s.probed = true;
            s.over = total >= self.reader.cap;
            s.expect = total.min(self.reader.cap) as usize;
        }
        self.planner.observe(span, total, total >= self.reader.cap);
    }

    /// A window's read ended. A window dropped meanwhile (the pass stopped before it) is
    /// ignored. The first real failure is the one reported; a window stopped by another's
    /// failure only marks the pass as failing until that failure surfaces.
    fn on_read(&mut self, id: u64, r: Result<Leaf, SyncError>) {
        // A read that ended in the poll that sent its first total: that total is heard first
        // (an over-full window is cut from what the planner learnt of it).
        while let Ok(probe) = self.probe_rx.try_recv() {
            self.on_probed(probe);
        }
        let Some(at) = self.open.iter().position(|s| s.id == id) else {
            return;
        };
        match r {
            Ok(Leaf::Events(rows, warning)) => {
                self.held += rows.len();
                self.open[at].probed = true;
                self.open[at].done = Some(Ok((rows, warning)));
            }
            Ok(Leaf::Unstable(problem)) => {
                self.unstable = true;
                self.open[at].probed = true;
                self.open[at].done = Some(Err(problem));
            }
            Ok(Leaf::Overfull(total)) => self.split(at, total),
            Err(SyncError::Stopped) => {
                self.failure.get_or_insert(SyncError::Stopped);
            }
            Err(e) => {
                if self
                    .failure
                    .as_ref()
                    .is_none_or(|f| matches!(f, SyncError::Stopped))
                {
                    self.failure = Some(e);
                }
            }
        }
    }

    /// Replaces the over-full window at `at`. The latest window planned gives way to two
    /// windows from its start, read at once so that the limiter has work while their first
    /// pages are out, and what comes after them is planned again from what they tell (see
    /// [`Planner::cut_latest`]). Any other is replaced by the parts the planner cuts it into
    /// from its told total, in its place in the time order, read concurrently.
    fn split(&mut self, at: usize, total: u64) {
        let s = self.open[at].span;
        let latest = at + 1 == self.open.len() && s.to == self.planned_until;
        let parts = if latest {
            self.planner.cut_latest(s, total)
        } else {
            self.planner.cut(s, total)
        };
        self.report.splits += 1;
        self.open.remove(at);
        if latest {
            self.planned_until = parts.last().map_or(s.to, |p| p.to);
        }
        let last = parts.len() - 1;
        // Inserted at the same place, last part first: the first ends up first. The last part
        // of the latest window is the latest planned: the next is planned once it told its total.
        for (i, part) in parts.into_iter().enumerate().rev() {
            let slot = self.start_read(part, !(latest && i == last));
            self.open.insert(at, slot);
        }
    }
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

    fn rows(sessions: &[&str]) -> Vec<EventRow> {
        sessions
            .iter()
            .map(|s| {
                EventRow::new(&serde_json::json!({
                    "requestTime": "2026-04-17T08:02:58.655Z", "sessionId": s
                }))
            })
            .collect()
    }

    #[test]
    fn rows_repeated_across_a_boundary_are_checked_with_one_page_across_it() {
        // Pages of four; "x" twice across the first boundary, "y" twice across the second.
        let pages = vec![
            rows(&["a", "b", "c", "x"]),
            rows(&["x", "d", "e", "y"]),
            rows(&["y", "f"]),
        ];
        let checks = straddles(&pages, 4).expect("neighbouring pages");
        let fp = |s: &str| rows(&[s])[0].fingerprint;
        assert_eq!(
            checks,
            vec![
                Straddle {
                    offset: 2,
                    counts: vec![(fp("x"), 2)]
                },
                Straddle {
                    offset: 6,
                    counts: vec![(fp("y"), 2)]
                },
            ]
        );
        // Identical events are in the page across as often; a row served twice is not.
        assert!(checks[0].holds(&rows(&["c", "x", "x", "d"])));
        assert!(!checks[0].holds(&rows(&["c", "x", "d", "e"])));
        assert!(!checks[0].holds(&rows(&["x", "x", "x", "d"])));
        // Copies on pages that are not neighbours: the whole window is read again instead.
        let apart = vec![rows(&["z", "b"]), rows(&["c", "d"]), rows(&["z", "e"])];
        assert_eq!(straddles(&apart, 2), None);
        // More copies than half a page across could show.
        let many = vec![rows(&["w", "w", "w", "w"]), rows(&["w", "b", "c", "d"])];
        assert_eq!(straddles(&many, 4), None);
    }
}
