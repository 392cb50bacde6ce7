//! REST: permissions, workers paging, activity parameter validation, tenant and path errors.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use workday_sim::Switches;

use crate::common::*;

/// Turns one permission switch off.
type Flip = fn(&mut Switches);

#[tokio::test]
async fn missing_scope_or_domain_permission_is_403_after_a_good_token() {
    let env = start(|_| {}).await;
    let (at, _) = sign_in(&env).await;
    let workers = format!("{}/workers?limit=1", env.v.rest_api_endpoint);
    let now = Utc::now();
    let activity = activity_url(
        &env,
        now - Duration::minutes(10),
        now - Duration::minutes(2),
        "&limit=1",
    );
    let cases: [(Flip, bool); 4] = [
        (|s| s.scope_staffing = false, true),
        (|s| s.perm_worker_reports = false, true),
        (|s| s.scope_system = false, false),
        (|s| s.perm_system_auditing = false, false),
    ];
    for (flip, hits_workers) in cases {
        env.sim.update_switches(|s| *s = Switches::default());
        env.sim.update_switches(flip);
        let (ws, wj) = get(&env, &workers, Some(&at)).await;
        let (as_, aj) = get(&env, &activity, Some(&at)).await;
        let (denied, allowed) = if hits_workers {
            ((ws, wj), as_)
        } else {
            ((as_, aj), ws)
        };
        assert_eq!(denied.0, StatusCode::FORBIDDEN);
        assert_eq!(denied.1, serde_json::json!({"error": "permission denied"}));
        assert_eq!(allowed, StatusCode::OK);
        // Without a token it is still 401, not 403.
        assert_eq!(get(&env, &workers, None).await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn workers_paging_and_limits() {
    let env = start(|c| c.users = 45).await;
    let (at, _) = sign_in(&env).await;
    let base = format!("{}/workers", env.v.rest_api_endpoint);
    let (s, j) = get(&env, &base, Some(&at)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j["total"], 45);
    assert_eq!(j["data"].as_array().unwrap().len(), 20, "default limit 20");
    let first = &j["data"][0];
    assert!(first["id"].is_string() && first["descriptor"].is_string());
    assert!(
        first["href"]
            .as_str()
            .unwrap()
            .starts_with(&env.v.rest_api_endpoint)
    );
    let (_, j) = get(&env, &format!("{base}?limit=100&offset=40"), Some(&at)).await;
    assert_eq!(j["data"].as_array().unwrap().len(), 5);
    for bad in ["limit=101", "limit=0", "limit=x", "offset=-1"] {
        let (s, j) = get(&env, &format!("{base}?{bad}"), Some(&at)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            j["error"].is_string() && j["errors"][0]["error"].is_string(),
            "{bad}: {j}"
        );
    }
}

#[tokio::test]
async fn activity_parameter_validation() {
    let env = start(|_| {}).await;
    let (at, _) = sign_in(&env).await;
    let base = activity_endpoint(&env);
    let good = "from=2026-04-17T08:00:00Z&to=2026-04-17T09:00:00Z";
    let bad = [
        "to=2026-04-17T09:00:00Z",
        "from=2026-04-17T08:00:00Z",
        "from=2026-04-17T08:00:00.Z&to=2026-04-17T09:00:00Z",
        "from=2026-04-17T08:00:00.1234567890Z&to=2026-04-17T09:00:00Z",
        "from=2026-04-17T08:00:00&to=2026-04-17T09:00:00Z",
        "from=2026-04-17T08:00:00%2B00:00&to=2026-04-17T09:00:00Z",
        "from=2026-04-17&to=2026-04-17T09:00:00Z",
        "from=2026-04-17T09:00:00Z&to=2026-04-17T09:00:00Z",
        "from=2026-04-17T10:00:00Z&to=2026-04-17T09:00:00Z",
        &format!("{good}&limit=0"),
        &format!("{good}&limit=1001"),
        &format!("{good}&limit=ten"),
        &format!("{good}&offset=-5"),
        &format!("{good}&type=signons"),
        &format!("{good}&returnUserActivityEntryCount=yes"),
        &format!("{good}&from=2026-04-17T07:00:00Z"),
    ];
    for q in bad {
        let (s, j) = get(&env, &format!("{base}?{q}"), Some(&at)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {j}");
        assert!(
            j["error"].is_string() && j["errors"][0]["error"].is_string(),
            "{q}: {j}"
        );
    }
    for q in [
        good.to_string(),
        format!("{good}&limit=1000&offset=0&type=userActivity&instancesReturned=1"),
        format!("{good}&limit=1"),
    ] {
        let (s, j) = get(&env, &format!("{base}?{q}"), Some(&at)).await;
        assert_eq!(s, StatusCode::OK, "{q}: {j}");
    }
    // What shipped collectors send in production: accepted by default, refused when strict.
    let lenient = [
        "from=2026-04-17T08:00:00.000Z&to=2026-04-17T09:00:00.000Z",
        "from=2026-04-17T08:00:00.655Z&to=2026-04-17T09:00:00Z",
        "from=2026-04-17T08:00:00.000000Z&to=2026-04-17T09:00:00.123456Z",
        "from=2026-04-17T08:00:00Z&to=2026-04-17T09:00:00Z&returnUserActivityEntryCount=False",
        "from=2026-04-17T08:00:00Z&to=2026-04-17T09:00:00Z&returnUserActivityEntryCount=TRUE",
    ];
    for q in lenient {
        let (s, j) = get(&env, &format!("{base}?{q}"), Some(&at)).await;
        assert_eq!(s, StatusCode::OK, "{q}: {j}");
    }
    env.sim.update_switches(|s| s.strict_params = true);
    for q in lenient {
        let (s, j) = get(&env, &format!("{base}?{q}"), Some(&at)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "strict: {q}: {j}");
    }
    let (s, j) = get(&env, &format!("{base}?{good}"), Some(&at)).await;
    assert_eq!(s, StatusCode::OK, "strict still takes whole seconds: {j}");
}

#[tokio::test]
async fn fractional_bounds_cut_at_the_exact_instant() {
    let env = start(|c| c.events = 200_000).await;
    let (at, _) = sign_in(&env).await;
    let base = activity_endpoint(&env);
    // Two days of the tenant hold tens of thousands of events whatever the hour the test runs
    // at (one minute at night may hold none): take one from the middle.
    let to = chrono::Utc::now() - chrono::Duration::days(1);
    let truth = env.sim.ground_truth(to - chrono::Duration::days(2), to);
    let timed: Vec<&str> = truth
        .iter()
        .filter_map(|e| e["requestTime"].as_str())
        .collect();
    assert!(timed.len() > 1000, "a busy tenant: {} events", timed.len());
    let t = timed[timed.len() / 2];
    let at_ms: chrono::DateTime<chrono::Utc> = t.parse().unwrap();
    let fmt = |t: chrono::DateTime<chrono::Utc>, f: &str| t.format(f).to_string();
    let count = |from: String, to: String| {
        let url = format!("{base}?from={from}&to={to}&returnUserActivityEntryCount=true");
        let (env, at) = (&env, &at);
        async move {
            let (s, j) = get(env, &url, Some(at)).await;
            assert_eq!(s, StatusCode::OK, "{j}");
            j["data"][0]["userActivityEntryCount"].as_u64().unwrap()
        }
    };
    let end = fmt(
        at_ms + chrono::Duration::seconds(1),
        "%Y-%m-%dT%H:%M:%S.%3fZ",
    );
    let n_at = count(fmt(at_ms, "%Y-%m-%dT%H:%M:%S.%3fZ"), end.clone()).await;
    // One microsecond later excludes the events of that millisecond, and only those.
    let after = at_ms + chrono::Duration::microseconds(1);
    let n_after = count(fmt(after, "%Y-%m-%dT%H:%M:%S.%6fZ"), end).await;
    let same_ms = truth.iter().filter(|e| e["requestTime"] == t).count() as u64;
    assert_eq!(n_at - n_after, same_ms);
}

#[tokio::test]
async fn entry_count_and_disabled_logging() {
    let env = start(|_| {}).await;
    let (at, _) = sign_in(&env).await;
    let now = Utc::now();
    let (from, to) = (now - Duration::days(2), now - Duration::days(1));
    let (_, j) = get(
        &env,
        &activity_url(&env, from, to, "&returnUserActivityEntryCount=true"),
        Some(&at),
    )
    .await;
    assert_eq!(j["total"], 1);
    let n = j["data"][0]["userActivityEntryCount"].as_u64().unwrap();
    assert!(n > 0);
    let (_, j) = get(&env, &activity_url(&env, from, to, "&limit=1"), Some(&at)).await;
    assert_eq!(j["total"].as_u64().unwrap(), n.min(10_000));
    env.sim
        .update_switches(|s| s.activity_logging_enabled = false);
    let (s, j) = get(&env, &activity_url(&env, from, to, "&limit=10"), Some(&at)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(j, serde_json::json!({"total": 0, "data": []}));
}

#[tokio::test]
async fn wrong_tenant_is_503_on_both_hosts_and_unknown_paths_404() {
    let env = start(|_| {}).await;
    let (at, _) = sign_in(&env).await;
    let wrong = |u: &str| u.replace("acme_sandbox", "acme_prod");
    let r = env
        .http
        .get(wrong(&authorize_url(&env, &[])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r = env
        .http
        .post(wrong(&env.v.token_endpoint))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (s, _) = get(
        &env,
        &wrong(&format!("{}/workers", env.v.rest_api_endpoint)),
        Some(&at),
    )
    .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    let (s, _) = get(&env, &wrong(&activity_endpoint(&env)), Some(&at)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    // The switch for the other reading of a wrong tenant in the token URL.
    env.sim
        .update_switches(|s| s.wrong_tenant_token_invalid_request = true);
    let r = env
        .http
        .post(wrong(&env.v.token_endpoint))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_request"
    );
    // Right tenant, wrong path: 404 with Workday's body. Typos too.
    for u in [
        format!("{}/workers/me/extra", env.v.rest_api_endpoint),
        env.v.rest_api_endpoint.replace("/v1/", "/v2/") + "/workers",
        env.v.token_endpoint.replace("/oauth2/", "/oauth/"),
        format!("{}/activityLogging", env.v.rest_api_endpoint),
    ] {
        let (s, j) = get(&env, &u, Some(&at)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{u}");
        assert!(j["errors"][0]["error"].is_string(), "{u}");
    }
    // The services host does not serve the consent page, nor the website host the API.
    let services_authorize = authorize_url(&env, &[]).replace(
        env.v.authorization_endpoint.split("/acme").next().unwrap(),
        env.v.token_endpoint.split("/ccx").next().unwrap(),
    );
    assert_ne!(
        env.http
            .get(services_authorize)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
