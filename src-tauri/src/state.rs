//! The shell's shared state: the connector, the running sandbox, sign-ins in progress, the
//! monitors, and the app settings.

use std::collections::HashMap;
use std::sync::Arc;

use connector::Sandbox;
use connector::connections::Connector;
use connector::paths::Home;
use connector::settings::{AppSettings, SettingsStore};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::LaunchOptions;

#[derive(Debug)]
pub struct AppState {
    pub launch: LaunchOptions,
    pub connector: Arc<Connector>,
    pub sandbox: Mutex<Option<Sandbox>>,
    /// Cancel handles of the sign-ins waiting for the browser, by connection.
    pub signins: Mutex<HashMap<String, CancellationToken>>,
    /// Stop handles of the health monitors, by connection.
    pub monitors: std::sync::Mutex<HashMap<String, CancellationToken>>,
    pub settings: Mutex<AppSettings>,
    pub settings_store: SettingsStore,
    /// Open alerts across connections, as the alert watcher last counted them (the tray's first
    /// line).
    pub open_alerts: std::sync::atomic::AtomicU64,
    /// Woken when an alert changed status, so the watcher counts again at once.
    pub alerts_changed: tokio::sync::Notify,
    /// The screen the UI last showed (a URL fragment, see `window.rs`): the window is destroyed on
    /// close and built again there on Open.
    route: std::sync::Mutex<String>,
}

impl AppState {
    pub fn new(launch: LaunchOptions, home: Home) -> Result<Self, connector::Problem> {
        let settings_store = SettingsStore::new(home.root().join("settings.json"));
        let settings = settings_store.load().unwrap_or_else(|e| {
            // The file is kept as it is; the app runs on defaults and the Settings screen saves anew.
            tracing::warn!(error = %e, "settings unreadable; using defaults");
            AppSettings::default()
        });
        let connector = Connector::open(home).map_err(|e| {
            e.problems().into_iter().next().unwrap_or_else(|| {
                connector::Problem::new(
                    "app.start_failed",
                    "The app could not start.",
                    "Restart it.",
                )
            })
        })?;
        Ok(Self {
            launch,
            connector: Arc::new(connector),
            sandbox: Mutex::new(None),
            signins: Mutex::new(HashMap::new()),
            monitors: std::sync::Mutex::new(HashMap::new()),
            settings: Mutex::new(settings),
            settings_store,
            open_alerts: std::sync::atomic::AtomicU64::new(0),
            alerts_changed: tokio::sync::Notify::new(),
            route: std::sync::Mutex::new(String::new()),
        })
    }

    pub fn route(&self) -> String {
        self.route.lock().map(|r| r.clone()).unwrap_or_default()
    }

    pub fn set_route(&self, route: String) {
        if let Ok(mut r) = self.route.lock() {
            *r = route;
        }
    }

    /// Minutes between checks, readable from synchronous code (tray, setup).
    pub fn check_interval(&self) -> std::time::Duration {
        self.settings.try_lock().map_or_else(
            |_| AppSettings::default().check_interval(),
            |s| s.check_interval(),
        )
    }
}
