// Pure helpers the screens share: the overall status, times, endpoint hosts, and the redacted
// diagnosis a person pastes into a ticket.
import type { Connection, ConnectionState, Status, StatusState, TestReport } from "./api";

/** From best to worst: the top bar shows the worst status of all connections. */
export const STATUS_ORDER: readonly StatusState[] = [
  "connected",
  "syncing",
  "signing_in",
  "not_configured",
  "offline",
  "degraded",
  "sign_in_required",
];

/** The worst of `statuses`; "No connections" when there is none. */
export function worstStatus(statuses: readonly Status[]): Status {
  let worst: Status = { state: "not_configured", label: "No connections" };
  let rank = -1;
  for (const status of statuses) {
    const r = STATUS_ORDER.indexOf(status.state);
    if (r > rank) {
      rank = r;
      worst = status;
    }
  }
  return worst;
}

/** A connection with the runtime state from a status event laid over it. */
export function withState(connection: Connection, state: ConnectionState): Connection {
  const next: Connection = { ...connection, status: state.status };
  delete next.last_success;
  delete next.last_check;
  delete next.last_error;
  if (state.last_success !== undefined) next.last_success = state.last_success;
  if (state.last_check !== undefined) next.last_check = state.last_check;
  if (state.last_error !== undefined) next.last_error = state.last_error;
  return next;
}

/** A timestamp from the shell as the person's locale shows it; the raw text if it is no date. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** `m:ss` for a countdown. */
export function formatCountdown(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The host (and port) of a URL, or a placeholder: never the path or the query. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || "(no host)";
  } catch {
    return "(not a URL)";
  }
}

/** The tenant named in a REST API endpoint (`/ccx/api/v1/{tenant}`) or token endpoint. */
export function tenantOf(restApi: string, token: string): string {
  for (const [url, pattern] of [
    [restApi, /\/ccx\/api\/v\d+\/([^/?#]+)/],
    [token, /\/ccx\/oauth2\/([^/?#]+)\/token/],
  ] as const) {
    try {
      const match = pattern.exec(new URL(url).pathname);
      if (match?.[1]) return decodeURIComponent(match[1]);
    } catch {
      // Not a URL: try the next one.
    }
  }
  return "(unknown)";
}

/** The settings a diagnosis may name: endpoints only by host and tenant, never the client ID. */
export type DiagnosisConnection = Pick<
  Connection,
  | "name"
  | "rest_api_endpoint"
  | "token_endpoint"
  | "authorization_endpoint"
  | "redirect_uri"
  | "pkce"
  | "sso"
  | "client_auth"
  | "simulated"
>;

/**
 * A plain-text summary of a test for a support ticket. Pure, and reads only whitelisted fields:
 * the connection's name, its endpoints' hosts and tenant, its redirect URI and options, each
 * step's name, verdict, HTTP status and problem code, and the app version. Never a client ID,
 * a secret, a message or a detail (which may quote a tenant's data).
 */
export function diagnosis(
  report: TestReport,
  connection: DiagnosisConnection | undefined,
  appVersion: string,
): string {
  const lines = [`Workday Connector ${appVersion}: connection test diagnosis`];
  lines.push(`Connection: ${report.connection}`);
  if (connection) {
    lines.push(
      `Simulated tenant: ${connection.simulated ? "yes (sandbox)" : "no"}`,
      `Tenant: ${tenantOf(connection.rest_api_endpoint, connection.token_endpoint)}`,
      `REST API host: ${hostOf(connection.rest_api_endpoint)}`,
      `Token host: ${hostOf(connection.token_endpoint)}`,
      `Authorization host: ${hostOf(connection.authorization_endpoint)}`,
      `Redirect URI: ${connection.redirect_uri}`,
      `Options: PKCE ${connection.pkce ? "on" : "off"}, SSO ${connection.sso ? "on" : "off"}, client authentication ${connection.client_auth}`,
    );
  }
  lines.push(`Result: ${report.passed ? "passed" : "failed"}; status ${report.status.state}`);
  for (const step of report.steps) {
    const parts = [`- ${step.step}: ${step.verdict}`];
    if (step.http_status !== undefined) parts.push(`HTTP ${step.http_status}`);
    if (step.problem) parts.push(step.problem.code);
    parts.push(`${step.duration_ms} ms`);
    lines.push(parts.join(", "));
  }
  return lines.join("\n");
}
