//! Activity collection: the sync engine, the per-connection SQLite store, fingerprints and
//! exports, and the `Connector` methods the fronts call (`sync`, `events`, `activity_store`).

pub mod export;
pub mod fingerprint;
pub mod insights;
pub mod ipinfo;
pub mod plan;
pub mod row;
pub mod store;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use export::ExportFormat;
pub use insights::{Insights, UserInsights};
pub use ipinfo::{IpFacts, IpInfo};
pub use store::{Checkpoint, EventFilter, Store, StoreError, StoredEvent};
pub use sync::{SyncError, SyncOptions, SyncProgress, SyncReport};

use crate::connections::{Connector, ConnectorError};
use crate::problem::Diagnose;
use crate::profile::Profile;
use crate::status::Status;

/// The store's file name for a connection: lower-case ASCII letters, digits, `-` and `_`; any
/// other name also gets a short hash of itself, so two names never share a file (even on a
/// case-insensitive disk).
pub fn store_file_name(connection: &str) -> String {
    let clean: String = connection
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect();
    if clean == connection && !clean.is_empty() {
        format!("{clean}.sqlite3")
    } else {
        let h = Sha256::digest(connection.as_bytes());
        let tag: String = h[..4].iter().map(|b| format!("{b:02x}")).collect();
        format!("{clean}-{tag}.sqlite3")
    }
}

/// One page of a connection's events, newest first, with how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ActivityPage"))]
pub struct EventPage {
    pub events: Vec<StoredEvent>,
    /// Every event matching the filter, not only this page's.
    pub total: u64,
    /// `total` is an estimate: more events match than the store counts in a moment (see
    /// `Store::count_or_estimate`).
    pub total_estimated: bool,
    pub offset: u64,
    /// Every event before this is stored (None before the first sync).
    pub synced_until: Option<DateTime<Utc>>,
}

fn unreadable(e: tokio::task::JoinError) -> ConnectorError {
    ConnectorError::Failed(crate::Problem::new(
        "store.unavailable",
        format!("The activity store could not be read: {e}."),
        "Try again.",
    ))
}

/// The status a failed sync leaves: sign-in required when only the user can mend it, degraded
/// for a lost permission, offline for an unreachable or overloaded tenant.
fn status_after(e: &SyncError, before: Status) -> Status {
    let reason = e.problem().message;
    match e {
        SyncError::Token(t) if t.needs_sign_in() => Status::SignInRequired(reason),
        SyncError::Token(_) => Status::Offline(reason),
        SyncError::Api(a) if a.code() == "api.unauthorized" => Status::SignInRequired(reason),
        SyncError::Api(a) if a.is_transient() => Status::Offline(reason),
        SyncError::Api(_) => Status::Degraded(reason),
        // The store is this computer's problem, not the connection's.
        SyncError::Store(_) | SyncError::Stopped => before,
    }
}

/// A failed sync pass: the error, and whether it passes by itself (the tenant unreachable,
/// overloaded or throttling, the credential store locked or busy, the activity store busy,
/// another sync running), so that a poller tries again, or needs a person (sign in again, a
/// lost permission, a damaged store, values to correct), so that it stops.
#[derive(Debug, Clone)]
pub struct SyncFailure {
    pub error: ConnectorError,
    pub transient: bool,
}

impl SyncFailure {
    fn final_(error: ConnectorError) -> Self {
        Self {
            error,
            transient: false,
        }
    }

    fn transient(error: ConnectorError) -> Self {
        Self {
            error,
            transient: true,
        }
    }
}

/// Whether the failure of a pass is worth another pass without anyone changing anything.
fn is_transient(e: &SyncError) -> bool {
    match e {
        SyncError::Token(t) => !t.needs_sign_in() && t.is_transient(),
        SyncError::Api(a) => a.is_transient(),
        SyncError::Store(s) => store_error_transient(s),
        SyncError::Stopped => false,
    }
}

/// A busy or locked store passes; a damaged, newer or unmigratable one needs a person.
fn store_error_transient(e: &StoreError) -> bool {
    matches!(e, StoreError::Unavailable { .. })
}

/// The most events one page of [`Connector::events_page`] holds: enough for a screen, little
/// enough that a viewer never carries the whole store.
pub const PAGE_MAX: u64 = 1000;

/// Taken for the whole of a sync of one connection, across processes (the app, `wdconnect`):
/// an OS lock on a file beside the store, released when the sync ends or its process dies (a
/// SIGKILL leaves nothing to clean up). A second sync is refused rather than queued: it would
/// read the same range again and add nothing, and a button or a terminal waiting minutes for
/// nothing is worse than a clear answer while the first one's progress is on show.
pub(crate) fn lock_sync(store: &Path, connection: &str) -> Result<std::fs::File, ConnectorError> {
    let mut path = store.as_os_str().to_owned();
    path.push(".sync-lock");
    let path = PathBuf::from(path);
    let unusable = |e: std::io::Error| {
        ConnectorError::Failed(crate::Problem::new(
            "store.unavailable",
            format!("The sync lock {} could not be used: {e}.", path.display()),
            "Check that the data folder is on a writable disk.",
        ))
    };
    let file = crate::files::open_lock_file(&path).map_err(unusable)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ConnectorError::Failed(crate::Problem::new(
            "activity.sync_running",
            format!("A sync of \"{connection}\" is already running (in the app or in wdconnect)."),
            "Nothing to do: it carries on, and its progress shows in the app and in wdconnect \
             sync. Sync again after it ends if you need to.",
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(unusable(e)),
    }
}

/// The tenant a profile's events come from: the REST API endpoint's host (without a port, so a
/// sandbox restarted on another port stays the same tenant) and its last path segment, the
/// tenant's name. What a store is bound to, so two tenants' events never mix in one store.
pub fn tenant_of(rest_api_endpoint: &str) -> String {
    match url::Url::parse(rest_api_endpoint) {
        Ok(u) => {
            let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
            let tenant = u
                .path_segments()
                .and_then(|mut s| s.rfind(|seg| !seg.is_empty()))
                .unwrap_or_default();
            format!("{host}/{tenant}")
        }
        Err(_) => rest_api_endpoint.trim().to_owned(),
    }
}

fn tenant_mismatch(connection: &str, path: &Path, stored: &str, current: &str) -> ConnectorError {
    ConnectorError::Failed(crate::Problem::new(
        "activity.tenant_mismatch",
        format!(
            "The activity store of \"{connection}\" holds the events of tenant {stored}, but the \
             connection now points at {current}; they are not mixed, so it was not used."
        ),
        format!(
            "Keep the old events: move {} aside, then sync again to start a new store. Or delete \
             them with the connection (`wdconnect remove \"{connection}\" --delete-events`, or \
             Remove in the app with \"Also delete its activity log\").",
            path.display()
        ),
    ))
}

/// The files of a store: the database, its journal files and its lock files.
pub(crate) fn store_files(store: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal", ".sync-lock", ".token-lock"]
        .iter()
        .map(|suffix| {
            let mut p = store.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        })
        .collect()
}

impl Connector {
    /// Where the activity store of the connection stored as `connection` lives.
    pub fn activity_store_path(&self, connection: &str) -> PathBuf {
        self.home()
            .data_dir()
            .join("activity")
            .join(store_file_name(connection))
    }

    /// Opens the store of `profile` after checking it holds its tenant's events (a store of
    /// another tenant is refused); `bind` records the tenant in a store that names none yet
    /// (new, or made by an older version: its events are taken to be this tenant's).
    fn open_bound_store(&self, profile: &Profile, bind: bool) -> Result<Store, SyncFailure> {
        let path = self.activity_store_path(&profile.name);
        let failed = |e: StoreError| SyncFailure {
            transient: store_error_transient(&e),
            error: ConnectorError::Failed(e.problem()),
        };
        let store = Store::open(&path).map_err(failed)?;
        let current = tenant_of(&profile.rest_api_endpoint);
        match store.tenant().map_err(failed)? {
            Some(stored) if stored != current => Err(SyncFailure::final_(tenant_mismatch(
                &profile.name,
                &path,
                &stored,
                &current,
            ))),
            None if bind => {
                store.bind_tenant(&current).map_err(failed)?;
                Ok(store)
            }
            _ => Ok(store),
        }
    }

    /// The store of `connection` (any letter case) for reading.
    pub(crate) fn open_store(&self, connection: &str) -> Result<Store, ConnectorError> {
        let profile = self.get(connection)?.profile;
        self.open_bound_store(&profile, false).map_err(|f| f.error)
    }

    /// Deletes the activity store of the connection stored as `connection`, refusing while a
    /// sync of it runs (in this process or another). Returns whether there was one.
    pub(crate) fn delete_activity_store(&self, connection: &str) -> Result<bool, ConnectorError> {
        let path = self.activity_store_path(connection);
        if !path.exists() {
            return Ok(false);
        }
        let _running = lock_sync(&path, connection)?;
        for file in store_files(&path) {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(ConnectorError::Failed(crate::Problem::new(
                        "store.delete_failed",
                        format!(
                            "The activity log of \"{connection}\" could not be deleted ({}: {e}).",
                            file.display()
                        ),
                        "Close other programs that use it and try again; the connection is \
                         kept until its activity log is gone.",
                    )));
                }
            }
        }
        Ok(true)
    }

    /// One sync pass of `connection` (see [`sync::run`]); the status is Syncing meanwhile and
    /// Connected after, or what the failure calls for, with the problem as `last_error`.
    pub async fn sync(
        &self,
        connection: &str,
        options: &SyncOptions,
        progress: impl FnMut(&SyncProgress) + Send,
    ) -> Result<SyncReport, ConnectorError> {
        self.sync_pass(connection, options, progress)
            .await
            .map_err(|f| f.error)
    }

    /// [`Connector::sync`], telling a failure that passes by itself (worth another pass later)
    /// from one that needs a person: what a poller decides on.
    pub async fn sync_pass(
        &self,
        connection: &str,
        options: &SyncOptions,
        mut progress: impl FnMut(&SyncProgress) + Send,
    ) -> Result<SyncReport, SyncFailure> {
        let profile = self.get(connection).map_err(SyncFailure::final_)?.profile;
        // Keys, store and locks come from the stored name, whatever case was typed.
        let connection = profile.name.as_str();
        let session = self.session(connection).await.map_err(|error| {
            // Building a session reads the client secret: a locked or busy credential store
            // passes; a missing secret or bad values need a person.
            let transient = error
                .problems()
                .iter()
                .all(|p| p.code == crate::secrets::UNAVAILABLE);
            SyncFailure { error, transient }
        })?;
        let name = connection.to_string();
        let store = self.open_bound_store(&profile, true)?;
        // Another sync of it (the app, another wdconnect) is running: its pass is this one's.
        let _running = lock_sync(&self.activity_store_path(connection), connection)
            .map_err(SyncFailure::transient)?;
        let store = Arc::new(Mutex::new(store));
        let hub = self.hub();
        let before = match hub.get(&name).status {
            // Left by a sync that was killed.
            Status::Syncing => Status::Connected,
            s => s,
        };
        hub.update(&name, |s| s.status = Status::Syncing);
        let api = sync::Api {
            tokens: &session.tokens,
            rest: &session.rest,
        };
        // Detection follows the commits while the pass reads (on the other core, between
        // commits), then takes what the last ones left: alerts within one poll interval.
        let (committed, on_commit) = tokio::sync::watch::channel(());
        let reading = async {
            let committed = committed;
            let mut progress = |p: &SyncProgress| {
                progress(p);
                committed.send_replace(());
            };
            sync::run(
                &name,
                api,
                store.clone(),
                &profile.sync,
                options,
                &mut progress,
            )
            .await
        };
        let (outcome, ()) = tokio::join!(reading, self.detect_while_syncing(&store, on_commit));
        let outcome = self.detect_after_sync(&store, outcome).await;
        let now = chrono::Utc::now();
        match outcome {
            Ok(report) => {
                hub.update(&name, |s| {
                    s.status = Status::Connected;
                    s.last_success = Some(now);
                    s.last_check = Some(now);
                    s.last_error = None;
                });
                Ok(report)
            }
            Err(e) => {
                let problem = e.problem();
                let status = status_after(&e, before);
                hub.update(&name, |s| {
                    s.status = status;
                    s.last_check = Some(now);
                    s.last_error = Some(problem.clone());
                });
                Err(SyncFailure {
                    error: ConnectorError::Failed(problem),
                    transient: is_transient(&e),
                })
            }
        }
    }

    /// The stored events of `connection` matching `filter`, newest first.
    pub async fn events(
        &self,
        connection: &str,
        filter: EventFilter,
    ) -> Result<Vec<StoredEvent>, ConnectorError> {
        let store = self.open_store(connection)?;
        let mut info = self.ip_info();
        tokio::task::spawn_blocking(move || {
            let mut events = store.query(&filter)?;
            events.iter_mut().for_each(|e| info.enrich(e));
            Ok::<_, StoreError>(events)
        })
        .await
        .map_err(|e| {
            ConnectorError::Failed(crate::Problem::new(
                "store.unavailable",
                format!("The activity store could not be read: {e}."),
                "Try again.",
            ))
        })?
        .map_err(|e| ConnectorError::Failed(e.problem()))
    }

    /// Hands the stored events of `connection` matching `filter` (newest first) to `visit` one
    /// at a time, with `sink`, on a blocking thread: what a command-line listing streams from,
    /// holding one event. `visit` returns false to stop. Returns the count visited and the sink.
    pub async fn for_each_event<S: Send + 'static>(
        &self,
        connection: &str,
        filter: EventFilter,
        mut sink: S,
        mut visit: impl FnMut(&mut S, StoredEvent) -> bool + Send + 'static,
    ) -> Result<(u64, S), ConnectorError> {
        filter.check().map_err(ConnectorError::Failed)?;
        let store = self.open_store(connection)?;
        let mut info = self.ip_info();
        tokio::task::spawn_blocking(move || {
            let n = store.for_each(&filter, |mut e| {
                info.enrich(&mut e);
                visit(&mut sink, e)
            })?;
            Ok::<_, StoreError>((n, sink))
        })
        .await
        .map_err(unreadable)?
        .map_err(|e| ConnectorError::Failed(e.problem()))
    }

    /// One page of the stored events of `connection` matching `filter` (`filter.limit` ignored),
    /// and how many match in all: what a viewer shows without loading every event. A page holds
    /// 1 to [`PAGE_MAX`] events.
    pub async fn events_page(
        &self,
        connection: &str,
        filter: EventFilter,
        offset: u64,
        limit: u64,
    ) -> Result<EventPage, ConnectorError> {
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(ConnectorError::Invalid(vec![crate::Problem::new(
                "input.bad_limit",
                format!("A page of {limit} events cannot be shown."),
                format!("Ask for 1 to {PAGE_MAX} events a page."),
            )]));
        }
        filter.check().map_err(ConnectorError::Failed)?;
        let store = self.open_store(connection)?;
        let mut info = self.ip_info();
        tokio::task::spawn_blocking(move || -> Result<EventPage, StoreError> {
            let mut events = store.query_page(&filter, offset, limit)?;
            events.iter_mut().for_each(|e| info.enrich(e));
            let (total, total_estimated) = store.count_or_estimate(&filter)?;
            Ok(EventPage {
                events,
                total,
                total_estimated,
                offset,
                synced_until: store.checkpoint()?.map(|c| c.synced_until),
            })
        })
        .await
        .map_err(unreadable)?
        .map_err(|e| ConnectorError::Failed(e.problem()))
    }

    /// Writes the stored events of `connection` matching `filter` to `path` as `format`;
    /// returns how many were written.
    pub async fn export_events(
        &self,
        connection: &str,
        filter: EventFilter,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64, ConnectorError> {
        filter.check().map_err(ConnectorError::Failed)?;
        let store = self.open_store(connection)?;
        let path = path.to_path_buf();
        let mut info = self.ip_info();
        // Streamed from the store to the file: an export holds one event at a time.
        tokio::task::spawn_blocking(move || {
            export::write_file(&store, &filter, format, &path, Some(&mut info))
        })
        .await
        .map_err(unreadable)?
        .map_err(ConnectorError::Failed)
    }

    /// Where the sync of `connection` stands (None before its first sync).
    pub fn activity_checkpoint(
        &self,
        connection: &str,
    ) -> Result<Option<Checkpoint>, ConnectorError> {
        self.open_store(connection)?
            .checkpoint()
            .map_err(|e| ConnectorError::Failed(e.problem()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_names_are_safe_and_distinct() {
        assert_eq!(store_file_name("acme_prod"), "acme_prod.sqlite3");
        let a = store_file_name("Acme");
        let b = store_file_name("acme");
        assert_ne!(a, b);
        let c = store_file_name("../x y.é");
        assert!(!c.contains('/') && !c.contains(' '), "{c}");
        assert!(c.ends_with(".sqlite3"));
    }
}
