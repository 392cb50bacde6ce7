//! The real desktop binary under Xvfb, driven through `tauri-driver`, always on a fresh `--home`:
//! the sandbox from the empty home to a passing test and a Connected card; a tenant of our own
//! (a `workday-sim` process without the System scope) set up through every wizard step, whose
//! test fails on the activity log with a fix naming System Auditing (and whose home, the app's log
//! file included, holds no client secret or bearer token); a denied consent; a window closed
//! and opened again on the screen it showed; and the hand-over to a fresh, window-less process
//! after a close.
//!
//! The app opens the sign-in page through the opener plugin, which on Linux runs `xdg-open`;
//! outside a desktop environment `xdg-open` hands the URL to `$BROWSER`, here
//! `wdc-consent-browser` (given to `tauri-driver`, whose environment the app inherits). Its
//! visit log proves that path was taken. Screenshots of each screen go to
//! `artifacts/screenshots/`.
//!
//! The tests take turns: the app is single-instance, and the sandbox listens on a fixed port.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use e2e::desktop::{SimProcess, TauriDriver};
use e2e::ports::reserve_port;
use e2e::webdriver::Session;

/// One app at a time (see the top of the file).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Rendering and local IPC.
const UI: Duration = Duration::from_secs(20);
/// A sign-in (browser, consent, callback, code exchange) or a staged test.
const NETWORK: Duration = Duration::from_secs(60);

/// A driver whose apps open URLs in the consent browser with `consent`, logging its visits.
struct Fixture {
    driver: TauriDriver,
    home: tempfile::TempDir,
    visits: PathBuf,
}

impl Fixture {
    fn start(consent: &str) -> Fixture {
        let browser = e2e::binary("wdc-consent-browser");
        let home = tempfile::tempdir().unwrap();
        let visits = home.path().join("browser-visits.log");
        let driver = TauriDriver::start(&[
            ("BROWSER", browser.as_os_str()),
            ("WDC_CONSENT", OsStr::new(consent)),
            ("WDC_CONSENT_LOG", visits.as_os_str()),
        ]);
        Fixture {
            driver,
            home,
            visits,
        }
    }

    async fn launch(&mut self, extra: &[&str]) -> Session {
        let app = e2e::binary("workday-connector");
        // The app's own config lives in a subdirectory: the browser's log sits beside it.
        let home = self.home.path().join("home");
        let home = home.to_str().unwrap().to_string();
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(["--home", &home]);
        self.driver.launch(&app, &args).await
    }

    /// The URLs the consent browser was asked to open.
    fn visits(&self) -> String {
        std::fs::read_to_string(&self.visits).unwrap_or_default()
    }
}

/// A screenshot of the window once the last change is painted.
async fn shot(session: &Session, name: &str) {
    session.settle().await.expect("the page settles");
    session
        .screenshot(&e2e::screenshot_dir().join(format!("{name}.png")))
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
}

async fn wait_step(session: &Session, title: &str) {
    session
        .wait_for_text("#wizard-step-title", UI, |t| t == title)
        .await
        .unwrap_or_else(|e| panic!("the wizard shows the step {title:?}: {e}"));
}

async fn click(session: &Session, css: &str) {
    session
        .click_css(css, UI)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Signs in on the current Sign in step and waits for the outcome; returns its text.
async fn sign_in(session: &Session) -> String {
    click(session, "#sign-in").await;
    session
        .wait_for_text("#signin-result", NETWORK, |t| !t.is_empty())
        .await
        .unwrap_or_else(|e| panic!("the sign-in ends: {e}"))
}

/// Goes to the Test step, runs the test, and waits for all three steps to have a verdict.
async fn run_test(session: &Session) {
    click(session, "#wizard-next").await;
    wait_step(session, "Test").await;
    click(session, "#run-test").await;
    for step in ["token", "users", "activity_log"] {
        session
            .wait_for_attribute(
                &format!("[data-step=\"{step}\"]"),
                "data-verdict",
                NETWORK,
                |v| !v.is_empty(),
            )
            .await
            .unwrap_or_else(|e| panic!("the test reports the {step} step: {e}"));
    }
}

async fn verdict(session: &Session, step: &str) -> String {
    let el = session
        .find(&format!("[data-step=\"{step}\"]"))
        .await
        .unwrap();
    session
        .attribute(&el, "data-verdict")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_from_the_empty_home_to_a_connected_card() {
    // Every screen on the way passes an axe-core audit in the app's own webview.
    let _turn = SERIAL.lock().await;
    let mut fx = Fixture::start("allow");
    let session = fx.launch(&[]).await;

    session
        .wait_for_text("#welcome-title", UI, |t| t == "Connect a Workday tenant")
        .await
        .expect("an empty home welcomes the user");
    assert_eq!(session.title().await.unwrap(), "Workday Connector");
    assert_eq!(
        session.wait_for_text("h1", UI, |_| true).await.unwrap(),
        "Workday Connector"
    );
    shot(&session, "home").await;
    assert_accessible(&session, "body", "the welcome screen").await;

    click(&session, "#try-sandbox").await;
    wait_step(&session, "Sign in").await;
    session
        .wait_for_text(".wizard-head .eyebrow", UI, |t| t.contains("Simulation"))
        .await
        .expect("the wizard labels the sandbox as a simulation");

    let outcome = sign_in(&session).await;
    assert!(outcome.starts_with("Signed in."), "{outcome}");
    let visits = fx.visits();
    assert!(
        visits.lines().any(|l| l.contains("/authorize?")),
        "xdg-open handed the sign-in page to $BROWSER; visits: {visits:?}"
    );
    shot(&session, "wizard-5-signin").await;
    assert_accessible(&session, "body", "the wizard's sign-in step").await;

    run_test(&session).await;
    for step in ["token", "users", "activity_log"] {
        assert_eq!(verdict(&session, step).await, "pass", "{step}");
    }
    session
        .wait_for_text("#report-title", UI, |t| t.contains("Test passed"))
        .await
        .expect("the report says the test passed");
    shot(&session, "wizard-6-test").await;
    assert_accessible(&session, "body", "the wizard's test step").await;

    // Finish: the connection's own screen.
    click(&session, "#wizard-next").await;
    session
        .wait_for_text(
            "[data-connection-screen=\"sandbox\"] .screen-head .status",
            UI,
            |t| t == "Connected",
        )
        .await
        .expect("the connection screen shows Connected");
    shot(&session, "connection").await;
    assert_accessible(&session, "body", "the connection screen").await;

    // The list.
    click(&session, "nav .nav-link:first-child").await;
    let status = session
        .wait_for_text("[data-connection=\"sandbox\"] .status", UI, |t| {
            t == "Connected"
        })
        .await
        .expect("the sandbox card says Connected");
    assert_eq!(status, "Connected");
    let card = session
        .wait_for_text("[data-connection=\"sandbox\"]", UI, |t| {
            t.contains("Simulation")
        })
        .await
        .unwrap();
    assert!(card.contains("acme_sandbox"), "{card}");
    shot(&session, "connections").await;
    assert_accessible(&session, "body", "the connection list").await;

    click(&session, "nav .nav-link:nth-child(3)").await;
    session
        .wait_for_attribute("#setting-interval", "value", UI, |v| v == "15")
        .await
        .expect("the settings screen shows the default check interval");
    shot(&session, "settings").await;
    assert_accessible(&session, "body", "the settings screen").await;

    session.delete().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn own_tenant_without_the_system_scope_fails_on_the_activity_log_with_its_fix() {
    let _turn = SERIAL.lock().await;
    let reserved = reserve_port();
    let port = reserved.port();
    let sim = SimProcess::start(&["--no-system-scope", "--redirect-port", &port.to_string()]);
    assert_eq!(
        sim.value("redirect_uri"),
        format!("http://127.0.0.1:{port}/callback")
    );
    let mut fx = Fixture::start("allow");
    let session = fx.launch(&[]).await;

    click(&session, ".welcome .actions button.primary").await;
    wait_step(&session, "Prerequisites").await;
    let domains = session
        .wait_for_text("table.checklist", UI, |t| t.contains("System Auditing"))
        .await
        .expect("the checklist names the domain permissions");
    assert!(domains.contains("Public Worker Reports"), "{domains}");
    shot(&session, "wizard-1-prerequisites").await;
    assert_accessible(&session, "body", "the wizard's prerequisites").await;

    click(&session, "#wizard-next").await;
    wait_step(&session, "Tenant settings").await;
    session
        .wait_for("table tbody tr", UI)
        .await
        .expect("the tenant settings table");
    shot(&session, "wizard-2-tenant").await;
    assert_accessible(&session, "body", "the wizard's tenant settings").await;

    click(&session, "#wizard-next").await;
    wait_step(&session, "Register API Client").await;
    session
        .wait_for_text("[data-register-field=\"Redirection URI\"]", UI, |t| {
            t == "http://127.0.0.1:8413/callback"
        })
        .await
        .expect("the exact Redirection URI for the default port");
    shot(&session, "wizard-3-register").await;
    assert_accessible(&session, "body", "the wizard's Register API Client step").await;

    click(&session, "#wizard-next").await;
    wait_step(&session, "Details").await;
    // The port first: the advanced options sit below the values, whose findings come and go
    // while typing (checked 250 ms after the last key) and move what is below them.
    click(&session, "details.advanced > summary").await;
    session
        .wait_for_attribute("details.advanced", "open", UI, |v| !v.is_empty())
        .await
        .expect("the advanced options open");
    session
        .fill("#field-redirect_port", &port.to_string())
        .await
        .expect("type the redirect port");
    for (css, value) in [
        ("#field-name", "acme"),
        ("#field-client_id", sim.value("client_id")),
        ("#field-secret", sim.value("client_secret")),
        ("#field-rest_api_endpoint", sim.value("rest_api_endpoint")),
        ("#field-token_endpoint", sim.value("token_endpoint")),
        (
            "#field-authorization_endpoint",
            sim.value("authorization_endpoint"),
        ),
    ] {
        session
            .fill(css, value)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }
    // Past the check's debounce, the values pass: no error shown and Save enabled.
    tokio::time::sleep(Duration::from_millis(400)).await;
    session
        .wait_for_attribute("#wizard-next", "disabled", UI, str::is_empty)
        .await
        .expect("the values pass the checks");
    let errors = session.find_all(".finding.error").await.unwrap();
    assert!(errors.is_empty(), "the typed values raise no error");
    shot(&session, "wizard-4-details").await;
    assert_accessible(&session, "body", "the wizard's details with findings").await;

    click(&session, "#wizard-next").await;
    wait_step(&session, "Sign in").await;
    let outcome = sign_in(&session).await;
    assert!(outcome.starts_with("Signed in."), "{outcome}");

    run_test(&session).await;
    assert_eq!(verdict(&session, "token").await, "pass");
    assert_eq!(verdict(&session, "users").await, "pass");
    assert_eq!(verdict(&session, "activity_log").await, "fail");
    let fix = session
        .wait_for_text("[data-step=\"activity_log\"] .fix", UI, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(fix.contains("System Auditing"), "{fix}");
    session
        .wait_for_text("#report-title", UI, |t| t.contains("Test failed"))
        .await
        .expect("the report says the test failed");
    shot(&session, "failure").await;

    session.delete().await.unwrap();
    // The client secret went into the keyring only: no file of the home has it, the app's log
    // file included (which must exist: the app has no console on Windows), nor a bearer header.
    let home = fx.home.path().join("home");
    let log = home.join("logs").join("workday-connector.log");
    assert!(log.is_file(), "{} exists", log.display());
    for file in files_under(&home) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(sim.value("client_secret")),
            "{} holds the client secret",
            file.display()
        );
        assert!(
            !text.contains("Bearer "),
            "{} holds a bearer token",
            file.display()
        );
    }
    drop(fx);
    drop(sim);
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_consent_shows_the_problem_and_its_fix() {
    let _turn = SERIAL.lock().await;
    let mut fx = Fixture::start("deny");
    // `--sandbox` starts the simulated tenant at launch.
    let session = fx.launch(&["--sandbox"]).await;

    // It lands on the sandbox's own screen: not signed in yet, and Sign in is the next step.
    let head = session
        .wait_for_text(
            "[data-connection-screen=\"sandbox\"] .screen-head",
            UI,
            |t| t.contains("Simulation") && t.contains("Not signed in"),
        )
        .await
        .expect("the sandbox's screen, labelled as a simulation and not signed in");
    assert!(head.contains("sandbox"), "{head}");
    let primary = session
        .wait_for_text(".actions button.primary", UI, |t| !t.is_empty())
        .await
        .unwrap();
    assert_eq!(primary, "Sign in");
    shot(&session, "home-sandbox").await;

    click(&session, "#connection-sign-in").await;
    wait_step(&session, "Sign in").await;
    let outcome = sign_in(&session).await;
    assert!(outcome.contains("Sign-in failed"), "{outcome}");
    assert!(outcome.contains("Error code: signin.denied"), "{outcome}");
    assert!(
        outcome.contains("Access was denied on Workday's consent page"),
        "{outcome}"
    );
    let fix = session
        .wait_for_text("#signin-result .fix", UI, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(fix.contains("Sign in again and choose Allow"), "{fix}");
    shot(&session, "denied").await;

    session.delete().await.unwrap();
}

/// Sync now on the viewer, and its outcome. The app syncs the sandbox on its own after the
/// sign-in; a click while that pass runs is answered `activity.sync_running`, whose fix says to
/// sync again after it ends: so does this, until the click's own sync finishes.
async fn sync_now(session: &Session) -> String {
    let screen = "[data-activity-screen=\"sandbox\"]";
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        click(session, ".sync-card button.primary").await;
        // The click clears the last outcome at once; give the page a moment to show that.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let seen = session
            .wait_for_text(screen, left, |t| {
                t.contains("Sync finished") || t.contains("activity.sync_running")
            })
            .await
            .unwrap_or_else(|e| panic!("the sync of the sandbox ends: {e}"));
        if !seen.contains("activity.sync_running") {
            return session
                .wait_for_text(".sync-card .notice", UI, |t| t.starts_with("Sync finished"))
                .await
                .unwrap_or_else(|e| panic!("the sync's outcome: {e}"));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Fails with every violation when an axe-core audit of `within` finds any.
async fn assert_accessible(session: &Session, within: &str, screen: &str) {
    let violations = e2e::axe::audit(session, within)
        .await
        .unwrap_or_else(|e| panic!("the axe-core audit of {screen} ran: {e}"));
    assert!(
        violations.is_empty(),
        "{screen} has accessibility violations:\n{}",
        violations.join("\n")
    );
}

/// The sandbox signed in and synced: the viewer charts the events and lists the top users, tasks
/// and IPs, a top entry narrows the filter, and a user's name opens that user's 30 days; both
/// views pass an axe-core audit in the app's own webview.
#[tokio::test(flavor = "multi_thread")]
async fn activity_insights_and_a_user_page_on_the_synced_sandbox() {
    let _turn = SERIAL.lock().await;
    let mut fx = Fixture::start("allow");
    let session = fx.launch(&["--sandbox"]).await;
    click(&session, "#connection-sign-in").await;
    wait_step(&session, "Sign in").await;
    let outcome = sign_in(&session).await;
    assert!(outcome.starts_with("Signed in."), "{outcome}");

    // The list, the sandbox's screen, its activity.
    click(&session, "nav .nav-link:first-child").await;
    click(&session, "[data-connection=\"sandbox\"] h3 button").await;
    session
        .wait_for("[data-connection-screen=\"sandbox\"]", UI)
        .await
        .expect("the sandbox's screen");
    let activity = session
        .find_all("[data-connection-screen=\"sandbox\"] .actions button")
        .await
        .unwrap();
    let mut opened = false;
    for b in activity {
        if session.text(&b).await.unwrap() == "Activity" {
            session.click(&b).await.unwrap();
            opened = true;
            break;
        }
    }
    assert!(opened, "the connection screen offers Activity");
    session
        .wait_for("[data-activity-screen=\"sandbox\"]", UI)
        .await
        .expect("the activity screen");
    let synced = sync_now(&session).await;
    assert!(synced.contains("new events"), "{synced}");

    // The chart of the whole log, per day over the backfill, and the top lists.
    let summary = session
        .wait_for_text("[data-chart=\"activity-chart\"] .chart-summary", UI, |t| {
            t.contains("events over")
        })
        .await
        .expect("the chart says what it shows");
    assert!(summary.contains("days"), "{summary}");
    let bars = session
        .find_all("[data-chart=\"activity-chart\"] .chart-bar")
        .await
        .unwrap();
    assert!(
        bars.len() >= 7,
        "a bar a day of the backfill: {}",
        bars.len()
    );
    for list in ["top-users", "top-tasks", "top-ips"] {
        let entries = session
            .find_all(&format!("[data-top=\"{list}\"] li"))
            .await
            .unwrap();
        assert!(!entries.is_empty(), "{list} lists entries");
    }
    session
        .execute(
            "document.querySelector('[data-insights]').scrollIntoView({ block: 'center' });",
            vec![],
        )
        .await
        .unwrap();
    shot(&session, "activity-insights").await;
    assert_accessible(&session, "main", "the activity viewer with its insights").await;

    // A top task narrows the filter: the task field takes it and the count follows.
    let task = session
        .wait_for_text("[data-top=\"top-tasks\"] li .top-value", UI, |t| {
            !t.is_empty()
        })
        .await
        .unwrap();
    click(&session, "[data-top=\"top-tasks\"] li .top-value").await;
    session
        .wait_for_attribute("#activity-task", "value", UI, |v| v == task)
        .await
        .expect("the task filter takes the top task");
    session
        .wait_for_text("[data-top=\"top-tasks\"] li .top-value", UI, |t| t == task)
        .await
        .expect("the top tasks of the narrowed filter");

    // A user's 30 days, from the top list.
    let user = session
        .wait_for_text("[data-top=\"top-users\"] li .top-value", UI, |t| {
            !t.is_empty()
        })
        .await
        .unwrap();
    click(&session, "[data-top=\"top-users\"] li .user-page-link").await;
    session
        .wait_for_text("#user-title", UI, |t| t == format!("User: {user}"))
        .await
        .expect("the user page of the top user");
    let said = session
        .wait_for_text(".user-page .notice", UI, |t| {
            t.contains("events in the last 30 days")
        })
        .await
        .expect("the user page counts the user's events");
    assert!(!said.starts_with("0 "), "{said}");
    let days = session
        .find_all("[data-chart=\"user-chart\"] .chart-bar")
        .await
        .unwrap();
    assert_eq!(days.len(), 30, "a bar a day");
    for list in ["user-ips", "user-devices", "user-tasks"] {
        let entries = session
            .find_all(&format!("[data-top=\"{list}\"] li"))
            .await
            .unwrap();
        assert!(!entries.is_empty(), "{list} lists entries");
    }
    shot(&session, "user-page").await;
    assert_accessible(&session, "main", "the user page").await;
    // The audit is not blind: an input without a label is caught.
    session
        .execute(
            "const i = document.createElement('input'); i.id = 'axe-probe'; \
             document.querySelector('main').appendChild(i);",
            vec![],
        )
        .await
        .unwrap();
    let caught = e2e::axe::audit(&session, "main").await.unwrap();
    assert!(
        caught.iter().any(|v| v.starts_with("label:")),
        "an unlabelled input is a violation: {caught:?}"
    );

    session.delete().await.unwrap();
    drop(fx);
}

/// The rules of the rows of the Alerts table, in order.
async fn alert_rows(session: &Session) -> Vec<(String, String, String)> {
    let rows = session
        .execute(
            "return Array.from(document.querySelectorAll('.alerts-table tbody tr')) \
               .map((r) => [r.dataset.alert, r.dataset.rule, r.dataset.status]);",
            vec![],
        )
        .await
        .expect("the alert rows are read");
    serde_json::from_value(rows).expect("rows of three strings")
}

/// Waits until the Alerts table's rows satisfy `ok`; returns them.
async fn wait_rows(
    session: &Session,
    what: &str,
    ok: impl Fn(&[(String, String, String)]) -> bool,
) -> Vec<(String, String, String)> {
    let deadline = std::time::Instant::now() + UI;
    loop {
        let rows = alert_rows(session).await;
        if ok(&rows) {
            return rows;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the rows are {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Chooses `value` in the `<select>` `css`, as a person's pick does (the change event).
async fn choose(session: &Session, css: &str, value: &str) {
    session
        .execute(
            "const s = document.querySelector(arguments[0]); s.focus(); s.value = arguments[1]; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(css), serde_json::json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
}

/// The synced sandbox (its anomalies on) has open alerts: the Alerts screen lists them, filters
/// them by rule, opens an alert's events in the viewer (exactly as many as the alert counts,
/// behind an "Alert N" chip), and dismisses one, which leaves the open list for the dismissed
/// one; the screen and the filtered viewer pass an axe-core audit in the app's own webview.
#[tokio::test(flavor = "multi_thread")]
async fn alerts_of_the_synced_sandbox_filter_open_their_events_and_dismiss() {
    let _turn = SERIAL.lock().await;
    let mut fx = Fixture::start("allow");
    let session = fx.launch(&["--sandbox"]).await;
    click(&session, "#connection-sign-in").await;
    wait_step(&session, "Sign in").await;
    let outcome = sign_in(&session).await;
    assert!(outcome.starts_with("Signed in."), "{outcome}");
    // The list, the sandbox's screen, its activity, synced (detection runs after each pass).
    click(&session, "nav .nav-link:first-child").await;
    click(&session, "[data-connection=\"sandbox\"] h3 button").await;
    session
        .wait_for("[data-connection-screen=\"sandbox\"]", UI)
        .await
        .expect("the sandbox's screen");
    session
        .execute(
            "Array.from(document.querySelectorAll('.actions button')) \
               .find((b) => b.textContent.trim() === 'Activity').click();",
            vec![],
        )
        .await
        .expect("the Activity button");
    session
        .wait_for("[data-activity-screen=\"sandbox\"]", UI)
        .await
        .expect("the activity screen");
    let synced = sync_now(&session).await;
    assert!(synced.contains("new events"), "{synced}");

    // Alerts, across connections, from the main navigation: open ones by default.
    click(&session, "nav .nav-link:nth-child(2)").await;
    let count = session
        .wait_for_text("[data-alerts-screen=\"\"] .alert-count", UI, |t| {
            t.ends_with("open alerts.") || t.ends_with("open alert.")
        })
        .await
        .expect("the sandbox's anomalies raised open alerts");
    let rows = wait_rows(&session, "open alerts", |r| !r.is_empty()).await;
    assert!(
        rows.iter().all(|(_, _, status)| status == "open"),
        "{rows:?}"
    );
    assert!(count.starts_with(&rows.len().to_string()), "{count}");
    let rules: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert!(rules.len() >= 2, "alerts of several rules: {rules:?}");
    shot(&session, "alerts").await;
    assert_accessible(&session, "main", "the Alerts screen").await;

    // By rule: only that rule's alerts stay.
    let rule = rows[0].1.clone();
    choose(&session, "#alerts-rule", &rule).await;
    let only = wait_rows(&session, "filtered by rule", |r| {
        !r.is_empty() && r.len() < rows.len() && r.iter().all(|x| x.1 == rule)
    })
    .await;
    assert!(only.iter().any(|x| x.0 == rows[0].0), "{only:?}");
    shot(&session, "alerts-by-rule").await;

    // The first alert's events, in the viewer: as many as the alert counts.
    let id = only[0].0.clone();
    let row = format!(".alerts-table tbody tr[data-alert=\"{id}\"]");
    let events = session
        .wait_for_text(&format!("{row} td:nth-child(9)"), UI, |t| !t.is_empty())
        .await
        .unwrap();
    click(&session, &format!("{row} .show-events")).await;
    session
        .wait_for_text("[data-alert-chip]", UI, |t| {
            t.contains(&format!("Alert {id}"))
        })
        .await
        .expect("the viewer shows the alert's chip");
    let range = session
        .wait_for_text(".pager-range", UI, |t| t.ends_with("matching."))
        .await
        .expect("the viewer counts the alert's events");
    assert!(
        range.ends_with(&format!(" of {events} matching.")),
        "the alert's {events} events: {range}"
    );
    shot(&session, "alert-events").await;
    assert_accessible(&session, "main", "the viewer on an alert's events").await;
    // The chip removes the filter: the whole log again.
    click(&session, "[data-alert-chip] .chip-remove").await;
    session
        .wait_for_text(".pager-range", UI, |t| {
            t.ends_with("matching.") && !t.ends_with(&format!(" of {events} matching."))
        })
        .await
        .expect("the whole log again");

    // Dismiss: the alert leaves the open list and is among the dismissed.
    click(&session, "nav .nav-link:nth-child(2)").await;
    let open = wait_rows(&session, "open alerts again", |r| !r.is_empty()).await;
    let (id, _, _) = open[0].clone();
    click(
        &session,
        &format!(".alerts-table tbody tr[data-alert=\"{id}\"] .dismiss"),
    )
    .await;
    session
        .wait_for_text(".alert-notice", UI, |t| {
            t.starts_with(&format!("Alert {id} dismissed"))
        })
        .await
        .expect("the dismissal is said");
    // (A live sync may raise new alerts meanwhile: the count is not pinned, the alert is.)
    wait_rows(&session, "the dismissed alert left the open list", |r| {
        r.iter().all(|x| x.0 != id)
    })
    .await;
    choose(&session, "#alerts-status", "dismissed").await;
    wait_rows(&session, "the dismissed alerts", |r| {
        r.iter().any(|x| x.0 == id && x.2 == "dismissed")
    })
    .await;
    shot(&session, "alerts-dismissed").await;
    assert_accessible(&session, "main", "the Alerts screen with a dismissed alert").await;

    session.delete().await.unwrap();
    drop(fx);
}

/// Closing the window the way a window manager's close button does (an X11 `WM_DELETE_WINDOW`
/// message, `scripts/x11-close.py`) destroys it and its webview while the app lives on in the
/// tray; Open (here a second launch, which the running app answers by opening its window) builds
/// it again on the screen and connection the person left.
#[tokio::test(flavor = "multi_thread")]
async fn close_then_open_brings_back_the_same_screen_and_connection() {
    let _turn = SERIAL.lock().await;
    let mut fx = Fixture::start("allow");
    let session = fx.launch(&["--sandbox"]).await;
    session
        .wait_for_text(
            "[data-connection-screen=\"sandbox\"] .screen-head",
            UI,
            |t| t.contains("Not signed in"),
        )
        .await
        .expect("the sandbox's screen");
    session
        .execute(
            "Array.from(document.querySelectorAll('.actions button')) \
               .find((b) => b.textContent.trim() === 'Activity').click();",
            vec![],
        )
        .await
        .expect("the Activity button");
    session
        .wait_for_text("#activity-title", UI, |t| t == "Activity: sandbox")
        .await
        .expect("the sandbox's activity screen");

    let app = e2e::binary("workday-connector");
    let home = fx.home.path().join("home");
    let line = format!("^{} --sandbox --home {}$", app.display(), home.display());
    let pgrep = std::process::Command::new("pgrep")
        .args(["-n", "-f", &line])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&pgrep.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the app's process ({line})");
    let closed = std::process::Command::new("python3")
        .arg(e2e::workspace_root().join("scripts/x11-close.py"))
        .arg(&pid)
        .status()
        .expect("python3 runs");
    assert!(closed.success(), "the app's window was asked to close");
    let deadline = std::time::Instant::now() + UI;
    while !session
        .window_handles()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the window and its webview are gone after the close"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "the app lives on in the tray"
    );

    let second = std::process::Command::new(&app)
        .args(["--sandbox", "--home"])
        .arg(&home)
        .status()
        .expect("a second launch runs");
    assert!(second.success(), "the second launch hands over and ends");
    let deadline = std::time::Instant::now() + UI;
    let handle = loop {
        if let Some(h) = session.window_handles().await.unwrap_or_default().pop() {
            break h;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Open builds the window again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    session.switch_to_window(&handle).await.unwrap();
    session
        .wait_for_text("#activity-title", UI, |t| t == "Activity: sandbox")
        .await
        .expect("the new window starts on the screen and connection left");
    shot(&session, "reopened-activity").await;
    session.delete().await.unwrap();
}

/// Ends every app process of a home when the test ends, passed or not.
struct AppsOf(PathBuf);

impl Drop for AppsOf {
    fn drop(&mut self) {
        e2e::desktop::end_processes(&format!("--home {}", self.0.display()));
    }
}

/// Polls `probe` every 100 ms until it gives a value, failing with `what` after `within`.
fn wait_for<T>(within: Duration, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} (within {within:?})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asks the windows of `pid` to close as a close button does; false when it has none.
fn close_windows_of(pid: u32) -> bool {
    std::process::Command::new("python3")
        .arg(e2e::workspace_root().join("scripts/x11-close.py"))
        .arg(pid.to_string())
        .status()
        .expect("python3 runs")
        .success()
}

/// The app process started hidden on `home` by a hand-over, if one runs.
fn successor_on(app: &std::path::Path, home: &std::path::Path) -> Option<u32> {
    let line = format!(
        "^{} --hidden --handover --home {}$",
        app.display(),
        home.display()
    );
    let out = std::process::Command::new("pgrep")
        .args(["-n", "-f", &line])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The names of `pid`'s child processes.
fn children_of(pid: u32) -> Vec<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-l", "-P", &pid.to_string()])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

/// A closed window leaves WebKit's pages in the process that built it, so once the window has
/// stayed closed (here 1 s instead of 30) the app hands the tray to a fresh process started
/// hidden on the same home, and ends. The fresh one runs no WebKit process, answers the next
/// launch (Open) by building the window, and hands over again after that window closes.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_window_hands_the_tray_to_a_fresh_process_that_opens_it_again() {
    let _turn = SERIAL.lock().await;
    let app = e2e::binary("workday-connector");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let _cleanup = AppsOf(home.clone());
    let log = std::fs::File::create(dir.path().join("app.log")).unwrap();
    let launch = |extra: &[&str]| {
        let mut command = std::process::Command::new(&app);
        command
            .args(extra)
            .arg("--home")
            .arg(&home)
            .env("WDCONNECT_RESTART_AFTER_CLOSE", "1")
            .env_remove("TAURI_WEBVIEW_AUTOMATION")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log.try_clone().unwrap());
        command
    };
    let app_log = || std::fs::read_to_string(dir.path().join("app.log")).unwrap_or_default();
    // The window's web process runs once the window and its webview are built, so the close
    // goes to a window that handles it (a close sent earlier can reach GTK before the app does).
    let close_when_built = |pid: u32, what: &str| {
        wait_for(UI, &format!("{what}: {}", app_log()), || {
            children_of(pid)
                .iter()
                .any(|n| n.starts_with("WebKitWebProc"))
                .then_some(())
        });
        assert!(close_windows_of(pid), "{what}: the window takes the close");
    };
    let mut first = launch(&[]).spawn().expect("the app starts");
    close_when_built(first.id(), "the app's window appears");
    let deadline = std::time::Instant::now() + NETWORK;
    let ended = loop {
        if let Some(status) = first.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the app hands over and ends after its window closed: {}",
            app_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(ended.success(), "a hand-over is a clean exit: {ended:?}");
    let successor = wait_for(UI, "a fresh app process holds the tray", || {
        successor_on(&app, &home)
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        std::path::Path::new(&format!("/proc/{successor}")).exists(),
        "the fresh process stays in the tray"
    );
    let webkit: Vec<String> = children_of(successor)
        .into_iter()
        .filter(|n| n.starts_with("WebKit"))
        .collect();
    assert!(
        webkit.is_empty(),
        "no WebKit process while hidden: {webkit:?}"
    );

    // Open: a second launch finds the fresh process (single instance) and it builds the window.
    let second = launch(&[]).status().expect("a second launch runs");
    assert!(
        second.success(),
        "the second launch hands over to the running app"
    );
    close_when_built(successor, "the fresh process opens its window on Open");
    let next = wait_for(
        NETWORK,
        "closed again, the window's process hands over again",
        || successor_on(&app, &home).filter(|pid| *pid != successor),
    );
    // Ended, or a zombie until init reaps it (its `exe` link is gone either way).
    wait_for(UI, "the process that built the second window ends", || {
        (!std::path::Path::new(&format!("/proc/{successor}/exe")).exists()).then_some(())
    });
    assert!(
        std::path::Path::new(&format!("/proc/{next}/exe")).exists(),
        "the app is still in the tray"
    );
    let log = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    assert_eq!(
        log.matches("handing the tray to a fresh process").count(),
        2,
        "each hand-over is logged: {log}"
    );
}

/// `--help` and `--version` print and exit 0 without opening a window; an unknown option is
/// refused with exit 2 and named, rather than ignored.
#[test]
fn help_version_and_unknown_options() {
    let run = |arg: &str| {
        std::process::Command::new(e2e::binary("workday-connector"))
            .arg(arg)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("the app runs")
    };
    let help = run("--help");
    assert_eq!(help.status.code(), Some(0), "{help:?}");
    let text = String::from_utf8_lossy(&help.stdout);
    for option in ["--sandbox", "--hidden", "--home <DIR>", "--version"] {
        assert!(text.contains(option), "{option} in {text}");
    }
    let version = run("--version");
    assert_eq!(version.status.code(), Some(0), "{version:?}");
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
    let unknown = run("--sandbx");
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--sandbx"));
}
