//! Building `ui/dist` from the build script when it is missing or older than its sources, so
//! that a plain `cargo build` or `cargo test` works on a fresh clone. Shared by `build.rs` and
//! the test that pins when a build is due (`tests/ui_build.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// What the UI build reads, relative to `ui/`: a change to any of them makes `dist` stale.
pub const INPUTS: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

/// The newest modification time under `path` (itself when a file), if it exists.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| newest(&e.path()))
        .max()
}

/// Why `ui/dist` must be built, or None when it is at least as new as every input.
pub fn build_reason(ui: &Path) -> Option<&'static str> {
    let Some(built) = newest(&ui.join("dist").join("index.html")) else {
        return Some("ui/dist is missing");
    };
    let sources = INPUTS.iter().filter_map(|i| newest(&ui.join(i))).max();
    match sources {
        Some(source) if source > built => Some("ui/dist is older than the UI's sources"),
        _ => None,
    }
}

/// Whether the npm packages must be installed first: none yet, or the lock file is newer than
/// the installed tree (the same rule as `scripts/lib.sh`).
pub fn needs_install(ui: &Path) -> bool {
    let installed = newest(&ui.join("node_modules").join(".package-lock.json"));
    let lock = newest(&ui.join("package-lock.json"));
    match (installed, lock) {
        (None, _) => true,
        (Some(installed), Some(lock)) => lock > installed,
        (Some(_), None) => false,
    }
}

/// `npm` as the platform names it (a `.cmd` shim on Windows).
fn npm() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

/// Runs `npm args...` in `ui`, or says what to install or run by hand.
fn run_npm(ui: &Path, args: &[&str]) -> Result<(), String> {
    let shown = format!("npm {}", args.join(" "));
    let status = Command::new(npm())
        .args(args)
        .current_dir(ui)
        .status()
        .map_err(|e| {
            format!(
                "the desktop app embeds the web UI (ui/dist), and building it needs Node.js 18.18+ \
                 with npm, which could not be started ({e}). Install Node.js and npm (on Debian or \
                 Ubuntu `bash scripts/test.sh` installs them), or build the UI yourself: \
                 cd ui && npm ci && npm run build"
            )
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{shown}` in {} failed ({status}); its output is above. Run it there by hand to see \
             why, then build again.",
            ui.display()
        ))
    }
}

/// Builds `ui/dist` when [`build_reason`] says so, installing the npm packages first if needed.
pub fn ensure_built(ui: &Path) -> Result<(), String> {
    let Some(reason) = build_reason(ui) else {
        return Ok(());
    };
    println!("cargo:warning=building the web UI: {reason}");
    if needs_install(ui) {
        run_npm(ui, &["ci", "--no-audit", "--no-fund", "--loglevel=error"])?;
    }
    run_npm(ui, &["run", "build"])
}

/// The UI folder beside this crate.
pub fn ui_dir(manifest_dir: &Path) -> PathBuf {
    manifest_dir.parent().unwrap_or(manifest_dir).join("ui")
}
