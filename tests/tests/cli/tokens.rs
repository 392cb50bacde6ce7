//! Refresh tokens after sign-in: revoked, a locked account, `expires_in: -1`, rotation.

use e2e::cli::{Cli, Run, Tenant};

use crate::assert_mentions;

/// Asserts a `test` run that failed at the token step with invalid_grant, the later steps
/// skipped, and the fix asking for a new sign-in.
fn assert_invalid_grant(run: &Run) {
    assert_eq!(run.code, 1, "{run}");
    let json = run.json();
    assert_eq!(json["passed"], false, "{run}");
    assert_eq!(json["status"]["state"], "sign_in_required", "{run}");
    let token = run.step("token");
    assert_eq!(token["verdict"], "fail", "{run}");
    assert_eq!(token["http_status"], 400, "{run}");
    assert_eq!(token["problem"]["code"], "token.invalid_grant", "{run}");
    assert_mentions(
        token["problem"]["fix"].as_str().unwrap_or_default(),
        "wdconnect connect",
        run,
    );
    for step in ["users", "activity_log"] {
        assert_eq!(run.step(step)["verdict"], "skipped", "{run}");
    }
}

/// Revoked refresh tokens: `test` fails with invalid_grant, the status becomes sign-in required,
/// and neither that test nor the next one calls the token endpoint in a loop.
#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_refresh_token_asks_for_a_new_sign_in_without_a_retry_loop() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    tenant.sim.revoke_refresh_tokens();

    let before = tenant.token_calls().len();
    let run = cli.test("acme").await;
    assert_invalid_grant(&run);
    let first = tenant.token_calls().len() - before;
    assert_eq!(first, 1, "invalid_grant is final: one token call, no retry");

    let status = cli.status("acme").await;
    assert_eq!(status["state"], "sign_in_required", "{status}");
    assert!(status["reason"].as_str().is_some_and(|r| !r.is_empty()));

    let run = cli.test("acme").await;
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.json()["status"]["state"], "sign_in_required", "{run}");
    let second = tenant.token_calls().len() - before - first;
    assert!(
        second <= 1,
        "a second test called the token endpoint {second} times"
    );
    assert!(
        tenant.rest_calls().is_empty(),
        "no REST call is made without a token"
    );

    // Signing in again mends it.
    cli.connect("acme").await;
    cli.test("acme").await.ok();
    assert_eq!(cli.status("acme").await["state"], "connected");
}

/// The consenting account locked after sign-in: invalid_grant, sign-in required.
#[tokio::test(flavor = "multi_thread")]
async fn a_locked_account_asks_for_a_new_sign_in() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    tenant.sim.update_switches(|s| s.account_locked = true);

    let run = cli.test("acme").await;
    assert_invalid_grant(&run);
    assert_mentions(
        run.step("token")["problem"]["fix"]
            .as_str()
            .unwrap_or_default(),
        "locked",
        &run,
    );
    assert_eq!(cli.status("acme").await["state"], "sign_in_required");
}

/// `expires_in: -1` (60-minute expiry off): sign-in and test work.
#[tokio::test(flavor = "multi_thread")]
async fn expires_in_minus_one_is_accepted() {
    let tenant = Tenant::start(|s| s.token_expiry = workday_sim::TokenExpiry::MinusOne).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    let run = cli.test("acme").await;
    assert_eq!(run.ok()["passed"], true, "{run}");
    assert_eq!(run.step("token")["verdict"], "pass");
}

/// Rotating refresh tokens: each refresh retires the old token; the new one is stored, so two
/// tests in a row both pass.
#[tokio::test(flavor = "multi_thread")]
async fn rotated_refresh_tokens_are_kept() {
    let tenant = Tenant::start(|s| s.rotate_refresh_tokens = true).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    let signed_in = cli
        .keyring("acme", "refresh-token")
        .expect("a refresh token");

    cli.test("acme").await.ok();
    let after_first = cli
        .keyring("acme", "refresh-token")
        .expect("a refresh token");
    assert_ne!(after_first, signed_in, "the rotated token was not stored");

    let run = cli.test("acme").await;
    assert_eq!(run.ok()["passed"], true, "{run}");
    let after_second = cli
        .keyring("acme", "refresh-token")
        .expect("a refresh token");
    assert_ne!(after_second, after_first);
    assert!(
        tenant.token_calls().iter().all(|r| r.status == 200),
        "every token call succeeded: {:?}",
        tenant.token_calls()
    );
}

/// Several `wdconnect test` at once on a tenant that retires a refresh token on use: they take
/// turns refreshing (a lock file per connection) and each uses the token the one before stored,
/// so all pass and the tenant refuses none.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_processes_refresh_in_turn_and_all_pass() {
    let tenant = Tenant::start(|s| s.rotate_refresh_tokens = true).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    for _ in 0..2 {
        let runs = futures_join(&cli).await;
        for run in runs {
            assert_eq!(run.ok()["passed"], true, "{run}");
        }
    }
    assert!(
        tenant.token_calls().iter().all(|r| r.status == 200),
        "no refresh was refused: {:?}",
        tenant.token_calls()
    );
}

async fn futures_join(cli: &Cli) -> [Run; 4] {
    let (a, b, c, d) = tokio::join!(
        cli.test("acme"),
        cli.test("acme"),
        cli.test("acme"),
        cli.test("acme")
    );
    [a, b, c, d]
}
