//! What the app knows about each connection at run time (status, last check, last error), kept
//! in `state.json` so it survives restarts, and published on the one status channel that the
//! tray, the UI and the CLI read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::problem::Problem;
use crate::status::Status;

/// The runtime facts about one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionState {
    #[cfg_attr(feature = "ts", ts(as = "crate::status::StatusJson"))]
    pub status: Status,
    /// When a staged test last passed every step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_success: Option<DateTime<Utc>>,
    /// When the connection was last checked, whatever the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_check: Option<DateTime<Utc>>,
    /// The last failure, as the person saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub last_error: Option<Problem>,
}

impl Default for ConnectionState {
    fn default() -> Self {
        Self {
            status: Status::NotConfigured,
            last_success: None,
            last_check: None,
            last_error: None,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    version: u32,
    #[serde(default)]
    connections: BTreeMap<String, ConnectionState>,
}

const STATE_VERSION: u32 = 1;

/// The one status channel: every change goes through here, is written to `state.json`, and is
/// seen by every subscriber.
#[derive(Debug)]
pub struct StatusHub {
    path: PathBuf,
    tx: watch::Sender<BTreeMap<String, ConnectionState>>,
    write_lock: Mutex<()>,
}

impl StatusHub {
    /// Loads `state.json`. The file only caches runtime facts, so an unreadable or corrupt one is
    /// set aside (renamed, never deleted) and the app starts from "not checked yet".
    pub fn open(path: &Path) -> StatusHub {
        let states = match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<StateFile>(&bytes) {
                Ok(file) => file.connections,
                Err(e) => {
                    let aside = path.with_extension("json.corrupt");
                    tracing::warn!(path = %path.display(), aside = %aside.display(), error = %e, "state file unreadable; set aside");
                    let _ = std::fs::rename(path, &aside);
                    BTreeMap::new()
                }
            },
            Err(_) => BTreeMap::new(),
        };
        let (tx, _) = watch::channel(states);
        StatusHub {
            path: path.to_path_buf(),
            tx,
            write_lock: Mutex::new(()),
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<BTreeMap<String, ConnectionState>> {
        self.tx.subscribe()
    }

    pub fn get(&self, name: &str) -> ConnectionState {
        self.tx.borrow().get(name).cloned().unwrap_or_default()
    }

    pub fn all(&self) -> BTreeMap<String, ConnectionState> {
        self.tx.borrow().clone()
    }

    /// Applies a change to one connection's state, persists it, and notifies subscribers when
    /// anything changed.
    pub fn update(&self, name: &str, f: impl FnOnce(&mut ConnectionState)) -> ConnectionState {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut after = ConnectionState::default();
        self.tx.send_if_modified(|all| {
            let entry = all.entry(name.to_string()).or_default();
            let before = entry.clone();
            f(entry);
            after = entry.clone();
            before != after
        });
        self.persist();
        after
    }

    /// Forgets a connection (it was removed).
    pub fn forget(&self, name: &str) {
        let _guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.tx.send_if_modified(|all| all.remove(name).is_some());
        self.persist();
    }

    fn persist(&self) {
        let file = StateFile {
            version: STATE_VERSION,
            connections: self.tx.borrow().clone(),
        };
        if let Err(e) = crate::files::write_json_atomically(&self.path, &file) {
            // Runtime facts only: a failed write costs the history of checks, never a connection.
            tracing::warn!(path = %self.path.display(), error = %e, "could not write the state file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_persist_and_reach_subscribers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let hub = StatusHub::open(&path);
        let mut rx = hub.subscribe();
        hub.update("acme", |s| s.status = Status::Connected);
        assert!(rx.has_changed().unwrap());
        assert_eq!(rx.borrow_and_update()["acme"].status, Status::Connected);

        // Reopened from disk: the status survives a restart.
        let again = StatusHub::open(&path);
        assert_eq!(again.get("acme").status, Status::Connected);
        assert_eq!(again.get("other").status, Status::NotConfigured);

        // An update that changes nothing notifies nobody.
        hub.update("acme", |s| s.status = Status::Connected);
        assert!(!rx.has_changed().unwrap());

        hub.forget("acme");
        assert!(StatusHub::open(&path).all().is_empty());
    }

    #[test]
    fn a_corrupt_state_file_is_set_aside_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{not json").unwrap();
        let hub = StatusHub::open(&path);
        assert!(hub.all().is_empty());
        assert_eq!(
            std::fs::read(dir.path().join("state.json.corrupt")).unwrap(),
            b"{not json"
        );
    }
}
