// Typed calls into the desktop shell. The UI never reaches Workday or the keyring itself.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

/** The one error model: stable code, one-line message, a fix naming what to change where. */
export interface Problem {
  code: string;
  message: string;
  fix: string;
}

export type Status =
  | { state: "not_configured" | "signing_in" | "connected" | "syncing" }
  | { state: "degraded" | "sign_in_required" | "offline"; reason: string };

export interface AppInfo {
  version: string;
  sandbox_requested: boolean;
  status: Status;
}

/** The sandbox tenant's values, as Workday's "View API Clients" shows them, less the secret. */
export interface SandboxInfo {
  simulated: true;
  tenant: string;
  client_id: string;
  rest_api_endpoint: string;
  token_endpoint: string;
  authorization_endpoint: string;
  redirect_uri: string;
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
  constructor(problem: Problem) {
    super(problem.message);
    this.name = "ProblemError";
    this.code = problem.code;
    this.fix = problem.fix;
  }
}

/** Any rejection as a plain Problem, so every screen shows failures the same way. */
export function toProblem(error: unknown): Problem {
  if (isProblem(error)) return { code: error.code, message: error.message, fix: error.fix };
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
  sandboxInfo: () => call<SandboxInfo | null>("sandbox_info"),
  sandboxStart: () => call<SandboxInfo>("sandbox_start"),
  onSandboxChanged: (handler: (info: SandboxInfo) => void): Promise<UnlistenFn> =>
    listen<SandboxInfo>("sandbox-changed", (event) => handler(event.payload)),
};

const STATUS_LABELS: Record<Status["state"], string> = {
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
