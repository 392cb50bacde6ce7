//! The activity store of one connection: a SQLite file (WAL) holding every event read, keyed by
//! fingerprint + ordinal so re-reads never duplicate, with the sync checkpoint advanced in the
//! same transaction as the rows it covers. Schema versioned by `PRAGMA user_version`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params, params_from_iter};
use serde::Serialize;
use serde_json::Value;

use super::fingerprint::hex;
use super::row::{EventRow, rebuild};

mod alerts;
mod schema;
use crate::problem::{Diagnose, Problem};
pub use alerts::{Alert, AlertFilter, AlertStatus, DetectionPass, REEVALUATE_DAYS};
use schema::MIGRATIONS;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The version that made events compact (v6): a store upgraded from before it is rewritten once.
const COMPACT_SINCE: u32 = 6;

/// Matches a count reads before it estimates the rest (see [`Store::count_or_estimate`]).
pub const COUNT_EXACT_UP_TO: u64 = 500_000;

/// How long a count reads before it estimates the rest: the viewer asks for a page and its
/// total together, and both should come within 100 ms.
pub const COUNT_BUDGET: Duration = Duration::from_millis(50);

/// Free pages given back to the disk after each pruning step (4 KiB each).
const PRUNE_PAGES: u32 = 512;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the activity store {path} is damaged or not a database: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the activity store {path} has schema version {found}, newer than this app's {SCHEMA_VERSION}"
    )]
    UnsupportedVersion { path: PathBuf, found: u32 },
    #[error("the activity store {path} could not be used: {detail}")]
    Unavailable { path: PathBuf, detail: String },
    #[error(
        "the activity store {path} (schema version {found}) could not be brought to version \
         {SCHEMA_VERSION}: {detail}"
    )]
    MigrationFailed {
        path: PathBuf,
        found: u32,
        detail: String,
    },
}

impl Diagnose for StoreError {
    fn problem(&self) -> Problem {
        match self {
            StoreError::Corrupt { path, .. } => Problem::new(
                "store.corrupt",
                self.to_string(),
                format!(
                    "The file was left as it is. Move {} aside (or restore it from a backup); \
                     the next sync then builds a new store from the tenant's log.",
                    path.display()
                ),
            ),
            StoreError::UnsupportedVersion { .. } => Problem::new(
                "store.unsupported_version",
                self.to_string(),
                "A newer version of Workday Connector wrote this store: update the app (or the \
                 wdconnect tool), or use the newer one.",
            ),
            StoreError::MigrationFailed { path, .. } => Problem::new(
                "store.migration_failed",
                self.to_string(),
                format!(
                    "Nothing was changed: the migration runs in one transaction. Check that \
                     the disk has free space (a migration copies the events once) and sync \
                     again; if it fails again, move {} aside and the next sync builds a new \
                     store from the tenant's log.",
                    path.display()
                ),
            ),
            StoreError::Unavailable { path, .. } => Problem::new(
                "store.unavailable",
                self.to_string(),
                format!(
                    "Check that {} is on a writable disk with free space and that no other \
                     program holds it locked.",
                    path.display()
                ),
            ),
        }
    }
}

/// Where a connection's sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    /// The start of the backfill: nothing earlier is read.
    pub origin: DateTime<Utc>,
    /// Every event in `[origin, synced_until)` is stored (up to the publishing lag).
    pub synced_until: DateTime<Utc>,
}

/// The viewer's filters. Text filters: `user`, `action`, `ip`, `device` match exactly (case
/// insensitive); `task` matches a part of the task name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub user: Option<String>,
    pub task: Option<String>,
    pub action: Option<String>,
    pub ip: Option<String>,
    pub device: Option<String>,
    pub limit: Option<u64>,
    /// The connector's own API calls are hidden unless this is set (or `alert` is).
    pub include_own_calls: bool,
    /// Only the events of this alert (its keys in `alert_events`), own calls included: an
    /// alert's events are all of them, whoever made them.
    pub alert: Option<i64>,
}

impl EventFilter {
    /// Refuses a filter that can match nothing by construction: `since` not before `until`.
    pub fn check(&self) -> Result<(), Problem> {
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s >= u
        {
            return Err(Problem::new(
                "input.time_order",
                format!("The start of the time range ({s}) is not before its end ({u})."),
                "Swap them, or widen the range.",
            ));
        }
        Ok(())
    }
}

/// One stored event: its key, Workday's fields as columns, and the raw JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ActivityEvent"))]
pub struct StoredEvent {
    pub fingerprint: String,
    pub ordinal: u32,
    pub request_time: Option<DateTime<Utc>>,
    pub system_account: Option<String>,
    pub activity_action: Option<String>,
    pub task_display_name: Option<String>,
    pub task_id: Option<String>,
    pub session_id: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub device_type: Option<String>,
    pub target_id: Option<String>,
    pub target_descriptor: Option<String>,
    pub target_href: Option<String>,
    pub own_call: bool,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub raw: Value,
    /// The country (ISO code) of `ip_address`, looked up when read (see `ipinfo`); None for a
    /// private, loopback or unknown address.
    pub country: Option<String>,
    /// The tags of `ip_address` when read: `risky`, `corporate`.
    pub ip_tags: Vec<String>,
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    conn: Connection,
    /// Ids of the texts written lately (`names`), so most rows need no lookup. Ids are never
    /// reused (names are never deleted), so an entry stays right whoever else writes the store.
    names: HashMap<String, i64>,
}

/// Texts whose ids a store remembers before it starts over (users, tasks, agents, sessions...).
const NAMES_REMEMBERED: usize = 200_000;

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

/// The columns an insert writes: the texts as `names` ids, in `row::TEXT_FIELDS` then
/// `row::TARGET_FIELDS` order.
const INSERT_COLUMNS: &str = "fingerprint, ordinal, request_time, time_estimated, own_call, \
    account, action, task, task_ref, session, ip, agent, device, target_ref, target_name, \
    target_link, extra";

/// The columns a reader selects from `events_named`, the texts by name in the same order.
const READ_COLUMNS: &str = "fingerprint, ordinal, request_time, time_estimated, own_call, \
    system_account, activity_action, task_display_name, task_id, session_id, ip_address, \
    user_agent, device_type, target_id, target_descriptor, target_href, extra";

/// Workday's event from a row of [`READ_COLUMNS`] starting at column `at` with
/// `time_estimated`: the texts, then `extra` (see `row::rebuild`).
fn event_of(r: &rusqlite::Row, at: usize, time: Option<i64>) -> rusqlite::Result<Value> {
    let text = |i: usize| r.get::<_, Option<String>>(at + i);
    Ok(rebuild(
        [
            text(0)?,
            text(1)?,
            text(2)?,
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
        ],
        [text(8)?, text(9)?, text(10)?],
        time,
        r.get_ref(at + 11)?.as_str_or_null()?,
    ))
}

impl Store {
    /// Opens (creating when absent) and migrates the store at `path`. A file that is not a
    /// database or has a newer schema is an error naming it; it is never deleted or reset.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let unavailable = |detail: String| StoreError::Unavailable {
            path: path.to_path_buf(),
            detail,
        };
        if let Some(dir) = path.parent() {
            crate::paths::create_private_dir(dir).map_err(|e| unavailable(e.to_string()))?;
        }
        // Made (or kept) 600 before SQLite opens it: SQLite gives the -wal and -shm files the
        // database file's mode, so all three stay private to the user.
        let mut options = std::fs::OpenOptions::new();
        options.create(true).truncate(false).write(true).read(true);
        crate::paths::private_mode(&mut options)
            .open(path)
            .map_err(|e| unavailable(e.to_string()))?;
        crate::paths::restrict(path, false).map_err(|e| unavailable(e.to_string()))?;
        let conn = Connection::open(path).map_err(|e| classify(path, e))?;
        let mut store = Store {
            path: path.to_path_buf(),
            conn,
            names: HashMap::new(),
        };
        store.setup().map_err(|e| classify(path, e))?;
        let found: u32 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::UnsupportedVersion {
                path: path.to_path_buf(),
                found,
            });
        }
        store.migrate(found).map_err(|e| match classify(path, e) {
            StoreError::Unavailable { path, detail } if found > 0 => StoreError::MigrationFailed {
                path,
                found,
                detail,
            },
            e => e,
        })?;
        if (1..COMPACT_SINCE).contains(&found) {
            store.compact_after_upgrade()?;
        }
        Ok(store)
    }

    /// After the upgrade to v6 the old table's pages are free but still in the file: one VACUUM
    /// rewrites it at its new size and switches it to incremental vacuum, as a new store is.
    /// Once per store; it needs free disk space about the size of the new file.
    fn compact_after_upgrade(&self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .and_then(|()| self.conn.execute_batch("VACUUM;"))
            .map_err(|e| self.err(e))
    }

    fn setup(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        // First, while a new file has no page (before WAL writes its header): pruning can then
        // give pages back to the disk a few at a time (`PRAGMA incremental_vacuum`) rather than
        // by a whole VACUUM. Only then: setting it rewrites the header of an existing file, and
        // a store that is only read (or refused) is left byte for byte as it was.
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))?;
        if pages == 0 {
            self.conn
                .pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        // WAL: the viewer reads while a sync writes. NORMAL: a power cut may lose the last
        // commits but never corrupts, and lost windows are simply read again.
        let _: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // The key index takes rows at random places: 16 MiB of pages (about half of it for a
        // million events) keeps most of its inserts off the disk. Memory, not a file size.
        self.conn.pragma_update(None, "cache_size", -16_384)?;
        // Every commit appends each page it touched to the WAL, and a checkpoint copies them
        // into the database: checkpointing every 32 MiB instead of 4 MiB copies an index page
        // that many commits touched once instead of many times (about 1.4x the insert rate).
        self.conn.pragma_update(None, "wal_autocheckpoint", 8_192)?;
        Ok(())
    }

    fn migrate(&mut self, from: u32) -> rusqlite::Result<()> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// The open database and the error mapping of this store, for the read-only aggregate
    /// queries that live in their own module (`activity::insights`).
    pub(crate) fn reader(&self) -> (&Connection, impl Fn(rusqlite::Error) -> StoreError + '_) {
        (&self.conn, |e| self.err(e))
    }

    pub fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        self.conn
            .query_row(
                "SELECT origin, synced_until FROM checkpoint WHERE id = 1",
                [],
                |r| {
                    Ok(Checkpoint {
                        origin: from_ms(r.get(0)?),
                        synced_until: from_ms(r.get(1)?),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The tenant whose events this store holds (see `activity::tenant_of`), or None for a
    /// store that names none (new, or made before stores were bound to a tenant). Kept in a
    /// table of its own outside the versioned schema, so a store of any version can carry it.
    pub fn tenant(&self) -> Result<Option<String>, StoreError> {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_tenant')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if !exists {
            return Ok(None);
        }
        self.conn
            .query_row("SELECT tenant FROM store_tenant WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records the store's tenant when it names none yet; an existing one is kept.
    pub fn bind_tenant(&self, tenant: &str) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS store_tenant (\
                 id INTEGER PRIMARY KEY CHECK (id = 1), tenant TEXT NOT NULL)",
            )
            .and_then(|()| {
                self.conn.execute(
                    "INSERT OR IGNORE INTO store_tenant (id, tenant) VALUES (1, ?1)",
                    params![tenant],
                )
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records where a first backfill starts (nothing synced yet); kept if already set, so a
    /// restarted backfill keeps its range.
    pub fn start_at(&mut self, origin: DateTime<Utc>) -> Result<Checkpoint, StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO checkpoint (id, origin, synced_until, updated_at) \
                 VALUES (1, ?1, ?1, ?2)",
                params![ms(origin), Utc::now().timestamp_millis()],
            )
            .map_err(|e| self.err(e))?;
        self.checkpoint()?.ok_or_else(|| StoreError::Unavailable {
            path: self.path.clone(),
            detail: "the checkpoint was not kept".into(),
        })
    }

    /// Stores one window's keyed events and moves the checkpoint to `until` (never back), in one
    /// transaction: a crash leaves both or neither. Returns how many events were new. The
    /// window is taken as read for the first time (see [`Store::commit_window_with`]).
    pub fn commit_window(
        &mut self,
        events: &[EventRow],
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.commit_window_with(events, until, None)
    }

    /// [`Store::commit_window`] for a window that may have been read before: `reread` is then
    /// where the events stored from earlier reads of it may be placed, `[its start minus the
    /// widest window, its end)`.
    ///
    /// Events without a time (`time_estimated`) cannot be keyed by time: identical ones are one
    /// fingerprint, whatever window they came in. Numbered per window they would collide across
    /// windows (a second identical one, hours later, dropped as a re-read of the first), so
    /// each gets the next free ordinal of its fingerprint in the whole store instead. A window
    /// read for the first time (after the last pass's end) adds all of them. A re-read one (the
    /// overlap before the last pass's end; windows never straddle it) returns events stored
    /// before, under the start of whichever earlier window returned them: of the `n` identical
    /// ones it returns, only those beyond the count already stored with a time in `reread` are
    /// new. That count can include identical events of a neighbouring window, so an identical
    /// untimed event published later than the overlap allows may be missed; it is never stored
    /// twice.
    pub fn commit_window_with(
        &mut self,
        events: &[EventRow],
        until: DateTime<Utc>,
        reread: Option<std::ops::Range<DateTime<Utc>>>,
    ) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let names = &mut self.names;
        let run =
            |conn: &mut Connection, names: &mut HashMap<String, i64>| -> rusqlite::Result<u64> {
                let tx = conn.transaction()?;
                let mut added = 0u64;
                {
                    let mut insert = tx.prepare_cached(&format!(
                        "INSERT OR IGNORE INTO events ({INSERT_COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
                    ))?;
                    let mut add_name =
                        tx.prepare_cached("INSERT OR IGNORE INTO names (name) VALUES (?1)")?;
                    let mut name_id = tx.prepare_cached("SELECT id FROM names WHERE name = ?1")?;
                    let mut id = |v: &Option<String>| -> rusqlite::Result<Option<i64>> {
                        let Some(v) = v else { return Ok(None) };
                        if let Some(id) = names.get(v.as_str()) {
                            return Ok(Some(*id));
                        }
                        add_name.execute([v])?;
                        let id: i64 = name_id.query_row([v], |r| r.get(0))?;
                        if names.len() >= NAMES_REMEMBERED {
                            names.clear();
                        }
                        names.insert(v.clone(), id);
                        Ok(Some(id))
                    };
                    let mut put = |k: &EventRow, ordinal: u32| -> rusqlite::Result<u64> {
                        let ids = [
                            id(&k.system_account)?,
                            id(&k.activity_action)?,
                            id(&k.task_display_name)?,
                            id(&k.task_id)?,
                            id(&k.session_id)?,
                            id(&k.ip_address)?,
                            id(&k.user_agent)?,
                            id(&k.device_type)?,
                            id(&k.target_id)?,
                            id(&k.target_descriptor)?,
                            id(&k.target_href)?,
                        ];
                        insert
                            .execute(params![
                                &k.fingerprint[..],
                                ordinal,
                                k.request_time,
                                k.time_estimated,
                                k.own_call,
                                ids[0],
                                ids[1],
                                ids[2],
                                ids[3],
                                ids[4],
                                ids[5],
                                ids[6],
                                ids[7],
                                ids[8],
                                ids[9],
                                ids[10],
                                k.extra,
                            ])
                            .map(|n| n as u64)
                    };
                    // In time order: every index but the key's then grows at its end.
                    let mut order: Vec<&EventRow> =
                        events.iter().filter(|k| !k.time_estimated).collect();
                    order.sort_by_key(|k| k.request_time);
                    for k in order {
                        added += put(k, k.ordinal)?;
                    }
                    // Untimed ones by fingerprint, in the order the window numbered them.
                    let mut untimed: Vec<&EventRow> =
                        events.iter().filter(|k| k.time_estimated).collect();
                    untimed.sort_by_key(|k| (k.fingerprint, k.ordinal));
                    let mut count = tx.prepare_cached(
                        "SELECT COUNT(*) FROM events WHERE fingerprint = ?1 AND time_estimated = 1 \
                     AND request_time >= ?2 AND request_time < ?3",
                    )?;
                    let mut next = tx.prepare_cached(
                        "SELECT COALESCE(MAX(ordinal) + 1, 0) FROM events WHERE fingerprint = ?1",
                    )?;
                    for same in untimed.chunk_by(|a, b| a.fingerprint == b.fingerprint) {
                        let fp = &same[0].fingerprint[..];
                        let stored: u64 = match &reread {
                            Some(r) => count
                                .query_row(params![fp, ms(r.start), ms(r.end)], |r| r.get(0))?,
                            None => 0,
                        };
                        let first: u32 = next.query_row(params![fp], |r| r.get(0))?;
                        for (i, k) in same.iter().skip(stored as usize).enumerate() {
                            added += put(k, first + i as u32)?;
                        }
                    }
                }
                tx.execute(
                    "UPDATE checkpoint SET synced_until = MAX(synced_until, ?1), updated_at = ?2 \
                 WHERE id = 1",
                    params![ms(until), Utc::now().timestamp_millis()],
                )?;
                tx.commit()?;
                Ok(added)
            };
        run(&mut self.conn, names).map_err(|e| {
            // Ids handed out in the rolled-back transaction may go to other texts later.
            self.names.clear();
            classify(&path, e)
        })
    }

    /// Deletes at most `max_rows` of the events older than `before`, oldest first, in one short
    /// transaction, and gives the pages that freed back to the disk; once no older event is
    /// left, the alerts that ended before `before` go too. Returns the events deleted: fewer
    /// than `max_rows` means nothing older is left. Events Workday sent without a time that a
    /// v2 store kept without one are never deleted (their age is not known).
    pub fn prune_step(&mut self, before: DateTime<Utc>, max_rows: u64) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let cutoff = ms(before);
        let run = |conn: &mut Connection| -> rusqlite::Result<u64> {
            let tx = conn.transaction()?;
            let n = tx.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE request_time < ?1 \
                 ORDER BY request_time LIMIT ?2)",
                params![cutoff, max_rows.min(i64::MAX as u64) as i64],
            )? as u64;
            if n < max_rows {
                tx.execute(
                    "DELETE FROM alert_events WHERE alert_id IN \
                     (SELECT id FROM alerts WHERE last_time < ?1)",
                    params![cutoff],
                )?;
                tx.execute("DELETE FROM alerts WHERE last_time < ?1", params![cutoff])?;
            }
            tx.commit()?;
            // A few hundred pages at a time: as many as a step frees, so the file shrinks
            // as it goes and no step moves much.
            // It frees one page per step: stepped to its end, not executed once.
            let mut vacuum = conn.prepare(&format!("PRAGMA incremental_vacuum({PRUNE_PAGES})"))?;
            let mut freed = vacuum.query([])?;
            while freed.next()?.is_some() {}
            Ok(n)
        };
        run(&mut self.conn).map_err(|e| classify(&path, e))
    }

    /// Refreshes the query planner's statistics: without them SQLite may walk the time index
    /// instead of the user or action index of a filter. A full ANALYZE (sampled statistics
    /// misjudged the indexes badly): about 1.1 s on a million events, so a sync runs it only
    /// when the store has grown or shrunk enough since for the statistics to mislead (see
    /// [`statistics_stale`]).
    pub fn optimize(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("ANALYZE;").map_err(|e| self.err(e))
    }

    /// How many events SQLite's query statistics were taken over, if they were.
    pub fn statistics_rows(&self) -> Result<Option<u64>, StoreError> {
        let run = || -> rusqlite::Result<Option<u64>> {
            let exists: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1')",
                [],
                |r| r.get(0),
            )?;
            if !exists {
                return Ok(None);
            }
            // Each index's line starts with the rows it covered.
            let stat: Option<String> = self
                .conn
                .query_row(
                    "SELECT stat FROM sqlite_stat1 WHERE tbl = 'events' LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(stat.and_then(|s| s.split(' ').next()?.parse().ok()))
        };
        run().map_err(|e| self.err(e))
    }

    /// Every stored event (own calls included).
    pub fn count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Stored records of REST API calls (the connector's own), which views hide by default.
    pub fn count_own_calls(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM events WHERE own_call = 1", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    /// The events matching `f`, newest first (then by key, so the order is stable).
    pub fn query(&self, f: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        self.select(f, f.limit, 0)
    }

    /// One page of the events matching `f` (`f.limit` ignored): `limit` rows after skipping
    /// `offset`, in the order of [`Store::query`].
    pub fn query_page(
        &self,
        f: &EventFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.select(f, Some(limit), offset)
    }

    /// How many events match `f` (`f.limit` ignored).
    pub fn count_matching(&self, f: &EventFilter) -> Result<u64, StoreError> {
        let (where_sql, args) = where_clause(&self.conn, f).map_err(|e| self.err(e))?;
        self.conn
            .query_row(
                &format!("SELECT COUNT(*) FROM events{where_sql}"),
                params_from_iter(args),
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// How many events match `f`, and whether that is an estimate. Matches are counted newest
    /// first for up to [`COUNT_BUDGET`] or [`COUNT_EXACT_UP_TO`] of them; a filter that matches
    /// more gets an estimate instead: the density of the matches counted over the time they
    /// span, carried over the whole time the filter covers in the store. The viewer says
    /// "about" then. So a total never keeps the viewer waiting, however large the store.
    pub fn count_or_estimate(&self, f: &EventFilter) -> Result<(u64, bool), StoreError> {
        self.count_within(f, COUNT_EXACT_UP_TO, COUNT_BUDGET)
    }

    fn count_within(
        &self,
        f: &EventFilter,
        most: u64,
        budget: Duration,
    ) -> Result<(u64, bool), StoreError> {
        let started = std::time::Instant::now();
        let (where_sql, args) = where_clause(&self.conn, f).map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT request_time FROM events{where_sql} ORDER BY request_time DESC"
            ))
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params_from_iter(args))
            .map_err(|e| self.err(e))?;
        let (mut n, mut newest, mut oldest) = (0u64, None, None);
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let t: Option<i64> = r.get(0).map_err(|e| self.err(e))?;
            n += 1;
            newest = newest.or(t);
            oldest = t.or(oldest);
            if n >= most || (n % 256 == 0 && started.elapsed() >= budget) {
                return self.estimate(f, n, newest, oldest);
            }
        }
        Ok((n, false))
    }

    /// `counted` matches seen between `newest` and `oldest`, carried over the filter's range.
    fn estimate(
        &self,
        f: &EventFilter,
        counted: u64,
        newest: Option<i64>,
        oldest: Option<i64>,
    ) -> Result<(u64, bool), StoreError> {
        let (Some(newest), Some(oldest)) = (newest, oldest) else {
            return Ok((counted, true));
        };
        let first: Option<i64> = self
            .conn
            .query_row("SELECT MIN(request_time) FROM events", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let start = f
            .since
            .map(ms)
            .into_iter()
            .chain(first)
            .max()
            .unwrap_or(oldest);
        let seen = (newest - oldest).max(1) as f64;
        let whole = (newest - start).max(newest - oldest).max(1) as f64;
        Ok((((counted as f64) * whole / seen).round() as u64, true))
    }

    fn select(
        &self,
        f: &EventFilter,
        limit: Option<u64>,
        offset: u64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut out = Vec::new();
        self.each_in(f, limit, offset, |e| {
            out.push(e);
            true
        })?;
        Ok(out)
    }

    /// Hands every event matching `f` (up to `f.limit`) to `visit`, one at a time in the order
    /// of [`Store::query`], without holding them all: an export of a million events streams.
    /// `visit` returns false to stop. Returns how many were handed over.
    pub fn for_each(
        &self,
        f: &EventFilter,
        visit: impl FnMut(StoredEvent) -> bool,
    ) -> Result<u64, StoreError> {
        self.each_in(f, f.limit, 0, visit)
    }

    fn each_in(
        &self,
        f: &EventFilter,
        limit: Option<u64>,
        offset: u64,
        mut visit: impl FnMut(StoredEvent) -> bool,
    ) -> Result<u64, StoreError> {
        use rusqlite::types::Value as V;
        let (where_sql, mut args) = where_clause(&self.conn, f).map_err(|e| self.err(e))?;
        let mut sql = format!("SELECT {READ_COLUMNS} FROM events_named{where_sql}");
        // Newest first; ties in insertion order. Both keys are in every time index (the rowid
        // ends each index entry), so SQLite walks an index instead of sorting the matches.
        sql.push_str(" ORDER BY request_time DESC, id DESC");
        if limit.is_some() || offset > 0 {
            sql.push_str(" LIMIT ? OFFSET ?");
            let n = limit.map_or(-1, |n| n.min(i64::MAX as u64) as i64);
            args.push(V::Integer(n));
            args.push(V::Integer(offset.min(i64::MAX as u64) as i64));
        }
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query_map(params_from_iter(args), |r| {
                let key: Vec<u8> = r.get(0)?;
                // An estimated time orders and filters the event; Workday sent none.
                let time = match r.get::<_, bool>(3)? {
                    true => None,
                    false => r.get::<_, Option<i64>>(2)?,
                };
                Ok(StoredEvent {
                    fingerprint: hex(&key),
                    ordinal: r.get(1)?,
                    request_time: time.map(from_ms),
                    own_call: r.get(4)?,
                    system_account: r.get(5)?,
                    activity_action: r.get(6)?,
                    task_display_name: r.get(7)?,
                    task_id: r.get(8)?,
                    session_id: r.get(9)?,
                    ip_address: r.get(10)?,
                    user_agent: r.get(11)?,
                    device_type: r.get(12)?,
                    target_id: r.get(13)?,
                    target_descriptor: r.get(14)?,
                    target_href: r.get(15)?,
                    raw: event_of(r, 5, time)?,
                    country: None,
                    ip_tags: Vec::new(),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut n = 0;
        for row in rows.by_ref() {
            n += 1;
            if !visit(row.map_err(|e| self.err(e))?) {
                break;
            }
        }
        Ok(n)
    }
}

/// A stored event as forwarding reads it: in commit order, with its stable key.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    pub id: i64,
    /// `{fingerprint}-{ordinal}`: the same for every resend of the event.
    pub key: String,
    /// Workday's time; None when it sent none (the stored time is then an estimate).
    pub request_time: Option<DateTime<Utc>>,
    pub own_call: bool,
    pub raw: String,
}

/// A stored alert as forwarding reads it: in id order, with the keys of its events.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAlert {
    pub id: i64,
    /// The episode key (rule, scope, first time): the same for every resend of the alert.
    pub episode: String,
    pub rule: String,
    pub severity: String,
    pub status: String,
    pub user: Option<String>,
    pub time: DateTime<Utc>,
    pub last_time: DateTime<Utc>,
    pub summary: String,
    pub country: Option<String>,
    pub ip: Option<String>,
    pub raised_at: DateTime<Utc>,
    /// The keys of its events, in commit order.
    pub event_keys: Vec<String>,
}

/// Where one forwarding destination stands in this store.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForwardCursor {
    /// Every event with an id up to this one was accepted.
    pub delivered_id: i64,
    pub delivered: u64,
    /// Every alert with an id up to this one was accepted.
    pub alerts_delivered_id: i64,
    pub alerts_delivered: u64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<Problem>,
}

// Forwarding's queries: cursors by destination, and the events committed after one.
impl Store {
    /// The cursor of `destination` (at the start when it has none yet).
    pub fn forward_cursor(&self, destination: &str) -> Result<ForwardCursor, StoreError> {
        self.conn
            .query_row(
                "SELECT delivered_id, delivered, delivered_at, last_error, alerts_delivered_id, \
                 alerts_delivered FROM forward_cursors WHERE destination = ?1",
                params![destination],
                |r| {
                    Ok(ForwardCursor {
                        delivered_id: r.get(0)?,
                        delivered: r.get(1)?,
                        alerts_delivered_id: r.get(4)?,
                        alerts_delivered: r.get(5)?,
                        delivered_at: r.get::<_, Option<i64>>(2)?.map(from_ms),
                        last_error: r
                            .get::<_, Option<String>>(3)?
                            .and_then(|t| serde_json::from_str(&t).ok()),
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err(e))
    }

    /// Up to `limit` events committed after `after_id`, in commit order, stopping before the
    /// raw text passes `max_bytes` (one event is always taken).
    pub fn events_after(
        &self,
        after_id: i64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<PendingEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, {READ_COLUMNS} FROM events_named WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![after_id, limit as i64], |r| {
                let key: Vec<u8> = r.get(1)?;
                let ordinal: u32 = r.get(2)?;
                let time = match r.get::<_, bool>(4)? {
                    true => None,
                    false => r.get::<_, Option<i64>>(3)?,
                };
                Ok(PendingEvent {
                    id: r.get(0)?,
                    key: format!("{}-{ordinal}", hex(&key)),
                    request_time: time.map(from_ms),
                    own_call: r.get(5)?,
                    raw: event_of(r, 6, time)?.to_string(),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        let mut bytes = 0;
        for row in rows {
            let row = row.map_err(|e| self.err(e))?;
            bytes += row.raw.len();
            if bytes > max_bytes && !out.is_empty() {
                break;
            }
            out.push(row);
        }
        Ok(out)
    }

    /// How many events are committed after `after_id`.
    pub fn count_after(&self, after_id: i64) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM events WHERE id > ?1",
                params![after_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Moves the cursor of `destination` to `delivered_id` (never back) after it accepted
    /// `count` more events, and clears its last error.
    pub fn advance_forward_cursor(
        &self,
        destination: &str,
        delivered_id: i64,
        count: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO forward_cursors (destination, delivered_id, delivered, delivered_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (destination) DO UPDATE SET \
                 delivered_id = max(delivered_id, excluded.delivered_id), \
                 delivered = delivered + excluded.delivered, \
                 delivered_at = excluded.delivered_at, last_error = NULL",
                params![
                    destination,
                    delivered_id,
                    count as i64,
                    Utc::now().timestamp_millis()
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Up to `limit` alerts raised after `after_id`, in id order, each with its events' keys.
    pub fn alerts_after(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<PendingAlert>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, episode, rule, severity, status, user, time, last_time, summary, \
                 country, ip, raised_at FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut alerts = stmt
            .query_map(params![after_id, limit as i64], |r| {
                Ok(PendingAlert {
                    id: r.get(0)?,
                    episode: r.get(1)?,
                    rule: r.get(2)?,
                    severity: r.get(3)?,
                    status: r.get(4)?,
                    user: r.get(5)?,
                    time: from_ms(r.get(6)?),
                    last_time: from_ms(r.get(7)?),
                    summary: r.get(8)?,
                    country: r.get(9)?,
                    ip: r.get(10)?,
                    raised_at: from_ms(r.get(11)?),
                    event_keys: Vec::new(),
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        let mut keys = self
            .conn
            .prepare_cached(
                "SELECT e.fingerprint, e.ordinal FROM alert_events a JOIN events e \
                 ON e.id = a.event_id WHERE a.alert_id = ?1 ORDER BY e.id",
            )
            .map_err(|e| self.err(e))?;
        for a in &mut alerts {
            a.event_keys = keys
                .query_map(params![a.id], |r| {
                    let fp: Vec<u8> = r.get(0)?;
                    let ordinal: u32 = r.get(1)?;
                    Ok(format!("{}-{ordinal}", hex(&fp)))
                })
                .map_err(|e| self.err(e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.err(e))?;
        }
        Ok(alerts)
    }

    /// How many alerts were raised after `after_id`.
    pub fn count_alerts_after(&self, after_id: i64) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM alerts WHERE id > ?1",
                params![after_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Moves the alerts' cursor of `destination` to `delivered_id` (never back) after it
    /// accepted `count` more alerts, and clears its last error.
    pub fn advance_forward_alert_cursor(
        &self,
        destination: &str,
        delivered_id: i64,
        count: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO forward_cursors (destination, alerts_delivered_id, alerts_delivered, \
                 delivered_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (destination) DO UPDATE SET \
                 alerts_delivered_id = max(alerts_delivered_id, excluded.alerts_delivered_id), \
                 alerts_delivered = alerts_delivered + excluded.alerts_delivered, \
                 delivered_at = excluded.delivered_at, last_error = NULL",
                params![
                    destination,
                    delivered_id,
                    count as i64,
                    Utc::now().timestamp_millis()
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records (or clears) the last failure of `destination`; the cursor stays.
    pub fn set_forward_error(
        &self,
        destination: &str,
        problem: Option<&Problem>,
    ) -> Result<(), StoreError> {
        let text = problem.map(|p| serde_json::to_string(p).unwrap_or_default());
        self.conn
            .execute(
                "INSERT INTO forward_cursors (destination, last_error) VALUES (?1, ?2) \
                 ON CONFLICT (destination) DO UPDATE SET last_error = excluded.last_error",
                params![destination, text],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets the cursor of a removed destination: one added again under its name starts over.
    pub fn delete_forward_cursor(&self, destination: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM forward_cursors WHERE destination = ?1",
                params![destination],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

/// The `WHERE` part (with a leading space, or empty) of a query for `f`, and its arguments.
///
/// The exact text filters are looked up in `names` first and compared as ids written into the
/// query: with the ids known, the planner sees `account = 42` and seeks in that user's index
/// (a subquery it cannot size made it walk the whole time range instead).
pub(crate) fn where_clause(
    conn: &Connection,
    f: &EventFilter,
) -> rusqlite::Result<(String, Vec<rusqlite::types::Value>)> {
    use rusqlite::types::Value as V;
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<V> = Vec::new();
    if let Some(t) = f.since {
        clauses.push("request_time >= ?".into());
        args.push(V::Integer(ms(t)));
    }
    if let Some(t) = f.until {
        clauses.push("request_time < ?".into());
        args.push(V::Integer(ms(t)));
    }
    let nocase = "SELECT id FROM names WHERE name = ?1 COLLATE NOCASE";
    let exact = [
        ("account", nocase, &f.user),
        ("action", nocase, &f.action),
        ("ip", "SELECT id FROM names WHERE name = ?1", &f.ip),
        ("device", nocase, &f.device),
    ];
    for (column, lookup, v) in exact {
        if let Some(v) = v {
            let ids: Vec<i64> = conn
                .prepare_cached(lookup)?
                .query_map([v], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            clauses.push(match ids.as_slice() {
                // No such text: nothing can match.
                [] => "0".into(),
                [id] => format!("{column} = {id}"),
                many => format!(
                    "{column} IN ({})",
                    many.iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    if let Some(task) = &f.task {
        clauses
            .push("task IN (SELECT id FROM names WHERE instr(lower(name), lower(?)) > 0)".into());
        args.push(V::Text(task.clone()));
    }
    if let Some(alert) = f.alert {
        clauses.push("id IN (SELECT event_id FROM alert_events WHERE alert_id = ?)".into());
        args.push(V::Integer(alert));
    }
    if !f.include_own_calls && f.alert.is_none() {
        clauses.push("own_call = 0".into());
    }
    Ok(if clauses.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), args)
    })
}

/// A file that is not a database (or is damaged) is `store.corrupt`; anything else unavailable.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let code = e.sqlite_error_code();
    if matches!(
        code,
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    ) {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    } else {
        StoreError::Unavailable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }
}

/// Whether statistics taken over `taken` events mislead the planner for a store of `rows`:
/// none were taken, or the store has since doubled or halved. Refreshing at each doubling
/// costs at most twice one full refresh over a store's life, and a backfill's statistics are
/// taken while it is read, not after its last request.
pub fn statistics_stale(taken: Option<u64>, rows: u64) -> bool {
    match taken {
        None => rows > 0,
        Some(t) => rows >= t.saturating_mul(2) || rows.saturating_mul(2) <= t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::row::key_window;
    use serde_json::json;

    fn ev(t: &str, user: &str, task: &str) -> Value {
        json!({"requestTime": t, "systemAccount": user, "taskDisplayName": task, "activityAction": "READ", "target": {"id": "w1", "descriptor": "Ann", "href": "http://x/w1"}})
    }

    /// One window's answer as the engine keys it: twins numbered, untimed events placed at
    /// the window's start.
    fn window_rows(from: DateTime<Utc>, events: Vec<Value>) -> Vec<EventRow> {
        let mut rows = key_window(events);
        rows.iter_mut()
            .for_each(|k| k.place_untimed(from.timestamp_millis()));
        rows
    }

    #[test]
    fn statistics_are_stale_when_missing_or_the_store_doubled_or_halved() {
        assert!(!statistics_stale(None, 0), "nothing to take them over");
        assert!(statistics_stale(None, 1));
        assert!(!statistics_stale(Some(1_000), 1_000));
        assert!(!statistics_stale(Some(1_000), 1_999));
        assert!(statistics_stale(Some(1_000), 2_000));
        assert!(!statistics_stale(Some(1_000), 501));
        assert!(statistics_stale(Some(1_000), 500));
        assert!(statistics_stale(Some(1_000), 0));
    }

    #[test]
    fn the_statistics_tell_how_many_events_they_were_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("st.sqlite3")).unwrap();
        assert_eq!(s.statistics_rows().unwrap(), None, "never taken");
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        s.start_at(t0).unwrap();
        let rows = window_rows(
            t0,
            vec![
                ev("2026-04-17T08:10:00.000Z", "ann", "View Worker"),
                ev("2026-04-17T08:11:00.000Z", "bob", "View Worker"),
                ev("2026-04-17T08:12:00.000Z", "cy", "Hire Employee"),
            ],
        );
        s.commit_window(&rows, t0 + chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(s.statistics_rows().unwrap(), None);
        s.optimize().unwrap();
        assert_eq!(s.statistics_rows().unwrap(), Some(3));
    }

    #[test]
    fn identical_untimed_events_of_other_windows_are_kept_and_rereads_add_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("u.sqlite3")).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        s.start_at(t0).unwrap();
        let hour = |h: i64| t0 + chrono::Duration::hours(h);
        let untimed = json!({"systemAccount": "ann", "taskDisplayName": "View Worker"});
        let timed = ev("2026-04-17T08:10:00.000Z", "bob", "View Worker");
        // First reads: one untimed event in the first hour, two identical ones in the third.
        let w0 = window_rows(hour(0), vec![untimed.clone(), timed.clone()]);
        assert_eq!(s.commit_window(&w0, hour(1)).unwrap(), 2);
        assert_eq!(s.commit_window(&[], hour(2)).unwrap(), 0);
        let w2 = window_rows(hour(2), vec![untimed.clone(), untimed.clone()]);
        assert_eq!(
            s.commit_window(&w2, hour(3)).unwrap(),
            2,
            "none taken for the first"
        );
        let untimed_stored = |s: &Store| {
            s.query(&EventFilter::default())
                .unwrap()
                .into_iter()
                .filter(|e| e.raw == untimed)
                .count()
        };
        assert_eq!(untimed_stored(&s), 3);
        // The next pass reads the last half hour again: the two come again, nothing is added.
        let reread = hour(2) + chrono::Duration::minutes(30);
        let again = window_rows(reread, vec![untimed.clone(), untimed.clone()]);
        let since = reread - chrono::Duration::hours(2);
        assert_eq!(
            s.commit_window_with(&again, hour(3), Some(since..hour(3)))
                .unwrap(),
            0
        );
        // A third published late comes with them: only it is new.
        let late = window_rows(reread, vec![untimed.clone(); 3]);
        assert_eq!(
            s.commit_window_with(&late, hour(3), Some(since..hour(3)))
                .unwrap(),
            1
        );
        assert_eq!(untimed_stored(&s), 4);
        // A re-read of the first hour's timed event adds nothing either.
        let w0 = window_rows(hour(0), vec![timed]);
        assert_eq!(
            s.commit_window_with(&w0, hour(1), Some(hour(-2)..hour(1)))
                .unwrap(),
            0
        );
        assert_eq!(s.count().unwrap(), 5);
    }

    #[test]
    fn rereads_never_duplicate_and_twins_stay_two() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite3");
        let mut s = Store::open(&path).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        s.start_at(t0).unwrap();
        let twin = ev("2026-04-17T08:02:58.655Z", "ann", "View Worker");
        let window = vec![
            twin.clone(),
            twin.clone(),
            ev(
                "2026-04-17T08:03:00.000Z",
                "bob",
                "privacy/activityLogging/userActivity (GET)",
            ),
        ];
        let until = t0 + chrono::Duration::hours(1);
        assert_eq!(
            s.commit_window(&key_window(window.clone()), until).unwrap(),
            3
        );
        assert_eq!(s.commit_window(&key_window(window), t0).unwrap(), 0);
        assert_eq!(s.count().unwrap(), 3);
        assert_eq!(
            s.checkpoint().unwrap().unwrap().synced_until,
            until,
            "never moves back"
        );
        let shown = s.query(&EventFilter::default()).unwrap();
        assert_eq!(shown.len(), 2, "own calls hidden by default");
        let all = s
            .query(&EventFilter {
                include_own_calls: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].system_account.as_deref(), Some("bob"));
        assert!(all[0].own_call);
        let viewed = s
            .query(&EventFilter {
                task: Some("worker".into()),
                user: Some("ANN".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(viewed.len(), 2);
        assert_eq!(viewed[0].target_href.as_deref(), Some("http://x/w1"));
    }

    #[test]
    fn an_event_without_request_time_is_kept_and_found_by_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        s.start_at(t0).unwrap();
        let untimed = json!({"systemAccount": "ann", "taskDisplayName": "Hire"});
        let mut rows = key_window(vec![
            untimed.clone(),
            ev("2026-04-17T08:30:00Z", "bob", "x"),
        ]);
        rows.iter_mut().for_each(|k| k.place_untimed(ms(t0)));
        let until = t0 + chrono::Duration::hours(1);
        assert_eq!(s.commit_window(&rows, until).unwrap(), 2);
        let hour = EventFilter {
            since: Some(t0),
            until: Some(until),
            ..Default::default()
        };
        let found = s.query(&hour).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        let e = found
            .iter()
            .find(|e| e.raw == untimed)
            .expect("the untimed event");
        assert_eq!(e.request_time, None, "shown as Workday sent it");
        // Read again (by a window of the next pass's overlap, say): nothing added.
        let mut again = key_window(vec![untimed]);
        again[0].place_untimed(ms(t0) + 60_000);
        let reread = t0 + chrono::Duration::minutes(1) - chrono::Duration::hours(2)..until;
        assert_eq!(
            s.commit_window_with(&again, until, Some(reread)).unwrap(),
            0
        );
    }

    #[test]
    fn pages_and_counts_follow_the_filter() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("p.sqlite3")).unwrap();
        let t0 = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        s.start_at(t0).unwrap();
        let window: Vec<Value> = (0..25)
            .map(|i| {
                let user = if i % 5 == 0 { "bob" } else { "ann" };
                ev(&format!("2026-04-17T08:{i:02}:00Z"), user, "View Worker")
            })
            .collect();
        s.commit_window(&key_window(window), t0 + chrono::Duration::hours(1))
            .unwrap();
        let all = EventFilter::default();
        assert_eq!(s.count_matching(&all).unwrap(), 25);
        let first = s.query_page(&all, 0, 10).unwrap();
        let third = s.query_page(&all, 20, 10).unwrap();
        assert_eq!(first.len(), 10);
        assert_eq!(third.len(), 5, "the last page is short");
        assert_eq!(first[..], s.query(&all).unwrap()[..10], "the same order");
        let bob = EventFilter {
            user: Some("bob".into()),
            since: Some(t0 + chrono::Duration::minutes(5)),
            ..Default::default()
        };
        assert_eq!(s.count_matching(&bob).unwrap(), 4);
        assert_eq!(s.query_page(&bob, 3, 10).unwrap().len(), 1);
        let backwards = EventFilter {
            since: Some(t0),
            until: Some(t0),
            ..Default::default()
        };
        assert_eq!(backwards.check().unwrap_err().code, "input.time_order");
        assert!(bob.check().is_ok());
    }

    #[test]
    fn a_foreign_file_or_newer_schema_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.sqlite3");
        std::fs::write(&path, vec![b'x'; 8192]).unwrap();
        let e = Store::open(&path).unwrap_err();
        assert_eq!(e.problem().code, "store.corrupt", "{e}");
        assert!(e.problem().message.contains("bad.sqlite3"));
        assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 8192]);

        let path = dir.path().join("new.sqlite3");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let e = Store::open(&path).unwrap_err();
        assert_eq!(e.problem().code, "store.unsupported_version");
    }

    /// A store written by schema v2 (hex keys, the v2 indexes): what it holds, by key.
    fn v2_store(path: &Path, events: &[Value]) -> Vec<(String, u32, Option<i64>, String)> {
        let mut c = Connection::open(path).unwrap();
        let tx = c.transaction().unwrap();
        for sql in &MIGRATIONS[..2] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 2).unwrap();
        tx.execute(
            "INSERT INTO checkpoint (id, origin, synced_until, updated_at) VALUES (1, 1, 2, 3)",
            [],
        )
        .unwrap();
        let mut want = Vec::new();
        for k in key_window(events.to_vec()) {
            let fp = hex(&k.fingerprint);
            tx.execute(
                "INSERT INTO events (fingerprint, ordinal, request_time, system_account, \
                 task_display_name, own_call, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    fp,
                    k.ordinal,
                    k.request_time,
                    k.system_account,
                    k.task_display_name,
                    k.own_call,
                    k.raw
                ],
            )
            .unwrap();
            want.push((fp, k.ordinal, k.request_time, k.raw));
        }
        tx.commit().unwrap();
        want.sort();
        want
    }

    #[test]
    fn a_v2_store_migrates_with_nothing_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.sqlite3");
        let twin = ev("2026-04-17T08:02:58.655Z", "ann", "View Worker");
        let mut events = vec![twin.clone(), twin.clone()];
        for i in 0..200 {
            events.push(ev(
                &format!("2026-04-17T08:{:02}:{:02}.000Z", i / 60, i % 60),
                &format!("user{}", i % 7),
                "View Worker",
            ));
        }
        // No requestTime: stored (NULL time) and carried over too.
        events.push(json!({"systemAccount": "ann", "taskDisplayName": "Hire"}));
        let want = v2_store(&path, &events);
        let s = Store::open(&path).expect("migrated");
        let version: u32 = s
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let mut have: Vec<(String, u32, Option<i64>, String)> = s
            .query(&EventFilter {
                include_own_calls: true,
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|e| {
                let t = e.request_time.map(|t| t.timestamp_millis());
                (e.fingerprint, e.ordinal, t, e.raw.to_string())
            })
            .collect();
        have.sort();
        assert_eq!(have.len(), events.len());
        assert_eq!(have, want, "every event, its key and its raw JSON");
        assert_eq!(s.checkpoint().unwrap().unwrap().synced_until, from_ms(2));
        // The same window read again after the upgrade adds nothing: the keys still match.
        let mut s = s;
        assert_eq!(s.commit_window(&key_window(events), from_ms(2)).unwrap(), 0);
    }

    #[test]
    fn a_failed_migration_is_an_error_and_leaves_the_store_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad-v2.sqlite3");
        v2_store(&path, &[ev("2026-04-17T08:00:00Z", "ann", "x")]);
        // A key that is not hex cannot become v3's 16 bytes.
        let c = Connection::open(&path).unwrap();
        c.execute("UPDATE events SET fingerprint = 'not hex'", [])
            .unwrap();
        drop(c);
        let e = Store::open(&path).unwrap_err();
        assert_eq!(e.problem().code, "store.migration_failed", "{e}");
        assert!(e.problem().message.contains("bad-v2.sqlite3"));
        let c = Connection::open(&path).unwrap();
        let version: u32 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2, "rolled back");
        let n: u32 = c
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "nothing deleted");
    }

    /// The database and the -wal and -shm files SQLite makes beside it are the user's alone,
    /// whatever the umask; so is a folder made for them.
    #[cfg(unix)]
    #[test]
    fn a_store_and_its_journal_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("activity").join("acme.sqlite3");
        let mut store = Store::open(&path).unwrap();
        let t = Utc::now();
        store.start_at(t - chrono::Duration::hours(1)).unwrap();
        let keyed = key_window(vec![ev("2026-04-17T08:00:00Z", "ann", "View Worker")]);
        store.commit_window(&keyed, t).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let file = PathBuf::from(file);
            assert!(
                file.exists(),
                "{} exists while the store is open",
                file.display()
            );
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        drop(store);

        // A store an older version left readable is made private when it is opened.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Store::open(&path).unwrap());
        assert_eq!(mode(&path), 0o600);
    }

    /// A day of events, one a minute from `day`'s midnight, each with a long user agent.
    fn day_of_events(day: &str) -> Vec<Value> {
        (0..1440)
            .map(|m| {
                let mut e = ev(
                    &format!("{day}T{:02}:{:02}:00.000Z", m / 60, m % 60),
                    &format!("user{}", m % 13),
                    "View Worker",
                );
                e["userAgent"] = json!(format!("Mozilla/5.0 (X11; Linux x86_64) build {m}"));
                e
            })
            .collect()
    }

    fn file_pages(s: &Store) -> (u64, u64) {
        let count = |p: &str| s.conn.query_row(p, [], |r| r.get::<_, u64>(0)).unwrap();
        (count("PRAGMA page_count"), count("PRAGMA freelist_count"))
    }

    #[test]
    fn pruning_deletes_the_oldest_in_bounded_steps_and_the_file_shrinks() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("p.sqlite3")).unwrap();
        let days = ["2026-04-10", "2026-04-11", "2026-04-12", "2026-04-13"];
        for day in days {
            let from: DateTime<Utc> = format!("{day}T00:00:00Z").parse().unwrap();
            s.commit_window(&window_rows(from, day_of_events(day)), from)
                .unwrap();
        }
        // An alert that ended on the first day, and one on the last.
        s.conn
            .execute_batch(
                "INSERT INTO alerts (id, episode, rule, severity, time, last_time, summary, \
                 raised_at) VALUES (1, 'old', 'burst', 'low', 1775779200000, 1775779200000, 'x', 0), \
                 (2, 'new', 'burst', 'low', 1776038400000, 1776038400000, 'y', 0); \
                 INSERT INTO alert_events VALUES (1, 1), (2, 5000);",
            )
            .unwrap();
        s.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let (pages_before, _) = file_pages(&s);
        let before: DateTime<Utc> = "2026-04-12T00:00:00Z".parse().unwrap();
        let mut steps = Vec::new();
        loop {
            let n = s.prune_step(before, 500).unwrap();
            steps.push(n);
            if n < 500 {
                break;
            }
        }
        // Two days went, at most 500 events a step.
        assert_eq!(steps.iter().sum::<u64>(), 2 * 1440);
        assert!(steps.iter().all(|n| *n <= 500), "{steps:?}");
        let left = s
            .query(&EventFilter {
                include_own_calls: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(left.len(), 2 * 1440);
        assert!(left.iter().all(|e| e.request_time.unwrap() >= before));
        // The old alert went with its day; the new one stays with its events.
        let alerts: Vec<i64> = s
            .conn
            .prepare("SELECT id FROM alerts")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(alerts, vec![2]);
        // The freed pages went back to the disk, none is left free in the file.
        let (pages_after, free_after) = file_pages(&s);
        assert!(
            pages_after < pages_before * 3 / 4,
            "{pages_before} -> {pages_after} pages"
        );
        assert_eq!(free_after, 0);
        // Nothing older is left: a further step deletes nothing.
        assert_eq!(s.prune_step(before, 500).unwrap(), 0);
    }

    /// A budget no count here reaches: the tests decide by the number of matches alone.
    const LONG: Duration = Duration::from_secs(3600);

    #[test]
    fn a_total_too_large_to_count_at_once_is_estimated_and_said_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        for day in ["2026-04-10", "2026-04-11", "2026-04-12", "2026-04-13"] {
            let from: DateTime<Utc> = format!("{day}T00:00:00Z").parse().unwrap();
            s.commit_window(&window_rows(from, day_of_events(day)), from)
                .unwrap();
        }
        let all = EventFilter::default();
        assert_eq!(
            s.count_within(&all, 10_000, LONG).unwrap(),
            (4 * 1440, false)
        );
        let (about, estimated) = s.count_within(&all, 1_000, LONG).unwrap();
        assert!(estimated);
        assert!((5_500..=6_000).contains(&about), "{about}");
        // A time range: its own span, not the store's.
        let two_days = EventFilter {
            since: Some("2026-04-12T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let (about, estimated) = s.count_within(&two_days, 1_000, LONG).unwrap();
        assert!(estimated);
        assert!((2_750..=3_000).contains(&about), "{about}");
        // Few matches: exact.
        let one = EventFilter {
            user: Some("USER3".into()),
            ..Default::default()
        };
        assert!(!s.count_within(&one, 1_000, LONG).unwrap().1);
        assert_eq!(
            s.count_within(&one, 1_000, LONG).unwrap().0,
            s.count_matching(&one).unwrap()
        );
    }

    #[test]
    fn a_store_keeps_the_first_tenant_it_is_bound_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.sqlite3");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.tenant().unwrap(), None);
        store.bind_tenant("wd2.example.com/acme").unwrap();
        store.bind_tenant("wd2.example.com/globex").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.tenant().unwrap().as_deref(),
            Some("wd2.example.com/acme")
        );
    }

    /// A store of the version before the alerts' forwarding cursor (events, an alert, a
    /// destination part-way): opened by this build, it keeps every row and the destination's
    /// event cursor and error, and its alerts' cursor starts at the first alert.
    #[test]
    fn a_store_before_the_alerts_cursor_migrates_with_nothing_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("previous.sqlite3");
        let previous = MIGRATIONS.len() - 1;
        {
            let mut c = Connection::open(&path).unwrap();
            let tx = c.transaction().unwrap();
            for sql in &MIGRATIONS[..previous] {
                tx.execute_batch(sql).unwrap();
            }
            tx.pragma_update(None, "user_version", previous as u32)
                .unwrap();
            for i in 1..=3i64 {
                tx.execute(
                    "INSERT INTO events (id, fingerprint, ordinal, request_time, extra) \
                     VALUES (?1, ?2, 0, ?3, ?4)",
                    params![i, vec![i as u8; 16], 1_000 * i, format!("{{\"n\":{i}}}")],
                )
                .unwrap();
            }
            tx.execute(
                "INSERT INTO alerts (id, episode, rule, severity, user, time, last_time, summary, \
                 raised_at) VALUES (1, 'ep-1', 'impossible_travel', 'high', 'ann', 1000, 3000, \
                 'Ann in two places', 4000)",
                [],
            )
            .unwrap();
            tx.execute_batch(
                "INSERT INTO alert_events VALUES (1, 1), (1, 3); \
                 INSERT INTO forward_cursors (destination, delivered_id, delivered, delivered_at, \
                 last_error) VALUES ('splunk', 2, 2, 5000, \
                 '{\"code\":\"forward.server_error\",\"message\":\"m\",\"fix\":\"f\"}');",
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.count().unwrap(), 3);
        let c = s.forward_cursor("splunk").unwrap();
        assert_eq!((c.delivered_id, c.delivered), (2, 2));
        assert_eq!((c.alerts_delivered_id, c.alerts_delivered), (0, 0));
        assert_eq!(c.last_error.unwrap().code, "forward.server_error");
        assert_eq!(c.delivered_at.unwrap().timestamp_millis(), 5000);
        let alerts = s.alerts_after(0, 10).unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].rule, "impossible_travel");
        assert_eq!(
            alerts[0].event_keys,
            vec![
                format!("{}-0", hex(&[1u8; 16])),
                format!("{}-0", hex(&[3u8; 16]))
            ]
        );
        assert_eq!(s.count_alerts_after(0).unwrap(), 1);
        s.advance_forward_alert_cursor("splunk", 1, 1).unwrap();
        let c = s.forward_cursor("splunk").unwrap();
        assert_eq!(
            (c.delivered_id, c.alerts_delivered_id, c.alerts_delivered),
            (2, 1, 1)
        );
        assert_eq!(c.last_error, None);
        assert!(s.alerts_after(1, 10).unwrap().is_empty());
    }
}
