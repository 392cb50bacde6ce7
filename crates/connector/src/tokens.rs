//! Access tokens for one connection: kept in memory only, refreshed early and one at a time,
//! with a rotated refresh token stored before the new access token is used, and `invalid_grant`
//! treated as final (sign-in required), never retried.

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

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no refresh token is stored for this connection")]
    NotSignedIn,
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Secrets(#[from] SecretError),
}

impl TokenError {
    /// The tenant refused the refresh token: only a new sign-in mends this.
    pub fn needs_sign_in(&self) -> bool {
        match self {
            TokenError::NotSignedIn => true,
            TokenError::OAuth(e) => e.is_terminal(),
            TokenError::Secrets(_) => false,
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
        }
    }
}

#[derive(Debug)]
struct Cached {
    token: SecretString,
    refresh_after: Instant,
}

/// The token source of one connection. Cheap to share; all refreshes go through one lock, so
/// concurrent callers wait for the refresh in flight instead of starting their own.
#[derive(Debug)]
pub struct TokenManager {
    connection: String,
    oauth: OAuthClient,
    secrets: Arc<SecretStore>,
    cached: Mutex<Option<Cached>>,
}

impl TokenManager {
    pub fn new(connection: &str, oauth: OAuthClient, secrets: Arc<SecretStore>) -> Self {
        Self {
            connection: connection.to_string(),
            oauth,
            secrets,
            cached: Mutex::new(None),
        }
    }

    /// The OAuth client of this connection, for the sign-in's code exchange.
    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// Keeps the tokens of a fresh sign-in: the refresh token goes to the OS store first, the
    /// access token stays in memory.
    pub async fn accept(&self, tokens: TokenSet) -> Result<(), TokenError> {
        let mut cached = self.cached.lock().await;
        if let Some(refresh) = &tokens.refresh_token {
            self.secrets
                .set(&self.connection, SecretKind::RefreshToken, refresh)
                .await?;
        }
        *cached = Some(Self::cache(tokens));
        Ok(())
    }

    /// A valid access token, refreshed when it is close to expiry.
    pub async fn access_token(&self) -> Result<SecretString, TokenError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && Instant::now() < c.refresh_after
        {
            return Ok(c.token.clone());
        }
        let tokens = self.refresh_with_retry().await?;
        let token = tokens.access_token.clone();
        *cached = Some(Self::cache(tokens));
        Ok(token)
    }

    /// Drops the cached access token (the tenant answered 401), so the next call refreshes.
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    fn cache(tokens: TokenSet) -> Cached {
        let life = tokens.expires_in;
        let early = life.mul_f64(1.0 - REFRESH_AT_REMAINING);
        Cached {
            token: tokens.access_token,
            refresh_after: Instant::now() + early,
        }
    }

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
                Ok(tokens) => {
                    // Rotation: store the new refresh token before anyone uses the new access
                    // token, so a crash cannot leave only the retired one behind.
                    if let Some(new_refresh) = &tokens.refresh_token {
                        self.secrets
                            .set(&self.connection, SecretKind::RefreshToken, new_refresh)
                            .await?;
                    }
                    return Ok(tokens);
                }
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
