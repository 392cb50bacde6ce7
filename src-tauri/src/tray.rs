//! The tray icon, built in code. Linux trays deliver no clicks, so every action lives in the
//! menu, and the status is the icon plus a disabled first menu line.

use connector::{SandboxInfo, Status};
use tauri::image::Image;
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

pub const TRAY_ID: &str = "main";

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

fn menu<R: Runtime>(
    app: &AppHandle<R>,
    status: &Status,
    sandbox: Option<&SandboxInfo>,
) -> tauri::Result<Menu<R>> {
    let headline = MenuItemBuilder::with_id("status", format!("Workday Connector: {status}"))
        .enabled(false)
        .build(app)?;
    let mut builder = MenuBuilder::new(app).item(&headline);
    if let Some(info) = sandbox {
        let line =
            MenuItemBuilder::with_id("sandbox", format!("Sandbox (simulated): {}", info.tenant))
                .enabled(false)
                .build(app)?;
        builder = builder.item(&line);
    }
    builder
        .separator()
        .text("open", "Open Workday Connector")
        .separator()
        .text("quit", "Quit")
        .build()
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let status = Status::NotConfigured;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon_for(&status))
        .tooltip("Workday Connector")
        .menu(&menu(app, &status, None)?)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    Ok(())
}

/// Re-renders the tray after a change.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, sandbox: Option<&SandboxInfo>) {
    let status = Status::NotConfigured;
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if let Ok(menu) = menu(app, &status, sandbox) {
            let _ = tray.set_menu(Some(menu));
        }
        let _ = tray.set_icon(Some(icon_for(&status)));
    }
}

pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
