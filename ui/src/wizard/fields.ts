// The inputs of the wizard's Details step and how a finding from a value check maps onto them.
import type { Finding } from "../api";
import type { TextField } from "../wizardState";

export type FieldKey = TextField | "secret";

/** The value fields of the Details step, labelled exactly as Workday's "View API Clients". */
export const VALUE_FIELDS: ReadonlyArray<{ key: FieldKey; label: string; finding: string; hint?: string }> = [
  { key: "client_id", label: "Client ID", finding: "client_id" },
  { key: "secret", label: "Client Secret", finding: "client_secret" },
  {
    key: "rest_api_endpoint",
    label: "Workday REST API Endpoint",
    finding: "rest_api",
    hint: "https://{services-host}/ccx/api/v1/{tenant}",
  },
  {
    key: "token_endpoint",
    label: "Token Endpoint",
    finding: "token",
    hint: "https://{services-host}/ccx/oauth2/{tenant}/token",
  },
  {
    key: "authorization_endpoint",
    label: "Authorization Endpoint",
    finding: "authorization",
    hint: "https://{website-host}/{tenant}/authorize",
  },
];

/** Finding field -> the input it is shown next to. */
export const FINDING_INPUT: Record<string, FieldKey> = {
  name: "name",
  client_id: "client_id",
  client_secret: "secret",
  rest_api: "rest_api_endpoint",
  token: "token_endpoint",
  authorization: "authorization_endpoint",
  redirect_port: "redirect_port",
};

/** The fields in screen order, to focus the first one in error. */
const FIELD_ORDER: readonly FieldKey[] = [
  "name",
  "client_id",
  "secret",
  "rest_api_endpoint",
  "token_endpoint",
  "authorization_endpoint",
  "redirect_port",
];

/** Fields inside the "Advanced options" disclosure (opened to show an error there). */
const ADVANCED: ReadonlySet<FieldKey> = new Set(["redirect_port"]);

export function inputId(key: FieldKey): string {
  return `field-${key}`;
}

/** The first field in screen order with an error, and whether it sits under Advanced options. */
export function firstErrorField(list: Finding[]): { key: FieldKey; advanced: boolean } | undefined {
  const keys = new Set(list.filter((f) => f.severity === "error").map((f) => FINDING_INPUT[f.field]));
  const key = FIELD_ORDER.find((k) => keys.has(k));
  return key === undefined ? undefined : { key, advanced: ADVANCED.has(key) };
}
