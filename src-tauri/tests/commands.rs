//! The shell's commands on Tauri's mock runtime, called through the IPC the way the UI calls them
//! (`ui/src/api.ts`): the JSON each returns or rejects with is pinned here, and the capability
//! file is shown to let the UI's commands through and nothing else.
//!
//! `connection_add` stores the client secret in the OS credential store: that test runs for real
//! in the D-Bus + gnome-keyring session that `scripts/test.sh` starts.

use connector::paths::Home;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{MockRuntime, get_ipc_response, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow};
use workday_connector_lib::LaunchOptions;
use workday_connector_lib::state::AppState;

/// The app on the mock runtime, its main window, and the temporary home it keeps its files in.
struct Harness {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    home: tempfile::TempDir,
}

fn state_at(dir: &std::path::Path) -> AppState {
    AppState::new(
        LaunchOptions {
            home: Some(dir.to_path_buf()),
            ..LaunchOptions::default()
        },
        Home::at(dir),
    )
    .expect("the app state opens on an empty home")
}

/// The app as `lib.rs` builds it (plugins, tray, setup), on a mock context with no capability
/// file: every app command is reachable, as the real capability allows (see the ACL test below).
fn harness() -> Harness {
    let home = tempfile::tempdir().unwrap();
    let app = workday_connector_lib::build::<MockRuntime>(state_at(home.path()))
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime, tray and plugins included");
    // The app's setup (tray, window) runs when the event loop starts, which it never does here:
    // the window is opened as Open does.
    workday_connector_lib::window::open(app.handle());
    let window = app
        .get_webview_window("main")
        .expect("Open builds the main window");
    Harness { app, window, home }
}

fn request(invoke_key: &str, cmd: &str, args: Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // The IPC origin of the app's own pages on Linux and macOS.
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: invoke_key.to_string(),
    }
}

impl Harness {
    /// Calls a command; Ok is the resolved JSON, Err the rejection the UI's `invoke` receives.
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(&self.window, request(self.app.invoke_key(), cmd, args))
            .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
    }
}

/// A connection's settings as the Details step sends them (`ProfileInput` in api.ts).
fn input(name: &str, token_endpoint: &str) -> Value {
    json!({
        "name": name,
        "client_id": "ZjQ5YTk5NTktOWFkYS00",
        "rest_api_endpoint": "https://wd2-impl-services1.workday.com/ccx/api/v1/acme",
        "token_endpoint": token_endpoint,
        "authorization_endpoint": "https://wd2-impl.workday.com/acme/authorize",
        "redirect_port": 8413,
        "redirect_host": "ipv4_literal",
        "pkce": true,
        "client_auth": "basic",
        "sso": false,
    })
}

const GOOD_TOKEN: &str = "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token";

/// Asserts the one error model's shape: a dotted code, a message and a fix, nothing else but
/// `details`.
fn assert_problem(v: &Value) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"));
    for key in ["code", "message", "fix"] {
        assert!(
            obj.get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()),
            "{key} missing or empty in {v}"
        );
    }
    assert!(
        obj.keys()
            .all(|k| ["code", "message", "fix", "details"].contains(&k.as_str())),
        "unexpected keys in {v}"
    );
}

#[test]
fn an_empty_home_lists_no_connections_and_no_sandbox() {
    let h = harness();
    assert_eq!(h.call("connections_list", json!({})), Ok(json!([])));
    assert_eq!(h.call("sandbox_info", json!({})), Ok(Value::Null));
    let info = h.call("app_info", json!({})).unwrap();
    assert_eq!(
        info,
        json!({"version": env!("CARGO_PKG_VERSION"), "sandbox_requested": false})
    );
}

#[test]
fn check_values_names_the_oauth_typo_with_its_fix() {
    let h = harness();
    let typo = "https://wd2-impl-services1.workday.com/ccx/oauth/acme/token";
    let findings = h
        .call("check_values", json!({ "input": input("acme", typo) }))
        .unwrap();
    let all = findings.as_array().expect("a list of findings");
    let typo_finding = all
        .iter()
        .find(|f| f["code"] == "endpoint.token_oauth_typo")
        .unwrap_or_else(|| panic!("no endpoint.token_oauth_typo in {findings}"));
    assert_eq!(typo_finding["field"], "token");
    assert_eq!(typo_finding["severity"], "error");
    assert_eq!(
        typo_finding["message"],
        "The Token Endpoint says /oauth/ where Workday uses /oauth2/."
    );
    assert!(
        typo_finding["fix"]
            .as_str()
            .unwrap()
            .contains("Change /ccx/oauth/ to /ccx/oauth2/"),
        "{typo_finding}"
    );
    let keys: Vec<&String> = typo_finding.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["code", "field", "fix", "message", "severity"]);

    // The same values with the right token URL raise no error.
    let clean = h
        .call(
            "check_values",
            json!({ "input": input("acme", GOOD_TOKEN) }),
        )
        .unwrap();
    assert!(
        clean
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "error"),
        "{clean}"
    );
}

#[test]
fn check_values_refuses_a_bad_name_and_a_zero_port() {
    let h = harness();
    let mut bad = input("a/b", GOOD_TOKEN);
    bad["redirect_port"] = json!(0);
    let findings = h.call("check_values", json!({ "input": bad })).unwrap();
    let fields: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    // The name is refused once: one finding beside the field, not one per layer that checks it.
    assert_eq!(fields, ["name", "redirect_port"], "{findings}");
    assert_eq!(findings[0]["code"], "profile.name_invalid", "{findings}");
}

#[test]
fn connection_add_with_invalid_values_rejects_with_every_problem_and_writes_nothing() {
    let h = harness();
    let mut bad = input(
        "acme",
        "https://wd2-impl-services1.workday.com/ccx/oauth/acme/token",
    );
    bad["rest_api_endpoint"] =
        json!("https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token");
    let err = h
        .call(
            "connection_add",
            json!({ "input": bad, "clientSecret": "s3cret-value" }),
        )
        .unwrap_err();
    assert_problem(&err);
    let details = err["details"].as_array().expect("details: every problem");
    assert!(details.len() >= 2, "{err}");
    for d in details {
        assert_problem(d);
    }
    assert_eq!(
        details[0],
        json!({"code": err["code"], "message": err["message"], "fix": err["fix"]})
    );
    let codes: Vec<&str> = details
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"endpoint.token_oauth_typo"), "{codes:?}");
    assert!(codes.contains(&"endpoint.rest_is_token_url"), "{codes:?}");
    assert!(
        !err.to_string().contains("s3cret-value"),
        "the secret never comes back"
    );
    assert_eq!(h.call("connections_list", json!({})), Ok(json!([])));
}

#[test]
fn guide_returns_the_exact_redirection_uri_for_the_port() {
    let h = harness();
    for (port, host, uri) in [
        (8413, "ipv4_literal", "http://127.0.0.1:8413/callback"),
        (9001, "localhost", "http://localhost:9001/callback"),
    ] {
        let guide = h
            .call(
                "guide",
                json!({ "redirectPort": port, "redirectHost": host }),
            )
            .unwrap();
        let register = guide["register_api_client"].as_array().unwrap();
        let field = register
            .iter()
            .find(|f| f["field"] == "Redirection URI")
            .unwrap_or_else(|| panic!("no Redirection URI in {guide}"));
        assert_eq!(field["value"], uri);
        for key in ["security_group_permissions", "tenant_settings", "notes"] {
            assert!(!guide[key].as_array().unwrap().is_empty(), "{key} empty");
        }
    }
    assert!(
        guide_domains(&h).contains(&"System Auditing".to_string()),
        "the guide names the permission the activity log needs"
    );
}

fn guide_domains(h: &Harness) -> Vec<String> {
    let guide = h
        .call(
            "guide",
            json!({ "redirectPort": 8413, "redirectHost": "ipv4_literal" }),
        )
        .unwrap();
    guide["security_group_permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["domain"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn parse_paste_fills_the_five_values() {
    let h = harness();
    let text = "Client ID\tZjQ5YTk5NTktOWFkYS00\n\
                Client Secret\tq8Vx2mLkP0aZ7rT1\n\
                Workday REST API Endpoint\thttps://wd2-impl-services1.workday.com/ccx/api/v1/acme\n\
                Token Endpoint\thttps://wd2-impl-services1.workday.com/ccx/oauth2/acme/token\n\
                Authorization Endpoint\thttps://wd2-impl.workday.com/acme/authorize\n";
    let v = h.call("parse_paste", json!({ "text": text })).unwrap();
    assert_eq!(
        v,
        json!({
            "client_id": "ZjQ5YTk5NTktOWFkYS00",
            "client_secret": "q8Vx2mLkP0aZ7rT1",
            "rest_api": "https://wd2-impl-services1.workday.com/ccx/api/v1/acme",
            "token": "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token",
            "authorization": "https://wd2-impl.workday.com/acme/authorize",
        })
    );
    let nothing = h.call("parse_paste", json!({ "text": "hello" })).unwrap();
    assert!(
        nothing.as_object().unwrap().values().all(Value::is_null),
        "{nothing}"
    );
}

#[test]
fn settings_refuse_a_zero_minute_interval_and_write_nothing() {
    let h = harness();
    let defaults = h.call("settings_get", json!({})).unwrap();
    assert_eq!(
        defaults,
        json!({"start_at_login": false, "notifications": true, "check_interval_minutes": 15})
    );
    let err = h
        .call(
            "settings_set",
            json!({ "settings": {"start_at_login": false, "notifications": false, "check_interval_minutes": 0} }),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "settings.check_interval_out_of_range");
    assert!(err.get("details").is_none(), "{err}");
    assert!(
        !h.home.path().join("settings.json").exists(),
        "nothing is written"
    );
    assert_eq!(h.call("settings_get", json!({})), Ok(defaults));

    // A valid change is saved and read back (start at login stays off: no autostart entry).
    let ok = json!({"start_at_login": false, "notifications": false, "check_interval_minutes": 30});
    assert_eq!(
        h.call("settings_set", json!({ "settings": ok })),
        Ok(ok.clone())
    );
    assert_eq!(h.call("settings_get", json!({})), Ok(ok.clone()));
    let saved: Value =
        serde_json::from_slice(&std::fs::read(h.home.path().join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(saved, ok);
}

#[test]
fn commands_on_an_unknown_connection_reject_with_a_problem() {
    let h = harness();
    for cmd in [
        "connection_test",
        "connection_connect",
        "connection_disconnect",
        "connection_remove",
    ] {
        let err = h.call(cmd, json!({ "name": "nope" })).unwrap_err();
        assert_problem(&err);
        assert_eq!(err["code"], "profile.not_found", "{cmd}: {err}");
        assert_eq!(err["message"], "There is no connection named \"nope\".");
    }
    // Cancelling a sign-in that is not running is not an error.
    assert_eq!(
        h.call("signin_cancel", json!({ "name": "nope" })),
        Ok(Value::Null)
    );
}

/// Needs the Secret Service: runs in scripts/test.sh's D-Bus + gnome-keyring session.
#[test]
fn connection_add_stores_the_connection_and_never_returns_the_secret() {
    let h = harness();
    let secret = "add-test-secret-6b1f0c";
    let saved = h
        .call(
            "connection_add",
            json!({ "input": input("acme", GOOD_TOKEN), "clientSecret": secret }),
        )
        .unwrap_or_else(|e| panic!("connection_add failed: {e}"));
    assert!(saved["warnings"].is_array(), "{saved}");

    let list = h.call("connections_list", json!({})).unwrap();
    let all = list.as_array().unwrap();
    assert_eq!(all.len(), 1, "{list}");
    let c = &all[0];
    assert_eq!(c["name"], "acme");
    assert_eq!(c["simulated"], false);
    assert_eq!(c["redirect_uri"], "http://127.0.0.1:8413/callback");
    assert_eq!(
        c["status"],
        json!({"state": "not_configured", "label": "Not signed in"})
    );
    assert!(
        !list.to_string().contains(secret),
        "the secret never reaches the UI"
    );
    let config = std::fs::read_to_string(h.home.path().join("connections.json")).unwrap();
    assert!(
        !config.contains(secret),
        "the secret is not in the config file"
    );

    // The same name again is refused, and removing it forgets it.
    let again = h
        .call(
            "connection_add",
            json!({ "input": input("acme", GOOD_TOKEN), "clientSecret": secret }),
        )
        .unwrap_err();
    assert_problem(&again);
    assert_eq!(
        h.call(
            "connection_remove",
            json!({ "name": "acme", "deleteEvents": true })
        ),
        Ok(json!({"removed": "acme", "activity_log_deleted": false, "activity_log_kept": null}))
    );
    assert_eq!(h.call("connections_list", json!({})), Ok(json!([])));
}

/// The real capability file (`tauri::generate_context!` reads it, with the commands `build.rs`
/// declares): the main window reaches every command the UI calls, and nothing else.
#[test]
fn the_capability_lets_the_ui_commands_through_and_refuses_the_rest() {
    let home = tempfile::tempdir().unwrap();
    let app = workday_connector_lib::build::<MockRuntime>(state_at(home.path()))
        .build(tauri::generate_context!())
        .expect("the app builds with its real context on the mock runtime");
    // The capability names the window by its label, "main", as tauri.conf.json does; the app
    // builds it from that configuration on Open.
    workday_connector_lib::window::open(app.handle());
    let window = app
        .get_webview_window("main")
        .expect("Open builds the main window from tauri.conf.json");
    let call = |cmd: &str, args: Value| {
        get_ipc_response(&window, request(app.invoke_key(), cmd, args))
            .map(|b| b.deserialize::<Value>().unwrap())
    };
    assert_eq!(call("connections_list", json!({})), Ok(json!([])));
    assert!(call("settings_get", json!({})).is_ok());
    // The viewer's commands get through (and answer with the connector's problem).
    for cmd in [
        "activity_query",
        "activity_sync",
        "activity_export",
        "activity_insights",
        "activity_user",
    ] {
        let err = call(
            cmd,
            json!({"name": "nope", "filter": {}, "page": {"offset": 0, "limit": 200}, "format": "csv",
                   "user": "ann", "utcOffsetMinutes": 0}),
        )
        .expect_err("no such connection");
        assert_eq!(err["code"], "profile.not_found", "{cmd}: {err}");
    }
    assert!(
        call(
            "guide",
            json!({"redirectPort": 8413, "redirectHost": "ipv4_literal"})
        )
        .is_ok()
    );
    // So do the Alerts screen's.
    assert_eq!(
        call("alerts_list", json!({"name": null, "query": {}})),
        Ok(json!({"alerts": [], "problems": []}))
    );
    assert!(call("rules_list", json!({"name": null})).is_ok());
    let err = call(
        "alert_set_status",
        json!({"name": "nope", "id": 1, "status": "dismissed"}),
    )
    .expect_err("no such connection");
    assert_eq!(err["code"], "profile.not_found", "{err}");

    // Opening URLs, notifications and autostart are Rust's business: the webview may not.
    for cmd in [
        "plugin:opener|open_url",
        "plugin:notification|notify",
        "plugin:autostart|enable",
        "plugin:dialog|save",
    ] {
        let err = call(cmd, json!({ "url": "https://example.com/" }))
            .expect_err("refused by the capability");
        let text = err.as_str().unwrap_or_default().to_string();
        assert!(
            text.contains("not allowed"),
            "{cmd}: expected an ACL refusal, got {err}"
        );
    }
    // An app command called from a page that is not the app's own is refused too.
    let foreign = InvokeRequest {
        url: "https://evil.example/".parse().unwrap(),
        ..request(app.invoke_key(), "connections_list", json!({}))
    };
    assert!(get_ipc_response(&window, foreign).is_err());
}

/// A stored connection without a keyring entry: enough for the activity commands, which read
/// the local store only.
fn stored_connection(h: &Harness, name: &str) {
    let mut p = connector::profile::Profile::new(name);
    p.client_id = "ZjQ5YTk5NTktOWFkYS00".into();
    p.rest_api_endpoint = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme".into();
    p.token_endpoint = GOOD_TOKEN.into();
    p.authorization_endpoint = "https://wd2-impl.workday.com/acme/authorize".into();
    connector::profile::ProfileStore::new(Home::at(h.home.path()).config_file())
        .add(p)
        .expect("the connection is stored");
}

#[test]
fn activity_query_on_an_empty_store_is_zero_rows_of_zero() {
    let h = harness();
    stored_connection(&h, "acme");
    let page = h
        .call(
            "activity_query",
            json!({
                "name": "acme",
                "filter": {"user": "ann", "task": "", "include_own_calls": false},
                "page": {"offset": 0, "limit": 200},
            }),
        )
        .unwrap_or_else(|e| panic!("activity_query failed: {e}"));
    assert_eq!(
        page,
        json!({"events": [], "total": 0, "total_estimated": false, "offset": 0, "synced_until": null})
    );
    // An unknown connection is the usual problem.
    let err = h
        .call(
            "activity_query",
            json!({"name": "nope", "filter": {}, "page": {"offset": 0, "limit": 200}}),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "profile.not_found", "{err}");
}

#[test]
fn activity_query_refuses_a_range_that_ends_before_it_starts() {
    let h = harness();
    stored_connection(&h, "acme");
    let err = h
        .call(
            "activity_query",
            json!({
                "name": "acme",
                "filter": {
                    "since": "2026-04-17T09:00:00Z",
                    "until": "2026-04-17T08:00:00Z",
                    "include_own_calls": false,
                },
                "page": {"offset": 0, "limit": 200},
            }),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "input.time_order", "{err}");
    assert_eq!(err["fix"], "Swap them, or widen the range.");
    // So is a page size the viewer never asks for, and the export of a bad range (before any
    // dialog opens).
    let err = h
        .call(
            "activity_query",
            json!({"name": "acme", "filter": {}, "page": {"offset": 0, "limit": 0}}),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "input.bad_limit", "{err}");
    let err = h
        .call(
            "activity_export",
            json!({
                "name": "acme",
                "filter": {"since": "2026-04-17T09:00:00Z", "until": "2026-04-17T09:00:00Z"},
                "format": "csv",
            }),
        )
        .unwrap_err();
    assert_eq!(err["code"], "input.time_order", "{err}");
}

#[test]
fn insights_on_an_empty_store_are_zero_and_bad_input_is_refused() {
    let h = harness();
    stored_connection(&h, "acme");
    let insights = h
        .call(
            "activity_insights",
            json!({"name": "acme", "filter": {"user": "ann"}, "utcOffsetMinutes": 60}),
        )
        .unwrap_or_else(|e| panic!("activity_insights failed: {e}"));
    let empty = json!({"entries": [], "distinct": 0});
    assert_eq!(
        insights,
        json!({"total": 0, "bucket": "hour", "series": [], "untimed": 0, "users": empty,
               "tasks": empty, "ips": empty, "countries": empty})
    );
    let user = h
        .call(
            "activity_user",
            json!({"name": "acme", "user": "ann", "utcOffsetMinutes": 0}),
        )
        .unwrap_or_else(|e| panic!("activity_user failed: {e}"));
    assert_eq!(user["user"], "ann");
    assert_eq!(user["total"], 0);
    assert_eq!(user["series"].as_array().map(Vec::len), Some(30), "{user}");
    assert_eq!(user["sessions"], json!([]));

    let err = h
        .call(
            "activity_insights",
            json!({"name": "acme", "filter": {}, "utcOffsetMinutes": 5000}),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "input.bad_utc_offset", "{err}");
    let err = h
        .call(
            "activity_user",
            json!({"name": "acme", "user": "  ", "utcOffsetMinutes": 0}),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "input.missing_user", "{err}");
}

#[test]
fn route_save_keeps_a_screen_and_refuses_anything_but_a_plain_fragment() {
    let h = harness();
    let state = h.app.state::<AppState>();
    assert_eq!(
        h.call("route_save", json!({ "route": "activity/new%20co" })),
        Ok(Value::Null)
    );
    assert_eq!(state.route(), "activity/new%20co");
    for bad in ["x?evil=1", "a#b", "connection/new co", "<script>"] {
        let refused = h.call("route_save", json!({ "route": bad })).unwrap_err();
        assert_problem(&refused);
        assert_eq!(refused["code"], "app.route_invalid");
        assert_eq!(state.route(), "activity/new%20co", "{bad} changed nothing");
    }
    // The list is the empty route.
    assert_eq!(
        h.call("route_save", json!({ "route": "" })),
        Ok(Value::Null)
    );
    assert_eq!(state.route(), "");
}

/// A closed window is built again on Open at the screen the UI saved last, once: a second Open
/// shows that window rather than building another.
#[test]
fn open_builds_the_window_on_the_saved_screen() {
    let home = tempfile::tempdir().unwrap();
    let app = workday_connector_lib::build::<MockRuntime>(state_at(home.path()))
        .build(mock_context(noop_assets()))
        .expect("the app builds");
    assert!(app.webview_windows().is_empty(), "no window before Open");
    app.state::<AppState>()
        .set_route("activity/new%20co".into());
    workday_connector_lib::window::open(app.handle());
    let window = app
        .get_webview_window("main")
        .expect("Open builds the window");
    assert_eq!(window.url().unwrap().fragment(), Some("activity/new%20co"));
    workday_connector_lib::window::open(app.handle());
    assert_eq!(app.webview_windows().len(), 1);
}

/// A synced log of `name` with alerts: ana works from Germany during the learning week, then
/// from Japan half an hour after Germany (impossible travel, high) and runs a sensitive task.
fn log_with_alerts(h: &Harness, name: &str) {
    use chrono::{Duration, TimeZone, Utc};
    let origin = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let ev = |t: chrono::DateTime<Utc>, ip: &str, task: &str| {
        json!({
            "requestTime": t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "systemAccount": "ana",
            "ipAddress": ip,
            "taskDisplayName": task,
            "deviceType": "Desktop",
        })
    };
    let day8 = origin + Duration::days(8);
    let mut events: Vec<Value> = (0..5)
        .map(|i| ev(origin + Duration::hours(i), "80.128.0.1", "View Worker"))
        .collect();
    events.push(ev(day8, "80.128.0.1", "View Worker"));
    events.push(ev(day8 + Duration::minutes(30), "126.0.0.1", "View Worker"));
    events.push(ev(
        day8 + Duration::minutes(31),
        "126.0.0.1",
        "Register API Client",
    ));
    let connector = connector::connections::Connector::open(Home::at(h.home.path())).unwrap();
    let path = connector.activity_store_path(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut store = connector::activity::Store::open(&path).unwrap();
    store.start_at(origin).unwrap();
    store
        .commit_window(
            &connector::activity::row::key_window(events),
            day8 + Duration::hours(1),
        )
        .unwrap();
    drop(store);
    let pass = tauri::async_runtime::block_on(connector.detect(name)).unwrap();
    assert!(pass.alerts_raised >= 2, "{pass:?}");
}

#[test]
fn alerts_are_listed_filtered_dismissed_and_open_their_events() {
    let h = harness();
    stored_connection(&h, "acme");
    stored_connection(&h, "quiet");
    log_with_alerts(&h, "acme");
    // Across connections: every alert names its connection; a connection never synced has none
    // (and no log is created for it by looking).
    let all = h
        .call("alerts_list", json!({"name": null, "query": {}}))
        .unwrap_or_else(|e| panic!("alerts_list failed: {e}"));
    let alerts = all["alerts"].as_array().unwrap();
    assert!(alerts.len() >= 2, "{all}");
    assert!(alerts.iter().all(|a| a["connection"] == "acme"), "{all}");
    assert_eq!(all["problems"], json!([]));
    let connector = connector::connections::Connector::open(Home::at(h.home.path())).unwrap();
    assert!(!connector.activity_store_path("quiet").exists());
    // One rule of one connection, with the fields the screen shows.
    let travel = h
        .call(
            "alerts_list",
            json!({"name": "acme", "query": {"rule": "impossible_travel", "status": "open"}}),
        )
        .unwrap();
    let travel = travel["alerts"].as_array().unwrap();
    assert_eq!(travel.len(), 1, "{travel:?}");
    let a = &travel[0];
    assert_eq!(
        (&a["rule"], &a["severity"], &a["status"], &a["user"]),
        (
            &json!("impossible_travel"),
            &json!("high"),
            &json!("open"),
            &json!("ana")
        )
    );
    assert_eq!(
        (&a["country"], &a["event_count"]),
        (&json!("JP"), &json!(2))
    );
    let id = a["id"].as_i64().unwrap();
    // Its events in the viewer: the two behind it.
    let page = h
        .call(
            "activity_query",
            json!({"name": "acme", "filter": {"alert": id}, "page": {"offset": 0, "limit": 200}}),
        )
        .unwrap();
    assert_eq!(page["total"], 2, "{page}");
    // Dismissed, it leaves the open list and is in the dismissed one.
    let dismissed = h
        .call(
            "alert_set_status",
            json!({"name": "acme", "id": id, "status": "dismissed"}),
        )
        .unwrap();
    assert_eq!(dismissed["status"], "dismissed");
    assert_eq!(dismissed["connection"], "acme");
    let open = h
        .call(
            "alerts_list",
            json!({"name": "acme", "query": {"status": "open"}}),
        )
        .unwrap();
    assert!(
        open["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id),
        "{open}"
    );
    let gone = h
        .call(
            "alerts_list",
            json!({"name": null, "query": {"status": "dismissed"}}),
        )
        .unwrap();
    assert_eq!(gone["alerts"].as_array().unwrap().len(), 1, "{gone}");
    // Bad input is the usual problem with its fix.
    let err = h
        .call(
            "alerts_list",
            json!({"name": null, "query": {"rule": "nope"}}),
        )
        .unwrap_err();
    assert_problem(&err);
    assert_eq!(err["code"], "input.unknown_rule", "{err}");
    let err = h
        .call(
            "alerts_list",
            json!({"name": "acme", "query": {"severity": "urgent"}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "input.bad_severity", "{err}");
    let err = h
        .call(
            "alert_set_status",
            json!({"name": "acme", "id": 9999, "status": "dismissed"}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "alerts.not_found", "{err}");
    // The rules in force, with the learning period of the connection (long over).
    let rules = h.call("rules_list", json!({"name": "acme"})).unwrap();
    assert_eq!(rules["learning"], false, "{rules}");
    assert_eq!(rules["learning_until"], "2026-06-08T00:00:00Z", "{rules}");
    assert!(
        rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "impossible_travel" && r["kind"] == "built-in"),
        "{rules}"
    );
}
