//! Sign-in through the system browser: listener bound first, fresh state and PKCE verifier, the
//! browser opened (and the link shown, since opening fails silently in some sessions), the
//! callback awaited, then the code exchanged for tokens.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use url::Url;
use workday_client::oauth::{self, OAuthClient, TokenSet};

use crate::browser::{self, Browser};
use crate::loopback::{CallbackError, CallbackListener, ResultPage};
use crate::problem::{Diagnose, Problem};
use crate::profile::Profile;

/// The default time a sign-in waits for the browser to come back.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct SignInOptions {
    pub timeout: Duration,
    pub cancel: CancellationToken,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            cancel: CancellationToken::new(),
        }
    }
}

/// What happens while the sign-in waits, for the front to show.
#[derive(Debug, Clone)]
pub enum SignInProgress {
    /// The listener is bound: show this link (with a copy button) beside the waiting state.
    Waiting { url: String, redirect_uri: String },
    /// The browser could not be opened: the person must open the link themselves.
    BrowserFailed { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SignInFailure {
    #[error(transparent)]
    Loopback(#[from] CallbackError),
    #[error(transparent)]
    Exchange(#[from] oauth::OAuthError),
    #[error("the authorization endpoint is not a valid URL")]
    BadAuthorizeUrl,
}

impl Diagnose for SignInFailure {
    fn problem(&self) -> Problem {
        match self {
            SignInFailure::Loopback(e) => e.problem(),
            SignInFailure::Exchange(e) => Problem::new(e.code(), e.message(), e.fix()),
            SignInFailure::BadAuthorizeUrl => Problem::new(
                "endpoint.not_a_url",
                "The Authorization Endpoint of this connection is not a valid URL.",
                "Copy the Authorization Endpoint again from Workday's View API Clients and edit the connection.",
            ),
        }
    }
}

/// A sign-in whose code was exchanged: the tokens, and the browser tab that waits to be told
/// whether they were kept (it says "Signed in" only after [`ResultPage::signed_in`]).
pub struct SignedIn {
    pub tokens: TokenSet,
    pub page: ResultPage,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The tokens are secrets: never shown.
        f.debug_struct("SignedIn")
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

/// Runs one sign-in attempt and returns the tokens. The caller stores them, then reports the
/// result to the page.
pub async fn sign_in(
    profile: &Profile,
    oauth_client: &OAuthClient,
    browser: Arc<dyn Browser>,
    options: SignInOptions,
    progress: impl FnMut(SignInProgress),
) -> Result<SignedIn, SignInFailure> {
    Url::parse(&profile.authorization_endpoint).map_err(|_| SignInFailure::BadAuthorizeUrl)?;
    // Bound before the browser opens, so the callback can never arrive to a closed port.
    let listener = CallbackListener::bind(profile.redirect_port, profile.redirect_host).await?;
    sign_in_on(listener, profile, oauth_client, browser, options, progress).await
}

/// [`sign_in`] on a listener bound beforehand: for a caller that must hold the port from the
/// moment it is chosen (a port released and bound again later can be taken in between). The
/// listener's redirect URI is the one sent, so it must be the registered one.
pub async fn sign_in_on(
    listener: CallbackListener,
    profile: &Profile,
    oauth_client: &OAuthClient,
    browser: Arc<dyn Browser>,
    options: SignInOptions,
    mut progress: impl FnMut(SignInProgress),
) -> Result<SignedIn, SignInFailure> {
    let authorize =
        Url::parse(&profile.authorization_endpoint).map_err(|_| SignInFailure::BadAuthorizeUrl)?;
    let redirect_uri = listener.redirect_uri();
    let request = oauth::authorization_request(
        &authorize,
        &profile.client_id,
        &redirect_uri,
        profile.pkce,
        profile.sso,
    );
    progress(SignInProgress::Waiting {
        url: request.url.to_string(),
        redirect_uri: redirect_uri.clone(),
    });
    let opening = browser::open_in_background(browser, request.url.to_string());
    let waiting = listener.wait(
        &request.state,
        None,
        options.timeout,
        options.cancel.clone(),
    );
    tokio::pin!(waiting);
    // Report a browser that failed to open while still waiting: the link may be used by hand.
    let (code, page) = tokio::select! {
        biased;
        answer = &mut waiting => answer?,
        opened = opening => {
            if let Ok(Err(reason)) = opened {
                progress(SignInProgress::BrowserFailed { reason });
            }
            waiting.await?
        }
    };
    match oauth_client
        .exchange_code(&code.0, &redirect_uri, request.pkce_verifier.as_ref())
        .await
    {
        Ok(tokens) => Ok(SignedIn { tokens, page }),
        Err(e) => {
            let failure = SignInFailure::Exchange(e);
            page.failed(&failure.problem()).await;
            Err(failure)
        }
    }
}
