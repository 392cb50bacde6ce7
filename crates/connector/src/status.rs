//! The one status model of a connection. The tray icon, its menu line, the UI badge and
//! `wdconnect status` all render this value; nothing else computes status.

use serde::{Deserialize, Serialize};

/// `NotConfigured -> SigningIn -> Connected -> {Syncing, Degraded, SignInRequired, Offline}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
            Status::NotConfigured => "Not configured",
            Status::SigningIn => "Signing in",
            Status::Connected => "Connected",
            Status::Syncing => "Syncing",
            Status::Degraded(_) => "Degraded",
            Status::SignInRequired(_) => "Sign-in required",
            Status::Offline(_) => "Offline",
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

    #[test]
    fn serialises_with_state_and_reason() {
        let s = Status::SignInRequired("The refresh token was revoked.".into());
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"state": "sign_in_required", "reason": "The refresh token was revoked."})
        );
        assert_eq!(
            serde_json::to_value(Status::Connected).unwrap(),
            serde_json::json!({"state": "connected"})
        );
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
        let all = [
            Status::NotConfigured,
            Status::SigningIn,
            Status::Connected,
            Status::Syncing,
            Status::Degraded(String::new()),
            Status::SignInRequired(String::new()),
            Status::Offline(String::new()),
        ];
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
