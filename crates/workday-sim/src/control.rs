//! The control API (Workday has no such thing): JSON endpoints for tests and the app's sandbox
//! to flip switches, inject faults, read the request log and ask for the ground truth.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::params::Params;
use crate::state::Tenant;
use crate::switches::{Faults, Switches};

type Shared = State<Arc<Tenant>>;

pub fn router(t: Arc<Tenant>) -> Router {
    Router::new()
        .route("/switches", get(get_switches).put(put_switches))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/requests", get(get_requests).delete(delete_requests))
        .route("/regenerate-secret", post(regenerate_secret))
        .route("/revoke-refresh-tokens", post(revoke_refresh_tokens))
        .route("/truth", get(truth))
        .route("/anomalies", get(anomalies))
        .route("/values", get(values))
        .with_state(t)
}

fn bad(msg: impl std::fmt::Display) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": msg.to_string() })),
    )
        .into_response()
}

async fn get_switches(State(t): Shared) -> Json<Switches> {
    Json(t.switches())
}

/// Merges a partial JSON object into the switches; unknown keys or bad values answer 400.
async fn put_switches(State(t): Shared, body: Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => Value::Object(m),
        Ok(_) => return bad("expected a JSON object"),
        Err(e) => return bad(e),
    };
    let mut merged = serde_json::to_value(t.switches()).unwrap_or(Value::Null);
    if let (Value::Object(m), Value::Object(p)) = (&mut merged, patch) {
        m.extend(p);
    }
    match serde_json::from_value::<Switches>(merged) {
        Ok(s) => {
            t.update_switches(|cur| *cur = s.clone());
            Json(s).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn get_faults(State(t): Shared) -> Json<Faults> {
    Json(t.faults())
}

/// Replaces the faults; absent fields take their defaults.
async fn put_faults(State(t): Shared, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            t.set_faults(f.clone());
            Json(f).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn get_requests(State(t): Shared) -> Response {
    Json(t.log.snapshot()).into_response()
}

async fn delete_requests(State(t): Shared) -> StatusCode {
    t.log.clear();
    StatusCode::NO_CONTENT
}

async fn regenerate_secret(State(t): Shared) -> Response {
    Json(json!({ "client_secret": crate::regenerate_secret(&t) })).into_response()
}

async fn revoke_refresh_tokens(State(t): Shared) -> StatusCode {
    t.grants().refresh.clear();
    StatusCode::NO_CONTENT
}

/// `GET /truth?from=..&to=..` (RFC 3339 instants, any precision).
async fn truth(State(t): Shared, RawQuery(raw): RawQuery) -> Response {
    let p = Params::from_query(raw.as_deref());
    let parse = |name: &str| -> Result<DateTime<Utc>, Response> {
        let v = p
            .get(name)
            .map_err(bad)?
            .ok_or_else(|| bad(format!("{name} is required")))?;
        DateTime::parse_from_rfc3339(v)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| bad(format!("{name}: {e}")))
    };
    match (parse("from"), parse("to")) {
        (Ok(from), Ok(to)) => Json(crate::ground_truth(&t, from, to)).into_response(),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

/// `GET /anomalies`: the injected anomalies with the alerts each should raise.
async fn anomalies(State(t): Shared) -> Response {
    Json(t.anomalies.get().cloned().unwrap_or_default()).into_response()
}

async fn values(State(t): Shared) -> Response {
    Json(crate::client_values(&t)).into_response()
}
