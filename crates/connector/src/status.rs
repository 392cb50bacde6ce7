//! The one status model of a connection. The tray icon, its menu line, the UI badge and
//! `wdconnect status` all render this value; nothing else computes status.

use serde::{Deserialize, Serialize, Serializer};

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
}
