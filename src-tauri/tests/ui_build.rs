//! When the build script rebuilds ui/dist (missing, or older than any UI source) and installs the
//! npm packages first (none yet, or the lock file is newer): pinned on a temporary `ui/` folder
//! with set file times, so no npm runs here.

#[path = "../ui_build.rs"]
#[allow(dead_code)]
mod ui_build;

use std::path::Path;
use std::time::{Duration, SystemTime};

fn write_at(path: &Path, at: SystemTime) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "x").unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(at).unwrap();
}

#[test]
fn dist_is_built_when_missing_or_older_than_any_source() {
    let dir = tempfile::tempdir().unwrap();
    let ui = dir.path();
    let t0 = SystemTime::now() - Duration::from_secs(3600);
    let later = t0 + Duration::from_secs(60);
    write_at(&ui.join("src/main.tsx"), t0);
    write_at(&ui.join("src/deep/nested.ts"), t0);
    write_at(&ui.join("package-lock.json"), t0);
    assert_eq!(ui_build::build_reason(ui), Some("ui/dist is missing"));

    write_at(&ui.join("dist/index.html"), later);
    assert_eq!(ui_build::build_reason(ui), None);

    // A source deep in ui/src changed after the build.
    write_at(
        &ui.join("src/deep/nested.ts"),
        later + Duration::from_secs(1),
    );
    assert_eq!(
        ui_build::build_reason(ui),
        Some("ui/dist is older than the UI's sources")
    );
    write_at(&ui.join("dist/index.html"), later + Duration::from_secs(2));
    assert_eq!(ui_build::build_reason(ui), None);

    // So does a file beside it that the build reads.
    write_at(&ui.join("vite.config.ts"), later + Duration::from_secs(3));
    assert!(ui_build::build_reason(ui).is_some());
}

#[test]
fn npm_packages_are_installed_when_absent_or_older_than_the_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    let ui = dir.path();
    let t0 = SystemTime::now() - Duration::from_secs(3600);
    write_at(&ui.join("package-lock.json"), t0);
    assert!(ui_build::needs_install(ui));
    write_at(
        &ui.join("node_modules/.package-lock.json"),
        t0 + Duration::from_secs(1),
    );
    assert!(!ui_build::needs_install(ui));
    write_at(&ui.join("package-lock.json"), t0 + Duration::from_secs(2));
    assert!(ui_build::needs_install(ui));
}

#[test]
fn the_ui_folder_is_beside_the_crate() {
    assert_eq!(
        ui_build::ui_dir(Path::new(env!("CARGO_MANIFEST_DIR"))),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .join("ui")
    );
}
