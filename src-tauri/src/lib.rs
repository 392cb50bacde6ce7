//! The desktop shell: wires the connector crate to a window, a tray, notifications and the app's
//! commands. Everything of substance lives in `connector`; this crate only connects it to Tauri.

mod autostart;
pub mod commands;
mod events;
mod monitors;
mod opener;
pub mod state;
mod tray;

use std::path::PathBuf;

use tauri::{Manager, WindowEvent};

use state::AppState;

/// Command-line switches of the desktop binary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LaunchOptions {
    /// `--sandbox`: start the built-in simulated tenant at launch.
    pub sandbox: bool,
    /// `--hidden`: start in the tray without showing the window (start at login).
    pub hidden: bool,
    /// `--home DIR`: keep connections and state there (also `WDCONNECT_HOME`).
    pub home: Option<PathBuf>,
}

impl LaunchOptions {
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut options = LaunchOptions::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--sandbox" => options.sandbox = true,
                "--hidden" => options.hidden = true,
                "--home" => options.home = args.next().map(PathBuf::from),
                _ => {}
            }
        }
        options
    }
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WDCONNECT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let options = LaunchOptions::from_args(std::env::args().skip(1));
    let state = match connector::paths::Home::resolve(options.home.clone())
        .map_err(|e| connector::Diagnose::problem(&e))
        .and_then(|home| AppState::new(options.clone(), home))
    {
        Ok(s) => s,
        Err(p) => {
            eprintln!("error: {}\n  fix: {}", p.message, p.fix);
            std::process::exit(1);
        }
    };
    build::<tauri::Wry>(state)
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // A second launch shows the running app instead of starting another.
            tray::show_main_window(app);
        }))
        .run(tauri::generate_context!())
        .expect("the desktop app failed to start");
}

/// The app without its context and the single-instance plugin, so tests can run it on Tauri's
/// mock runtime.
pub fn build<R: tauri::Runtime>(state: AppState) -> tauri::Builder<R> {
    let launch = state.launch.clone();
    tauri::Builder::<R>::new()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::connections_list,
            commands::guide,
            commands::check_values,
            commands::parse_paste,
            commands::connection_add,
            commands::connection_edit,
            commands::connection_remove,
            commands::connection_connect,
            commands::signin_cancel,
            commands::connection_test,
            commands::connection_disconnect,
            commands::sandbox_start,
            commands::sandbox_info,
            commands::settings_get,
            commands::settings_set,
            commands::activity_query,
            commands::activity_sync,
            commands::activity_export,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            tray::create(&handle)?;
            events::forward_status(handle.clone());
            monitors::restart_all(&handle);
            if launch.hidden
                && let Some(window) = app.get_webview_window("main")
            {
                let _ = window.hide();
            }
            if launch.sandbox {
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = commands::start_sandbox(&handle).await {
                        tracing::error!(error = ?e, "the sandbox did not start");
                    }
                });
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing hides to the tray: the app keeps watching connections; Quit is in the tray.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().tray_by_id(tray::TRAY_ID).is_some()
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_options_are_read_from_the_arguments() {
        let o = LaunchOptions::from_args(
            ["--sandbox", "--home", "/tmp/x", "--hidden"].map(String::from),
        );
        assert!(o.sandbox && o.hidden);
        assert_eq!(o.home, Some(PathBuf::from("/tmp/x")));
        assert_eq!(
            LaunchOptions::from_args(Vec::<String>::new()),
            LaunchOptions::default()
        );
    }
}
