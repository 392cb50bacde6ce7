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
    /// Counts the window's closes and opens, so a hand-over planned at a close (`handover.rs`)
    /// knows the window was opened since.
    pub window_generation: std::sync::atomic::AtomicU64,
    /// Syncs, exports and tests running (see [`AppState::busy`]).
    busy: std::sync::atomic::AtomicUsize,
}

/// Marks work the app must not end in the middle of; dropped when the work ends.
#[derive(Debug)]
pub struct Busy<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
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
            connector: Arc::new(connector),
            sandbox: Mutex::new(None),
            signins: Mutex::new(HashMap::new()),
            monitors: std::sync::Mutex::new(HashMap::new()),
            settings: Mutex::new(settings),
            settings_store,
            open_alerts: std::sync::atomic::AtomicU64::new(0),
            alerts_changed: tokio::sync::Notify::new(),
            route: std::sync::Mutex::new(
                launch
                    .route
                    .clone()
                    .filter(|r| crate::window::valid_route(r))
                    .unwrap_or_default(),
            ),
            launch,
            window_generation: std::sync::atomic::AtomicU64::new(0),
            busy: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Marks a sync, export or test as running until the guard is dropped.
    pub fn busy(&self) -> Busy<'_> {
        self.busy.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Busy(&self.busy)
    }

    /// What this process is doing that ending it would break, if anything.
    pub async fn busy_with(&self) -> Option<&'static str> {
        if self.busy.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            Some("a sync, export or test is running")
        } else if !self.signins.lock().await.is_empty() {
            Some("a sign-in is waiting for the browser")
        } else if self.sandbox.lock().await.is_some() {
            Some("the sandbox tenant runs in this process")
        } else {
            None
        }
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
