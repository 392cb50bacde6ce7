//! `wdc-keyring`: reads and clears a `wdconnect` home's entries in the OS credential store through
//! the connector itself, so the end-to-end tests check the store the same way on every OS (the
//! Secret Service, Windows Credential Manager under Wine or for real, the macOS Keychain).
//!
//! - `wdc-keyring HOME get PROFILE KIND`: prints the stored secret (KIND `client-secret` or
//!   `refresh-token`) and exits 0, or exits 1 when none is stored;
//! - `wdc-keyring HOME set PROFILE KIND`: stores the secret read from stdin (as an older version
//!   of the app may have left it);
//! - `wdc-keyring HOME clear [PROFILE...]`: deletes both secrets of each named profile and of
//!   every profile in HOME's `connections.json`.
//!
//! Any store failure prints one line to stderr and exits 2.

use std::process::ExitCode;

use connector::connections::keyring_service;
use connector::paths::Home;
use connector::secrets::{DEFAULT_TIMEOUT, SecretKind, SecretStore};
use secrecy::ExposeSecret;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((home, rest)) = args.split_first() else {
        return usage();
    };
    let home = Home::at(home);
    let store = SecretStore::with_service(keyring_service(&home), DEFAULT_TIMEOUT);
    match rest {
        [cmd, profile, kind] if cmd == "get" => {
            let Some(kind) = secret_kind(kind) else {
                return usage();
            };
            match store.get(profile, kind).await {
                Ok(Some(secret)) => {
                    print!("{}", secret.expose_secret());
                    ExitCode::SUCCESS
                }
                Ok(None) => ExitCode::from(1),
                Err(e) => fail(&e),
            }
        }
        [cmd, profile, kind] if cmd == "set" => {
            let Some(kind) = secret_kind(kind) else {
                return usage();
            };
            let mut value = String::new();
            if std::io::Read::read_to_string(&mut std::io::stdin(), &mut value).is_err() {
                return usage();
            }
            match store
                .set(profile, kind, &secrecy::SecretString::from(value))
                .await
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        [cmd, named @ ..] if cmd == "clear" => {
            let mut names: Vec<String> = named.to_vec();
            if let Ok(text) = std::fs::read_to_string(home.config_file())
                && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
            {
                names.extend(profile_names(&json));
            }
            for name in names {
                if let Err(e) = store.delete_all(&name).await {
                    return fail(&e);
                }
            }
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

fn secret_kind(kind: &str) -> Option<SecretKind> {
    match kind {
        "client-secret" => Some(SecretKind::ClientSecret),
        "refresh-token" => Some(SecretKind::RefreshToken),
        "forward-tokens" => Some(SecretKind::ForwardTokens),
        _ => None,
    }
}

/// Profile names in `connections.json` (`{"version": 1, "connections": [{"name": ...}]}`), read
/// loosely: a file a test broke on purpose yields none, and its profiles were named instead.
fn profile_names(json: &serde_json::Value) -> Vec<String> {
    json["connections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("wdc-keyring: {e}");
    ExitCode::from(2)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: wdc-keyring HOME get|set PROFILE client-secret|refresh-token | HOME clear [PROFILE...]"
    );
    ExitCode::from(2)
}
