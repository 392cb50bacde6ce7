//! The REST API on the services host: `/workers` and `/activityLogging`, with Workday's
//! parameter validation, permission checks and error bodies.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDateTime, Utc};
use rand::seq::SliceRandom;
use serde_json::{Value, json};

use crate::activity::{OwnCall, Render, Window};
use crate::params::Params;
use crate::state::{Access, Tenant};
use crate::switches::OffsetCapMode;

const WORKERS_DEFAULT_LIMIT: u64 = 20;
const WORKERS_MAX_LIMIT: u64 = 100;
/// Default page size of the activity log (unverified; collectors always pass `limit`).
const ACTIVITY_DEFAULT_LIMIT: u64 = 100;
const ACTIVITY_MAX_LIMIT: u64 = 1000;

type Shared = State<Arc<Tenant>>;

/// Workday's 400-404 body: `{"error": ..., "errors": [{"error": ...}]}`.
pub fn client_error(status: StatusCode, error: &str, detail: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "errors": [{ "error": detail }] })),
    )
        .into_response()
}

/// Checks `Authorization: Bearer` on a REST call; Err is the 401 answer.
fn authenticate(t: &Tenant, headers: &HeaderMap) -> Result<Access, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, tok)| tok.trim().to_string());
    let access = token.and_then(|tok| t.grants().access.get(&tok).cloned());
    match access {
        Some(a) if a.expires > Instant::now() && !t.switches().account_locked => Ok(a),
        Some(_) => Err(client_error(
            StatusCode::UNAUTHORIZED,
            "Invalid request",
            "The access token has expired or is no longer valid",
        )),
        None => Err(client_error(
            StatusCode::UNAUTHORIZED,
            "Invalid request",
            "A valid bearer access token is required",
        )),
    }
}

/// Workday's body for other statuses: `{"error": ...}`.
pub fn server_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// A version segment of a REST path (`v1`, `v42`).
pub(crate) fn is_version(s: &str) -> bool {
    s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

fn invalid(detail: &str) -> Response {
    client_error(
        StatusCode::BAD_REQUEST,
        "Invalid request parameters",
        detail,
    )
}

fn permission_denied() -> Response {
    (
        StatusCode::FORBIDDEN,
        Json(json!({ "error": "permission denied" })),
    )
        .into_response()
}

/// A non-negative integer parameter within [min, max], or the default when absent.
fn int_param(p: &Params, name: &str, default: u64, min: u64, max: u64) -> Result<u64, Response> {
    match p.get(name).map_err(|e| invalid(&e))? {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(invalid(&format!(
                "{name} must be an integer from {min} to {max}"
            ))),
        },
    }
}

/// The task name a real tenant logs for a REST call: `{area}/{path} ({METHOD}) (v1 -  )`, from
/// `/ccx/api/{area}/{version}/{tenant}/{path}` (no area: `common`, unverified). The activity
/// log's `type` becomes the last path segment (`privacy/activityLogging/userActivity`).
pub(crate) fn own_call_task(method: &Method, path: &str, kind: Option<&str>) -> String {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (area, version, rest) = match segs.as_slice() {
        ["ccx", "api", v, _tenant, rest @ ..] if is_version(v) => ("common", *v, rest),
        ["ccx", "api", area, v, _tenant, rest @ ..] if is_version(v) => (*area, *v, rest),
        _ => ("common", "v1", &segs[..]),
    };
    let mut name = std::iter::once(area)
        .chain(rest.iter().copied())
        .chain(kind)
        .collect::<Vec<_>>()
        .join("/");
    name.push_str(&format!(" ({method}) ({version} -  )"));
    name
}

/// Logs the client's own call as an activity event (the tenant audits API use too).
fn log_own_call(t: &Tenant, access: &Access, task: String) {
    let sw = t.switches();
    if !sw.log_own_calls || !sw.activity_logging_enabled {
        return;
    }
    t.data.record_own(OwnCall {
        at_ms: Utc::now().timestamp_millis(),
        account: access.account.clone(),
        task,
        session: access.session.clone(),
    });
}

/// `GET /ccx/api/v1/{tenant}/workers?limit&offset`.
pub async fn workers(
    State(t): Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let access = match authenticate(&t, &headers) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let r = workers_inner(&t, raw.as_deref());
    log_own_call(&t, &access, own_call_task(&method, uri.path(), None));
    r.unwrap_or_else(|e| e)
}

fn workers_inner(t: &Tenant, raw: Option<&str>) -> Result<Response, Response> {
    let sw = t.switches();
    if !(sw.scope_staffing && sw.perm_worker_reports) {
        return Err(permission_denied());
    }
    let p = Params::from_query(raw);
    let limit = int_param(&p, "limit", WORKERS_DEFAULT_LIMIT, 1, WORKERS_MAX_LIMIT)?;
    let offset = int_param(&p, "offset", 0, 0, u64::MAX)?;
    let people = &t.dir.people;
    let data: Vec<Value> = people
        .iter()
        .skip(offset.min(people.len() as u64) as usize)
        .take(limit as usize)
        .map(|w| {
            json!({
                "id": w.wid,
                "descriptor": w.name,
                "href": format!("{}/workers/{}", t.urls.rest_api_endpoint, w.wid),
                "businessTitle": w.title,
                "primaryWorkEmail": format!("{}@example.com", w.username),
                "isManager": w.title.starts_with("Director") || w.title.ends_with("Manager"),
            })
        })
        .collect();
    Ok(Json(json!({ "total": people.len(), "data": data })).into_response())
}

/// Parses a `from`/`to` value, ISO-8601 UTC: `YYYY-MM-DDTHH:MM:SSZ`, and unless `strict` with
/// a fraction of a second too (`.000Z`, `.123456Z`). Returned as the smallest whole millisecond
/// not before the instant, so `t >= from` and `t < to` hold for event times as for the instants.
fn parse_instant(p: &Params, name: &str, strict: bool) -> Result<i64, Response> {
    let Some(v) = p.get(name).map_err(|e| invalid(&e))? else {
        return Err(invalid(&format!("{name} is required")));
    };
    let whole = v.len() == 20;
    let fraction = v.len() > 21
        && v.len() <= 30
        && v.as_bytes()[19] == b'.'
        && v[20..v.len() - 1].bytes().all(|b| b.is_ascii_digit());
    let shape_ok = v.ends_with('Z') && (whole || (fraction && !strict));
    match NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.fZ") {
        Ok(dt) if shape_ok => {
            let dt = dt.and_utc();
            let ms = dt.timestamp_millis();
            Ok(if dt.timestamp_subsec_nanos() % 1_000_000 == 0 {
                ms
            } else {
                ms + 1
            })
        }
        _ if strict => Err(invalid(&format!(
            "{name} must be an ISO-8601 UTC date-time with whole seconds, like 2026-04-17T08:15:00Z"
        ))),
        _ => Err(invalid(&format!(
            "{name} must be an ISO-8601 UTC date-time, like 2026-04-17T08:15:00Z"
        ))),
    }
}

/// A boolean parameter: `true`/`false`, in any case unless `strict` (XSOAR sends `False`).
fn bool_param(p: &Params, name: &str, strict: bool) -> Result<bool, Response> {
    match p.get(name).map_err(|e| invalid(&e))? {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(v) if !strict && v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if !strict && v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(invalid(&format!("{name} must be true or false"))),
    }
}

/// `GET /ccx/api/privacy/v1/{tenant}/activityLogging`.
pub async fn activity_logging(
    State(t): Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let access = match authenticate(&t, &headers) {
        Ok(a) => a,
        Err(r) => return r,
    };
    // A page of a thousand events takes milliseconds to build: off the threads that read
    // the sockets, so a request that arrives meanwhile is stamped when it arrives, as a
    // tenant's front end would, not when a worker comes free.
    let tenant = t.clone();
    let r = tokio::task::spawn_blocking(move || activity_inner(&tenant, raw.as_deref()))
        .await
        .unwrap_or_else(|_| Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()));
    let task = own_call_task(&method, uri.path(), Some("userActivity"));
    log_own_call(&t, &access, task);
    r.unwrap_or_else(|e| e)
}

fn activity_inner(t: &Tenant, raw: Option<&str>) -> Result<Response, Response> {
    let sw = t.switches();
    if !(sw.scope_system && sw.perm_system_auditing) {
        return Err(permission_denied());
    }
    let p = Params::from_query(raw);
    let from_ms = parse_instant(&p, "from", sw.strict_params)?;
    let to_ms = parse_instant(&p, "to", sw.strict_params)?;
    if from_ms >= to_ms {
        return Err(invalid("from must be earlier than to"));
    }
    let limit = int_param(&p, "limit", ACTIVITY_DEFAULT_LIMIT, 1, ACTIVITY_MAX_LIMIT)?;
    let offset = int_param(&p, "offset", 0, 0, u64::MAX)?;
    int_param(&p, "instancesReturned", 1, 1, u64::MAX)?;
    match p.get("type").map_err(|e| invalid(&e))? {
        None | Some("userActivity") => {}
        Some(_) => return Err(invalid("type must be userActivity")),
    }
    let count_only = bool_param(&p, "returnUserActivityEntryCount", sw.strict_params)?;
    let window = Window {
        from_ms,
        to_ms,
        now_ms: Utc::now().timestamp_millis(),
        max_lag_secs: sw.publish_lag_max_secs,
    };
    if count_only {
        // The true count, not capped: it is how a client learns it must split (unverified).
        let n = if sw.activity_logging_enabled {
            t.data.count(&window)
        } else {
            0
        };
        return Ok(
            Json(json!({ "total": 1, "data": [{ "userActivityEntryCount": n }] })).into_response(),
        );
    }
    let cap = sw.offset_cap;
    if offset >= cap && sw.offset_cap_mode != OffsetCapMode::EmptyPage {
        return Err(invalid(&format!(
            "offset must be less than {cap}; narrow the from/to window"
        )));
    }
    if !sw.activity_logging_enabled {
        return Ok(Json(json!({ "total": 0, "data": [] })).into_response());
    }
    let n = t.data.count(&window);
    let total = match sw.offset_cap_mode {
        OffsetCapMode::CapTotal => n.min(cap),
        OffsetCapMode::ExactTotal | OffsetCapMode::EmptyPage => n,
    };
    // Rows at positions >= cap are never served.
    let take = limit.min(cap.saturating_sub(offset)) as usize;
    let faults = t.faults();
    let mut data = if take == 0 {
        Vec::new()
    } else if offset > 0 && (faults.shift_rows || faults.short_pages) {
        // What an honest page holds, then served from one row early or one row short.
        let honest = take.min(n.min(cap).saturating_sub(offset) as usize);
        let start = if faults.shift_rows {
            offset - 1
        } else {
            offset
        };
        let take = if faults.short_pages {
            honest.saturating_sub(1)
        } else {
            honest
        };
        t.data.page(&window, start, take, render(&sw))
    } else {
        t.data.page(&window, offset, take, render(&sw))
    };
    if sw.shuffle_pages {
        data.shuffle(&mut rand::rng());
    }
    Ok(Json(json!({ "total": total, "data": data })).into_response())
}

/// The row shape the switches ask for.
pub(crate) fn render(sw: &crate::switches::Switches) -> Render {
    Render {
        missing_request_times: sw.missing_request_times,
        target_href: sw.target_href,
    }
}

/// Anything else under the right tenant on the services host.
pub async fn not_found() -> Response {
    client_error(
        StatusCode::NOT_FOUND,
        "Resource not found",
        "The requested resource does not exist",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_call_task_names_follow_the_real_shape() {
        let name = |m: Method, p: &str, kind| own_call_task(&m, p, kind);
        assert_eq!(
            name(
                Method::GET,
                "/ccx/api/privacy/v1/acme/activityLogging",
                Some("userActivity")
            ),
            "privacy/activityLogging/userActivity (GET) (v1 -  )"
        );
        assert_eq!(
            name(Method::GET, "/ccx/api/v1/acme/workers", None),
            "common/workers (GET) (v1 -  )"
        );
        assert_eq!(
            name(Method::POST, "/ccx/api/staffing/v6/acme/workers/abc", None),
            "staffing/workers/abc (POST) (v6 -  )"
        );
    }
}
