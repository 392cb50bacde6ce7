// Generated from the Rust types by `src-tauri/src/bindings.rs`; do not edit. After changing
// one of those types: UPDATE_BINDINGS=1 cargo test -p workday-connector --lib bindings

/**
 * What the CLI prints, `--json` emits and the shell serialises to the UI, unchanged.
 */
export type Problem = { 
/**
 * Stable, dotted, machine-readable: `area.reason`, e.g. `sandbox.port_busy`.
 */
code: string, 
/**
 * One line, for a person, never containing a secret or a raw HTTP body.
 */
message: string, 
/**
 * What to change where: the Workday task, the field, the setting, the command.
 */
fix: string, };

/**
 * What a command's failure looks like to the UI: the first problem, and all of them.
 */
export type CommandError = { details?: Array<Problem>, 
/**
 * Stable, dotted, machine-readable: `area.reason`, e.g. `sandbox.port_busy`.
 */
code: string, 
/**
 * One line, for a person, never containing a secret or a raw HTTP body.
 */
message: string, 
/**
 * What to change where: the Workday task, the field, the setting, the command.
 */
fix: string, };

/**
 * The states of [`Status`], named as in JSON.
 */
export type StatusState = "not_configured" | "signing_in" | "connected" | "syncing" | "degraded" | "sign_in_required" | "offline";

/**
 * How a [`Status`] is written: its state, its reason when it has one, and its label.
 */
export type Status = { state: StatusState, reason?: string, label: string, };

export type AppInfo = { version: string, sandbox_requested: boolean, };

/**
 * The sandbox's values as the "View API Clients" page would show them, less the client secret:
 * this is what crosses into the UI and onto the terminal.
 */
export type SandboxInfo = { 
/**
 * Always true: every front labels the sandbox as a simulation.
 */
simulated: boolean, tenant: string, client_id: string, rest_api_endpoint: string, token_endpoint: string, authorization_endpoint: string, redirect_uri: string, };

/**
 * How the redirect URI names the loopback host. Workday stores one exact URI per client, so the
 * form is part of the connection's settings.
 */
export type RedirectHost = "ipv4_literal" | "localhost";

/**
 * How the client authenticates at the token endpoint. Basic works in production collectors;
 * the form body is kept as a setting for tenants that insist on it.
 */
export type ClientAuth = "basic" | "body";

/**
 * How the activity sync treats the tenant. Every number is a setting because the right values
 * are unverified or tenant-specific (`workday-api.md`).
 */
export type SyncSettings = { 
/**
 * Seconds between polls; minutes, not seconds, so the tenant is not loaded.
 */
poll_interval_secs: number, 
/**
 * Days of activity read back on first connect.
 */
backfill_days: number, 
/**
 * Seconds before now at which each window stops: events are published late.
 */
publish_lag_secs: number, 
/**
 * Rows per activity page (Workday's maximum is 1000).
 */
page_size: number, 
/**
 * Requests per second against this tenant.
 */
rate_limit_per_sec: number, 
/**
 * Days of activity kept in the store; older events (and alerts) are deleted after each
 * sync. 0 keeps everything.
 */
retention_days: number, };

/**
 * One connection. The client secret is deliberately not a field: it lives in the keyring.
 *
 * Every field after the five values has a serde default, so files written by older versions
 * load unchanged.
 */
export type Profile = { name: string, client_id: string, rest_api_endpoint: string, token_endpoint: string, authorization_endpoint: string, redirect_port: number, redirect_host: RedirectHost, pkce: boolean, client_auth: ClientAuth, 
/**
 * Tenants behind SAML SSO need `redirect=n` on the authorization URL.
 */
sso: boolean, sync: SyncSettings, 
/**
 * The connection points at the built-in sandbox (set only by `start_sandbox`). Files from
 * before this field are read by the legacy-sandbox rule of [`ProfileStore::load`].
 */
simulated: boolean, };

/**
 * The settings the UI edits; the sync settings stay as they are.
 */
export type ProfileInput = { name: string, client_id: string, rest_api_endpoint: string, token_endpoint: string, authorization_endpoint: string, redirect_port: number, redirect_host: RedirectHost, pkce: boolean, client_auth: ClientAuth, sso: boolean, };

/**
 * The runtime facts about one connection.
 */
export type ConnectionState = { status: Status, 
/**
 * When a staged test last passed every step.
 */
last_success?: string, 
/**
 * When the connection was last checked, whatever the outcome.
 */
last_check?: string, 
/**
 * The last failure, as the person saw it.
 */
last_error?: Problem, };

/**
 * A connection as the fronts show it: its settings (never a secret) and its runtime state.
 */
export type Connection = { redirect_uri: string, name: string, client_id: string, rest_api_endpoint: string, token_endpoint: string, authorization_endpoint: string, redirect_port: number, redirect_host: RedirectHost, pkce: boolean, client_auth: ClientAuth, 
/**
 * Tenants behind SAML SSO need `redirect=n` on the authorization URL.
 */
sso: boolean, sync: SyncSettings, 
/**
 * The connection points at the built-in sandbox (set only by `start_sandbox`). Files from
 * before this field are read by the legacy-sandbox rule of [`ProfileStore::load`].
 */
simulated: boolean, status: Status, 
/**
 * When a staged test last passed every step.
 */
last_success?: string, 
/**
 * When the connection was last checked, whatever the outcome.
 */
last_check?: string, 
/**
 * The last failure, as the person saw it.
 */
last_error?: Problem, };

/**
 * One of the five values, named as Workday labels it on "View API Clients".
 */
export type Field = "client_id" | "client_secret" | "rest_api" | "token" | "authorization";

/**
 * A setting of a profile that is not one of Workday's five values.
 */
export type Setting = "name" | "redirect_port" | "poll_interval" | "backfill_days" | "publish_lag" | "page_size" | "rate_limit" | "retention_days";

/**
 * What a finding is about: one of Workday's values or one of the app's settings. Serialises as
 * a bare snake_case name, so a profile finding has the same JSON shape as an endpoint
 * [`Finding`] (`{"field": "rest_api" | "page_size", ...}`).
 */
export type Subject = Field | Setting;

export type Severity = "error" | "warning";

/**
 * One verdict about a profile: an endpoint [`Finding`] or a settings check. (The endpoint
 * `Finding` names one of the five Workday values only, so the settings need their own subject.)
 */
export type Finding = { field: Subject, severity: Severity, 
/**
 * Stable and dotted, e.g. `settings.page_size_out_of_range` or `endpoint.tenant_mismatch`.
 */
code: string, message: string, fix: string, };

/**
 * Every finding about a connection's values, errors and warnings alike, in the order the fields
 * appear. Serialises as the bare list the wizard shows beside its fields.
 */
export type Findings = Array<Finding>;

/**
 * The values recognised in text pasted from Workday's "View API Clients" page.
 */
export type PastedValues = { client_id: string | null, client_secret: string | null, rest_api: string | null, token: string | null, authorization: string | null, };

export type Saved = { warnings: Array<Problem>, };

/**
 * One domain permission the consenting account's security group needs.
 */
export type DomainPermission = { functional_area: string, domain: string, 
/**
 * Report/task permissions.
 */
report_task: string, 
/**
 * Integration permissions.
 */
integration: string, 
/**
 * Which step of the staged test fails without it.
 */
needed_for: string, };

/**
 * A setting in a Workday task, with the task to search for.
 */
export type TenantSetting = { task: string, setting: string, value: string, why: string, };

/**
 * One field of Workday's "Register API Client" form and the value to enter.
 */
export type RegisterField = { field: string, value: string, note: string, };

/**
 * The whole guide, for `wdconnect guide --json` and the wizard.
 */
export type Guide = { security_group_permissions: Array<DomainPermission>, tenant_settings: Array<TenantSetting>, register_api_client: Array<RegisterField>, notes: Array<string>, };

export type StepName = "token" | "users" | "activity_log";

export type Verdict = "pass" | "warn" | "fail" | "skipped";

export type StepResult = { step: StepName, title: string, verdict: Verdict, http_status?: number, needs: string, 
/**
 * What was seen, for a person ("1 of 40 workers visible").
 */
detail?: string, 
/**
 * The failure or the warning, with its code and fix.
 */
problem?: Problem, duration_ms: number, };

export type TestReport = { connection: string, passed: boolean, steps: Array<StepResult>, 
/**
 * The status this outcome puts the connection in.
 */
status: Status, };

/**
 * What the UI shows while a sign-in waits for the browser.
 */
export type SignInWaiting = { name: string, url: string, redirect_uri: string, timeout_secs: number, browser_failed?: string, };

export type Settings = { 
/**
 * Start the desktop app (hidden, in the tray) when the user logs in.
 */
start_at_login: boolean, 
/**
 * Notify when a connection needs the user, and when it recovers.
 */
notifications: boolean, 
/**
 * Minutes between two scheduled checks of each connection.
 */
check_interval_minutes: number, };

/**
 * The viewer's filter as the UI sends it: times in RFC 3339, empty text as no filter.
 */
export type ActivityFilter = { since?: string, until?: string, user?: string, task?: string, action?: string, ip?: string, device?: string, include_own_calls: boolean, 
/**
 * Only the events of this alert (the app's own calls among them included).
 */
alert?: number, };

/**
 * Which rows of the matching events: `limit` (1 to 1000) after skipping `offset`.
 */
export type ActivityPageRequest = { offset: number, limit: number, };

/**
 * One stored event: its key, Workday's fields as columns, and the raw JSON.
 */
export type ActivityEvent = { fingerprint: string, ordinal: number, request_time: string | null, system_account: string | null, activity_action: string | null, task_display_name: string | null, task_id: string | null, session_id: string | null, ip_address: string | null, user_agent: string | null, device_type: string | null, target_id: string | null, target_descriptor: string | null, target_href: string | null, own_call: boolean, raw: unknown, 
/**
 * The country (ISO code) of `ip_address`, looked up when read (see `ipinfo`); None for a
 * private, loopback or unknown address.
 */
country: string | null, 
/**
 * The tags of `ip_address` when read: `risky`, `corporate`.
 */
ip_tags: Array<string>, };

/**
 * One page of a connection's events, newest first, with how many match in all.
 */
export type ActivityPage = { events: Array<ActivityEvent>, 
/**
 * Every event matching the filter, not only this page's.
 */
total: number, 
/**
 * `total` is an estimate: more events match than the store counts in a moment (see
 * `Store::count_or_estimate`).
 */
total_estimated: boolean, offset: number, 
/**
 * Every event before this is stored (None before the first sync).
 */
synced_until: string | null, };

/**
 * Sent after each window a sync commits.
 */
export type SyncProgress = { name: string, windows_done: number, windows_total: number, 
/**
 * Events read so far (re-reads included).
 */
events_read: number, 
/**
 * Events new to the store so far.
 */
events_stored: number, events_per_sec: number, 
/**
 * None until a window is done.
 */
eta_secs: number | null, synced_until: string, };

/**
 * The outcome of one pass.
 */
export type SyncReport = { connection: string, 
/**
 * The range read in this pass, `[from, to)`.
 */
from: string, to: string, 
/**
 * Where the store's range starts (the first backfill) and ends.
 */
origin: string, synced_until: string, windows: number, 
/**
 * Windows split because they reached the offset cap.
 */
splits: number, events_read: number, events_stored: number, 
/**
 * Events read that came without a (readable) requestTime: stored with the start of the
 * window that returned them as their time, marked as estimated.
 */
events_untimed: number, 
/**
 * Every event in the store now, own calls included.
 */
events_total: number, 
/**
 * Of `events_read`: the tenant's records of REST API calls, this connector's own among
 * them (see [`is_own_call`](super::row::is_own_call)); hidden from views by default.
 */
own_calls_read: number, 
/**
 * Of `events_total`: the same.
 */
own_calls_total: number, 
/**
 * Events deleted after the pass because they were older than the connection keeps
 * (`retention_days`).
 */
events_pruned: number, elapsed_secs: number, 
/**
 * Things that did not stop the sync but are worth knowing.
 */
warnings: Array<Problem>, };

/**
 * The file formats of an export.
 */
export type ExportFormat = "csv" | "ndjson";

/**
 * Where an export went, and how many events it holds.
 */
export type Exported = { path: string, count: number, };

/**
 * The width of one bar of the chart.
 */
export type Bucket = "hour" | "day";

/**
 * The events of one bucket, which starts at `start` (a local hour or local midnight).
 */
export type TimeCount = { start: string, count: number, };

/**
 * One value of a column and how many matching events carry it.
 */
export type Ranked = { value: string, count: number, };

/**
 * The most frequent values of a column among the matching events, most first (ties by value),
 * and how many different values there are in all. Events without a value are left out.
 */
export type TopList = { entries: Array<Ranked>, distinct: number, };

/**
 * What the viewer's chart and top lists show for a filter.
 */
export type ActivityInsights = { 
/**
 * Every matching event, the untimed ones included.
 */
total: number, bucket: Bucket, 
/**
 * Every bucket of the range in order, empty ones included.
 */
series: Array<TimeCount>, 
/**
 * Matching events stored without any time (kept by old versions): counted, not charted.
 */
untimed: number, users: TopList, tasks: TopList, ips: TopList, 
/**
 * The countries of the matching events' IPs (per event), looked up when read; None
 * without a lookup (no country is guessed).
 */
countries: TopList | null, };

/**
 * One session of a user: its events between the first and the last, from which IPs and devices.
 */
export type SessionSummary = { session_id: string, first: string | null, last: string | null, count: number, ips: Array<string>, devices: Array<string>, };

/**
 * The last [`USER_DAYS`] days of one user.
 */
export type UserInsights = { user: string, since: string, until: string, total: number, 
/**
 * Per day.
 */
series: Array<TimeCount>, untimed: number, first_seen: string | null, last_seen: string | null, ips: TopList, devices: TopList, tasks: TopList, actions: TopList, 
/**
 * The most recent sessions, newest first.
 */
sessions: Array<SessionSummary>, sessions_total: number, 
/**
 * As in [`Insights::countries`].
 */
countries: TopList | null, };

/**
 * Open or dismissed; who dismissed it is not kept.
 */
export type AlertStatus = "open" | "dismissed";

/**
 * One stored alert.
 */
export type Alert = { id: number, 
/**
 * A built-in rule's id (`impossible_travel`, ...).
 */
rule: string, severity: string, status: AlertStatus, user: string | null, 
/**
 * The first and the last event's time.
 */
time: string, last_time: string, summary: string, country: string | null, ip: string | null, event_count: number, };

/**
 * An alert with the connection it belongs to, as the listing across connections gives it.
 */
export type ConnectionAlert = { connection: string, id: number, 
/**
 * A built-in rule's id (`impossible_travel`, ...).
 */
rule: string, severity: string, status: AlertStatus, user: string | null, 
/**
 * The first and the last event's time.
 */
time: string, last_time: string, summary: string, country: string | null, ip: string | null, event_count: number, };

/**
 * The alerts of several connections, newest first, and the connections whose alerts could not
 * be read (each named in its problem; the others are listed all the same).
 */
export type AlertList = { alerts: Array<ConnectionAlert>, problems: Array<Problem>, };

/**
 * Which alerts the Alerts screen lists: every field narrows, absent takes all.
 */
export type AlertsQuery = { 
/**
 * A rule's id (`impossible_travel`, a custom rule's `sigma:NAME`).
 */
rule?: string, 
/**
 * `low`, `medium` or `high`.
 */
severity?: string, status?: AlertStatus, 
/**
 * One user's alerts (any letter case).
 */
user?: string, };

/**
 * A rule in force, as `wdconnect rules` and the app list it.
 */
export type RuleView = { id: string, name: string, 
/**
 * `built-in` or `sigma`.
 */
kind: string, 
/**
 * The file of a Sigma rule.
 */
path: string | null, severity: string, explanation: string, 
/**
 * False for a rule that cannot fire as things are set (outside-corporate without the
 * switch, risky IP without a risky tag).
 */
active: boolean, };

/**
 * The rules in force and what decides them.
 */
export type RulesView = { rules: Array<RuleView>, 
/**
 * The new-country rules learn until then (None before the first sync).
 */
learning_until: string | null, 
/**
 * True while the learning period lasts.
 */
learning: boolean, 
/**
 * `shipped` or the admin's file.
 */
geo_database: string, risky_entries: number, corporate_entries: number, corporate_only: boolean, 
/**
 * Files that could not be used (their path and line), each skipped.
 */
load_errors: Array<Problem>, };

/**
 * One forwarding destination of a connection as the connection screen shows it: where it
 * sends, how far delivery is, and its last failure (until a batch is accepted again).
 */
export type ForwardView = { name: string, url: string, 
/**
 * What kind of receiver, in words ("Splunk HTTP Event Collector").
 */
kind: string, format: string, pending: number, delivered: number, alerts_pending: number, alerts_delivered: number, 
/**
 * RFC 3339, the last time a batch was accepted.
 */
last_delivery: string | null, last_error: Problem | null, };
