// Typed calls into the desktop shell: the contract between the UI and src-tauri/src/commands.rs.
// The UI never reaches Workday or the keyring itself, and holds a client secret only while the
// person types it.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// The values the shell sends and receives are generated from the Rust types (ui/src/bindings.ts).
import type {
  AlertList,
  AlertsQuery,
  AlertStatus,
  CommandError,
  ConnectionAlert,
  ActivityFilter,
  ActivityInsights,
  ActivityPage,
  ActivityPageRequest,
  AppInfo,
  Connection,
  ConnectionState,
  ExportFormat,
  Exported,
  Finding,
  ForwardView,
  Guide,
  PastedValues,
  ProfileInput,
  RedirectHost,
  SandboxInfo,
  Settings,
  SignInWaiting,
  Status,
  SyncProgress,
  RulesView,
  SyncReport,
  TestReport,
  UserInsights,
} from "./bindings";

export type * from "./bindings";

/** The one error model: stable code, one-line message, a fix naming what to change where; every
 * problem in `details` when there are several (e.g. all invalid fields). */
export type Problem = CommandError;

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
  /** The chart and top lists of the events matching `filter`; buckets on the local clock. */
  activityInsights: (name: string, filter: ActivityFilter, utcOffsetMinutes: number) =>
    call<ActivityInsights>("activity_insights", { name, filter, utcOffsetMinutes }),
  /** The last 30 days of one user. */
  activityUser: (name: string, user: string, utcOffsetMinutes: number) =>
    call<UserInsights>("activity_user", { name, user, utcOffsetMinutes }),
  /** The alerts of one connection, or of every connection with `name` null; newest first. */
  alertsList: (name: string | null, query: AlertsQuery) => call<AlertList>("alerts_list", { name, query }),
  /** Dismisses an alert, or opens it again; resolves to the alert as it now is. */
  alertSetStatus: (name: string, id: number, status: AlertStatus) =>
    call<ConnectionAlert>("alert_set_status", { name, id, status }),
  /** The rules in force (with the connection's learning period when `name` is given). */
  rulesList: (name: string | null) => call<RulesView>("rules_list", { name }),
  /** Where the connection forwards its events and alerts, and how far delivery is. */
  forwardList: (name: string) => call<ForwardView[]>("forward_list", { name }),
  /** Sends one test event to a destination; rejects with what to fix when it is refused. */
  forwardTest: (name: string, destination: string) => call<ForwardView>("forward_test", { name, destination }),
  /** Tells the shell which screen shows (a URL fragment, see route.ts): a window built again on
   * Open starts there. */
  saveRoute: (route: string) => call<null>("route_save", { route }),
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

/** The same words the tray and `wdconnect status` use for a status: Rust sends them. */
export function statusLabel(status: Status): string {
  return "reason" in status ? `${status.label}: ${status.reason}` : status.label;
}
