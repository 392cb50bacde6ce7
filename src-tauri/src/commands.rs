//! The app's Tauri commands: each a short call into `connector`. Failures reach the UI as
//! `{code, message, fix, details?}`, unchanged from the connector's problems.

use std::sync::Arc;

use connector::activity::store::{AlertFilter, AlertStatus};
use connector::activity::{
    EventFilter, EventPage, ExportFormat, Insights, SyncOptions, SyncProgress, SyncReport,
    UserInsights,
};
use connector::checks::{self, Findings};
use connector::connections::{ConnectionView, ConnectorError};
use connector::detections::{AlertList, ConnectionAlert, RulesView, Severity};
use connector::guide::Guide;
use connector::loopback::RedirectHost;
use connector::profile::{ClientAuth, Profile};
use connector::settings::AppSettings;
use connector::signin::{SignInOptions, SignInProgress};
use connector::staged::TestReport;
use connector::{Diagnose, Problem, SandboxInfo, SandboxOptions};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::state::AppState;
use crate::{monitors, opener::OpenerBrowser};

/// What a command's failure looks like to the UI: the first problem, and all of them.
#[derive(Debug, Serialize, TS)]
pub struct CommandError {
    #[serde(flatten)]
    first: Problem,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<Problem>>")]
    details: Vec<Problem>,
}

impl From<Problem> for CommandError {
    fn from(first: Problem) -> Self {
        Self {
            first,
            details: Vec::new(),
        }
    }
}

impl From<ConnectorError> for CommandError {
    fn from(e: ConnectorError) -> Self {
        let all = e.problems();
        let first = all.first().cloned().unwrap_or_else(|| {
            Problem::new("app.unexpected", "The operation failed.", "Try again.")
        });
        let details = if all.len() > 1 { all } else { Vec::new() };
        Self { first, details }
    }
}

type Result<T> = std::result::Result<T, CommandError>;

#[derive(Debug, Serialize, TS)]
pub struct AppInfo {
    pub version: &'static str,
    pub sandbox_requested: bool,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        sandbox_requested: state.launch.sandbox,
    }
}

#[tauri::command]
pub fn connections_list(state: State<'_, AppState>) -> Result<Vec<ConnectionView>> {
    Ok(state.connector.list()?)
}

#[tauri::command]
pub fn guide(redirect_port: u16, redirect_host: RedirectHost) -> Guide {
    connector::guide::guide(redirect_port, redirect_host)
}

/// The settings the UI edits; the sync settings stay as they are.
#[derive(Debug, Deserialize, TS)]
pub struct ProfileInput {
    name: String,
    client_id: String,
    rest_api_endpoint: String,
    token_endpoint: String,
    authorization_endpoint: String,
    redirect_port: u16,
    redirect_host: RedirectHost,
    pkce: bool,
    client_auth: ClientAuth,
    sso: bool,
}

impl ProfileInput {
    fn apply(self, p: &mut Profile) {
        p.name = self.name;
        p.client_id = self.client_id;
        p.rest_api_endpoint = self.rest_api_endpoint;
        p.token_endpoint = self.token_endpoint;
        p.authorization_endpoint = self.authorization_endpoint;
        p.redirect_port = self.redirect_port;
        p.redirect_host = self.redirect_host;
        p.pkce = self.pkce;
        p.client_auth = self.client_auth;
        p.sso = self.sso;
    }

    fn into_profile(self) -> Profile {
        let mut p = Profile::new(self.name.clone());
        self.apply(&mut p);
        p
    }
}

/// Every finding about the values as typed (the client secret is checked on submit only).
#[tauri::command]
pub fn check_values(input: ProfileInput) -> Findings {
    let mut profile = input.into_profile();
    profile.normalise();
    checks::findings(&profile, None)
}

/// The values recognised in text pasted from Workday's "View API Clients" page.
#[derive(Debug, Serialize, TS)]
#[ts(rename = "PastedValues")]
pub struct PastedDto {
    client_id: Option<String>,
    client_secret: Option<String>,
    rest_api: Option<String>,
    token: Option<String>,
    authorization: Option<String>,
}

#[tauri::command]
pub fn parse_paste(text: String) -> PastedDto {
    // The text came from the UI, secret included if pasted: it goes back only to fill the form.
    let v = checks::parse_view_api_clients(&text);
    PastedDto {
        client_id: v.client_id,
        client_secret: v.client_secret,
        rest_api: v.rest_api,
        token: v.token,
        authorization: v.authorization,
    }
}

#[derive(Debug, Serialize, TS)]
pub struct Saved {
    warnings: Vec<Problem>,
}

#[tauri::command]
pub async fn connection_add<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: ProfileInput,
    client_secret: String,
) -> Result<Saved> {
    let name = input.name.trim().to_string();
    let mut profile = input.into_profile();
    profile.normalise();
    let warnings = state
        .connector
        .add(profile, SecretString::from(client_secret))
        .await?;
    monitors::start(&app, &name);
    Ok(Saved { warnings })
}

#[tauri::command]
pub async fn connection_edit<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    input: ProfileInput,
    client_secret: Option<String>,
) -> Result<Saved> {
    let secret = client_secret
        .filter(|s| !s.is_empty())
        .map(SecretString::from);
    let warnings = state
        .connector
        .edit(
            &name,
            |p| {
                input.apply(p);
                p.normalise();
            },
            secret,
        )
        .await?;
    monitors::start(&app, &name);
    Ok(Saved { warnings })
}

#[tauri::command]
pub async fn connection_remove<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    delete_events: Option<bool>,
) -> Result<connector::connections::Removed> {
    monitors::stop(&app, &name);
    // The UI asks first; without an answer the activity log is kept (deleting cannot be undone).
    Ok(state
        .connector
        .remove(&name, delete_events.unwrap_or(false))
        .await?)
}

/// What the UI shows while a sign-in waits for the browser.
#[derive(Debug, Clone, Serialize, TS)]
pub(crate) struct SignInWaiting {
    name: String,
    url: String,
    redirect_uri: String,
    timeout_secs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    browser_failed: Option<String>,
}

#[tauri::command]
pub async fn connection_connect<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
) -> Result<()> {
    let cancel = CancellationToken::new();
    state
        .signins
        .lock()
        .await
        .insert(name.clone(), cancel.clone());
    let options = SignInOptions {
        cancel,
        ..SignInOptions::default()
    };
    let timeout_secs = options.timeout.as_secs();
    let emitter = app.clone();
    let mut waiting = SignInWaiting {
        name: name.clone(),
        url: String::new(),
        redirect_uri: String::new(),
        timeout_secs,
        browser_failed: None,
    };
    let progress = move |p: SignInProgress| {
        match p {
            SignInProgress::Waiting { url, redirect_uri } => {
                waiting.url = url;
                waiting.redirect_uri = redirect_uri;
            }
            SignInProgress::BrowserFailed { reason } => waiting.browser_failed = Some(reason),
        }
        let _ = emitter.emit("signin-waiting", &waiting);
    };
    let browser = Arc::new(OpenerBrowser::new(app.clone()));
    let outcome = state
        .connector
        .connect(&name, browser, options, progress)
        .await;
    state.signins.lock().await.remove(&name);
    outcome?;
    Ok(())
}

#[tauri::command]
pub async fn signin_cancel(state: State<'_, AppState>, name: String) -> Result<()> {
    if let Some(token) = state.signins.lock().await.remove(&name) {
        token.cancel();
    }
    Ok(())
}

#[tauri::command]
pub async fn connection_test(state: State<'_, AppState>, name: String) -> Result<TestReport> {
    let _busy = state.busy();
    Ok(state.connector.test(&name).await?)
}

#[tauri::command]
pub async fn connection_disconnect(state: State<'_, AppState>, name: String) -> Result<()> {
    Ok(state.connector.disconnect(&name).await?)
}

/// Starts the simulated tenant (once) and points the connection "sandbox" at it.
#[tauri::command]
pub async fn sandbox_start<R: Runtime>(app: AppHandle<R>) -> Result<SandboxInfo> {
    start_sandbox(&app).await
}

#[tauri::command]
pub async fn sandbox_info(state: State<'_, AppState>) -> Result<Option<SandboxInfo>> {
    Ok(state
        .sandbox
        .lock()
        .await
        .as_ref()
        .map(|s| s.info().clone()))
}

pub async fn start_sandbox<R: Runtime>(
    app: &AppHandle<R>,
) -> std::result::Result<SandboxInfo, CommandError> {
    let state = app.state::<AppState>();
    let mut slot = state.sandbox.lock().await;
    if let Some(sandbox) = slot.as_ref() {
        return Ok(sandbox.info().clone());
    }
    let sandbox = state
        .connector
        .start_sandbox(SandboxOptions::default())
        .await?;
    let info = sandbox.info().clone();
    *slot = Some(sandbox);
    drop(slot);
    monitors::start(app, connector::sandbox::SANDBOX_CONNECTION);
    let _ = app.emit("sandbox-changed", &info);
    Ok(info)
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Result<AppSettings> {
    Ok(state.settings.lock().await.clone())
}

#[tauri::command]
pub async fn settings_set<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<AppSettings> {
    state
        .settings_store
        .save(&settings)
        .map_err(|e| CommandError::from(e.problem()))?;
    crate::autostart::apply(&app, settings.start_at_login);
    let interval_changed = {
        let mut current = state.settings.lock().await;
        let changed = current.check_interval_minutes != settings.check_interval_minutes;
        *current = settings.clone();
        changed
    };
    if interval_changed {
        monitors::restart_all(&app);
    }
    Ok(settings)
}

/// The viewer's filter as the UI sends it: times in RFC 3339, empty text as no filter.
#[derive(Debug, Default, Deserialize, TS)]
pub struct ActivityFilter {
    #[serde(default)]
    #[ts(optional)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    #[ts(optional)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    #[ts(optional)]
    user: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    task: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    action: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    ip: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    device: Option<String>,
    #[serde(default)]
    include_own_calls: bool,
    /// Only the events of this alert (the app's own calls among them included).
    #[serde(default)]
    #[ts(optional)]
    alert: Option<i64>,
}

impl From<ActivityFilter> for EventFilter {
    fn from(f: ActivityFilter) -> Self {
        let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        EventFilter {
            since: f.since,
            until: f.until,
            user: text(f.user),
            task: text(f.task),
            action: text(f.action),
            ip: text(f.ip),
            device: text(f.device),
            limit: None,
            include_own_calls: f.include_own_calls,
            alert: f.alert,
        }
    }
}

/// Which rows of the matching events: `limit` (1 to 1000) after skipping `offset`.
#[derive(Debug, Deserialize, TS)]
#[ts(rename = "ActivityPageRequest")]
pub struct ActivityPage {
    offset: u64,
    limit: u64,
}

/// One page of the stored events of `name`, newest first, with the total matching.
#[tauri::command]
pub async fn activity_query(
    state: State<'_, AppState>,
    name: String,
    filter: ActivityFilter,
    page: ActivityPage,
) -> Result<EventPage> {
    Ok(state
        .connector
        .events_page(&name, filter.into(), page.offset, page.limit)
        .await?)
}

/// Sent after each window a sync commits.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(rename = "SyncProgress")]
pub(crate) struct SyncProgressEvent<'a> {
    name: &'a str,
    #[serde(flatten)]
    progress: &'a SyncProgress,
}

/// Syncs `name`'s activity log now; progress arrives as `sync-progress` events, the status
/// (Syncing) through `status-changed`. One sync per connection at a time.
#[tauri::command]
pub async fn activity_sync<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
) -> Result<SyncReport> {
    let emitter = app.clone();
    let progress = |p: &SyncProgress| {
        let _ = emitter.emit(
            "sync-progress",
            &SyncProgressEvent {
                name: &name,
                progress: p,
            },
        );
    };
    // A second sync of the same connection, from here or from wdconnect, is refused by the
    // connector's cross-process lock (`activity.sync_running`).
    let _busy = state.busy();
    Ok(state
        .connector
        .sync(&name, &SyncOptions::default(), progress)
        .await?)
}

/// Where an export went, and how many events it holds.
#[derive(Debug, Serialize, TS)]
pub struct Exported {
    path: String,
    count: u64,
}

/// Asks where to save (a dialog opened from Rust, so the webview needs no dialog permission),
/// then writes the events matching `filter`. None when the person cancels.
#[tauri::command]
pub async fn activity_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
    filter: ActivityFilter,
    format: ExportFormat,
) -> Result<Option<Exported>> {
    let filter = EventFilter::from(filter);
    filter.check()?;
    state.connector.get(&name)?;
    let (label, ext) = match format {
        ExportFormat::Csv => ("CSV", "csv"),
        ExportFormat::Ndjson => ("NDJSON", "ndjson"),
    };
    let dialog = app
        .dialog()
        .file()
        .set_title("Export the activity log")
        .set_file_name(format!("{name}-activity.{ext}"))
        .add_filter(label, &[ext]);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|e| {
            Problem::new(
                "app.unexpected",
                format!("The save dialog failed: {e}."),
                "Try again.",
            )
        })?;
    let Some(path) = chosen.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let _busy = state.busy();
    let count = state
        .connector
        .export_events(&name, filter, format, &path)
        .await?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        count,
    }))
}

/// The chart and top lists of `name`'s events matching `filter`; hours and days start on the
/// viewer's clock (`utc_offset_minutes` east of UTC).
#[tauri::command]
pub async fn activity_insights(
    state: State<'_, AppState>,
    name: String,
    filter: ActivityFilter,
    utc_offset_minutes: i32,
) -> Result<Insights> {
    Ok(state
        .connector
        .activity_insights(&name, filter.into(), utc_offset_minutes)
        .await?)
}

/// The last 30 days of one user of `name`.
#[tauri::command]
pub async fn activity_user(
    state: State<'_, AppState>,
    name: String,
    user: String,
    utc_offset_minutes: i32,
) -> Result<UserInsights> {
    Ok(state
        .connector
        .user_insights(&name, &user, utc_offset_minutes)
        .await?)
}

/// Which alerts the Alerts screen lists: every field narrows, absent takes all.
#[derive(Debug, Default, Deserialize, TS)]
pub struct AlertsQuery {
    /// A rule's id (`impossible_travel`, a custom rule's `sigma:NAME`).
    #[serde(default)]
    #[ts(optional)]
    rule: Option<String>,
    /// `low`, `medium` or `high`.
    #[serde(default)]
    #[ts(optional)]
    severity: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    status: Option<AlertStatus>,
    /// One user's alerts (any letter case).
    #[serde(default)]
    #[ts(optional)]
    user: Option<String>,
}

impl AlertsQuery {
    fn filter(self) -> std::result::Result<AlertFilter, Problem> {
        let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let severity = match text(self.severity) {
            None => None,
            Some(s) => Some(
                Severity::parse(&s)
                    .ok_or_else(|| {
                        Problem::new(
                            "input.bad_severity",
                            format!("\"{s}\" is not a severity."),
                            "Use low, medium or high.",
                        )
                    })?
                    .as_str()
                    .to_string(),
            ),
        };
        Ok(AlertFilter {
            rule: text(self.rule),
            severity,
            status: self.status,
            user: text(self.user),
            ..AlertFilter::default()
        })
    }
}

/// The alerts of `name`, or of every connection without one, newest first.
#[tauri::command]
pub async fn alerts_list(
    state: State<'_, AppState>,
    name: Option<String>,
    query: AlertsQuery,
) -> Result<AlertList> {
    let filter = query.filter()?;
    match name {
        None => Ok(state.connector.alerts_of_all(filter).await?),
        Some(name) => {
            let connection = state.connector.get(&name)?.profile.name;
            let alerts = state.connector.alerts(&connection, filter).await?;
            Ok(AlertList {
                alerts: alerts
                    .into_iter()
                    .map(|alert| ConnectionAlert {
                        connection: connection.clone(),
                        alert,
                    })
                    .collect(),
                problems: Vec::new(),
            })
        }
    }
}

/// Dismisses an alert of `name`, or opens it again; returns it as it now is.
#[tauri::command]
pub async fn alert_set_status(
    state: State<'_, AppState>,
    name: String,
    id: i64,
    status: AlertStatus,
) -> Result<ConnectionAlert> {
    let connection = state.connector.get(&name)?.profile.name;
    let alert = state.connector.set_alert_status(&connection, id, status)?;
    // The tray's count follows at once, not at the watcher's next look.
    state.alerts_changed.notify_one();
    Ok(ConnectionAlert { connection, alert })
}

/// The rules in force for `name` (with its learning period), or in general without one.
#[tauri::command]
pub fn rules_list(state: State<'_, AppState>, name: Option<String>) -> Result<RulesView> {
    Ok(state.connector.rules(name.as_deref())?)
}

/// One forwarding destination of a connection as the connection screen shows it: where it
/// sends, how far delivery is, and its last failure (until a batch is accepted again).
#[derive(Debug, Serialize, TS)]
pub struct ForwardView {
    pub name: String,
    pub url: String,
    /// What kind of receiver, in words ("Splunk HTTP Event Collector").
    pub kind: String,
    pub format: String,
    pub pending: u64,
    pub delivered: u64,
    pub alerts_pending: u64,
    pub alerts_delivered: u64,
    /// RFC 3339, the last time a batch was accepted.
    pub last_delivery: Option<String>,
    pub last_error: Option<Problem>,
}

impl From<connector::forwarding::ForwardStatus> for ForwardView {
    fn from(s: connector::forwarding::ForwardStatus) -> Self {
        Self {
            name: s.name,
            url: s.url,
            kind: s.kind.label().to_string(),
            format: s.format.name().to_string(),
            pending: s.pending,
            delivered: s.delivered,
            alerts_pending: s.alerts_pending,
            alerts_delivered: s.alerts_delivered,
            last_delivery: s.last_delivery.map(|t| t.to_rfc3339()),
            last_error: s.last_error,
        }
    }
}

/// The forwarding destinations of a connection (added with `wdconnect forward add`).
#[tauri::command]
pub fn forward_list(state: State<'_, AppState>, name: String) -> Result<Vec<ForwardView>> {
    Ok(state
        .connector
        .forward_list(Some(&name))?
        .into_iter()
        .map(ForwardView::from)
        .collect())
}

/// Sends one test event to a destination (as `wdconnect forward test`); a refusal comes back
/// as the problem, with what to fix.
#[tauri::command]
pub async fn forward_test(
    state: State<'_, AppState>,
    name: String,
    destination: String,
) -> Result<ForwardView> {
    Ok(state
        .connector
        .forward_test(&name, &destination)
        .await?
        .into())
}
