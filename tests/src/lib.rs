//! Shared helpers for the end-to-end tests: locating the built binaries, running `wdconnect`
//! against a simulated tenant (`cli`), driving the desktop app through `tauri-driver`, reserving
//! the fixed ports those processes bind (`ports`), and where screenshots go.

pub mod axe;
pub mod cli;
pub mod desktop;
pub mod ports;
pub mod receivers;
pub mod webdriver;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

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

/// The Rust target the binaries under test were built for: `WDC_E2E_TARGET` (a triple such as
/// `x86_64-pc-windows-gnu`, built with `cargo build --target`), else `None`: this host's own.
pub fn target() -> Option<String> {
    std::env::var("WDC_E2E_TARGET")
        .ok()
        .filter(|t| !t.is_empty())
}

/// Whether the binaries under test are Windows programs run under Wine from a unix host.
pub fn under_wine() -> bool {
    cfg!(unix) && target().is_some_and(|t| t.contains("windows"))
}

/// Whether the binaries under test are Linux programs (this host's own build on Linux, or a
/// Linux target).
pub fn target_is_linux() -> bool {
    target().map_or(cfg!(target_os = "linux"), |t| t.contains("linux"))
}

/// Whether the binaries under test are Windows programs (natively or under Wine).
pub fn target_is_windows() -> bool {
    target().map_or(cfg!(windows), |t| t.contains("windows"))
}

/// A binary of this workspace, built by `cargo build` before the tests run: in
/// `target/debug`, or `target/<triple>/debug` with that target's suffix (`.exe`).
pub fn binary(name: &str) -> PathBuf {
    let (dir, suffix) = match target() {
        Some(t) => (
            target_dir().join(&t).join("debug"),
            if t.contains("windows") { ".exe" } else { "" },
        ),
        None => (target_dir().join("debug"), std::env::consts::EXE_SUFFIX),
    };
    let path = dir.join(format!("{name}{suffix}"));
    let build = match target() {
        Some(t) => format!("cargo build --workspace --target {t}"),
        None => "cargo build --workspace".to_owned(),
    };
    assert!(
        path.is_file(),
        "{} is missing: build it first (`{build}`), as scripts/test.sh does",
        path.display()
    );
    path
}

/// A command that runs a workspace binary: directly, or through the runner cargo uses for the
/// target (`CARGO_TARGET_<TRIPLE>_RUNNER`, e.g. `wine`).
pub fn command(name: &str) -> std::process::Command {
    let program = binary(name);
    let runner = target().and_then(|t| {
        let var = format!(
            "CARGO_TARGET_{}_RUNNER",
            t.to_uppercase().replace(['-', '.'], "_")
        );
        std::env::var(var).ok().filter(|r| !r.trim().is_empty())
    });
    match runner {
        Some(runner) => {
            let mut words = runner.split_whitespace();
            let mut cmd = std::process::Command::new(words.next().unwrap_or_default());
            cmd.args(words).arg(program);
            cmd
        }
        None => std::process::Command::new(program),
    }
}

/// A path as the binaries under test spell it: under Wine, the unix root is drive `Z:`.
pub fn native_path(path: &Path) -> OsString {
    if under_wine() && path.is_absolute() {
        let text = path.to_string_lossy().replace('/', "\\");
        OsString::from(format!("Z:{text}"))
    } else {
        path.as_os_str().to_owned()
    }
}

/// Screenshots of each screen, kept for a person to look at: `artifacts/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = workspace_root().join("artifacts").join("screenshots");
    std::fs::create_dir_all(&dir).expect("artifacts/screenshots can be created");
    dir
}
