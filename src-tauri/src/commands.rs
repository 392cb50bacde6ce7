//! The app's Tauri commands: each is a short call into `connector`; failures reach the UI as
//! `{code, message, fix}` unchanged.

use connector::{Diagnose, Problem, Sandbox, SandboxInfo, SandboxOptions, Status};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tokio::sync::Mutex;

use crate::{LaunchOptions, tray};

/// Shared state of the running app.
#[derive(Debug)]
pub struct AppState {
    launch: LaunchOptions,
    sandbox: Mutex<Option<Sandbox>>,
}

impl AppState {
    pub fn new(launch: LaunchOptions) -> Self {
        Self {
            launch,
            sandbox: Mutex::new(None),
        }
    }
}

/// What the UI needs to know about the app itself.
#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    /// The app was launched with `--sandbox`; the UI shows the sandbox while it starts.
    pub sandbox_requested: bool,
    pub status: Status,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        sandbox_requested: state.launch.sandbox,
        status: Status::NotConfigured,
    }
}

/// Starts the simulated tenant (once) and returns its values, never its client secret.
#[tauri::command]
pub async fn sandbox_start<R: Runtime>(app: AppHandle<R>) -> Result<SandboxInfo, Problem> {
    start_sandbox(&app).await
}

#[tauri::command]
pub async fn sandbox_info(state: State<'_, AppState>) -> Result<Option<SandboxInfo>, Problem> {
    Ok(state
        .sandbox
        .lock()
        .await
        .as_ref()
        .map(|s| s.info().clone()))
}

/// Starts the sandbox unless it runs already, then tells the UI and the tray.
pub async fn start_sandbox<R: Runtime>(app: &AppHandle<R>) -> Result<SandboxInfo, Problem> {
    let state = app.state::<AppState>();
    let mut slot = state.sandbox.lock().await;
    if let Some(sandbox) = slot.as_ref() {
        return Ok(sandbox.info().clone());
    }
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .map_err(|e| e.problem())?;
    let info = sandbox.info().clone();
    *slot = Some(sandbox);
    drop(slot);
    tray::refresh(app, Some(&info));
    let _ = app.emit("sandbox-changed", &info);
    Ok(info)
}
