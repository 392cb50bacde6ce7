//! The OS credential store, for real: CI runs these inside a D-Bus session with an unlocked
//! gnome-keyring (`scripts/test.sh`). Each test uses its own service name, so a user's entries
//! are never touched.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use connector::secrets::{SecretKind, SecretStore, platform_secret_limit};
use secrecy::{ExposeSecret, SecretString};

fn unique_store(test: &str) -> SecretStore {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    SecretStore::with_service(
        format!("wdc-test-{test}-{}-{nanos}", std::process::id()),
        Duration::from_secs(20),
    )
}

fn exposed(secret: Option<SecretString>) -> Option<String> {
    secret.map(|s| s.expose_secret().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_through_the_os_store() {
    let store = unique_store("round-trip");
    let (p, cs, rt) = (
        "Acme prod",
        SecretKind::ClientSecret,
        SecretKind::RefreshToken,
    );

    assert_eq!(exposed(store.get(p, cs).await.unwrap()), None);
    store
        .set(p, cs, &SecretString::from("first secret"))
        .await
        .unwrap();
    store
        .set(p, rt, &SecretString::from("refresh-1"))
        .await
        .unwrap();
    assert_eq!(
        exposed(store.get(p, cs).await.unwrap()).as_deref(),
        Some("first secret")
    );
    assert_eq!(
        exposed(store.get(p, rt).await.unwrap()).as_deref(),
        Some("refresh-1")
    );

    // Overwrite: a rotated refresh token replaces the old one.
    store
        .set(p, rt, &SecretString::from("refresh-2"))
        .await
        .unwrap();
    assert_eq!(
        exposed(store.get(p, rt).await.unwrap()).as_deref(),
        Some("refresh-2")
    );
    // Another connection's entries are separate.
    assert_eq!(exposed(store.get("Beta", rt).await.unwrap()), None);

    store.delete(p, rt).await.unwrap();
    assert_eq!(exposed(store.get(p, rt).await.unwrap()), None);
    assert_eq!(
        exposed(store.get(p, cs).await.unwrap()).as_deref(),
        Some("first secret")
    );
    // Deleting what is absent is fine.
    store.delete(p, rt).await.unwrap();

    store
        .set(p, rt, &SecretString::from("refresh-3"))
        .await
        .unwrap();
    store.delete_all(p).await.unwrap();
    assert_eq!(exposed(store.get(p, cs).await.unwrap()), None);
    assert_eq!(exposed(store.get(p, rt).await.unwrap()), None);
    store.delete_all(p).await.unwrap();
}

#[tokio::test]
async fn unicode_and_long_secrets_survive() {
    let store = unique_store("unicode");
    // Where the store has a limit (Windows), exactly as long as it allows; else 2,012 characters.
    let filler = platform_secret_limit().map_or(2000, |bytes| bytes / 2 - 12);
    let value = format!("pä$$ wörd ✓ {}", "x".repeat(filler));
    store
        .set(
            "u",
            SecretKind::ClientSecret,
            &SecretString::from(value.clone()),
        )
        .await
        .unwrap();
    let got = store.get("u", SecretKind::ClientSecret).await.unwrap();
    assert_eq!(exposed(got), Some(value));
    store.delete_all("u").await.unwrap();
}

/// Windows Credential Manager holds at most 2,560 bytes of UTF-16 per secret: one character
/// more is refused with its own code before the store is touched, and the stored secret stays.
/// Windows only: the Keychain and the Secret Service have no limit a secret could reach.
#[cfg(windows)]
#[tokio::test]
async fn a_secret_over_the_windows_limit_is_refused_and_the_old_one_kept() {
    use connector::Diagnose;
    let store = unique_store("too-long");
    let kind = SecretKind::RefreshToken;
    store
        .set("w", kind, &SecretString::from("refresh-1"))
        .await
        .unwrap();
    let long = "r".repeat(1281);
    let err = store
        .set("w", kind, &SecretString::from(long.clone()))
        .await
        .unwrap_err();
    let p = err.problem();
    assert_eq!(p.code, "keyring.secret_too_long", "{p}");
    assert!(p.message.contains("2560"), "{p}");
    assert!(!p.fix.is_empty() && !p.message.contains(&long), "{p}");
    assert_eq!(
        exposed(store.get("w", kind).await.unwrap()).as_deref(),
        Some("refresh-1")
    );
    store.delete_all("w").await.unwrap();
}

/// Set in the child process that [`without_a_session_bus_the_store_is_unavailable`] starts.
#[cfg(target_os = "linux")]
const CHILD_ENV: &str = "WDC_SECRETS_NO_DBUS_CHILD";

/// Without a D-Bus session the Secret Service cannot be reached: that must be
/// `keyring.unavailable`, never a plaintext fallback. The environment of this process cannot be
/// changed (no `unsafe` `set_var`), so the test re-runs itself as a child without the session.
/// Linux only: the Secret Service is the one store that needs a session bus.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn without_a_session_bus_the_store_is_unavailable() {
    use connector::Diagnose;
    const NAME: &str = "without_a_session_bus_the_store_is_unavailable";
    if std::env::var_os(CHILD_ENV).is_some() {
        let store = unique_store("no-dbus");
        let outcome = match store.get("Acme", SecretKind::ClientSecret).await {
            Ok(found) => format!("ok:{}", found.is_some()),
            Err(e) => {
                let p = e.problem();
                // A line of its own: libtest prints the test's name without a line break.
                println!("\nMESSAGE={}", p.message);
                p.code
            }
        };
        println!("CODE={outcome}");
        return;
    }

    let runtime = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        // Without a display libdbus cannot autolaunch a bus either.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        // An empty runtime dir: no `$XDG_RUNTIME_DIR/bus` to fall back to.
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let code = stdout
        .lines()
        .find_map(|l| l.split_once("CODE=").map(|(_, v)| v))
        .unwrap_or_else(|| panic!("no CODE line in the child's output: {stdout}"));
    assert_eq!(code, "keyring.unavailable", "{stdout}");
    let message = stdout
        .lines()
        .find_map(|l| l.split_once("MESSAGE=").map(|(_, v)| v))
        .unwrap_or_default();
    assert!(message.contains("no OS credential store"), "{message}");
}
