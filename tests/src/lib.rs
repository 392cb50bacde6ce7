//! Shared helpers for the end-to-end tests: locating the built binaries, running `wdconnect`
//! against a simulated tenant (`cli`), driving the desktop app through `tauri-driver`, reserving
//! the fixed ports those processes bind (`ports`), and where screenshots go.

pub mod cli;
pub mod desktop;
pub mod ports;
pub mod webdriver;

use std::path::PathBuf;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Where cargo put the binaries: `CARGO_TARGET_DIR` when set, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A binary of this workspace, built by `cargo build` before the tests run.
pub fn binary(name: &str) -> PathBuf {
    let path = target_dir().join("debug").join(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first (`cargo build --workspace`), as scripts/test.sh does",
        path.display()
    );
    path
}

/// Screenshots of each screen, kept for a person to look at: `artifacts/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace_root().join("artifacts").join("screenshots");
    std::fs::create_dir_all(&dir).expect("artifacts/screenshots can be created");
    dir
}
