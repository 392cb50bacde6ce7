// The setup wizard's state, in one place: the step, every value typed, and the client secret
// (held only here, only until it is submitted). Pure, so Back/Next and the secret's life are tested
// without a screen.
import type { ClientAuth, Connection, PastedValues, ProfileInput, RedirectHost } from "./api";

export const STEPS = [
  { id: "prerequisites", title: "Prerequisites" },
  { id: "tenant", title: "Tenant settings" },
  { id: "register", title: "Register API Client" },
  { id: "details", title: "Details" },
  { id: "signin", title: "Sign in" },
  { id: "test", title: "Test" },
] as const;

export type StepId = (typeof STEPS)[number]["id"];

export const DEFAULT_REDIRECT_PORT = 8413;

/** The values as typed: the port stays text until it is sent. */
export interface FormValues {
  name: string;
  client_id: string;
  rest_api_endpoint: string;
  token_endpoint: string;
  authorization_endpoint: string;
  redirect_port: string;
  redirect_host: RedirectHost;
  pkce: boolean;
  client_auth: ClientAuth;
  sso: boolean;
}

export type TextField =
  | "name"
  | "client_id"
  | "rest_api_endpoint"
  | "token_endpoint"
  | "authorization_endpoint"
  | "redirect_port";

export interface WizardState {
  step: number;
  form: FormValues;
  /** Typed by the person; emptied the moment the shell has it. */
  secret: string;
  /** The saved connection's name (edit mode), or null while it is a new one. */
  saved: string | null;
  /** The prerequisites ticked so far (a checklist for the person, not sent anywhere). */
  done: Record<string, boolean>;
}

export type WizardAction =
  | { type: "next" }
  | { type: "back" }
  | { type: "goto"; step: StepId }
  | { type: "set"; field: TextField; value: string }
  | { type: "setOption"; patch: Partial<Pick<FormValues, "redirect_host" | "pkce" | "client_auth" | "sso">> }
  | { type: "secret"; value: string }
  | { type: "pasted"; values: PastedValues }
  | { type: "toggleDone"; key: string }
  | { type: "saved"; name: string };

export function emptyForm(): FormValues {
  return {
    name: "",
    client_id: "",
    rest_api_endpoint: "",
    token_endpoint: "",
    authorization_endpoint: "",
    redirect_port: String(DEFAULT_REDIRECT_PORT),
    redirect_host: "ipv4_literal",
    pkce: true,
    client_auth: "basic",
    sso: false,
  };
}

export function formFromConnection(c: Connection): FormValues {
  return {
    name: c.name,
    client_id: c.client_id,
    rest_api_endpoint: c.rest_api_endpoint,
    token_endpoint: c.token_endpoint,
    authorization_endpoint: c.authorization_endpoint,
    redirect_port: String(c.redirect_port),
    redirect_host: c.redirect_host,
    pkce: c.pkce,
    client_auth: c.client_auth,
    sso: c.sso,
  };
}

export function stepIndex(id: StepId): number {
  return STEPS.findIndex((s) => s.id === id);
}

export function initialState(start: StepId, connection?: Connection): WizardState {
  return {
    step: stepIndex(start),
    form: connection ? formFromConnection(connection) : emptyForm(),
    secret: "",
    saved: connection ? connection.name : null,
    done: {},
  };
}

/** The port as a number, or null when it is not a whole number from 1 to 65535. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const port = Number(text.trim());
  return port >= 1 && port <= 65535 ? port : null;
}

/** What the shell checks and stores: never the secret. Unparsable ports go as 0 (refused). */
export function toInput(form: FormValues): ProfileInput {
  return {
    name: form.name.trim(),
    client_id: form.client_id.trim(),
    rest_api_endpoint: form.rest_api_endpoint.trim(),
    token_endpoint: form.token_endpoint.trim(),
    authorization_endpoint: form.authorization_endpoint.trim(),
    redirect_port: parsePort(form.redirect_port) ?? 0,
    redirect_host: form.redirect_host,
    pkce: form.pkce,
    client_auth: form.client_auth,
    sso: form.sso,
  };
}

/** Which form field each value of the paste parser fills (`secret` is the client secret). */
export const PASTE_FIELDS: ReadonlyArray<[keyof PastedValues, TextField | "secret", string]> = [
  ["client_id", "client_id", "Client ID"],
  ["client_secret", "secret", "Client Secret"],
  ["rest_api", "rest_api_endpoint", "Workday REST API Endpoint"],
  ["token", "token_endpoint", "Token Endpoint"],
  ["authorization", "authorization_endpoint", "Authorization Endpoint"],
];

/** The labels of the values a paste recognised. */
export function recognised(values: PastedValues): string[] {
  return PASTE_FIELDS.filter(([key]) => {
    const v = values[key];
    return typeof v === "string" && v.trim() !== "";
  }).map(([, , label]) => label);
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case "next":
      return { ...state, step: Math.min(state.step + 1, STEPS.length - 1) };
    case "back":
      return { ...state, step: Math.max(state.step - 1, 0) };
    case "goto":
      return { ...state, step: stepIndex(action.step) };
    case "set":
      return { ...state, form: { ...state.form, [action.field]: action.value } };
    case "setOption":
      return { ...state, form: { ...state.form, ...action.patch } };
    case "secret":
      return { ...state, secret: action.value };
    case "pasted": {
      const form = { ...state.form };
      let secret = state.secret;
      for (const [key, field] of PASTE_FIELDS) {
        const value = action.values[key];
        if (typeof value !== "string" || value.trim() === "") continue;
        if (field === "secret") secret = value.trim();
        else form[field] = value.trim();
      }
      return { ...state, form, secret };
    }
    case "toggleDone":
      return { ...state, done: { ...state.done, [action.key]: !state.done[action.key] } };
    case "saved":
      // The shell has the secret now: forget it, and edit from here on.
      return {
        ...state,
        secret: "",
        saved: action.name,
        form: { ...state.form, name: action.name },
        step: stepIndex("signin"),
      };
  }
}
