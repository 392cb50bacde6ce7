//! The tray icon, built in code and re-rendered from the one status channel. Linux trays deliver
//! no clicks, so every action lives in the menu, and the status is the icon plus a disabled
//! first menu line.

use connector::Status;
use connector::forwarding::ForwardStatus;
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::state::AppState;

pub const TRAY_ID: &str = "main";
const CONNECTION_PREFIX: &str = "connection:";

/// The tray image for a status; each status has its own shape (see `icons/src`).
fn icon_for(status: &Status) -> Image<'static> {
    let bytes: &'static [u8] = match status.icon_name() {
        "connected" => include_bytes!("../../icons/tray/connected.png"),
        "busy" => include_bytes!("../../icons/tray/busy.png"),
        "degraded" => include_bytes!("../../icons/tray/degraded.png"),
        "sign-in-required" => include_bytes!("../../icons/tray/sign-in-required.png"),
        "offline" => include_bytes!("../../icons/tray/offline.png"),
        _ => include_bytes!("../../icons/tray/not-configured.png"),
    };
    Image::from_bytes(bytes).expect("tray icons are valid PNGs")
}

/// Every connection's name and status, in name order.
fn connections<R: Runtime>(app: &AppHandle<R>) -> Vec<(String, Status, bool)> {
    let state = app.state::<AppState>();
    match state.connector.list() {
        Ok(all) => all
            .into_iter()
            .map(|c| {
                let simulated = c.profile.simulated;
                (c.profile.name, c.state.status, simulated)
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn menu<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<(Menu<R>, Status)> {
    let all = connections(app);
    let overall = Status::overall(all.iter().map(|(_, s, _)| s));
    let open_alerts = app
        .state::<AppState>()
        .open_alerts
        .load(std::sync::atomic::Ordering::Relaxed);
    let headline = headline(all.len(), overall.label(), open_alerts);
    let mut builder = MenuBuilder::new(app).item(
        &MenuItemBuilder::with_id("status", headline)
            .enabled(false)
            .build(app)?,
    );
    // Destinations whose last delivery failed (as `wdconnect run` left them in the stores).
    let failing = app
        .state::<AppState>()
        .connector
        .forward_list(None)
        .unwrap_or_default();
    for line in forward_lines(&failing) {
        builder = builder.item(&MenuItemBuilder::new(line).enabled(false).build(app)?);
    }
    let signing_in = all.iter().any(|(_, s, _)| *s == Status::SigningIn);
    for (name, status, simulated) in &all {
        let label = if *simulated {
            format!("{name} (simulation): {status}")
        } else {
            format!("{name}: {status}")
        };
        builder = builder.item(
            &MenuItemBuilder::with_id(format!("{CONNECTION_PREFIX}{name}"), label).build(app)?,
        );
    }
    builder = builder.separator().text("open", "Open Workday Connector");
    if !all.is_empty() {
        builder = builder.text("test-all", "Test all now");
    }
    if signing_in {
        builder = builder.text("cancel-signin", "Cancel sign-in");
    }
    Ok((builder.separator().text("quit", "Quit").build()?, overall))
}

/// The first menu line: the overall status and, when there are any, how many alerts are open.
fn headline(connections: usize, overall: &str, open_alerts: u64) -> String {
    let status = if connections == 0 {
        "Workday Connector: no connections yet".to_string()
    } else {
        format!("Workday Connector: {overall}")
    };
    match open_alerts {
        0 => status,
        1 => format!("{status}, 1 open alert"),
        n => format!("{status}, {n} open alerts"),
    }
}

/// One disabled line per forwarding destination whose last delivery failed, with its code.
fn forward_lines(all: &[ForwardStatus]) -> Vec<String> {
    all.iter()
        .filter_map(|d| {
            d.last_error.as_ref().map(|e| {
                format!(
                    "Forwarding {} ({}) is failing: {}",
                    d.name, d.connection, e.code
                )
            })
        })
        .collect()
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let (menu, overall) = menu(app)?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon_for(&overall))
        .tooltip("Workday Connector")
        .menu(&menu)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    Ok(())
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        // Back to the screen the person left (a closed window is built again there).
        "open" => crate::window::open(app),
        "test-all" => test_all(app),
        "cancel-signin" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let state = app.state::<AppState>();
                for (_, token) in state.signins.lock().await.drain() {
                    token.cancel();
                }
            });
        }
        "quit" => quit(app),
        other => {
            if let Some(name) = other.strip_prefix(CONNECTION_PREFIX) {
                // A window built now starts on the connection's screen; one already open is told.
                app.state::<AppState>()
                    .set_route(format!("connection/{}", fragment_encode(name)));
                crate::window::open(app);
                let _ = app.emit("navigate", Some(name.to_string()));
            }
        }
    }
}

/// Ends the app between token refreshes, never inside one (a refresh that Workday answered but
/// whose rotated token is not stored yet would leave the connection signed out); a refresh stuck
/// for long does not keep the app from quitting.
fn quit<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let held = app
            .state::<AppState>()
            .connector
            .hold_token_refreshes(std::time::Duration::from_secs(10))
            .await;
        if let Err(e) = &held {
            tracing::warn!(error = %e, "quitting while a token refresh may be in flight");
        }
        app.exit(0);
        // The locks go with the process, after the exit.
        std::mem::forget(held);
    });
}

fn test_all<R: Runtime>(app: &AppHandle<R>) {
    for (name, _, _) in connections(app) {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let state = app.state::<AppState>();
            let _busy = state.busy();
            if let Err(e) = state.connector.test(&name).await {
                tracing::warn!(connection = %name, error = %e, "test from the tray failed to run");
            }
        });
    }
}

/// Re-renders the tray after a status change.
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    if let Ok((menu, overall)) = menu(app) {
        let _ = tray.set_menu(Some(menu));
        let _ = tray.set_icon(Some(icon_for(&overall)));
        let _ = tray.set_tooltip(Some(format!("Workday Connector: {}", overall.label())));
    }
}

/// A connection name as the UI writes it in a route (`encodeURIComponent`, which leaves
/// `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as they are; the route keeps only `- _ . ~` of those).
fn fragment_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_line_counts_open_alerts() {
        assert_eq!(
            super::headline(0, "Not configured", 0),
            "Workday Connector: no connections yet"
        );
        assert_eq!(
            super::headline(2, "Connected", 0),
            "Workday Connector: Connected"
        );
        assert_eq!(
            super::headline(2, "Connected", 1),
            "Workday Connector: Connected, 1 open alert"
        );
        assert_eq!(
            super::headline(2, "Degraded", 3),
            "Workday Connector: Degraded, 3 open alerts"
        );
    }

    #[test]
    fn a_failing_destination_gets_a_line_of_its_own() {
        use connector::forwarding::ForwardStatus;
        let status = |name: &str, error: Option<connector::Problem>| ForwardStatus {
            connection: "acme".into(),
            name: name.into(),
            url: "hec+https://splunk:8088".into(),
            kind: forward::Kind::Hec,
            format: forward::Format::Json,
            ca_file: None,
            token_stored: true,
            pending: 10,
            delivered: 5,
            delivered_id: 5,
            alerts_pending: 0,
            alerts_delivered: 0,
            alerts_delivered_id: 0,
            last_delivery: None,
            last_error: error,
        };
        let refused = connector::Problem::new("forward.refused", "Refused.", "Fix the index.");
        assert_eq!(
            super::forward_lines(&[status("ok", None), status("splunk", Some(refused))]),
            vec!["Forwarding splunk (acme) is failing: forward.refused".to_string()]
        );
        assert!(super::forward_lines(&[status("ok", None)]).is_empty());
    }

    #[test]
    fn a_connection_route_spells_the_name_as_the_ui_does() {
        // ui/src/route.ts writes "new co!" as "new%20co%21" (see its tests).
        assert_eq!(super::fragment_encode("new co!"), "new%20co%21");
        assert_eq!(super::fragment_encode("acme-prod_2.x~"), "acme-prod_2.x~");
        assert_eq!(super::fragment_encode("é"), "%C3%A9");
    }
}
