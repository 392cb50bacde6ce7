//! Build script: builds ui/dist when it is missing or stale, declares the app's own commands so
//! capabilities govern them (none is allowed by default), and embeds the configuration and
//! ui/dist.

#[path = "ui_build.rs"]
mod ui_build;

const COMMANDS: &[&str] = &[
    "app_info",
    "connections_list",
    "guide",
    "check_values",
    "parse_paste",
    "connection_add",
    "connection_edit",
    "connection_remove",
    "connection_connect",
    "signin_cancel",
    "connection_test",
    "connection_disconnect",
    "sandbox_start",
    "sandbox_info",
    "settings_get",
    "settings_set",
    "activity_query",
    "activity_sync",
    "activity_export",
    "activity_insights",
    "activity_user",
    "alerts_list",
    "alert_set_status",
    "rules_list",
    "forward_list",
    "forward_test",
    "route_save",
];

fn main() {
    let manifest =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let ui = ui_build::ui_dir(&manifest);
    // Only the sources: ui/dist is written here, and watching it would rerun this every build.
    for input in ui_build::INPUTS {
        println!("cargo:rerun-if-changed={}", ui.join(input).display());
    }
    println!("cargo:rerun-if-changed=ui_build.rs");
    if let Err(message) = ui_build::ensure_built(&ui) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
