//! The installed Linux package, as a user meets it after `apt install ./workday-connector.deb`:
//! the files and dependencies it brings, `wdconnect` on the PATH, the installed app's window,
//! single instance, and start at login pointing at the installed binary.
//!
//! scripts/test.sh builds the .deb from the checkout, installs it for real, then runs this file
//! (`cargo test --workspace --features e2e/installed --test installed`); without the feature it
//! is not built, since it needs the package installed on the machine.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::desktop::TauriDriver;
use e2e::webdriver::Session;

const APP: &str = "/usr/bin/workday-connector";
const CLI: &str = "/usr/bin/wdconnect";
const PACKAGE: &str = "workday-connector";
const UI: Duration = Duration::from_secs(30);

fn run(program: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} {args:?} runs: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_package_brings_the_app_the_cli_the_menu_entry_and_its_dependencies() {
    let (code, fields, err) = run(
        "dpkg-query",
        &["-W", "-f", "${Status}|${Version}|${Depends}", PACKAGE],
    );
    assert_eq!(code, 0, "the package is installed: {err}");
    let fields: Vec<&str> = fields.split('|').collect();
    assert_eq!(fields[0], "install ok installed");
    assert_eq!(
        fields[1],
        env!("CARGO_PKG_VERSION"),
        "the package carries the workspace version"
    );
    for dependency in [
        "libwebkit2gtk-4.1-0",
        "libgtk-3-0",
        "libayatana-appindicator3-1",
        "xdg-utils",
    ] {
        assert!(
            fields[2].contains(dependency),
            "Depends names {dependency}: {}",
            fields[2]
        );
    }

    let (_, files, _) = run("dpkg", &["-L", PACKAGE]);
    let desktop_file = "/usr/share/applications/Workday Connector.desktop";
    for path in [
        APP,
        CLI,
        desktop_file,
        "/usr/share/icons/hicolor/32x32/apps/workday-connector.png",
        "/usr/share/icons/hicolor/128x128/apps/workday-connector.png",
    ] {
        assert!(
            files.lines().any(|l| l == path),
            "the package installs {path}; it lists:\n{files}"
        );
        assert!(Path::new(path).is_file(), "{path} is on disk");
    }
    let entry = std::fs::read_to_string(desktop_file).unwrap();
    for line in [
        "Name=Workday Connector",
        "Exec=workday-connector",
        "Icon=workday-connector",
    ] {
        assert!(
            entry.lines().any(|l| l == line),
            "the menu entry has {line}:\n{entry}"
        );
    }
}

#[test]
fn the_installed_wdconnect_runs_from_the_path() {
    // By name, as a user types it: /usr/bin is on every PATH.
    let (code, out, err) = run("wdconnect", &["--version"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("wdconnect {}", env!("CARGO_PKG_VERSION"))
    );

    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_str().unwrap();
    let (code, out, err) = run("wdconnect", &["--home", home, "guide", "--json"]);
    assert_eq!(code, 0, "{err}");
    let guide: serde_json::Value = serde_json::from_str(&out).expect("guide --json is JSON");
    let redirect = guide["register_api_client"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["field"] == "Redirection URI"))
        .map(|r| r["value"].clone());
    assert_eq!(
        redirect,
        Some(serde_json::json!("http://127.0.0.1:8413/callback")),
        "{guide}"
    );
    let (code, out, err) = run("wdconnect", &["--home", home, "list", "--json"]);
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).expect("list --json is JSON");
    assert_eq!(list["connections"], serde_json::json!([]), "{list}");
    let (code, _, err) = run("wdconnect", &["--home", home, "show", "nope", "--json"]);
    assert_eq!(code, 2, "an unknown connection is a usage error: {err}");
}

/// Waits (bounded) for a process to exit; its status, or None if it is still running.
fn wait_exit(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn the_installed_app_opens_stays_single_and_starts_at_login_from_usr_bin() {
    // A HOME of its own: start at login writes ~/.config/autostart.
    let user_home = tempfile::tempdir().unwrap();
    let app_home = user_home.path().join("wdc-home");
    let app_home = app_home.to_str().unwrap();
    let mut driver = TauriDriver::start(&[("HOME", user_home.path().as_os_str())]);
    let session = driver.launch(Path::new(APP), &["--home", app_home]).await;

    session
        .wait_for_text("#welcome-title", UI, |t| t == "Connect a Workday tenant")
        .await
        .expect("the installed app shows its window with the welcome screen");
    assert_eq!(session.title().await.unwrap(), "Workday Connector");
    session.settle().await.unwrap();
    session
        .screenshot(&e2e::screenshot_dir().join("installed-home.png"))
        .await
        .unwrap();

    // Without a console, the app logs to a file in its home.
    let log = Path::new(app_home).join("logs/workday-connector.log");
    assert!(log.is_file(), "{} exists", log.display());

    // A second launch hands over to the first and exits at once.
    let mut second = Command::new(APP)
        .args(["--home", app_home])
        .env("HOME", user_home.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("a second launch starts");
    let status = wait_exit(&mut second, Duration::from_secs(20));
    if status.is_none() {
        let _ = second.kill();
        let _ = second.wait();
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "the second launch exits 0 (single instance): {status:?}"
    );
    assert_eq!(
        session.title().await.unwrap(),
        "Workday Connector",
        "the first instance is still there"
    );

    // Start at login, from Settings: the autostart entry runs the installed binary, hidden.
    let entry = user_home
        .path()
        .join(".config/autostart/Workday Connector.desktop");
    assert!(!entry.exists());
    session
        .click_css("nav .nav-link:nth-child(3)", UI)
        .await
        .unwrap();
    toggle_start_at_login(&session).await;
    let text = wait_for_file(&entry, true).await;
    assert!(
        text.lines()
            .any(|l| l == format!("Exec={APP} --hidden").as_str()),
        "the autostart entry starts {APP} hidden:\n{text}"
    );
    session.settle().await.unwrap();
    session
        .screenshot(&e2e::screenshot_dir().join("installed-settings.png"))
        .await
        .unwrap();

    // Turned off again, the entry goes.
    toggle_start_at_login(&session).await;
    wait_for_file(&entry, false).await;
    session.delete().await.unwrap();
    drop(driver);
}

/// Flips "Start at login" in Settings and saves.
async fn toggle_start_at_login(session: &Session) {
    session
        .click_css("#setting-start-at-login", UI)
        .await
        .unwrap();
    session
        .click_css(".settings button[type=submit]", UI)
        .await
        .unwrap();
    session
        .wait_for_text(".settings .notice", UI, |t| t == "Settings saved.")
        .await
        .expect("the settings are saved");
}

/// Waits (bounded) until `path` exists (`present`) or is gone; its text when present.
async fn wait_for_file(path: &Path, present: bool) -> String {
    let deadline = Instant::now() + UI;
    loop {
        if path.exists() == present {
            return std::fs::read_to_string(path).unwrap_or_default();
        }
        assert!(
            Instant::now() < deadline,
            "{} did not {}",
            path.display(),
            if present { "appear" } else { "go away" }
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
