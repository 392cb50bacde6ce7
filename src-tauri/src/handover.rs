//! A fresh app process for the tray once the window is closed. On Linux the process that built a
//! window keeps WebKit's and the GL driver's library pages (some 85 MiB, see the README's
//! "Desktop app" figures) long after the window is gone, while an app started hidden never
//! touches them. So once the window has been closed for a while and nothing is in flight, the
//! app starts itself again hidden, on the same home and screen, and ends; the new process waits
//! until the old one is gone before it takes the single-instance place, the tray and the monitors.

use std::io::Read;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use connector::connections::RefreshesHeld;
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;
use crate::window::MAIN;

/// Seconds a closed window waits before the hand-over; `0` turns it off.
pub const AFTER_CLOSE_ENV: &str = "WDCONNECT_RESTART_AFTER_CLOSE";
/// Long enough that a window closed and opened again soon after costs nothing; short against
/// the days a tray app runs.
const AFTER_CLOSE: Duration = Duration::from_secs(30);
/// While something is in flight, how often to look again.
const RETRY: Duration = Duration::from_secs(5);
/// A refresh in flight takes seconds; past this the hand-over is tried again later.
const REFRESH_WAIT: Duration = Duration::from_secs(30);
/// The new process starts anyway after this: were the old one stuck, the single-instance plugin
/// would hand this launch to it instead (it then opens its window), so nothing runs twice.
const PREDECESSOR_WAIT: Duration = Duration::from_secs(60);

/// What lives until this process ends: the write end of the successor's standard input (its end
/// tells the successor this process is gone) and the refresh locks.
static KEPT_UNTIL_EXIT: OnceLock<Mutex<Kept>> = OnceLock::new();

#[derive(Default)]
struct Kept {
    _successor_stdin: Option<ChildStdin>,
    _refreshes: Option<RefreshesHeld>,
}

/// How long after a close the hand-over happens, or None where it is off. Only Linux builds a
/// window's webview and GL in the app's own process (WebView2 and WKWebView run in processes of
/// their own, which end with the window); under WebDriver the session would lose its app.
fn after_close() -> Option<Duration> {
    if std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true") {
        return None;
    }
    delay_from(
        std::env::var(AFTER_CLOSE_ENV).ok().as_deref(),
        cfg!(target_os = "linux"),
    )
}

/// The delay a setting of `AFTER_CLOSE_ENV` asks for; unset or unreadable, the platform default.
fn delay_from(setting: Option<&str>, on_by_default: bool) -> Option<Duration> {
    match setting.map(str::trim).map(str::parse::<u64>) {
        Some(Ok(0)) => None,
        Some(Ok(secs)) => Some(Duration::from_secs(secs)),
        Some(Err(_)) => {
            tracing::warn!("{AFTER_CLOSE_ENV} is not a number of seconds; the default applies");
            on_by_default.then_some(AFTER_CLOSE)
        }
        None => on_by_default.then_some(AFTER_CLOSE),
    }
}

/// The window was closed: hand over once it has stayed closed for the delay and the app is idle.
/// A window opened meanwhile (a newer generation) cancels this one.
pub fn schedule<R: Runtime>(app: &AppHandle<R>) {
    let Some(after) = after_close() else {
        return;
    };
    let generation = app
        .state::<AppState>()
        .window_generation
        .fetch_add(1, Ordering::SeqCst)
        + 1;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(after).await;
        loop {
            let state = app.state::<AppState>();
            let current = state.window_generation.load(Ordering::SeqCst) == generation
                && app.get_webview_window(MAIN).is_none();
            if !current {
                return;
            }
            match ready(&app).await {
                Ok(refreshes) => match start_successor(&app, refreshes) {
                    Ok(()) => {
                        tracing::info!("the window is closed: handing the tray to a fresh process");
                        app.exit(0);
                        return;
                    }
                    Err(e) => {
                        // Staying is always safe: the app only weighs more.
                        tracing::warn!(error = %e, "no fresh process for the tray; this one stays");
                        return;
                    }
                },
                Err(reason) => tracing::debug!(reason, "the hand-over waits"),
            }
            tokio::time::sleep(RETRY).await;
        }
    });
}

/// Nothing this process would lose by ending: no sync, export or test running, no sign-in
/// waiting for the browser, no sandbox tenant (its state lives in this process), and no token
/// refresh in flight (the locks are held from here on).
async fn ready<R: Runtime>(app: &AppHandle<R>) -> Result<RefreshesHeld, String> {
    let state = app.state::<AppState>();
    if let Some(reason) = state.busy_with().await {
        return Err(reason.to_string());
    }
    let refreshes = state
        .connector
        .hold_token_refreshes(REFRESH_WAIT)
        .await
        .map_err(|e| e.to_string())?;
    // Checked again with the locks held: a tray action may have started work meanwhile.
    match state.busy_with().await {
        Some(reason) => Err(reason.to_string()),
        None => Ok(refreshes),
    }
}

/// The arguments of the successor: hidden, on the same home, the screen to come back to.
fn successor_args(launch: &crate::LaunchOptions, route: &str) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec!["--hidden".into(), "--handover".into()];
    if let Some(home) = &launch.home {
        args.push("--home".into());
        args.push(home.into());
    }
    if !route.is_empty() {
        args.push("--route".into());
        args.push(route.into());
    }
    args
}

/// Starts the successor with this process's end as its signal, and gives up the single-instance
/// place so the successor can take it.
fn start_successor<R: Runtime>(
    app: &AppHandle<R>,
    refreshes: RefreshesHeld,
) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    // Replaced by an update while running: "/usr/bin/workday-connector (deleted)" on Linux.
    if !exe.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is no longer there",
            exe.display()
        )));
    }
    let state = app.state::<AppState>();
    let mut child = Command::new(&exe)
        .args(successor_args(&state.launch, &state.route()))
        .stdin(Stdio::piped())
        .spawn()?;
    let stdin = child.stdin.take();
    let kept = KEPT_UNTIL_EXIT.get_or_init(Mutex::default);
    if let Ok(mut kept) = kept.lock() {
        kept._successor_stdin = stdin;
        kept._refreshes = Some(refreshes);
    }
    // Released now rather than at the very end, so it is free when the successor looks.
    tauri_plugin_single_instance::destroy(app);
    Ok(())
}

/// In the successor, before anything else: waits until standard input ends, which happens when
/// the process that started this one has ended (it holds the only write end).
pub fn wait_for_predecessor() {
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = done.send(());
    });
    if ended.recv_timeout(PREDECESSOR_WAIT).is_err() {
        eprintln!("the previous app process has not ended; starting anyway");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_is_a_number_of_seconds_and_zero_turns_it_off() {
        assert_eq!(delay_from(None, true), Some(AFTER_CLOSE));
        assert_eq!(delay_from(None, false), None);
        assert_eq!(delay_from(Some("0"), true), None);
        assert_eq!(delay_from(Some(" 5 "), false), Some(Duration::from_secs(5)));
        assert_eq!(delay_from(Some("soon"), true), Some(AFTER_CLOSE));
        assert_eq!(delay_from(Some("soon"), false), None);
    }

    #[test]
    fn the_successor_starts_hidden_on_the_same_home_and_screen() {
        let launch = crate::LaunchOptions {
            home: Some("/tmp/h o".into()),
            sandbox: true,
            ..Default::default()
        };
        let args = successor_args(&launch, "activity/acme%20prod");
        assert_eq!(
            args,
            [
                "--hidden",
                "--handover",
                "--home",
                "/tmp/h o",
                "--route",
                "activity/acme%20prod"
            ]
            .map(std::ffi::OsString::from)
        );
        // Parsed back by the successor's own options.
        let parsed = <crate::LaunchOptions as clap::Parser>::try_parse_from(
            std::iter::once("workday-connector".into()).chain(args),
        )
        .unwrap();
        assert!(parsed.hidden && parsed.handover && !parsed.sandbox);
        assert_eq!(parsed.route.as_deref(), Some("activity/acme%20prod"));
        assert_eq!(
            successor_args(&crate::LaunchOptions::default(), ""),
            ["--hidden", "--handover"].map(std::ffi::OsString::from)
        );
    }
}
