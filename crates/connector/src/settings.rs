//! The app's own settings (start at login, notifications, check interval), kept in
//! `settings.json` beside the connections and written atomically.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::problem::{Diagnose, Problem};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "Settings"))]
pub struct AppSettings {
    /// Start the desktop app (hidden, in the tray) when the user logs in.
    pub start_at_login: bool,
    /// Notify when a connection needs the user, and when it recovers.
    pub notifications: bool,
    /// Minutes between two scheduled checks of each connection.
    pub check_interval_minutes: u32,
}

/// Minutes between two scheduled checks unless the user chooses otherwise.
pub const DEFAULT_CHECK_INTERVAL_MINUTES: u32 = 15;

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            start_at_login: false,
            notifications: true,
            check_interval_minutes: DEFAULT_CHECK_INTERVAL_MINUTES,
        }
    }
}

impl AppSettings {
    /// The time between two scheduled checks of each connection.
    pub fn check_interval(&self) -> Duration {
        Duration::from_secs(u64::from(self.check_interval_minutes) * 60)
    }
}

/// Allowed check intervals: often enough to notice trouble, rarely enough not to load a tenant.
pub const CHECK_INTERVAL_RANGE: std::ops::RangeInclusive<u32> = 1..=1440;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the settings file {path} cannot be read: {detail}")]
    Unreadable { path: PathBuf, detail: String },
    #[error("the settings file {path} could not be written: {detail}")]
    WriteFailed { path: PathBuf, detail: String },
    #[error("the check interval must be between 1 and 1440 minutes")]
    IntervalOutOfRange,
}

impl Diagnose for SettingsError {
    fn problem(&self) -> Problem {
        match self {
            SettingsError::Unreadable { path, .. } => Problem::new(
                "settings.unreadable",
                format!("The settings file {} cannot be read.", path.display()),
                "Fix or delete that file; the app then starts with default settings.",
            ),
            SettingsError::WriteFailed { path, .. } => Problem::new(
                "settings.write_failed",
                format!("The settings could not be saved to {}.", path.display()),
                "Check that the folder is writable and the disk is not full.",
            ),
            SettingsError::IntervalOutOfRange => Problem::new(
                "settings.check_interval_out_of_range",
                "The check interval must be between 1 and 1440 minutes.",
                format!(
                    "Choose a check interval from 1 minute to 24 hours \
                     ({DEFAULT_CHECK_INTERVAL_MINUTES} minutes is a good default)."
                ),
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SettingsStore {
    path: PathBuf,
}

impl SettingsStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The settings, or the defaults when none were saved yet. A file that exists but cannot be
    /// parsed is an error naming it: it is never silently replaced.
    pub fn load(&self) -> Result<AppSettings, SettingsError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SettingsError::Unreadable {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AppSettings::default()),
            Err(e) => Err(SettingsError::Unreadable {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
        }
    }

    pub fn save(&self, settings: &AppSettings) -> Result<(), SettingsError> {
        if !CHECK_INTERVAL_RANGE.contains(&settings.check_interval_minutes) {
            return Err(SettingsError::IntervalOutOfRange);
        }
        crate::files::write_json_atomically(&self.path, settings).map_err(|e| {
            SettingsError::WriteFailed {
                path: self.path.clone(),
                detail: e.to_string(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::new(dir.path().join("settings.json"));
        assert_eq!(store.load().unwrap(), AppSettings::default());
        assert_eq!(
            AppSettings::default().check_interval(),
            Duration::from_secs(15 * 60)
        );
        let s = AppSettings {
            start_at_login: true,
            notifications: false,
            check_interval_minutes: 30,
        };
        store.save(&s).unwrap();
        assert_eq!(store.load().unwrap(), s);
    }

    #[test]
    fn a_bad_interval_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::new(dir.path().join("settings.json"));
        let bad = AppSettings {
            check_interval_minutes: 0,
            ..AppSettings::default()
        };
        assert_eq!(
            store.save(&bad).unwrap_err().problem().code,
            "settings.check_interval_out_of_range"
        );
        assert!(!dir.path().join("settings.json").exists());
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{oops").unwrap();
        let err = SettingsStore::new(&path).load().unwrap_err().problem();
        assert_eq!(err.code, "settings.unreadable");
        assert!(err.message.contains("settings.json"));
        assert_eq!(std::fs::read(&path).unwrap(), b"{oops");
    }
}
