// Typed calls into the desktop shell: the contract between the UI and src-tauri/src/commands.rs.
// The UI never reaches Workday or the keyring itself, and holds a client secret only while the
// person types it.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

/** The one error model: stable code, one-line message, a fix naming what to change where. */
export interface Problem {
  code: string;
  message: string;
  fix: string;
  /** Every problem when there are several (e.g. all invalid fields); the first is repeated above. */
  details?: Problem[];
}

export type Status =
  | { state: "not_configured" | "signing_in" | "connected" | "syncing" }
  | { state: "degraded" | "sign_in_required" | "offline"; reason: string };

export type StatusState = Status["state"];

export interface AppInfo {
  version: string;
  /** The app was launched with `--sandbox`: it starts the sandbox at launch. */
  sandbox_requested: boolean;
}

/** What the sandbox tenant shows on its "View API Clients" page, less the secret. */
export interface SandboxInfo {
  simulated: true;
  tenant: string;
  client_id: string;
  rest_api_endpoint: string;
  token_endpoint: string;
  authorization_endpoint: string;
  redirect_uri: string;
}

export type RedirectHost = "ipv4_literal" | "localhost";
export type ClientAuth = "basic" | "body";

export interface SyncSettings {
  poll_interval_secs: number;
  backfill_days: number;
  publish_lag_secs: number;
  page_size: number;
  rate_limit_per_sec: number;
}

/** A connection's settings as the person enters them (never the client secret). */
export interface ProfileInput {
  name: string;
  client_id: string;
  rest_api_endpoint: string;
  token_endpoint: string;
  authorization_endpoint: string;
  redirect_port: number;
  redirect_host: RedirectHost;
  pkce: boolean;
  client_auth: ClientAuth;
  sso: boolean;
}

export interface ConnectionState {
  status: Status;
  last_success?: string;
  last_check?: string;
  last_error?: Problem;
}

/** A connection as the shell reports it: settings, exact redirect URI, runtime state. */
export interface Connection extends ProfileInput, ConnectionState {
  redirect_uri: string;
  sync: SyncSettings;
  /** The connection points at the built-in simulated tenant. */
  simulated: boolean;
}

/**
 * The field a finding is about: one of the five values (`client_id`, `client_secret`,
 * `rest_api`, `token`, `authorization`) or a setting (`name`, `redirect_port`, ...).
 */
export interface Finding {
  field: string;
  severity: "error" | "warning";
  code: string;
  message: string;
  fix: string;
}

/** Values recognised in text pasted from Workday's "View API Clients" page. */
export interface PastedValues {
  client_id?: string | null;
  client_secret?: string | null;
  rest_api?: string | null;
  token?: string | null;
  authorization?: string | null;
}

export interface DomainPermission {
  functional_area: string;
  domain: string;
  report_task: string;
  integration: string;
  needed_for: string;
}

export interface TenantSetting {
  task: string;
  setting: string;
  value: string;
  why: string;
}

export interface RegisterField {
  field: string;
  value: string;
  note: string;
}

export interface Guide {
  security_group_permissions: DomainPermission[];
  tenant_settings: TenantSetting[];
  register_api_client: RegisterField[];
  notes: string[];
}

export type StepName = "token" | "users" | "activity_log";
export type Verdict = "pass" | "warn" | "fail" | "skipped";

export interface StepResult {
  step: StepName;
  title: string;
  verdict: Verdict;
  http_status?: number;
  needs: string;
  detail?: string;
  problem?: Problem;
  duration_ms: number;
}

export interface TestReport {
  connection: string;
  passed: boolean;
  steps: StepResult[];
  status: Status;
}

/** Sent while a sign-in waits for the browser: show the link (with copy) and the time left. */
export interface SignInWaiting {
  name: string;
  url: string;
  redirect_uri: string;
  timeout_secs: number;
  /** The browser could not be opened: the person must open the link themselves. */
  browser_failed?: string;
}

export interface Settings {
  start_at_login: boolean;
  notifications: boolean;
  check_interval_minutes: number;
}

/** The activity viewer's filter; times in RFC 3339 (UTC), empty text is no filter. */
export interface ActivityFilter {
  since?: string;
  until?: string;
  /** systemAccount, exactly (case-insensitive). */
  user?: string;
  /** A part of the task name. */
  task?: string;
  /** READ, WRITE or OTHER. */
  action?: string;
  ip?: string;
  device?: string;
  /** Show the app's own API calls too (hidden by default). */
  include_own_calls: boolean;
}

export interface ActivityPageRequest {
  offset: number;
  /** 1 to 1000. */
  limit: number;
}

/** One stored event as the viewer shows it. */
export interface ActivityEvent {
  fingerprint: string;
  ordinal: number;
  request_time: string | null;
  system_account: string | null;
  activity_action: string | null;
  task_display_name: string | null;
  task_id: string | null;
  session_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  device_type: string | null;
  target_id: string | null;
  target_descriptor: string | null;
  target_href: string | null;
  own_call: boolean;
  raw: unknown;
}

export interface ActivityPage {
  events: ActivityEvent[];
  /** Every event matching the filter. */
  total: number;
  offset: number;
  /** Every event before this is stored; null before the first sync. */
  synced_until: string | null;
}

/** Sent after each window a sync commits. */
export interface SyncProgress {
  name: string;
  windows_done: number;
  windows_total: number;
  events_read: number;
  events_stored: number;
  events_per_sec: number;
  eta_secs: number | null;
  synced_until: string;
}

export interface SyncReport {
  connection: string;
  from: string;
  to: string;
  origin: string;
  synced_until: string;
  windows: number;
  splits: number;
  events_read: number;
  events_stored: number;
  /** Events read without a requestTime (placed at their window's start). */
  events_untimed: number;
  events_total: number;
  /** Of events_read and events_total: the tenant's records of the app's own API calls. */
  own_calls_read: number;
  own_calls_total: number;
  elapsed_secs: number;
  /** Worth knowing, e.g. `activity.window_unstable`: a window left for the next sync. */
  warnings: Problem[];
}

export type ExportFormat = "csv" | "ndjson";

export interface Exported {
  path: string;
  count: number;
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === "string" && typeof v.message === "string" && typeof v.fix === "string";
}

/** A Problem as a throwable Error, for the UI's own promise chains. */
export class ProblemError extends Error implements Problem {
  readonly code: string;
  readonly fix: string;
  readonly details?: Problem[];
  constructor(problem: Problem) {
    super(problem.message);
    this.name = "ProblemError";
    this.code = problem.code;
    this.fix = problem.fix;
    if (problem.details) this.details = problem.details;
  }
}

/** Any rejection as a plain Problem, so every screen shows failures the same way. */
export function toProblem(error: unknown): Problem {
  if (isProblem(error)) {
    const p: Problem = { code: error.code, message: error.message, fix: error.fix };
    if (error.details) p.details = error.details;
    return p;
  }
  return {
    code: "app.unexpected",
    message: typeof error === "string" ? error : "Something unexpected went wrong.",
    fix: "Try again; if it persists, restart Workday Connector.",
  };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new ProblemError(toProblem(error));
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  listConnections: () => call<Connection[]>("connections_list"),
  guide: (redirectPort: number, redirectHost: RedirectHost) =>
    call<Guide>("guide", { redirectPort, redirectHost }),
  /** Checks the values as typed (not the secret): every error and warning, per field. */
  checkValues: (input: ProfileInput) => call<Finding[]>("check_values", { input }),
  parsePaste: (text: string) => call<PastedValues>("parse_paste", { text }),
  addConnection: (input: ProfileInput, clientSecret: string) =>
    call<{ warnings: Problem[] }>("connection_add", { input, clientSecret }),
  /** `clientSecret` null keeps the stored one. */
  editConnection: (name: string, input: ProfileInput, clientSecret: string | null) =>
    call<{ warnings: Problem[] }>("connection_edit", { name, input, clientSecret }),
  /** The activity log is kept unless `deleteEvents`: deleting it cannot be undone. */
  removeConnection: (name: string, deleteEvents: boolean) =>
    call<unknown>("connection_remove", { name, deleteEvents }),
  /** Opens the system browser; resolves once signed in. Progress comes as `onSignInWaiting`. */
  connect: (name: string) => call<null>("connection_connect", { name }),
  cancelSignIn: (name: string) => call<null>("signin_cancel", { name }),
  test: (name: string) => call<TestReport>("connection_test", { name }),
  disconnect: (name: string) => call<null>("connection_disconnect", { name }),
  /** Starts the simulated tenant and creates or refreshes the connection "sandbox". */
  startSandbox: () => call<SandboxInfo>("sandbox_start"),
  sandboxInfo: () => call<SandboxInfo | null>("sandbox_info"),
  getSettings: () => call<Settings>("settings_get"),
  setSettings: (settings: Settings) => call<Settings>("settings_set", { settings }),
  /** One page of a connection's stored events, newest first, with the total matching. */
  activityQuery: (name: string, filter: ActivityFilter, page: ActivityPageRequest) =>
    call<ActivityPage>("activity_query", { name, filter, page }),
  /** Syncs the activity log now; progress comes as `onSyncProgress`. */
  activitySync: (name: string) => call<SyncReport>("activity_sync", { name }),
  /** Asks where to save, then writes the matching events; null when the person cancels. */
  activityExport: (name: string, filter: ActivityFilter, format: ExportFormat) =>
    call<Exported | null>("activity_export", { name, filter, format }),
  onSyncProgress: (handler: (progress: SyncProgress) => void): Promise<UnlistenFn> =>
    listen<SyncProgress>("sync-progress", (event) => handler(event.payload)),
  onStatus: (handler: (all: Record<string, ConnectionState>) => void): Promise<UnlistenFn> =>
    listen<Record<string, ConnectionState>>("status-changed", (event) => handler(event.payload)),
  onSignInWaiting: (handler: (waiting: SignInWaiting) => void): Promise<UnlistenFn> =>
    listen<SignInWaiting>("signin-waiting", (event) => handler(event.payload)),
  onSandboxChanged: (handler: (info: SandboxInfo) => void): Promise<UnlistenFn> =>
    listen<SandboxInfo>("sandbox-changed", (event) => handler(event.payload)),
  /** The tray asked to show one connection (or the list, with null). */
  onNavigate: (handler: (name: string | null) => void): Promise<UnlistenFn> =>
    listen<string | null>("navigate", (event) => handler(event.payload)),
};

export type Api = typeof api;

const STATUS_LABELS: Record<StatusState, string> = {
  not_configured: "Not configured",
  signing_in: "Signing in",
  connected: "Connected",
  syncing: "Syncing",
  degraded: "Degraded",
  sign_in_required: "Sign-in required",
  offline: "Offline",
};

/** The same words the tray and `wdconnect status` use for a status. */
export function statusLabel(status: Status): string {
  const label = STATUS_LABELS[status.state];
  return "reason" in status ? `${label}: ${status.reason}` : label;
}
