//! File modes on unix: every folder `wdconnect` makes is 700 and every file 600 (the stores hold
//! every employee's addresses and sessions), and looser modes left by older versions are
//! repaired at the next start.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use e2e::cli::{Cli, Tenant};

/// Every folder and file under `dir` whose mode is not 700 (folders) or 600 (files).
fn loose(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    if mode(dir) != 0o700 {
        out.push(format!("{} {:o}", dir.display(), mode(dir)));
    }
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(loose(&path));
        } else if mode(&path) != 0o600 {
            out.push(format!("{} {:o}", path.display(), mode(&path)));
        }
    }
    out
}

fn loosen(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            loosen(&path);
        } else {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_folder_and_file_of_the_app_is_private_and_repaired() {
    if e2e::target_is_windows() {
        // A Windows program (here under Wine) makes no unix modes; Windows keeps the files in
        // the user's own profile folders, whose ACLs already shut other users out.
        return;
    }
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    let export = cli.scratch().join("export.csv");
    let run = cli
        .cmd(["events", "acme", "--format", "csv", "--output"])
        .arg(export.to_string_lossy())
        .run()
        .await;
    assert_eq!(run.code, 0, "{run}");
    // An export replacing an older, readable file becomes private too.
    let again = cli.scratch().join("again.ndjson");
    std::fs::write(&again, b"old").unwrap();
    std::fs::set_permissions(&again, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = cli
        .cmd(["events", "acme", "--format", "ndjson", "--output"])
        .arg(again.to_string_lossy())
        .run()
        .await;
    assert_eq!(run.code, 0, "{run}");

    let files: Vec<_> = cli.snapshot().into_keys().collect();
    for name in ["connections.json", "state.json", ".sqlite3", ".sync-lock"] {
        assert!(
            files.iter().any(|p| p.to_string_lossy().ends_with(name)),
            "{name} exists: {files:?}"
        );
    }
    assert_eq!(loose(cli.home()), Vec::<String>::new());
    for file in [&export, &again] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }

    // What an older version left readable is made private by the next start.
    loosen(cli.home());
    assert!(!loose(cli.home()).is_empty());
    cli.cmd(["list"]).run().await.ok();
    assert_eq!(loose(cli.home()), Vec::<String>::new());
}
