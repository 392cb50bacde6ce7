//! The shared state of one running tenant: its fixed identity and URLs, switches, faults, client
//! secret, OAuth grants, request log and activity dataset.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;

use crate::activity::Dataset;
use crate::log::RequestLog;
use crate::people::Directory;
use crate::switches::{Faults, PathClass, Storm, Switches};

/// The URLs the tenant is reachable at.
#[derive(Debug, Clone)]
pub struct Urls {
    pub rest_api_endpoint: String,
    pub token_endpoint: String,
    pub authorization_endpoint: String,
    pub control_url: String,
    /// The bearer token every control API request must carry: the control API hands out the
    /// client secret and flips the tenant, so no other local user or web page may reach it.
    pub control_token: String,
    /// With TLS: the CA certificate file the values name.
    pub tls_ca_file: Option<String>,
}

/// An authorize request waiting for Allow/Deny on the consent page.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The redirect URI as the client sent it (where the answer goes).
    pub redirect_uri: String,
    pub state: Option<String>,
    pub challenge: Option<String>,
    pub created: Instant,
}

/// How long a consent page stays answerable.
pub const PENDING_LIFETIME_SECS: u64 = 600;

impl Pending {
    /// Whether the consent page can still be answered at `now`.
    pub fn is_live(&self, now: Instant) -> bool {
        now.duration_since(self.created).as_secs() < PENDING_LIFETIME_SECS
    }
}

/// An issued authorization code.
#[derive(Debug, Clone)]
pub struct Code {
    pub redirect_uri: String,
    pub challenge: Option<String>,
    pub expires: Instant,
    pub account: String,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct Access {
    pub expires: Instant,
    pub account: String,
    /// The session id own-call events carry (a hash of the token, never the token).
    pub session: String,
}

/// Everything OAuth has handed out, keyed by the opaque string.
#[derive(Debug, Default)]
pub struct Grants {
    pub pending: HashMap<String, Pending>,
    pub codes: HashMap<String, Code>,
    pub access: HashMap<String, Access>,
    /// Refresh token -> consenting account. Non-expiring.
    pub refresh: HashMap<String, String>,
}

impl Grants {
    /// Forgets expired short-lived grants once the maps grow (refresh tokens never expire).
    pub fn prune(&mut self, now: Instant) {
        if self.pending.len() > 1000 {
            self.pending.retain(|_, p| p.is_live(now));
        }
        if self.codes.len() > 1000 {
            self.codes.retain(|_, c| c.expires > now);
        }
        if self.access.len() > 10_000 {
            self.access.retain(|_, a| a.expires > now);
        }
    }
}

/// One running tenant.
#[derive(Debug)]
pub struct Tenant {
    pub name: String,
    pub client_id: String,
    /// The one redirect URI registered for the client.
    pub redirect_uri: String,
    pub urls: Urls,
    pub dir: Arc<Directory>,
    pub data: Dataset,
    pub log: RequestLog,
    /// The injected anomalies (ground truth), set once at start.
    pub anomalies: std::sync::OnceLock<Vec<crate::anomalies::Anomaly>>,
    switches: RwLock<Switches>,
    faults: Mutex<Faults>,
    secret: RwLock<String>,
    grants: Mutex<Grants>,
    /// Arrival stamps of the REST requests of the last second, for `rate_limit_per_sec`.
    recent_rest: Mutex<std::collections::VecDeque<chrono::DateTime<chrono::Utc>>>,
}

impl Tenant {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        client_id: String,
        secret: String,
        redirect_uri: String,
        urls: Urls,
        dir: Arc<Directory>,
        data: Dataset,
        switches: Switches,
    ) -> Tenant {
        Tenant {
            name,
            client_id,
            redirect_uri,
            urls,
            dir,
            data,
            log: RequestLog::default(),
            anomalies: std::sync::OnceLock::new(),
            switches: RwLock::new(switches),
            faults: Mutex::new(Faults::default()),
            secret: RwLock::new(secret),
            grants: Mutex::new(Grants::default()),
            recent_rest: Mutex::new(std::collections::VecDeque::new()),
        }
    }

    /// Counts a REST request that arrived at `arrived` against `rate_limit_per_sec`; false when
    /// the limit was already reached in the second before it (the request is then refused and
    /// not counted, as a tenant counts what it serves).
    pub fn admit_rest(&self, arrived: chrono::DateTime<chrono::Utc>) -> bool {
        let limit = self.switches().rate_limit_per_sec as usize;
        let mut recent = self.recent_rest.lock().unwrap_or_else(|e| e.into_inner());
        if limit == 0 {
            recent.clear();
            return true;
        }
        let window_start = arrived - chrono::Duration::seconds(1);
        // Tasks may run out of arrival order: keep the stamps sorted, forget only the old.
        while recent
            .front()
            .is_some_and(|t| *t <= window_start - chrono::Duration::seconds(1))
        {
            recent.pop_front();
        }
        let within = recent
            .iter()
            .filter(|t| **t > window_start && **t <= arrived)
            .count();
        if within >= limit {
            return false;
        }
        let at = recent.partition_point(|t| *t <= arrived);
        recent.insert(at, arrived);
        true
    }

    pub fn switches(&self) -> Switches {
        self.switches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn update_switches(&self, f: impl FnOnce(&mut Switches)) {
        f(&mut self.switches.write().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn faults(&self) -> Faults {
        self.lock_faults().clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.lock_faults() = faults;
    }

    fn lock_faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Consumes one `drop_next` if it applies to this request.
    pub fn take_drop(&self, class: PathClass) -> bool {
        let mut f = self.lock_faults();
        if f.drop_next > 0 && f.drop_scope.matches(class) {
            f.drop_next -= 1;
            return true;
        }
        false
    }

    /// Consumes one storm answer if it applies to this request.
    pub fn take_storm(&self, class: PathClass) -> Option<Storm> {
        let mut f = self.lock_faults();
        let storm = f.storm.as_mut()?;
        if storm.remaining == 0 || !storm.scope.matches(class) {
            return None;
        }
        storm.remaining -= 1;
        Some(storm.clone())
    }

    pub fn latency_ms(&self) -> u64 {
        self.lock_faults().latency_ms
    }

    pub fn secret(&self) -> String {
        self.secret
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_secret(&self, s: String) {
        *self.secret.write().unwrap_or_else(|e| e.into_inner()) = s;
    }

    pub fn grants(&self) -> MutexGuard<'_, Grants> {
        self.grants.lock().unwrap_or_else(|e| e.into_inner())
    }
}
