//! Access tokens for one connection: kept in memory only, refreshed early and one at a time
//! (in this process under a lock, across processes under a lock file, re-reading the stored
//! refresh token once it is held), with a rotated refresh token stored before the new access
//! token is used (kept in memory and written again while the store fails), and `invalid_grant`
//! treated as final (sign-in required), never retried.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::sync::Mutex;
use workday_client::oauth::{OAuthClient, OAuthError, TokenSet};

use crate::problem::{Diagnose, Problem};
use crate::secrets::{SecretError, SecretKind, SecretStore};

/// Refresh when less than this share of the token's life is left, so calls never race expiry.
const REFRESH_AT_REMAINING: f64 = 0.2;
/// Transient refresh failures (network, 5xx, 429) are retried this many times, with backoff.
const REFRESH_ATTEMPTS: u32 = 3;
/// How long a refresh waits for another process's refresh of the same connection. A refresh
/// takes seconds (three attempts with backoff, each under the HTTP timeout); a holder stuck past
/// this is treated as a transient failure, never waited on forever.
const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no refresh token is stored for this connection")]
    NotSignedIn,
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Secrets(#[from] SecretError),
    #[error("the refresh lock {path} could not be used: {detail}")]
    Lock { path: PathBuf, detail: String },
}

impl TokenError {
    /// The tenant refused the refresh token: only a new sign-in mends this.
    pub fn needs_sign_in(&self) -> bool {
        match self {
            TokenError::NotSignedIn => true,
            TokenError::OAuth(e) => e.is_terminal(),
            TokenError::Secrets(_) | TokenError::Lock { .. } => false,
        }
    }

    /// Worth trying again later without anyone changing anything: the tenant unreachable or
    /// overloaded, the credential store busy or locked, another refresh holding the lock.
    pub fn is_transient(&self) -> bool {
        match self {
            TokenError::NotSignedIn => false,
            TokenError::OAuth(e) => e.is_transient(),
            TokenError::Secrets(e) => e.code() == crate::secrets::UNAVAILABLE,
            TokenError::Lock { .. } => true,
        }
    }
}

impl Diagnose for TokenError {
    fn problem(&self) -> Problem {
        match self {
            TokenError::NotSignedIn => Problem::new(
                "token.not_signed_in",
                "This connection has not been signed in yet (no refresh token is stored).",
                "Sign in: `wdconnect connect NAME`, or Sign in in the app.",
            ),
            TokenError::OAuth(e) => Problem::new(e.code(), e.message(), e.fix()),
            TokenError::Secrets(e) => e.problem(),
            TokenError::Lock { path, detail } => Problem::new(
                "token.refresh_locked",
                format!(
                    "The token could not be refreshed: the refresh lock {} could not be used \
                     ({detail}).",
                    path.display()
                ),
                "Try again in a minute; if it persists, close other Workday Connector or \
                 wdconnect processes of this connection and check that the data folder is \
                 writable.",
            ),
        }
    }
}

#[derive(Debug)]
struct Cached {
    token: SecretString,
    refresh_after: Instant,
}

/// What the lock guards: the access token, and a rotated refresh token that the credential
/// store refused to take. The tenant has retired the old one, so this is the only valid one:
/// it is used for the next refresh and written again until the store takes it.
#[derive(Debug, Default)]
struct Held {
    cached: Option<Cached>,
    unsaved_refresh: Option<SecretString>,
}

/// Waits (polling, so a caller that gives up leaves no thread blocked on it) up to `wait` for the
/// OS lock on a connection's refresh lock file. Released when the returned file is dropped or the
/// process dies. Every refresh holds it, in any process of the home: holding it means no refresh
/// is between Workday's answer and the rotated token being stored.
pub async fn hold_refresh_lock(path: &Path, wait: Duration) -> Result<std::fs::File, TokenError> {
    let failed = |detail: String| TokenError::Lock {
        path: path.to_owned(),
        detail,
    };
    let file = crate::files::open_lock_file(path).map_err(|e| failed(e.to_string()))?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(failed(
                    "another process has been refreshing this connection's token for too long"
                        .to_owned(),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(failed(e.to_string())),
        }
    }
}

/// The token source of one connection. Cheap to share; all refreshes go through one lock, so
/// concurrent callers wait for the refresh in flight instead of starting their own.
#[derive(Debug)]
pub struct TokenManager {
    connection: String,
    oauth: OAuthClient,
    secrets: Arc<SecretStore>,
    held: Mutex<Held>,
    refresh_lock: Option<PathBuf>,
}

impl TokenManager {
    pub fn new(connection: &str, oauth: OAuthClient, secrets: Arc<SecretStore>) -> Self {
        Self {
            connection: connection.to_string(),
            oauth,
            secrets,
            held: Mutex::new(Held::default()),
            refresh_lock: None,
        }
    }

    /// Refreshes only while holding an OS lock on `path`, shared by every process of this home
    /// (the app, `wdconnect`): a rotating tenant retires a refresh token on first use, so two
    /// processes refreshing with the same one would leave one of them signed out.
    pub fn with_refresh_lock(mut self, path: PathBuf) -> Self {
        self.refresh_lock = Some(path);
        self
    }

    /// The OAuth client of this connection, for the sign-in's code exchange.
    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// Keeps the tokens of a fresh sign-in: the refresh token goes to the OS store first, the
    /// access token stays in memory.
    pub async fn accept(&self, tokens: TokenSet) -> Result<(), TokenError> {
        let mut held = self.held.lock().await;
        if let Some(refresh) = &tokens.refresh_token {
            self.secrets
                .set(&self.connection, SecretKind::RefreshToken, refresh)
                .await?;
        }
        held.unsaved_refresh = None;
        held.cached = Some(Self::cache(tokens));
        Ok(())
    }

    /// A valid access token, refreshed when it is close to expiry.
    pub async fn access_token(&self) -> Result<SecretString, TokenError> {
        let mut held = self.held.lock().await;
        // A rotated refresh token the store refused: write it again before anything else, and
        // fail (keeping it) while the store still refuses, so the trouble shows.
        if let Some(unsaved) = held.unsaved_refresh.clone() {
            self.secrets
                .set(&self.connection, SecretKind::RefreshToken, &unsaved)
                .await?;
            held.unsaved_refresh = None;
            tracing::info!(connection = %self.connection, "the rotated refresh token is stored now");
        }
        if let Some(c) = held.cached.as_ref()
            && Instant::now() < c.refresh_after
        {
            return Ok(c.token.clone());
        }
        let _across_processes = self.lock_refresh().await?;
        let tokens = self.refresh_with_retry().await?;
        let token = tokens.access_token.clone();
        let rotated = tokens.refresh_token.clone();
        held.cached = Some(Self::cache(tokens));
        // Rotation: store the new refresh token before anyone uses the new access token, so a
        // crash cannot leave only the retired one behind. If the store refuses, the token is
        // kept in memory (the tenant has retired the old one) and written again on next use.
        if let Some(new_refresh) = rotated
            && let Err(e) = self
                .secrets
                .set(&self.connection, SecretKind::RefreshToken, &new_refresh)
                .await
        {
            tracing::warn!(connection = %self.connection, code = e.code(), "the rotated refresh token could not be stored; kept in memory");
            held.unsaved_refresh = Some(new_refresh);
            return Err(e.into());
        }
        Ok(token)
    }

    /// Drops the cached access token (the tenant answered 401), so the next call refreshes.
    pub async fn invalidate(&self) {
        self.held.lock().await.cached = None;
    }

    fn cache(tokens: TokenSet) -> Cached {
        let life = tokens.expires_in;
        let early = life.mul_f64(1.0 - REFRESH_AT_REMAINING);
        Cached {
            token: tokens.access_token,
            refresh_after: Instant::now() + early,
        }
    }

    /// Waits for the cross-process refresh lock (see [`hold_refresh_lock`]).
    async fn lock_refresh(&self) -> Result<Option<std::fs::File>, TokenError> {
        match &self.refresh_lock {
            Some(path) => hold_refresh_lock(path, REFRESH_LOCK_WAIT).await.map(Some),
            None => Ok(None),
        }
    }

    /// A rotated refresh token the credential store refused is held in this process only: were
    /// the process to end now, the connection would need a new sign-in.
    pub async fn holds_unsaved_refresh_token(&self) -> bool {
        self.held.lock().await.unsaved_refresh.is_some()
    }

    /// One refresh, with the refresh token read now: under the lock, so a token that another
    /// process rotated meanwhile is the one used.
    async fn refresh_with_retry(&self) -> Result<TokenSet, TokenError> {
        let refresh = self
            .secrets
            .get(&self.connection, SecretKind::RefreshToken)
            .await?
            .ok_or(TokenError::NotSignedIn)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.oauth.refresh(&refresh).await {
                Ok(tokens) => return Ok(tokens),
                Err(e) if e.is_transient() && attempt < REFRESH_ATTEMPTS => {
                    let wait = Duration::from_millis(500 * 2u64.pow(attempt - 1));
                    tracing::info!(connection = %self.connection, code = e.code(), attempt, "token refresh failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the app's Quit and hand-over rely on: while one holder has a connection's refresh
    /// lock, no other (another process, or this one through a second open) gets it; dropped, it
    /// is free at once.
    #[tokio::test]
    async fn a_held_refresh_lock_keeps_every_other_holder_out_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/acme.sqlite.token-lock");
        let held = hold_refresh_lock(&path, Duration::ZERO).await.unwrap();
        let refused = hold_refresh_lock(&path, Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(matches!(refused, TokenError::Lock { .. }), "{refused:?}");
        assert!(refused.is_transient() && !refused.needs_sign_in());
        drop(held);
        hold_refresh_lock(&path, Duration::ZERO).await.unwrap();
    }
}
