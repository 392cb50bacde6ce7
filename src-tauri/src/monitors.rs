//! One health monitor per connection, started when the app starts or a connection is added,
//! restarted when the check interval changes, stopped when the connection is removed.

use tauri::{AppHandle, Manager, Runtime};
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

pub fn start<R: Runtime>(app: &AppHandle<R>, name: &str) {
    let state = app.state::<AppState>();
    let token = CancellationToken::new();
    if let Some(old) = state
        .monitors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), token.clone())
    {
        old.cancel();
    }
    let run = connector::health::monitor(
        state.connector.clone(),
        name.to_string(),
        state.check_interval(),
        token,
    );
    tauri::async_runtime::spawn(run);
}

pub fn stop<R: Runtime>(app: &AppHandle<R>, name: &str) {
    let state = app.state::<AppState>();
    if let Some(token) = state
        .monitors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(name)
    {
        token.cancel();
    }
}

/// (Re)starts a monitor for every connection.
pub fn restart_all<R: Runtime>(app: &AppHandle<R>) {
    let names = match app.state::<AppState>().connector.list() {
        Ok(all) => all.into_iter().map(|c| c.profile.name).collect::<Vec<_>>(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot list connections to monitor");
            return;
        }
    };
    for name in names {
        start(app, &name);
    }
}
