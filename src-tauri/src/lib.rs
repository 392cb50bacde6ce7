//! The desktop shell: wires the connector crate to a window, a tray and the app's commands.
//! Everything of substance lives in `connector`; this crate only connects it to Tauri.

mod commands;
mod tray;

use tauri::{Manager, WindowEvent};

use commands::AppState;

/// Command-line switches of the desktop binary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LaunchOptions {
    /// `--sandbox`: start the built-in simulated tenant at launch.
    pub sandbox: bool,
}

impl LaunchOptions {
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut options = LaunchOptions::default();
        for arg in args {
            if arg == "--sandbox" {
                options.sandbox = true;
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
    build::<tauri::Wry>(options)
        .run(tauri::generate_context!())
        .expect("the desktop app failed to start");
}

/// The app without its context, so tests can run it on Tauri's mock runtime.
pub fn build<R: tauri::Runtime>(options: LaunchOptions) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .manage(AppState::new(options.clone()))
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::sandbox_start,
            commands::sandbox_info,
        ])
        .setup(move |app| {
            tray::create(app.handle())?;
            if options.sandbox {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(problem) = commands::start_sandbox(&handle).await {
                        tracing::error!(code = %problem.code, "{}", problem.message);
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
    fn sandbox_flag_is_read_from_the_arguments() {
        assert!(LaunchOptions::from_args(["--sandbox".to_string()]).sandbox);
        assert!(!LaunchOptions::from_args(Vec::<String>::new()).sandbox);
    }
}
