//! The desktop shell: wires the connector crate to a window, a tray, notifications and the app's
//! commands. Everything of substance lives in `connector`; this crate only connects it to Tauri.

mod alerts;
mod autostart;
#[cfg(test)]
mod bindings;
pub mod commands;
mod events;
mod handover;
mod monitors;
mod opener;
pub mod state;
mod tray;
pub mod window;

use std::path::PathBuf;

use state::AppState;
use tauri::Manager;

/// Command-line switches of the desktop binary: `--help` and `--version` print and exit 0, an
/// unknown option is refused with exit 2 rather than ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq, clap::Parser)]
#[command(
    name = "workday-connector",
    version,
    about = "Workday Connector: connect a Workday \
    tenant through its API-client route, with the built-in sandbox to try every step."
)]
pub struct LaunchOptions {
    /// Start the built-in simulated tenant (the sandbox) at launch.
    #[arg(long)]
    pub sandbox: bool,
    /// Start in the tray without showing the window (what start at login uses).
    #[arg(long)]
    pub hidden: bool,
    /// Keep connections and state in DIR (default: the user's config folder; also WDCONNECT_HOME).
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Started by the app itself after its window closed (see `handover.rs`): first wait until
    /// the process that started this one has ended.
    #[arg(long, hide = true)]
    pub handover: bool,
    /// The screen a window built later starts on (see `window.rs`), handed over with `--handover`.
    #[arg(long, hide = true, value_name = "ROUTE")]
    pub route: Option<String>,
}

pub fn run() {
    connector::alloc::keep_large_buffers_mapped();
    let options = <LaunchOptions as clap::Parser>::parse();
    if options.handover {
        handover::wait_for_predecessor();
    }
    let home = connector::paths::Home::resolve(options.home.clone());
    init_logging(home.as_ref().ok());
    let state = match home
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
            window::open(app);
        }))
        .build(tauri::generate_context!())
        .expect("the desktop app failed to start")
        .run(on_run_event);
}

/// Closing the window destroys it (and its webview); the app lives on in the tray, where it keeps
/// watching connections, until Quit. macOS: the Dock icon stays, and a click on it (Reopen) must
/// bring the window back, or the app looks dead.
pub fn on_run_event<R: tauri::Runtime>(app: &tauri::AppHandle<R>, event: tauri::RunEvent) {
    match event {
        // `code` is None when the last window closed, Some when Quit called `exit`. Without a
        // tray (it failed to build) nothing could bring the window back: then let it exit.
        tauri::RunEvent::ExitRequested {
            code: None, api, ..
        } if app.tray_by_id(tray::TRAY_ID).is_some() => api.prevent_exit(),
        #[cfg(target_os = "macos")]
        tauri::RunEvent::Reopen {
            has_visible_windows: false,
            ..
        } => window::open(app),
        _ => {}
    }
}

/// The log file a desktop app without a console needs: `<logs>/workday-connector.log`, also on
/// stderr. Kept to about 10 MiB: past 5 MiB it is moved to `.log.1` at the next launch.
/// `WDCONNECT_LOG` sets the filter (default `info`); secrets are never logged at any level.
fn init_logging(home: Option<&connector::paths::Home>) {
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    const ROTATE_AT: u64 = 5 * 1024 * 1024;
    let filter = tracing_subscriber::EnvFilter::try_from_env("WDCONNECT_LOG")
        .unwrap_or_else(|_| "info".into());
    let file = home.and_then(|home| {
        home.ensure_dirs().ok()?;
        let dir = home.logs_dir();
        let path = dir.join("workday-connector.log");
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_AT) {
            let _ = std::fs::rename(&path, dir.join("workday-connector.log.1"));
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        // The log names tenants, users and addresses: the user's alone, also when an older
        // version made it readable by others.
        let file = connector::paths::private_mode(&mut options)
            .open(&path)
            .ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .ok()?;
        }
        Some(file)
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match file {
        Some(file) => builder
            .with_ansi(false)
            .with_writer(std::io::stderr.and(std::sync::Mutex::new(file)))
            .try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
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
            commands::activity_insights,
            commands::activity_user,
            commands::alerts_list,
            commands::alert_set_status,
            commands::rules_list,
            commands::forward_list,
            commands::forward_test,
            window::route_save,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            tray::create(&handle)?;
            events::forward_status(handle.clone());
            alerts::watch(handle.clone());
            monitors::restart_all(&handle);
            // Started hidden (at login), the app builds no window until Open: no webview, no
            // WebKit processes.
            if !launch.hidden {
                window::open(&handle);
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
            if matches!(event, tauri::WindowEvent::Destroyed) && window.label() == window::MAIN {
                window::released(window.app_handle());
            }
        })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn launch_options_are_read_from_the_arguments() {
        let parse = |args: &[&str]| {
            LaunchOptions::try_parse_from(
                std::iter::once("workday-connector").chain(args.iter().copied()),
            )
        };
        let o = parse(&["--sandbox", "--home", "/tmp/x", "--hidden"]).unwrap();
        assert!(o.sandbox && o.hidden);
        assert_eq!(o.home, Some(PathBuf::from("/tmp/x")));
        assert_eq!(parse(&[]).unwrap(), LaunchOptions::default());
        let unknown = parse(&["--sandboxx"]).unwrap_err();
        assert_eq!(unknown.kind(), clap::error::ErrorKind::UnknownArgument);
        assert_eq!(unknown.exit_code(), 2);
        assert_eq!(
            parse(&["--home"]).unwrap_err().kind(),
            clap::error::ErrorKind::InvalidValue
        );
        let help = parse(&["--help"]).unwrap_err();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        assert_eq!(help.exit_code(), 0);
    }
}
