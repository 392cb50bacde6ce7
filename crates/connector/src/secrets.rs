//! The OS credential store (macOS Keychain, Windows Credential Manager, Linux Secret Service):
//! the only place a connection's client secret and refresh token are kept. No plaintext fallback.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::problem::{Diagnose, Problem};

/// The keyring service name of the app's entries.
pub const DEFAULT_SERVICE: &str = "workday-connector";

/// The code of a store that is there but cannot answer now (locked, busy, not reachable): it
/// may pass by itself, unlike `keyring.error`.
pub const UNAVAILABLE: &str = "keyring.unavailable";

/// How long one keyring call may take before the store is called unavailable.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most bytes Windows Credential Manager keeps for one secret (`CRED_MAX_CREDENTIAL_BLOB_SIZE`,
/// 5 x 512), counted as the UTF-16 it stores: 1,280 characters of ASCII.
pub const WINDOWS_SECRET_LIMIT: usize = 2560;

/// The size limit of this OS's store, in bytes as that store counts them. Only Windows has one
/// that a real secret could reach (the Keychain and the Secret Service take far more).
pub fn platform_secret_limit() -> Option<usize> {
    cfg!(windows).then_some(WINDOWS_SECRET_LIMIT)
}

/// What is stored for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    ClientSecret,
    RefreshToken,
    /// The tokens of the connection's forwarding destinations, one JSON object by destination
    /// name in one entry, so a rename or a removal of the connection moves or deletes them with
    /// the rest.
    ForwardTokens,
}

impl SecretKind {
    pub const ALL: [SecretKind; 3] = [
        SecretKind::ClientSecret,
        SecretKind::RefreshToken,
        SecretKind::ForwardTokens,
    ];

    /// The suffix of the entry's user name: `"{profile}/client-secret"`.
    fn slug(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client-secret",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::ForwardTokens => "forward-tokens",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::RefreshToken => "refresh token",
            SecretKind::ForwardTokens => "forwarding tokens",
        }
    }
}

/// Why the store could not be used. Never holds a secret value: only what the platform said
/// about the store, which names no credential.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("could not {action}: no OS credential store is reachable ({detail})")]
    NoStore { action: String, detail: String },
    #[error("could not {action}: the OS credential store is locked ({detail})")]
    Locked { action: String, detail: String },
    #[error("could not {action}: the OS credential store did not answer within {} s", timeout.as_secs_f32())]
    TimedOut { action: String, timeout: Duration },
    #[error("could not {action}: the OS credential store failed ({detail})")]
    Other { action: String, detail: String },
    #[error(
        "could not {action}: it is {size} bytes, over the {limit}-byte limit of the OS credential store"
    )]
    TooLong {
        action: String,
        kind: SecretKind,
        size: usize,
        limit: usize,
    },
}

impl SecretError {
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::NoStore { .. }
            | SecretError::Locked { .. }
            | SecretError::TimedOut { .. } => UNAVAILABLE,
            SecretError::Other { .. } => "keyring.error",
            SecretError::TooLong { .. } => "keyring.secret_too_long",
        }
    }

    /// Refuses, before the store is touched, a secret longer than `limit` bytes as UTF-16 (the
    /// form Windows keeps). Refused rather than split over several entries: a split secret could
    /// be left half-replaced by a failure between writes, and no real Workday client secret or
    /// refresh token comes near the limit, so a long one is almost surely a wrong paste.
    pub fn check_size(
        action: &str,
        kind: SecretKind,
        secret: &str,
        limit: Option<usize>,
    ) -> Result<(), SecretError> {
        let Some(limit) = limit else { return Ok(()) };
        let size = secret.encode_utf16().count() * 2;
        if size <= limit {
            return Ok(());
        }
        Err(SecretError::TooLong {
            action: action.to_owned(),
            kind,
            size,
            limit,
        })
    }

    /// Sorts a keyring error. `BadEncoding` and `Ambiguous` carry stored bytes or credentials,
    /// so only a fixed description of them is kept.
    fn from_keyring(action: String, err: keyring::Error) -> Self {
        match err {
            keyring::Error::NoStorageAccess(e) => SecretError::Locked {
                action,
                detail: one_line(&e.to_string()),
            },
            // Platform failures are the store itself missing or broken: no D-Bus session
            // ("Unable to autolaunch a dbus-daemon"), no Secret Service on the bus, ...
            keyring::Error::PlatformFailure(e) => SecretError::NoStore {
                action,
                detail: one_line(&e.to_string()),
            },
            keyring::Error::BadEncoding(_) => SecretError::Other {
                action,
                detail: "the stored value is not UTF-8 text".to_owned(),
            },
            keyring::Error::Ambiguous(items) => SecretError::Other {
                action,
                detail: format!("{} entries match where one was expected", items.len()),
            },
            other @ (keyring::Error::TooLong(..) | keyring::Error::Invalid(..)) => {
                SecretError::Other {
                    action,
                    detail: one_line(&other.to_string()),
                }
            }
            keyring::Error::NoEntry => SecretError::Other {
                action,
                detail: "no such entry".to_owned(),
            },
            // `keyring::Error` is non-exhaustive; its Display names no secret.
            other => SecretError::Other {
                action,
                detail: one_line(&other.to_string()),
            },
        }
    }
}

/// Platform messages can span lines; a Problem's message is one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What makes a credential store available on this OS, for the fix of `keyring.unavailable`.
fn store_remedy() -> &'static str {
    if cfg!(target_os = "macos") {
        "Unlock the login keychain (Keychain Access > login > Unlock), then try again."
    } else if cfg!(target_os = "windows") {
        "Make sure Windows Credential Manager is available for your user account (Control Panel \
         > Credential Manager), then try again."
    } else {
        "Run a Secret Service such as GNOME Keyring or KWallet, unlocked, in a D-Bus session \
         (DBUS_SESSION_BUS_ADDRESS set), then try again. Over SSH or in a container, start one \
         with `dbus-run-session` and `gnome-keyring-daemon --unlock`."
    }
}

impl Diagnose for SecretError {
    fn problem(&self) -> Problem {
        let code = self.code();
        match self {
            SecretError::NoStore { action, detail } => Problem::new(
                code,
                format!(
                    "Could not {action}: no OS credential store is reachable ({detail}). The app \
                     keeps secrets only there."
                ),
                store_remedy(),
            ),
            SecretError::Locked { action, detail } => Problem::new(
                code,
                format!("Could not {action}: the OS credential store is locked ({detail})."),
                store_remedy(),
            ),
            SecretError::TimedOut { action, timeout } => Problem::new(
                code,
                format!(
                    "Could not {action}: the OS credential store did not answer within {} s \
                     (it may be locked and waiting for a password prompt).",
                    timeout.as_secs_f32()
                ),
                store_remedy(),
            ),
            SecretError::Other { action, detail } => Problem::new(
                code,
                format!("Could not {action}: the OS credential store failed ({detail})."),
                "Try again; if it keeps failing, remove the connection's entries (service \
                 \"workday-connector\") in the OS credential manager and sign in again.",
            ),
            SecretError::TooLong {
                action,
                kind,
                size,
                limit,
            } => Problem::new(
                code,
                format!(
                    "Could not {action}: it is {size} bytes as the OS credential store counts \
                     them, and the store holds at most {limit}; nothing was changed."
                ),
                match kind {
                    SecretKind::ClientSecret => {
                        "Paste only the client secret that Workday's Register API Client task \
                         showed (a Workday client secret is well under 1,280 characters), with \
                         nothing before or after it."
                    }
                    SecretKind::RefreshToken => {
                        "The tenant issued a refresh token longer than this OS can store: ask the \
                         Workday admin to check the API client's refresh token settings, then \
                         sign in again."
                    }
                    SecretKind::ForwardTokens => {
                        "The forwarding tokens of this connection together are longer than this \
                         OS can store: check the token just piped in (only the token, nothing \
                         else), or forward from a connection with fewer token destinations."
                    }
                },
            ),
        }
    }
}

/// The app's entries in the OS credential store: service `workday-connector`, user
/// `"{profile}/client-secret"` or `"{profile}/refresh-token"`.
///
/// Every call runs on a blocking thread under a timeout, because a locked or absent Secret
/// Service can block for minutes. A call that times out is abandoned, not cancelled: its thread
/// finishes on its own.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
    timeout: Duration,
}

impl Default for SecretStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore {
    pub fn new() -> Self {
        Self::with_service(DEFAULT_SERVICE, DEFAULT_TIMEOUT)
    }

    /// Another service name (tests use a unique one each, so they never touch a user's entries).
    pub fn with_service(service: impl Into<String>, timeout: Duration) -> Self {
        Self {
            service: service.into(),
            timeout,
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Stores (or replaces) the secret.
    pub async fn set(
        &self,
        profile: &str,
        kind: SecretKind,
        secret: &SecretString,
    ) -> Result<(), SecretError> {
        let entry = self.entry_name(profile, kind);
        // The blocking thread needs an owned copy; it stays wrapped so it is zeroised on drop.
        let secret = secret.clone();
        let action = format!("store the {} of connection \"{profile}\"", kind.label());
        SecretError::check_size(
            &action,
            kind,
            secret.expose_secret(),
            platform_secret_limit(),
        )?;
        self.run(action, move || {
            keyring::Entry::new(&entry.service, &entry.user)?.set_password(secret.expose_secret())
        })
        .await?;
        tracing::debug!(profile, kind = kind.slug(), "secret stored");
        Ok(())
    }

    /// The secret, or `None` when none is stored.
    pub async fn get(
        &self,
        profile: &str,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretError> {
        let entry = self.entry_name(profile, kind);
        let action = format!("read the {} of connection \"{profile}\"", kind.label());
        self.run(action, move || {
            match keyring::Entry::new(&entry.service, &entry.user)?.get_password() {
                Ok(value) => Ok(Some(SecretString::from(value))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Deletes the secret; one that is not there is fine.
    pub async fn delete(&self, profile: &str, kind: SecretKind) -> Result<(), SecretError> {
        let entry = self.entry_name(profile, kind);
        let action = format!("delete the {} of connection \"{profile}\"", kind.label());
        self.run(action, move || {
            match keyring::Entry::new(&entry.service, &entry.user)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await?;
        tracing::debug!(profile, kind = kind.slug(), "secret deleted");
        Ok(())
    }

    /// Deletes every secret of the connection. Tries each even when one fails, then reports the
    /// first failure.
    pub async fn delete_all(&self, profile: &str) -> Result<(), SecretError> {
        let mut first = None;
        for kind in SecretKind::ALL {
            if let Err(e) = self.delete(profile, kind).await {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    fn entry_name(&self, profile: &str, kind: SecretKind) -> EntryName {
        EntryName {
            service: self.service.clone(),
            user: format!("{profile}/{}", kind.slug()),
        }
    }

    /// Runs one keyring call off the async runtime, under the timeout. The seam the tests use.
    async fn run<T, F>(&self, action: String, call: F) -> Result<T, SecretError>
    where
        T: Send + 'static,
        F: FnOnce() -> keyring::Result<T> + Send + 'static,
    {
        let task = tokio::task::spawn_blocking(call);
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(e))) => {
                let err = SecretError::from_keyring(action, e);
                tracing::warn!(code = err.code(), "{err}");
                Err(err)
            }
            Ok(Err(join)) => Err(SecretError::Other {
                action,
                detail: if join.is_panic() {
                    "the credential store call panicked".to_owned()
                } else {
                    "the credential store call was cancelled".to_owned()
                },
            }),
            Err(_elapsed) => {
                let err = SecretError::TimedOut {
                    action,
                    timeout: self.timeout,
                };
                tracing::warn!(code = err.code(), "{err}");
                Err(err)
            }
        }
    }
}

/// Where one entry lives: owned, so it can move to the blocking thread.
struct EntryName {
    service: String,
    user: String,
}

impl fmt::Debug for EntryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(timeout: Duration) -> SecretStore {
        SecretStore::with_service("wdc-unit-never-touched", timeout)
    }

    #[tokio::test]
    async fn a_call_that_outlives_the_timeout_is_keyring_unavailable() {
        let err = store(Duration::from_millis(20))
            .run("read the test secret".to_owned(), || {
                std::thread::sleep(Duration::from_millis(400));
                Ok(())
            })
            .await
            .unwrap_err();
        assert!(matches!(err, SecretError::TimedOut { .. }), "{err:?}");
        let p = err.problem();
        assert_eq!(p.code, "keyring.unavailable");
        assert!(p.message.contains("did not answer within"), "{p}");
        assert!(p.message.contains("read the test secret"), "{p}");
        assert!(!p.message.contains('\n'));
    }

    #[tokio::test]
    async fn a_quick_call_passes_its_value_through() {
        let v = store(Duration::from_secs(5))
            .run("x".to_owned(), || Ok(42))
            .await
            .unwrap();
        assert_eq!(v, 42);
    }

    #[tokio::test]
    async fn a_panicking_call_is_keyring_error() {
        let err = store(Duration::from_secs(5))
            .run::<(), _>("x".to_owned(), || panic!("boom"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "keyring.error");
    }

    #[test]
    fn keyring_errors_map_to_the_two_codes() {
        let platform = keyring::Error::PlatformFailure(
            "Unable to autolaunch a dbus-daemon without a $DISPLAY for X11".into(),
        );
        let err = SecretError::from_keyring("read x".to_owned(), platform);
        assert!(matches!(err, SecretError::NoStore { .. }));
        let p = err.problem();
        assert_eq!(p.code, "keyring.unavailable");
        assert!(p.message.contains("autolaunch"), "{p}");
        if cfg!(target_os = "linux") {
            assert!(
                p.fix.contains("Secret Service") && p.fix.contains("D-Bus"),
                "{p}"
            );
        }

        let locked = keyring::Error::NoStorageAccess("collection is locked".into());
        let err = SecretError::from_keyring("read x".to_owned(), locked);
        assert!(matches!(err, SecretError::Locked { .. }));
        assert_eq!(err.code(), "keyring.unavailable");
        assert!(err.problem().message.contains("locked"));

        let too_long = keyring::Error::TooLong("user".into(), 255);
        assert_eq!(
            SecretError::from_keyring("x".into(), too_long).code(),
            "keyring.error"
        );
    }

    #[test]
    fn stored_bytes_never_reach_an_error() {
        let secret = "s3cr3t-value-that-must-not-leak";
        let err = SecretError::from_keyring(
            "read x".to_owned(),
            keyring::Error::BadEncoding(secret.as_bytes().to_vec()),
        );
        let p = err.problem();
        assert_eq!(p.code, "keyring.error");
        for text in [
            format!("{err}"),
            format!("{err:?}"),
            p.message,
            p.fix,
            serde_json::to_string(&err.problem()).unwrap(),
        ] {
            assert!(!text.contains(secret), "{text}");
            assert!(!text.contains("115, 51, 99"), "{text}"); // the bytes as a Debug list
        }
    }

    #[test]
    fn a_secret_over_the_limit_is_refused_with_its_size_and_a_fix() {
        let limit = Some(WINDOWS_SECRET_LIMIT);
        // 1,280 UTF-16 units fit exactly; one more does not.
        let fits = "x".repeat(1280);
        SecretError::check_size("store x", SecretKind::ClientSecret, &fits, limit).unwrap();
        let over = format!("{fits}y");
        let err =
            SecretError::check_size("store x", SecretKind::ClientSecret, &over, limit).unwrap_err();
        let p = err.problem();
        assert_eq!(p.code, "keyring.secret_too_long");
        assert!(
            p.message.contains("2562 bytes") && p.message.contains("2560"),
            "{p}"
        );
        assert!(p.message.contains("nothing was changed"), "{p}");
        assert!(!p.message.contains('\n'));
        assert!(p.fix.contains("client secret"), "{p}");
        assert!(
            !format!("{p} {err:?}").contains(&over),
            "the secret leaked: {p}"
        );
        // A character outside the BMP counts as two UTF-16 units.
        let emoji = "\u{1F512}".repeat(641);
        assert!(SecretError::check_size("x", SecretKind::RefreshToken, &emoji, limit).is_err());
        // Elsewhere there is no limit to apply.
        SecretError::check_size("x", SecretKind::ClientSecret, &over, None).unwrap();
        assert_eq!(platform_secret_limit().is_some(), cfg!(windows));
    }

    #[test]
    fn entry_users_name_the_profile_and_the_kind() {
        let s = SecretStore::new();
        assert_eq!(s.service(), "workday-connector");
        assert_eq!(
            s.entry_name("acme", SecretKind::ClientSecret).user,
            "acme/client-secret"
        );
        assert_eq!(
            s.entry_name("acme", SecretKind::RefreshToken).user,
            "acme/refresh-token"
        );
    }
}
