// The wizard's Details step: the connection's name, the five values from "View API Clients" and
// the advanced options, each field with its findings from the value checks.
import type { ComponentChildren } from "preact";
import type { Finding, Problem } from "../api";
import { Icon, ProblemView } from "../components";
import type { FormValues, WizardAction } from "../wizardState";
import { FINDING_INPUT, inputId, VALUE_FIELDS, type FieldKey } from "./fields";
import type { PasteFill } from "./usePasteFill";
import type { ValueChecks } from "./useValueChecks";

export interface DetailsStepProps {
  form: FormValues;
  secret: string;
  /** A saved connection: a blank secret keeps the stored one. */
  editing: boolean;
  dispatch: (action: WizardAction) => void;
  checks: ValueChecks;
  paste: PasteFill;
  saveProblem: Problem | null;
  /** Whether "Advanced options" is open (the wizard opens it to show an error there). */
  advancedOpen: boolean;
  onAdvancedToggle: (open: boolean) => void;
}

export function DetailsStep({
  form,
  secret,
  editing,
  dispatch,
  checks,
  paste,
  saveProblem,
  advancedOpen,
  onAdvancedToggle,
}: DetailsStepProps) {
  const field = (key: FieldKey, label: string, opts: { hint?: string; type?: string } = {}) => {
    const id = inputId(key);
    const mine = checks.all.filter((f) => FINDING_INPUT[f.field] === key && checks.visible(f));
    const value = key === "secret" ? secret : form[key];
    const hasError = mine.some((f) => f.severity === "error");
    const describedBy = [opts.hint ? `${id}-hint` : "", mine.length ? `${id}-findings` : ""]
      .filter(Boolean)
      .join(" ");
    return (
      <div class={`field ${hasError ? "has-error" : ""}`} data-field={key}>
        <label for={id}>{label}</label>
        <input
          id={id}
          name={key}
          type={opts.type ?? "text"}
          value={value}
          autocomplete="off"
          spellcheck={false}
          aria-invalid={hasError ? "true" : undefined}
          aria-describedby={describedBy || undefined}
          onInput={(e) => {
            const v = e.currentTarget.value;
            if (key === "secret") dispatch({ type: "secret", value: v });
            else dispatch({ type: "set", field: key, value: v });
          }}
          onBlur={() => checks.touch(key)}
          onPaste={key === "redirect_port" ? undefined : paste.onPaste(key)}
        />
        {opts.hint && (
          <p class="hint" id={`${id}-hint`}>
            {opts.hint}
          </p>
        )}
        {mine.length > 0 && (
          <ul class="findings" id={`${id}-findings`}>
            {mine.map((f, i) => (
              <FindingItem key={`${f.code}-${i}`} finding={f} />
            ))}
          </ul>
        )}
      </div>
    );
  };

  const otherFindings = checks.all.filter((f) => FINDING_INPUT[f.field] === undefined);

  return (
    <div class="details">
      <p>
        Copy the values from Workday's <strong>View API Clients</strong> page. Tip: select the whole
        client on that page, copy, and paste it into any field below: every value it recognises is
        filled in.
      </p>
      <p role="status" class="paste-note">
        {paste.note}
      </p>
      {field("name", "Connection name", {
        hint: "Your name for this connection, e.g. the tenant: letters, digits, spaces, - _ .",
      })}
      {VALUE_FIELDS.map((f) =>
        f.key === "secret" ? (
          <div key={f.key}>
            {field("secret", "Client Secret", {
              type: "password",
              hint: editing
                ? "Leave blank to keep the stored secret."
                : "Stored in this computer's credential store, never shown again.",
            })}
          </div>
        ) : (
          <div key={f.key}>{field(f.key, f.label, f.hint ? { hint: f.hint } : {})}</div>
        ),
      )}
      <AdvancedOptions form={form} dispatch={dispatch} open={advancedOpen} onToggle={onAdvancedToggle}>
        {field("redirect_port", "Redirect port", {
          type: "text",
          hint: "The loopback port Workday sends you back to; register the matching Redirection URI.",
        })}
      </AdvancedOptions>
      {otherFindings.length > 0 && (
        <ul class="findings general">
          {otherFindings.map((f, i) => (
            <FindingItem key={`${f.code}-${i}`} finding={f} />
          ))}
        </ul>
      )}
      {checks.problem && <ProblemView problem={checks.problem} title="The values could not be checked" />}
      {saveProblem && <ProblemView problem={saveProblem} title="Not saved" />}
    </div>
  );
}

function FindingItem({ finding }: { finding: Finding }) {
  const error = finding.severity === "error";
  return (
    <li class={`finding ${finding.severity}`} data-severity={finding.severity} data-code={finding.code}>
      <Icon shape={error ? "cross" : "warn"} />
      <span>
        <strong>{error ? "Error:" : "Warning:"}</strong> {finding.message}{" "}
        <span class="fix">Fix: {finding.fix}</span>
      </span>
    </li>
  );
}

/** The options most connections keep at their defaults, behind a disclosure. */
function AdvancedOptions({
  form,
  dispatch,
  open,
  onToggle,
  children,
}: {
  form: FormValues;
  dispatch: (action: WizardAction) => void;
  open: boolean;
  onToggle: (open: boolean) => void;
  /** The redirect port's field. */
  children: ComponentChildren;
}) {
  return (
    <details
      class="advanced"
      open={open}
      onToggle={(e) => onToggle(e.currentTarget.open)}
    >
      <summary>Advanced options</summary>
      {children}
      <fieldset>
        <legend>Redirection URI host</legend>
        <label class="choice">
          <input
            type="radio"
            name="redirect_host"
            checked={form.redirect_host === "ipv4_literal"}
            onChange={() => dispatch({ type: "setOption", patch: { redirect_host: "ipv4_literal" } })}
          />
          127.0.0.1 (recommended)
        </label>
        <label class="choice">
          <input
            type="radio"
            name="redirect_host"
            checked={form.redirect_host === "localhost"}
            onChange={() => dispatch({ type: "setOption", patch: { redirect_host: "localhost" } })}
          />
          localhost
        </label>
      </fieldset>
      <label class="choice">
        <input
          type="checkbox"
          checked={form.pkce}
          onChange={(e) => dispatch({ type: "setOption", patch: { pkce: e.currentTarget.checked } })}
        />
        Use PKCE (tick "Support Proof Key for Code Exchange" in Workday too)
      </label>
      <fieldset>
        <legend>Client authentication</legend>
        <label class="choice">
          <input
            type="radio"
            name="client_auth"
            checked={form.client_auth === "basic"}
            onChange={() => dispatch({ type: "setOption", patch: { client_auth: "basic" } })}
          />
          HTTP Basic (default)
        </label>
        <label class="choice">
          <input
            type="radio"
            name="client_auth"
            checked={form.client_auth === "body"}
            onChange={() => dispatch({ type: "setOption", patch: { client_auth: "body" } })}
          />
          In the request body
        </label>
      </fieldset>
      <label class="choice">
        <input
          type="checkbox"
          checked={form.sso}
          onChange={(e) => dispatch({ type: "setOption", patch: { sso: e.currentTarget.checked } })}
        />
        The tenant signs in through SAML SSO (adds redirect=n to the sign-in link)
      </label>
    </details>
  );
}
