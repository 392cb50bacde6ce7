//! Build script: declares the app's own commands so capabilities govern them (none is allowed
//! by default), and embeds the configuration and ui/dist.

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
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
