//! Connection profiles and `connections.json`: checks, the read-modify-write cycle, and that a
//! file the app cannot understand is never overwritten.

use std::path::Path;

use connector::Diagnose;
use connector::loopback::{DEFAULT_REDIRECT_PORT, RedirectHost};
use connector::paths::Home;
use connector::profile::{
    CONFIG_VERSION, ClientAuth, Profile, ProfileError, ProfileStore, Setting, Subject,
    SyncSettings, check_profile, validate_name,
};

const REST: &str = "https://wd2-impl-services1.workday.com/ccx/api/v1/acme_preview";
const TOKEN: &str = "https://wd2-impl-services1.workday.com/ccx/oauth2/acme_preview/token";
const AUTH: &str = "https://impl.workday.com/acme_preview/authorize";

fn profile(name: &str) -> Profile {
    with_values(name, "ZmM1YjE2YTgtNTc0", REST, TOKEN, AUTH)
}

fn with_values(name: &str, id: &str, rest: &str, token: &str, auth: &str) -> Profile {
    Profile {
        client_id: id.into(),
        rest_api_endpoint: rest.into(),
        token_endpoint: token.into(),
        authorization_endpoint: auth.into(),
        ..Profile::new(name)
    }
}

fn store() -> (tempfile::TempDir, ProfileStore) {
    let tmp = tempfile::tempdir().unwrap();
    let home = Home::at(tmp.path().join("home"));
    (tmp, ProfileStore::for_home(&home))
}

fn codes(findings: &[connector::profile::ProfileFinding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code).collect()
}

#[test]
fn a_new_profile_has_the_documented_defaults() {
    let p = profile("Acme");
    assert_eq!(p.redirect_port, DEFAULT_REDIRECT_PORT);
    assert_eq!(p.redirect_host, RedirectHost::Ipv4Literal);
    assert!(p.pkce);
    assert_eq!(p.client_auth, ClientAuth::Basic);
    assert!(!p.sso);
    assert_eq!(
        p.sync,
        SyncSettings {
            poll_interval_secs: 300,
            backfill_days: 7,
            publish_lag_secs: 120,
            page_size: 1000,
            rate_limit_per_sec: 10.0,
            retention_days: 90,
        }
    );
    assert_eq!(p.redirect_uri(), "http://127.0.0.1:8413/callback");
}

#[test]
fn values_are_stored_as_entered_after_the_checks_normalisation() {
    let (_tmp, store) = store();
    let p = with_values(
        "  Acme prod ",
        " ZmM1YjE2 \n",
        &format!(" {REST}/ "),
        &format!("{TOKEN}/"),
        AUTH,
    );
    let stored = store.add(p).unwrap();
    assert_eq!(stored.name, "Acme prod");
    assert_eq!(stored.client_id, "ZmM1YjE2");
    assert_eq!(stored.rest_api_endpoint, REST);
    assert_eq!(stored.token_endpoint, TOKEN);
    assert_eq!(store.get("acme prod").unwrap(), stored);
    // Only one trailing slash is forgiven: a doubled one stays for the checks to point at.
    let mut p = with_values("a", "b", &format!("{REST}//"), TOKEN, AUTH);
    p.normalise();
    assert_eq!(p.rest_api_endpoint, format!("{REST}//"));
}

#[test]
fn an_old_file_with_only_the_five_values_loads_with_defaults() {
    let json = serde_json::json!({
        "name": "old", "client_id": "x", "rest_api_endpoint": REST,
        "token_endpoint": TOKEN, "authorization_endpoint": AUTH,
        "sync": {"page_size": 500}
    });
    let p: Profile = serde_json::from_value(json).unwrap();
    assert_eq!(p.redirect_port, DEFAULT_REDIRECT_PORT);
    assert!(p.pkce);
    assert_eq!(p.sync.page_size, 500);
    assert_eq!(p.sync.poll_interval_secs, 300);

    let value = serde_json::to_value(profile("a")).unwrap();
    assert_eq!(value["redirect_host"], "ipv4_literal");
    assert_eq!(value["client_auth"], "basic");
    assert!(value.get("client_secret").is_none());
}

#[test]
fn names_are_trimmed_and_limited() {
    assert_eq!(
        validate_name("  Acme prod-1_a.b ").unwrap(),
        "Acme prod-1_a.b"
    );
    assert_eq!(validate_name("Zürich").unwrap(), "Zürich");
    assert_eq!(validate_name(&"a".repeat(64)).unwrap().len(), 64);

    let e = validate_name("  \t").unwrap_err();
    assert_eq!(e.problem().code, "profile.name_empty");
    for bad in ["a/b", "a:b", "tab\there", &"a".repeat(65), "a\u{7}"] {
        let e = validate_name(bad).unwrap_err();
        assert_eq!(e.problem().code, "profile.name_invalid", "{bad:?}");
        assert!(!e.problem().message.contains('\n'));
    }
    assert!(
        validate_name(&"a".repeat(65))
            .unwrap_err()
            .problem()
            .message
            .contains("65")
    );
}

#[test]
fn a_good_profile_passes_with_its_warnings() {
    let warnings = check_profile(&profile("Acme")).unwrap();
    assert_eq!(codes(&warnings), ["endpoint.sandbox_tenant_refresh"]);
    // The sandbox's loopback http URLs pass too.
    let sim = with_values(
        "sandbox",
        "sim-client",
        "http://127.0.0.1:41001/ccx/api/v1/acme_sandbox",
        "http://127.0.0.1:41001/ccx/oauth2/acme_sandbox/token",
        "http://127.0.0.1:41001/acme_sandbox/authorize",
    );
    assert_eq!(check_profile(&sim).unwrap(), vec![]);
}

#[test]
fn endpoint_and_client_id_checks_come_from_workday_client() {
    let mut p = profile("Acme");
    p.client_id = String::new();
    p.token_endpoint = "https://wd2-impl-services1.workday.com/ccx/oauth2/other/token".into();
    let all = check_profile(&p).unwrap_err();
    let codes = codes(&all);
    assert!(codes.contains(&"client_id.empty"), "{codes:?}");
    assert!(codes.contains(&"endpoint.tenant_mismatch"), "{codes:?}");
    // Warnings come along with the errors.
    assert!(
        codes.contains(&"endpoint.sandbox_tenant_refresh"),
        "{codes:?}"
    );
}

#[test]
fn settings_out_of_range_are_refused() {
    type Case = (fn(&mut Profile), &'static str, Setting);
    let cases: [Case; 10] = [
        (
            |p| p.redirect_port = 0,
            "settings.redirect_port_invalid",
            Setting::RedirectPort,
        ),
        (
            |p| p.sync.page_size = 0,
            "settings.page_size_out_of_range",
            Setting::PageSize,
        ),
        (
            |p| p.sync.page_size = 1001,
            "settings.page_size_out_of_range",
            Setting::PageSize,
        ),
        (
            |p| p.sync.backfill_days = 31,
            "settings.backfill_days_out_of_range",
            Setting::BackfillDays,
        ),
        (
            |p| p.sync.poll_interval_secs = 59,
            "settings.poll_interval_too_short",
            Setting::PollInterval,
        ),
        (
            |p| p.sync.publish_lag_secs = 3601,
            "settings.publish_lag_out_of_range",
            Setting::PublishLag,
        ),
        (
            |p| p.sync.rate_limit_per_sec = 0.0,
            "settings.rate_limit_out_of_range",
            Setting::RateLimit,
        ),
        (
            |p| p.sync.rate_limit_per_sec = 50.5,
            "settings.rate_limit_out_of_range",
            Setting::RateLimit,
        ),
        (
            |p| p.sync.retention_days = 6,
            "settings.retention_shorter_than_backfill",
            Setting::RetentionDays,
        ),
        (
            |p| p.name = "a/b".into(),
            "profile.name_invalid",
            Setting::Name,
        ),
    ];
    for (change, code, setting) in cases {
        let mut p = profile("Acme");
        change(&mut p);
        let all = check_profile(&p).unwrap_err();
        let f = all
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("{code}: {all:#?}"));
        assert!(f.is_error());
        assert_eq!(f.field, Subject::Setting(setting));
        assert!(f.fix.contains(setting.label()), "{f}");
    }
    // The edges are allowed.
    let mut p = profile("Acme");
    p.redirect_port = 65535;
    p.sync = SyncSettings {
        poll_interval_secs: 60,
        backfill_days: 0,
        publish_lag_secs: 3600,
        page_size: 1,
        rate_limit_per_sec: 50.0,
        retention_days: 0,
    };
    check_profile(&p).unwrap();
    p.sync.retention_days = 30;
    p.sync.backfill_days = 30;
    p.sync.publish_lag_secs = 0;
    p.sync.page_size = 1000;
    check_profile(&p).unwrap();
    // A privileged port is a warning, not a refusal.
    p.redirect_port = 80;
    let warnings = check_profile(&p).unwrap();
    assert!(codes(&warnings).contains(&"settings.redirect_port_privileged"));
}

#[test]
fn findings_serialise_like_endpoint_findings() {
    let mut p = profile("Acme");
    p.sync.page_size = 0;
    p.rest_api_endpoint = "https://wd2-impl-services1.workday.com/ccx/api/v2/acme_preview".into();
    let all = check_profile(&p).unwrap_err();
    let json = serde_json::to_value(&all).unwrap();
    let fields: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"page_size"), "{json}");
    assert!(fields.contains(&"rest_api"), "{json}");
    assert_eq!(json[0]["severity"], "error");
}

#[test]
fn a_missing_file_is_no_profiles_and_nothing_is_created() {
    let (_tmp, store) = store();
    assert_eq!(store.load().unwrap(), vec![]);
    assert!(!store.path().exists());
    let e = store.get("acme").unwrap_err();
    assert_eq!(e.problem().code, "profile.not_found");
    assert!(e.problem().fix.contains("wdconnect list"));
}

#[test]
fn add_get_update_remove_round_trip() {
    let (_tmp, store) = store();
    let added = store.add(profile(" Acme ")).unwrap();
    assert_eq!(added.name, "Acme");
    store.add(profile("Beta")).unwrap();
    assert_eq!(store.get("acme").unwrap(), added);

    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(file["version"], CONFIG_VERSION);
    assert_eq!(file["connections"][0]["name"], "Acme");
    assert_eq!(file["connections"][1]["name"], "Beta");

    let updated = store
        .update("ACME", |p| {
            p.sync.page_size = 250;
            p.name = "Acme prod".into();
        })
        .unwrap();
    assert_eq!(updated.sync.page_size, 250);
    assert_eq!(store.get("acme prod").unwrap(), updated);
    assert_eq!(store.get("acme").unwrap_err().code(), "profile.not_found");

    let names: Vec<String> = store.load().unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["Acme prod", "Beta"]);

    let removed = store.remove("beta").unwrap();
    assert_eq!(removed.name, "Beta");
    assert_eq!(store.load().unwrap(), vec![updated]);
    assert_eq!(
        store.remove("beta").unwrap_err().code(),
        "profile.not_found"
    );
}

#[test]
fn duplicate_names_ignore_letter_case() {
    let (_tmp, store) = store();
    store.add(profile("Acme")).unwrap();
    let before = std::fs::read(store.path()).unwrap();
    let e = store.add(profile("ACME ")).unwrap_err();
    assert_eq!(e.problem().code, "profile.duplicate_name");
    assert!(e.problem().message.contains("Acme"));
    // Renaming onto another connection is a duplicate too; renaming to a case variant of itself
    // is not.
    store.add(profile("Beta")).unwrap();
    let e = store
        .update("beta", |p| p.name = "acme".into())
        .unwrap_err();
    assert_eq!(e.code(), "profile.duplicate_name");
    store.update("beta", |p| p.name = "BETA".into()).unwrap();
    assert_eq!(store.load().unwrap().len(), 2);
    assert_ne!(std::fs::read(store.path()).unwrap(), before);
}

#[test]
fn invalid_profiles_are_refused_and_nothing_is_written() {
    let (_tmp, store) = store();
    store.add(profile("Acme")).unwrap();
    let before = std::fs::read(store.path()).unwrap();

    let mut bad = profile("Beta");
    bad.sync.page_size = 5000;
    let e = store.add(bad).unwrap_err();
    assert_eq!(e.problem().code, "settings.page_size_out_of_range");
    let ProfileError::Invalid { findings } = &e else {
        panic!("{e:?}")
    };
    assert!(!findings.is_empty());

    let e = store
        .update("acme", |p| p.token_endpoint = "nope".into())
        .unwrap_err();
    assert_eq!(e.problem().code, "endpoint.missing_scheme");
    let e = store.add(profile("")).unwrap_err();
    assert_eq!(e.problem().code, "profile.name_empty");
    assert_eq!(std::fs::read(store.path()).unwrap(), before);
}

fn assert_untouched_after_writes(store: &ProfileStore, code: &str) {
    let before = std::fs::read(store.path()).unwrap();
    let e = store.load().unwrap_err();
    assert_eq!(e.problem().code, code);
    assert!(
        e.problem()
            .message
            .contains(&store.path().display().to_string()),
        "{}",
        e.problem()
    );
    for e in [
        store.add(profile("Acme")).unwrap_err(),
        store.remove("Acme").unwrap_err(),
        store.update("Acme", |p| p.sso = true).unwrap_err(),
    ] {
        assert_eq!(e.problem().code, code);
    }
    assert_eq!(std::fs::read(store.path()).unwrap(), before);
    assert_eq!(
        only_files(store.path().parent().unwrap()),
        ["connections.json"]
    );
}

/// The directory's entries, less the lock file: no temp file may be left behind.
fn only_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "connections.json.lock")
        .collect();
    names.sort();
    names
}

#[test]
fn a_corrupt_file_is_an_error_and_never_overwritten() {
    for content in [
        &b"{\"version\": 1, \"connections\": [ {\"name\": "[..],
        b"",
        b"[]",
        b"{\"connections\": []}",
        b"{\"version\": \"1\", \"connections\": []}",
        b"{\"version\": 1}",
        b"{\"version\": 1, \"connections\": [{\"name\": \"a\"}]}",
        b"{\"version\": 1, \"connections\": {}}",
        b"{\"version\": 0, \"connections\": []}",
        b"\xff\xfe garbage",
    ] {
        let (_tmp, store) = store();
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(store.path(), content).unwrap();
        assert_untouched_after_writes(&store, "config.corrupt");
    }
}

#[test]
fn a_newer_version_is_unsupported_and_never_overwritten() {
    let (_tmp, store) = store();
    std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    std::fs::write(
        store.path(),
        br#"{"version": 2, "profiles": "a new shape"}"#,
    )
    .unwrap();
    assert_untouched_after_writes(&store, "config.unsupported_version");
    let e = store.load().unwrap_err();
    assert!(e.problem().message.contains("version 2"), "{}", e.problem());
}

#[test]
fn an_unreadable_file_is_an_error() {
    let (_tmp, store) = store();
    // A directory where the file should be cannot be read, even by root.
    std::fs::create_dir_all(store.path()).unwrap();
    let e = store.load().unwrap_err();
    assert_eq!(e.problem().code, "config.unreadable");
    assert!(
        e.problem()
            .message
            .contains(&store.path().display().to_string())
    );
    assert_eq!(
        store.add(profile("Acme")).unwrap_err().code(),
        "config.unreadable"
    );
    assert!(store.path().is_dir());
}

// Unix only: file modes; on Windows the file inherits the ACL of the user's own %APPDATA%.
#[cfg(unix)]
#[test]
fn the_file_is_private_and_written_without_leftovers() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, store) = store();
    store.add(profile("Acme")).unwrap();
    store.add(profile("Beta")).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(store.path().parent().unwrap()), 0o700);
    assert_eq!(
        only_files(store.path().parent().unwrap()),
        ["connections.json"]
    );
}

#[test]
fn concurrent_adds_lose_nothing() {
    let (_tmp, store) = store();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || store.add(profile(&format!("conn {i}"))).unwrap())
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store.load().unwrap().len(), 8);
}

#[test]
fn error_messages_are_one_line() {
    let (_tmp, store) = store();
    std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
    std::fs::write(store.path(), b"{\n\"version\": 1,\n\"connections\": [1]\n}").unwrap();
    let p = store.load().unwrap_err().problem();
    assert!(!p.message.contains('\n'), "{p}");
    assert!(p.fix.contains("untouched"), "{p}");
}

/// Whether a refusal is the person's input (the CLI's exit 2) is the error's own answer, not a
/// code prefix: values that fail their checks are input though their codes start `endpoint.`;
/// a damaged connections file is not.
#[test]
fn each_profile_error_says_whether_it_is_the_persons_input() {
    let mut bad = profile("acme");
    bad.token_endpoint = TOKEN.replace("oauth2", "oauth");
    let invalid = ProfileError::Invalid {
        findings: connector::checks::findings(&bad, None).into_vec(),
    };
    assert_eq!(invalid.problem().code, "endpoint.token_oauth_typo");
    assert!(invalid.is_input());
    assert!(ProfileError::NameEmpty.is_input());
    assert!(ProfileError::NotFound { name: "x".into() }.is_input());
    let corrupt = ProfileError::Config(connector::profile::ConfigError::Corrupt {
        path: "connections.json".into(),
        detail: "not JSON".into(),
    });
    assert!(!corrupt.is_input());
}
