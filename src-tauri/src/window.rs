//! The main window's life cycle: built on Open, destroyed on close (its webview and WebKit's web
//! process go with it, so the app weighs little in the tray), and built again on the screen the
//! person left, which the UI reports as it moves (`route_save`).

use connector::Problem;
use tauri::utils::config::WindowConfig;
use tauri::{AppHandle, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder};

use crate::commands::CommandError;
use crate::state::AppState;

pub const MAIN: &str = "main";

/// Longest route kept: a screen and a connection name, percent-encoded, fit easily.
const ROUTE_MAX: usize = 512;

/// Shows the main window, building it (and its webview) if it was closed or never opened. A new
/// window starts on the last route the UI saved, so the person finds the screen they left.
pub fn open<R: Runtime>(app: &AppHandle<R>) {
    // A hand-over planned at the last close is off: the person is back.
    app.state::<AppState>()
        .window_generation
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
        return;
    }
    let route = app.state::<AppState>().route();
    let mut config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .unwrap_or_else(|| WindowConfig {
            label: MAIN.into(),
            ..WindowConfig::default()
        });
    config.url = WebviewUrl::App(page_for(&route).into());
    let built = WebviewWindowBuilder::from_config(app, &config).and_then(|b| b.build());
    match built {
        Ok(window) => {
            let _ = window.set_focus();
        }
        // Raced with another Open that built it first: show that one.
        Err(
            tauri::Error::WindowLabelAlreadyExists(_) | tauri::Error::WebviewLabelAlreadyExists(_),
        ) => {
            if let Some(window) = app.get_webview_window(MAIN) {
                let _ = window.show();
                let _ = window.set_focus();
            }
        }
        Err(e) => tracing::error!(error = %e, "the window could not be built"),
    }
}

/// The main window is gone (closed, or its webview ended): the app process is handed over to a
/// fresh one after a while (`handover.rs`). Until then, on Linux, WebKit keeps its network
/// process running once no webview is left (Tauri keeps the web context, so that a new window
/// reuses it): some 60 MiB resident for nothing while the app sits in the tray. It is ended here;
/// WebKit starts another with the next window. The app keeps no web storage, so nothing is lost.
pub fn released<R: Runtime>(app: &AppHandle<R>) {
    let others = app.webview_windows().into_keys().any(|label| label != MAIN);
    // Under WebDriver (tauri-driver sets TAURI_WEBVIEW_AUTOMATION) the automation session ends
    // with the network process: keep it there, so a test can drive the next window.
    #[cfg(target_os = "linux")]
    if !others && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() != Ok("true") {
        end_network_process();
    }
    #[cfg(not(target_os = "linux"))]
    let _ = others;
    if !others {
        crate::handover::schedule(app);
    }
}

/// Sends SIGTERM to this process's own WebKit network process (a direct child, by name).
#[cfg(target_os = "linux")]
fn end_network_process() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": the name may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map_or("", |(_, n)| n);
        let parent = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if parent == Some(me) && name.starts_with("WebKitNetwork") {
            match kill(Pid::from_raw(pid), Signal::SIGTERM) {
                Ok(()) => tracing::debug!(pid, "ended WebKit's idle network process"),
                Err(e) => tracing::debug!(pid, error = %e, "WebKit's network process not ended"),
            }
        }
    }
}

/// The page a new window loads: the app's page with the route as its fragment.
pub fn page_for(route: &str) -> String {
    if route.is_empty() {
        "index.html".into()
    } else {
        format!("index.html#{route}")
    }
}

/// A route is a URL fragment the UI wrote (`connection/acme%20prod`): only characters that need
/// no escaping in a fragment, so it cannot change what page a new window loads.
pub fn valid_route(route: &str) -> bool {
    route.len() <= ROUTE_MAX
        && route
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~%".contains(&b))
}

/// The UI reports the screen it shows; a window built later starts there.
#[tauri::command]
pub fn route_save(state: State<'_, AppState>, route: String) -> Result<(), CommandError> {
    if !valid_route(&route) {
        return Err(Problem::new(
            "app.route_invalid",
            "The app's screen could not be remembered.",
            "Reload the window (Ctrl+R); the screen is then kept again.",
        )
        .into());
    }
    state.set_route(route);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_become_fragments_of_the_app_page_and_nothing_else() {
        assert_eq!(page_for(""), "index.html");
        assert_eq!(
            page_for("connection/acme%20prod"),
            "index.html#connection/acme%20prod"
        );
        assert!(valid_route("activity/sandbox"));
        assert!(valid_route(""));
        for bad in ["a#b", "x?y=1", "a b", "<script>", "é", "a\nb"] {
            assert!(!valid_route(bad), "{bad}");
        }
        assert!(!valid_route(&"a".repeat(ROUTE_MAX + 1)));
    }
}
