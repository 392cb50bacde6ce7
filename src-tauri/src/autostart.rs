//! Start at login, through Tauri's autostart plugin (a login item, a LaunchAgent or an
//! autostart .desktop entry, per OS). The app then starts hidden in the tray.

use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;

pub fn apply<R: Runtime>(app: &AppHandle<R>, enabled: bool) {
    let launcher = app.autolaunch();
    let result = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    if let Err(e) = result {
        tracing::warn!(enabled, error = %e, "could not change start at login");
    }
}
