//! The store's alerts: detection over the events committed after the detection cursor, the
//! alerts it raises (one per rule, scope and episode, with the keys of their events), and the
//! queries and status changes the fronts use. A pass writes its alerts, the cursor and the
//! learnt state in one transaction per batch, so a crash re-evaluates a batch, never skips one,
//! and a re-run finds nothing new to evaluate.
//!
//! Re-evaluation: after the admin changes the IP tags or the rules folder, the events already
//! evaluated in the last [`REEVALUATE_DAYS`] days go through the per-event rules of that input
//! again (never the behavioural ones). Its findings join the alerts they continue: the same
//! episode key, or for a per-event rule an alert of the same rule and user whose events are
//! within the episode gap; so doing it twice raises nothing new.

use chrono::{DateTime, Utc};
use detect::{Engine, Event, Finding, Reevaluate, State};
use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, classify, from_ms, ms};

/// Events read and evaluated per transaction.
const BATCH: usize = 20_000;

/// How far back a change of tags or rules re-evaluates the stored events.
pub const REEVALUATE_DAYS: i64 = 30;

/// The rules whose alerts are scoped by user and raised per event: a finding of one of them
/// continues an alert of the same rule and user within the episode gap, whatever its key.
fn per_event(rule: &str) -> bool {
    matches!(
        rule,
        "risky_ip" | "outside_corporate" | "sensitive_task" | "isu_interactive"
    ) || rule.starts_with("sigma:")
}

/// Open or dismissed; who dismissed it is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    Open,
    Dismissed,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Dismissed => "dismissed",
        }
    }

    fn from_db(s: &str) -> AlertStatus {
        if s == "dismissed" {
            AlertStatus::Dismissed
        } else {
            AlertStatus::Open
        }
    }
}

/// One stored alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alert {
    pub id: i64,
    /// A built-in rule's id (`impossible_travel`, ...).
    pub rule: String,
    pub severity: String,
    pub status: AlertStatus,
    pub user: Option<String>,
    /// The first and the last event's time.
    pub time: DateTime<Utc>,
    pub last_time: DateTime<Utc>,
    pub summary: String,
    pub country: Option<String>,
    pub ip: Option<String>,
    pub event_count: u64,
}

/// Which alerts to list (newest first). Every field narrows; `None` takes all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// One alert by id.
    pub id: Option<i64>,
    /// Alerts whose last event is at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub rule: Option<String>,
    pub severity: Option<String>,
    pub status: Option<AlertStatus>,
    pub user: Option<String>,
    pub limit: Option<u64>,
}

/// What one detection pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DetectionPass {
    pub events_evaluated: u64,
    pub alerts_raised: u64,
    /// Existing alerts that got more events (an episode going on).
    pub alerts_extended: u64,
    /// The last event id evaluated.
    pub cursor: i64,
    /// Events evaluated again after a change of tags or rules.
    pub events_reevaluated: u64,
}

/// An event as the rules read it, from the columns both detection queries select.
fn event_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        request_time: r.get(1)?,
        system_account: r.get(2)?,
        ip_address: r.get(3)?,
        task_display_name: r.get(4)?,
        device_type: r.get(5)?,
        user_agent: r.get(6)?,
        session_id: r.get(7)?,
        activity_action: r.get(8)?,
        api_call: r.get(9)?,
    })
}

impl Store {
    /// Where detection stands: the last event id evaluated (0 before any) and what the
    /// behavioural rules learnt.
    pub fn detection_state(&self) -> Result<(i64, State), StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT cursor, state FROM detection WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        match row {
            None => Ok((0, State::default())),
            Some((cursor, json)) => {
                let state = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("the detection state is unreadable ({e})"),
                })?;
                Ok((cursor, state))
            }
        }
    }

    /// Evaluates every event committed after the detection cursor with `engine`, storing the
    /// alerts it raises; returns what it did. Running it again evaluates nothing twice.
    pub fn detect(&mut self, engine: &mut Engine) -> Result<DetectionPass, StoreError> {
        self.detect_some(engine, BATCH, usize::MAX)
            .map(|(pass, _)| pass)
    }

    /// [`Store::detect`] for at most `batches` batches of at most `batch` events, each its own
    /// transaction: what a sync runs between its commits, in batches small enough that neither
    /// waits long for the other nor holds much beside it. The alerts are those of one pass
    /// (the learnt state goes on from batch to batch). Also returns whether events may be left.
    pub fn detect_some(
        &mut self,
        engine: &mut Engine,
        batch: usize,
        batches: usize,
    ) -> Result<(DetectionPass, bool), StoreError> {
        let (mut cursor, mut state) = self.detection_state()?;
        let mut pass = DetectionPass {
            cursor,
            ..DetectionPass::default()
        };
        for _ in 0..batches {
            let events = self.events_to_detect(cursor, batch)?;
            let Some(last) = events.last().map(|e| e.id) else {
                return Ok((pass, false));
            };
            let findings = engine.evaluate(&mut state, &events);
            let json = serde_json::to_string(&state).map_err(|e| StoreError::Unavailable {
                path: self.path.clone(),
                detail: format!("the detection state could not be written ({e})"),
            })?;
            let gap = engine.config().episode_gap_ms;
            let (raised, extended) = self
                .write_findings(&findings, gap, Some((last, &json)))
                .map_err(|e| self.err(e))?;
            pass.events_evaluated += events.len() as u64;
            pass.alerts_raised += raised;
            pass.alerts_extended += extended;
            cursor = last;
            pass.cursor = last;
            if events.len() < batch {
                return Ok((pass, false));
            }
        }
        Ok((pass, true))
    }

    fn events_to_detect(&self, cursor: i64, batch: usize) -> Result<Vec<Event>, StoreError> {
        let run = || -> rusqlite::Result<Vec<Event>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, request_time, system_account, ip_address, task_display_name, \
                 device_type, user_agent, session_id, activity_action, own_call \
                 FROM events_named WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![cursor, batch as i64], event_of)?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Evaluates again the events already evaluated (up to the cursor) whose time is at or
    /// after `since`, for the rules of `which` only, in commit order; stores what they raise as
    /// [`Store::detect`] does, leaving the cursor and the learnt state as they are.
    pub fn reevaluate(
        &mut self,
        engine: &mut Engine,
        which: Reevaluate,
        since: DateTime<Utc>,
    ) -> Result<DetectionPass, StoreError> {
        let (cursor, _) = self.detection_state()?;
        let mut pass = DetectionPass {
            cursor,
            ..DetectionPass::default()
        };
        if !which.any() {
            return Ok(pass);
        }
        // This re-evaluation's own episodes: they start afresh and join the stored alerts.
        let mut scratch = State::default();
        let gap = engine.config().episode_gap_ms;
        let mut after = 0;
        loop {
            let events = self.events_to_reevaluate(after, cursor, ms(since))?;
            let Some(last) = events.last().map(|e| e.id) else {
                break;
            };
            let findings = engine.reevaluate(&mut scratch, &events, which);
            let (raised, extended) = self
                .write_findings(&findings, gap, None)
                .map_err(|e| self.err(e))?;
            pass.events_reevaluated += events.len() as u64;
            pass.alerts_raised += raised;
            pass.alerts_extended += extended;
            after = last;
        }
        Ok(pass)
    }

    /// Records the hash of an input (`tags`, `rules`) as evaluated, in the stored state, read
    /// and written in one transaction so a detection pass of another process is not undone.
    pub fn set_input_hash(&mut self, kind: &str, hash: &str) -> Result<(), StoreError> {
        let path = self.path.clone();
        let run = |conn: &mut rusqlite::Connection| -> rusqlite::Result<Result<(), String>> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let row: Option<(i64, String)> = tx
                .query_row(
                    "SELECT cursor, state FROM detection WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (cursor, mut state) = match row {
                None => (0, State::default()),
                Some((c, json)) => match serde_json::from_str::<State>(&json) {
                    Ok(s) => (c, s),
                    Err(e) => return Ok(Err(format!("the detection state is unreadable ({e})"))),
                },
            };
            state.set_input_hash(kind, hash);
            let json = match serde_json::to_string(&state) {
                Ok(j) => j,
                Err(e) => {
                    return Ok(Err(format!(
                        "the detection state could not be written ({e})"
                    )));
                }
            };
            tx.execute(
                "INSERT INTO detection (id, cursor, state) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                params![cursor, json],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        };
        match run(&mut self.conn) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(detail)) => Err(StoreError::Corrupt { path, detail }),
            Err(e) => Err(self.err(e)),
        }
    }

    fn events_to_reevaluate(
        &self,
        after: i64,
        cursor: i64,
        since_ms: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let run = || -> rusqlite::Result<Vec<Event>> {
            // By key, not by time: the rules see events in commit order, as when first run.
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, request_time, system_account, ip_address, task_display_name, \
                 device_type, user_agent, session_id, activity_action, own_call \
                 FROM events_named WHERE id > ?1 AND id <= ?2 AND request_time >= ?3 \
                 ORDER BY id LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![after, cursor, since_ms, BATCH as i64], event_of)?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Stores one batch's findings and, with `moved`, moves the cursor and the learnt state with
    /// them. A finding joins the alert of its episode key, or (a per-event rule) the latest
    /// alert of its rule and user whose events are within `gap` of its own. Returns (new,
    /// extended).
    fn write_findings(
        &mut self,
        findings: &[Finding],
        gap: i64,
        moved: Option<(i64, &str)>,
    ) -> rusqlite::Result<(u64, u64)> {
        let tx = self.conn.transaction()?;
        let (mut raised, mut extended) = (0, 0);
        {
            let mut find = tx.prepare_cached("SELECT id FROM alerts WHERE episode = ?1")?;
            let mut near = tx.prepare_cached(
                "SELECT id FROM alerts WHERE rule = ?1 AND user IS ?2 \
                 AND time - ?5 <= ?4 AND last_time + ?5 >= ?3 \
                 ORDER BY last_time DESC LIMIT 1",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO alerts (episode, rule, severity, user, time, last_time, summary, \
                 country, ip, raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut extend = tx.prepare_cached(
                "UPDATE alerts SET time = MIN(time, ?2), last_time = MAX(last_time, ?3) \
                 WHERE id = ?1",
            )?;
            let mut link = tx.prepare_cached(
                "INSERT OR IGNORE INTO alert_events (alert_id, event_id) VALUES (?1, ?2)",
            )?;
            let now = Utc::now().timestamp_millis();
            for f in findings {
                let mut existing: Option<i64> = find
                    .query_row(params![f.episode], |r| r.get(0))
                    .optional()?;
                if existing.is_none() && per_event(&f.rule) {
                    existing = near
                        .query_row(params![f.rule, f.user, f.time, f.last_time, gap], |r| {
                            r.get(0)
                        })
                        .optional()?;
                }
                let id = match existing {
                    Some(id) => {
                        extend.execute(params![id, f.time, f.last_time])?;
                        extended += 1;
                        id
                    }
                    None => {
                        insert.execute(params![
                            f.episode,
                            f.rule,
                            f.severity.as_str(),
                            f.user,
                            f.time,
                            f.last_time,
                            f.summary,
                            f.country,
                            f.ip,
                            now,
                        ])?;
                        raised += 1;
                        tx.last_insert_rowid()
                    }
                };
                for e in &f.events {
                    link.execute(params![id, e])?;
                }
            }
        }
        if let Some((cursor, state)) = moved {
            tx.execute(
                "INSERT INTO detection (id, cursor, state) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor, state = excluded.state",
                params![cursor, state],
            )?;
        }
        tx.commit()?;
        Ok((raised, extended))
    }

    /// The alerts matching `filter`, newest first.
    pub fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut clauses = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(id) = filter.id {
            clauses.push("a.id = ?");
            args.push(id.into());
        }
        if let Some(t) = filter.since {
            clauses.push("a.last_time >= ?");
            args.push(ms(t).into());
        }
        if let Some(r) = &filter.rule {
            clauses.push("a.rule = ?");
            args.push(r.clone().into());
        }
        if let Some(s) = &filter.severity {
            clauses.push("a.severity = ?");
            args.push(s.clone().into());
        }
        if let Some(s) = filter.status {
            clauses.push("a.status = ?");
            args.push(s.as_str().to_string().into());
        }
        if let Some(u) = &filter.user {
            clauses.push("a.user = ? COLLATE NOCASE");
            args.push(u.clone().into());
        }
        let where_sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let limit = filter.limit.map_or(i64::MAX, |l| l as i64);
        args.push(limit.into());
        let sql = format!(
            "SELECT a.id, a.rule, a.severity, a.status, a.user, a.time, a.last_time, a.summary, \
             a.country, a.ip, (SELECT COUNT(*) FROM alert_events e WHERE e.alert_id = a.id) \
             FROM alerts a{where_sql} ORDER BY a.time DESC, a.id DESC LIMIT ?"
        );
        let run = || -> rusqlite::Result<Vec<Alert>> {
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
                Ok(Alert {
                    id: r.get(0)?,
                    rule: r.get(1)?,
                    severity: r.get(2)?,
                    status: AlertStatus::from_db(&r.get::<_, String>(3)?),
                    user: r.get(4)?,
                    time: from_ms(r.get(5)?),
                    last_time: from_ms(r.get(6)?),
                    summary: r.get(7)?,
                    country: r.get(8)?,
                    ip: r.get(9)?,
                    event_count: r.get(10)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| classify(&self.path, e))
    }

    /// One alert by id.
    pub fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        let one = self.alerts(&AlertFilter {
            id: Some(id),
            ..AlertFilter::default()
        })?;
        Ok(one.into_iter().next())
    }

    /// The keys (`events.id`) of an alert's events, oldest first.
    pub fn alert_event_ids(&self, id: i64) -> Result<Vec<i64>, StoreError> {
        let run = || -> rusqlite::Result<Vec<i64>> {
            let mut stmt = self.conn.prepare(
                "SELECT event_id FROM alert_events WHERE alert_id = ?1 ORDER BY event_id",
            )?;
            let rows = stmt.query_map(params![id], |r| r.get(0))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Sets an alert's status; false when there is no such alert.
    pub fn set_alert_status(&self, id: i64, status: AlertStatus) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "UPDATE alerts SET status = ?2 WHERE id = ?1",
                params![id, status.as_str()],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }
}
