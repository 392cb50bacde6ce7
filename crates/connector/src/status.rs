//! The one status model of a connection, and the one channel that publishes it. The tray icon,
//! its menu line, the UI badge and `wdconnect status` all render this value; nothing else
//! computes status. What the app knows about each connection at run time (status, last check,
//! last error) is kept in `state.json` so it survives restarts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};
use tokio::sync::watch;

use crate::problem::Problem;

/// `NotConfigured -> SigningIn -> Connected -> {Syncing, Degraded, SignInRequired, Offline}`.
///
/// Serialises as `{"state": "offline", "reason": "...", "label": "Offline"}`: the label travels
/// with the value, so no front keeps its own table of words. (Reading ignores the label.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum Status {
    NotConfigured,
    SigningIn,
    Connected,
    Syncing,
    /// Works in part: e.g. a permission was lost, so one step fails.
    Degraded(String),
    /// The tenant refuses the refresh token: only the user can mend this, by signing in again.
    SignInRequired(String),
    /// The tenant cannot be reached; retried with backoff.
    Offline(String),
}

impl Status {
    /// A short label for menus and badges; never the only carrier of meaning (see `icon_name`).
    pub fn label(&self) -> &'static str {
        match self {
            // A connection exists only with its values, so what it lacks is the sign-in.
            Status::NotConfigured => "Not signed in",
            Status::SigningIn => "Signing in",
            Status::Connected => "Connected",
            Status::Syncing => "Syncing",
            Status::Degraded(_) => "Degraded",
            Status::SignInRequired(_) => "Sign-in required",
            Status::Offline(_) => "Offline",
        }
    }

    /// The state without its reason, as `state` in JSON.
    pub fn state(&self) -> StatusState {
        match self {
            Status::NotConfigured => StatusState::NotConfigured,
            Status::SigningIn => StatusState::SigningIn,
            Status::Connected => StatusState::Connected,
            Status::Syncing => StatusState::Syncing,
            Status::Degraded(_) => StatusState::Degraded,
            Status::SignInRequired(_) => StatusState::SignInRequired,
            Status::Offline(_) => StatusState::Offline,
        }
    }

    /// The reason shown after the label, when the status has one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Status::Degraded(r) | Status::SignInRequired(r) | Status::Offline(r) => Some(r),
            _ => None,
        }
    }

    /// The tray icon file (under `icons/tray/`) for this status: each has its own shape, so the
    /// status is not told by colour alone.
    pub fn icon_name(&self) -> &'static str {
        match self {
            Status::NotConfigured => "not-configured",
            Status::SigningIn | Status::Syncing => "busy",
            Status::Connected => "connected",
            Status::Degraded(_) => "degraded",
            Status::SignInRequired(_) => "sign-in-required",
            Status::Offline(_) => "offline",
        }
    }

    /// True when the user has to act; these are the ones worth a notification.
    pub fn needs_user(&self) -> bool {
        matches!(
            self,
            Status::Degraded(_) | Status::SignInRequired(_) | Status::Offline(_)
        )
    }

    /// Ordering for the overall status of several connections: the worst one wins.
    fn severity(&self) -> u8 {
        match self {
            Status::Connected => 0,
            Status::Syncing => 1,
            Status::SigningIn => 2,
            Status::NotConfigured => 3,
            Status::Offline(_) => 4,
            Status::Degraded(_) => 5,
            Status::SignInRequired(_) => 6,
        }
    }

    /// The status the tray shows for all connections together: the worst of them, or
    /// NotConfigured when there are none.
    pub fn overall<'a>(all: impl IntoIterator<Item = &'a Status>) -> Status {
        all.into_iter()
            .max_by_key(|s| s.severity())
            .cloned()
            .unwrap_or(Status::NotConfigured)
    }
}

/// The states of [`Status`], named as in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    NotConfigured,
    SigningIn,
    Connected,
    Syncing,
    Degraded,
    SignInRequired,
    Offline,
}

/// How a [`Status`] is written: its state, its reason when it has one, and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Status"))]
pub struct StatusJson {
    pub state: StatusState,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reason: Option<String>,
    pub label: String,
}

impl From<&Status> for StatusJson {
    fn from(s: &Status) -> Self {
        Self {
            state: s.state(),
            reason: s.reason().map(str::to_owned),
            label: s.label().to_owned(),
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StatusJson::from(self).serialize(serializer)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason() {
            Some(r) => write!(f, "{}: {}", self.label(), r),
            None => f.write_str(self.label()),
        }
    }
}

/// The runtime facts about one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionState {
    #[cfg_attr(feature = "ts", ts(as = "StatusJson"))]
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

    fn all() -> [Status; 7] {
        [
            Status::NotConfigured,
            Status::SigningIn,
            Status::Connected,
            Status::Syncing,
            Status::Degraded("x".into()),
            Status::SignInRequired("x".into()),
            Status::Offline("x".into()),
        ]
    }

    #[test]
    fn serialises_with_state_and_reason() {
        let s = Status::SignInRequired("The refresh token was revoked.".into());
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "state": "sign_in_required",
                "reason": "The refresh token was revoked.",
                "label": "Sign-in required",
            })
        );
        assert_eq!(serde_json::from_value::<Status>(json).unwrap(), s);
        assert_eq!(
            serde_json::to_value(Status::Connected).unwrap(),
            serde_json::json!({"state": "connected", "label": "Connected"})
        );
        // Files written before the label existed still read.
        assert_eq!(
            serde_json::from_value::<Status>(serde_json::json!({"state": "not_configured"}))
                .unwrap(),
            Status::NotConfigured
        );
        // Every state reads back from what it writes.
        for s in all() {
            let back: Status = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn overall_is_the_worst_and_not_configured_when_empty() {
        let all = [
            Status::Connected,
            Status::Offline("timeout".into()),
            Status::Syncing,
        ];
        assert_eq!(Status::overall(&all), Status::Offline("timeout".into()));
        assert_eq!(Status::overall(&[]), Status::NotConfigured);
    }

    #[test]
    fn every_status_has_a_distinct_label_and_an_icon() {
        let all = all();
        let labels: std::collections::HashSet<_> = all.iter().map(Status::label).collect();
        assert_eq!(labels.len(), all.len());
        for s in &all {
            let icon = format!(
                "{}/../../icons/tray/{}.png",
                env!("CARGO_MANIFEST_DIR"),
                s.icon_name()
            );
            assert!(
                std::path::Path::new(&icon).is_file(),
                "missing tray icon {icon}"
            );
        }
    }

    #[test]
    fn display_carries_the_reason() {
        assert_eq!(
            Status::Degraded("activity log: permission denied".into()).to_string(),
            "Degraded: activity log: permission denied"
        );
    }

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
