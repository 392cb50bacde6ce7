//! Build script: declares the app's own commands so capabilities govern them (none is allowed
//! by default), and embeds the configuration and ui/dist.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&["app_info", "sandbox_start", "sandbox_info"]),
    ))
    .expect("tauri build script failed");
}
