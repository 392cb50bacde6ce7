//! OAuth: consent flow, token endpoint, and the switches that govern them.

use std::time::Duration;

use reqwest::StatusCode;
use workday_sim::{ClientAuthKind, ClientAuthMode, TokenExpiry};

use crate::common::*;

#[tokio::test]
async fn consent_round_trip_with_pkce_refresh_and_rest_calls() {
    let env = start(|_| {}).await;
    let page = env.http.get(authorize_url(&env, &[])).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        workday_sim::CLIENT_NAME,
        workday_sim::CONSENT_ACCOUNT,
        "Staffing",
        "System",
        "Allow",
        "Deny",
    ] {
        assert!(html.contains(needle), "consent page names {needle}");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    let loc = consent(&env, &authorize_url(&env, &[]), "allow").await;
    assert!(loc.as_str().starts_with(&env.v.redirect_uri), "{loc}");
    assert_eq!(
        query(&loc, "state").as_deref(),
        Some(STATE),
        "state echoed verbatim"
    );
    let code = query(&loc, "code").expect("code");
    let (s, j) = exchange(&env, &code).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert_eq!(j["token_type"], "Bearer");
    assert_eq!(j["expires_in"], 3600);
    let rt = j["refresh_token"].as_str().unwrap().to_string();
    assert!(rt.len() >= 64);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    assert!(j.get("refresh_token").is_none(), "no rotation by default");
    let at = j["access_token"].as_str().unwrap();
    let (s, w) = get(
        &env,
        &format!("{}/workers?limit=1", env.v.rest_api_endpoint),
        Some(at),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(w["total"], 40);
    assert_eq!(w["data"].as_array().unwrap().len(), 1);
    let now = chrono::Utc::now();
    let (s, a) = get(
        &env,
        &activity_url(&env, now - chrono::Duration::minutes(10), now, "&limit=1"),
        Some(at),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert!(a["total"].is_u64());
    // The request log names the client auth and never holds a code or secret.
    let log = env.sim.request_log();
    let dump = serde_json::to_string(&log).unwrap();
    assert!(!dump.contains(&code) && !dump.contains(&env.v.client_secret) && !dump.contains(&rt));
    let token_calls: Vec<_> = log.iter().filter(|r| r.path.ends_with("/token")).collect();
    assert_eq!(token_calls.len(), 2);
    assert!(
        token_calls
            .iter()
            .all(|r| r.client_auth == Some(ClientAuthKind::Basic))
    );
    assert!(
        token_calls
            .iter()
            .all(|r| r.client_id.as_deref() == Some(env.v.client_id.as_str()))
    );
    assert!(log.iter().any(|r| r.path.ends_with("/authorize")
        && r.query.as_deref().is_some_and(|q| q.contains("state="))));
}

#[tokio::test]
async fn deny_returns_access_denied_with_state() {
    let env = start(|_| {}).await;
    let loc = consent(&env, &authorize_url(&env, &[]), "deny").await;
    assert!(loc.as_str().starts_with(&env.v.redirect_uri));
    assert_eq!(query(&loc, "error").as_deref(), Some("access_denied"));
    assert!(query(&loc, "error_description").is_some());
    assert_eq!(query(&loc, "state").as_deref(), Some(STATE));
    assert!(query(&loc, "code").is_none());
}

#[tokio::test]
async fn bad_client_or_redirect_uri_shows_an_error_page_never_a_redirect() {
    let env = start(|_| {}).await;
    let other_port = env.v.redirect_uri.replace("8413", "8414");
    let trailing = format!("{}/", env.v.redirect_uri);
    let localhost = env.v.redirect_uri.replace("127.0.0.1", "localhost");
    let cases: Vec<Vec<(&str, Option<&str>)>> = vec![
        vec![("client_id", None)],
        vec![("client_id", Some("bm90LXRoZS1jbGllbnQ="))],
        vec![("redirect_uri", None)],
        vec![("redirect_uri", Some(&other_port))],
        vec![("redirect_uri", Some(&trailing))],
        vec![("redirect_uri", Some(&localhost))],
        vec![("redirect_uri", Some("https://evil.example/callback"))],
    ];
    for case in cases {
        let r = env
            .http
            .get(authorize_url(&env, &case))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{case:?}");
        assert!(r.headers().get("location").is_none(), "{case:?}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("id=\"error\"") && !html.contains("id=\"consent\""),
            "{case:?}"
        );
    }
}

#[tokio::test]
async fn response_type_must_be_code() {
    let env = start(|_| {}).await;
    let r = env
        .http
        .get(authorize_url(&env, &[("response_type", Some("token"))]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(
        query(&loc, "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn ignore_redirect_port_switch() {
    let env = start(|c| c.switches.ignore_redirect_port = true).await;
    let other = env.v.redirect_uri.replace("8413", "50123");
    let loc = consent(
        &env,
        &authorize_url(&env, &[("redirect_uri", Some(&other))]),
        "allow",
    )
    .await;
    assert!(
        loc.as_str().starts_with(&other),
        "answer goes to the URI the client sent: {loc}"
    );
    let code = query(&loc, "code").unwrap();
    // The token request must carry the same redirect_uri as the authorize request.
    let (s, j) = exchange(&env, &code).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // Paths still count.
    let r = env
        .http
        .get(authorize_url(
            &env,
            &[("redirect_uri", Some("http://127.0.0.1:8413/other"))],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    env.sim.update_switches(|s| s.ignore_redirect_port = false);
    let r = env
        .http
        .get(authorize_url(&env, &[("redirect_uri", Some(&other))]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn codes_are_single_use_and_expire() {
    let env = start(|c| c.switches.code_lifetime_secs = 1).await;
    let code = get_code(&env).await;
    assert_eq!(exchange(&env, &code).await.0, StatusCode::OK);
    let (s, j) = exchange(&env, &code).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert!(j["error_description"].is_string());
    let code = get_code(&env).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (s, j) = exchange(&env, &code).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn pkce_required_under_the_switch_and_optional_by_default() {
    let env = start(|c| c.switches.pkce = true).await;
    for case in [
        vec![("code_challenge", None)],
        vec![("code_challenge_method", Some("plain"))],
        vec![("code_challenge_method", None)],
    ] {
        let r = env
            .http
            .get(authorize_url(&env, &case))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FOUND, "{case:?}");
        let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        assert!(loc.as_str().starts_with(&env.v.redirect_uri));
        assert_eq!(
            query(&loc, "error").as_deref(),
            Some("invalid_request"),
            "{case:?}"
        );
    }
    let code = get_code(&env).await;
    let form = |v: &'static str| {
        vec![
            ("grant_type", "authorization_code"),
            ("code", ""),
            ("redirect_uri", ""),
            ("code_verifier", v),
        ]
    };
    let mut f = form("wrong-verifier-wrong-verifier-wrong-verifier-wrong");
    f[1].1 = &code;
    f[2].1 = &env.v.redirect_uri;
    let (s, j) = token(&env, &f, Auth::Basic, &env.v.client_secret).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let code = get_code(&env).await;
    let (s, j) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &env.v.redirect_uri),
        ],
        Auth::Basic,
        &env.v.client_secret,
    )
    .await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );

    // Workday's default (PKCE not ticked): a challenge that is sent is still checked...
    env.sim.update_switches(|s| s.pkce = false);
    let code = get_code(&env).await;
    f[1].1 = &code;
    let (s, j) = token(&env, &f, Auth::Basic, &env.v.client_secret).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // ...and a flow without one (Sentinel's) signs in.
    let url = authorize_url(
        &env,
        &[("code_challenge", None), ("code_challenge_method", None)],
    );
    let loc = consent(&env, &url, "allow").await;
    let code = query(&loc, "code").unwrap();
    let (s, j) = token(
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &env.v.redirect_uri),
        ],
        Auth::Basic,
        &env.v.client_secret,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{j}");
}

#[tokio::test]
async fn client_auth_modes() {
    let env = start(|c| c.switches.client_auth = ClientAuthMode::Basic).await;
    let (_, rt) = sign_in(&env).await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    let secret = env.v.client_secret.clone();
    assert_eq!(
        token(&env, &form, Auth::Body, &secret).await.1["error"],
        "invalid_client"
    );
    assert_eq!(
        token(&env, &form, Auth::Basic, &secret).await.0,
        StatusCode::OK
    );
    env.sim
        .update_switches(|s| s.client_auth = ClientAuthMode::Body);
    let (s, j) = token(&env, &form, Auth::Basic, &secret).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert_eq!(
        token(&env, &form, Auth::Body, &secret).await.0,
        StatusCode::OK
    );
    env.sim
        .update_switches(|s| s.client_auth = ClientAuthMode::Any);
    assert_eq!(
        token(&env, &form, Auth::Body, &secret).await.0,
        StatusCode::OK
    );
    assert_eq!(
        token(&env, &form, Auth::Basic, &secret).await.0,
        StatusCode::OK
    );
    let (s, j) = token(&env, &form, Auth::None, &secret).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (s, j) = token(&env, &form, Auth::Basic, "not-the-secret").await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let kinds: Vec<_> = env
        .sim
        .request_log()
        .iter()
        .filter_map(|r| r.client_auth)
        .collect();
    assert!(
        kinds.contains(&ClientAuthKind::Body)
            && kinds.contains(&ClientAuthKind::Basic)
            && kinds.contains(&ClientAuthKind::None)
    );
}

#[tokio::test]
async fn token_expiry_modes_and_short_lifetime() {
    let env = start(|c| c.switches.access_token_lifetime_secs = 1).await;
    let (_, rt) = sign_in(&env).await;
    let (_, j) = refresh(&env, &rt).await;
    assert_eq!(j["expires_in"], 1);
    let at = j["access_token"].as_str().unwrap().to_string();
    let workers = format!("{}/workers?limit=1", env.v.rest_api_endpoint);
    assert_eq!(get(&env, &workers, Some(&at)).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        get(&env, &workers, Some(&at)).await.0,
        StatusCode::UNAUTHORIZED
    );
    env.sim
        .update_switches(|s| s.token_expiry = TokenExpiry::MinusOne);
    let (_, j) = refresh(&env, &rt).await;
    assert_eq!(j["expires_in"], -1);
    let at = j["access_token"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        get(&env, &workers, Some(&at)).await.0,
        StatusCode::OK,
        "lives hours"
    );
    env.sim
        .update_switches(|s| s.token_expiry = TokenExpiry::Missing);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(s, StatusCode::OK);
    assert!(j.get("expires_in").is_none() && j["access_token"].is_string());
}

#[tokio::test]
async fn refresh_token_rotation() {
    let env = start(|_| {}).await;
    let (_, rt) = sign_in(&env).await;
    assert_eq!(refresh(&env, &rt).await.0, StatusCode::OK);
    assert_eq!(
        refresh(&env, &rt).await.0,
        StatusCode::OK,
        "without rotation the token keeps working"
    );
    env.sim.update_switches(|s| s.rotate_refresh_tokens = true);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(s, StatusCode::OK);
    let new_rt = j["refresh_token"].as_str().expect("rotated").to_string();
    assert_ne!(new_rt, rt);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(refresh(&env, &new_rt).await.0, StatusCode::OK);
}

#[tokio::test]
async fn sso_tenant_needs_redirect_n() {
    let env = start(|c| c.switches.sso = true).await;
    let r = env.http.get(authorize_url(&env, &[])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(!loc.starts_with(&env.v.redirect_uri));
    let idp = url::Url::parse(&env.v.authorization_endpoint)
        .unwrap()
        .join(&loc)
        .unwrap();
    let html = env
        .http
        .get(idp)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("identity provider") && !html.contains("<form"));
    let loc = consent(
        &env,
        &authorize_url(&env, &[("redirect", Some("n"))]),
        "allow",
    )
    .await;
    assert!(query(&loc, "code").is_some());
}

#[tokio::test]
async fn oauth_clients_disabled_answers_invalid_client() {
    let env = start(|_| {}).await;
    let (_, rt) = sign_in(&env).await;
    env.sim.update_switches(|s| s.oauth_clients_enabled = false);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    env.sim.update_switches(|s| s.oauth_clients_enabled = true);
    assert_eq!(refresh(&env, &rt).await.0, StatusCode::OK);
}

#[tokio::test]
async fn regenerated_secret_and_revoked_refresh_tokens() {
    let env = start(|_| {}).await;
    let (_, rt) = sign_in(&env).await;
    let new_secret = env.sim.regenerate_secret();
    assert_ne!(new_secret, env.v.client_secret);
    assert!(new_secret.len() >= 32);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt.as_str()),
    ];
    let (s, j) = token(&env, &form, Auth::Basic, &env.v.client_secret).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    assert_eq!(
        token(&env, &form, Auth::Basic, &new_secret).await.0,
        StatusCode::OK
    );
    assert_eq!(env.sim.values().client_secret, new_secret);
    env.sim.revoke_refresh_tokens();
    let (s, j) = token(&env, &form, Auth::Basic, &new_secret).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn locked_account() {
    let env = start(|_| {}).await;
    let (at, rt) = sign_in(&env).await;
    let code = get_code(&env).await;
    env.sim.update_switches(|s| s.account_locked = true);
    let (s, j) = refresh(&env, &rt).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (s, j) = exchange(&env, &code).await;
    assert_eq!(
        (s, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let r = env.http.get(authorize_url(&env, &[])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = r.text().await.unwrap();
    assert!(html.contains("locked") && !html.contains("id=\"consent\""));
    assert_eq!(
        get(
            &env,
            &format!("{}/workers", env.v.rest_api_endpoint),
            Some(&at)
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn token_request_errors() {
    let env = start(|_| {}).await;
    let s = env.v.client_secret.clone();
    let (st, j) = token(&env, &[("grant_type", "password")], Auth::Basic, &s).await;
    assert_eq!(
        (st, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (st, j) = token(&env, &[("code", "x")], Auth::Basic, &s).await;
    assert_eq!(
        (st, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (st, j) = token(&env, &[("grant_type", "refresh_token")], Auth::Basic, &s).await;
    assert_eq!(
        (st, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (st, j) = token(
        &env,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "made-up"),
        ],
        Auth::Basic,
        &s,
    )
    .await;
    assert_eq!(
        (st, j["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert!(j["error_description"].is_string() && j.as_object().unwrap().len() == 2);
    let r = env
        .http
        .post(&env.v.token_endpoint)
        .basic_auth(&env.v.client_id, Some(&s))
        .json(&serde_json::json!({"grant_type": "refresh_token", "refresh_token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_request"
    );
}

#[tokio::test]
async fn rest_calls_need_a_valid_bearer_token() {
    let env = start(|_| {}).await;
    let url = format!("{}/workers", env.v.rest_api_endpoint);
    assert_eq!(get(&env, &url, None).await.0, StatusCode::UNAUTHORIZED);
    let (s, j) = get(&env, &url, Some("forged-token")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(j["errors"][0]["error"].is_string());
}

#[tokio::test]
async fn client_values_debug_hides_the_secret() {
    let env =
        start(|c| c.client_secret = Some("s3cr3t-distinctive-value-0123456789abcdef".into())).await;
    let dbg = format!("{:?}", env.v);
    assert!(!dbg.contains("s3cr3t") && dbg.contains(&env.v.client_id));
    let (at, rt) = sign_in(&env).await;
    let dbg = format!("{:?}", env.sim);
    assert!(!dbg.contains("s3cr3t") && !dbg.contains(&at) && !dbg.contains(&rt));
    assert_eq!(
        env.v.client_secret,
        "s3cr3t-distinctive-value-0123456789abcdef"
    );
}
