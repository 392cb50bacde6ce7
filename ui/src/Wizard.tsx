// The setup wizard: one step a screen, Back/Next keep every value (all held by `wizardReducer`).
// Prerequisites -> tenant settings -> Register API Client -> details (checked as typed) -> sign in
// -> test.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useReducer, useRef, useState } from "preact/hooks";
import type { Api, Connection, Finding, Guide, Problem, TestReport } from "./api";
import { toProblem } from "./api";
import { CopyButton, Icon, ProblemView, SimBadge, useFocus } from "./components";
import { SignInPanel } from "./SignIn";
import { TestPanel } from "./TestPanel";
import {
  STEPS,
  initialState,
  parsePort,
  recognised,
  toInput,
  wizardReducer,
  type FormValues,
  type StepId,
  type TextField,
} from "./wizardState";

/** How long typing must pause before the values are checked. */
export const CHECK_DELAY_MS = 250;

/** The tasks to search for in Workday, with copy buttons. */
export const SECURITY_TASKS = [
  "Maintain Permissions for Security Group",
  "Activate Pending Security Policy Changes",
];

type FieldKey = TextField | "secret";

/** The value fields of the Details step, labelled exactly as Workday's "View API Clients". */
const VALUE_FIELDS: ReadonlyArray<{ key: FieldKey; label: string; finding: string; hint?: string }> = [
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
const FINDING_INPUT: Record<string, FieldKey> = {
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

const ADVANCED: ReadonlySet<FieldKey> = new Set(["redirect_port"]);

function inputId(key: FieldKey): string {
  return `field-${key}`;
}

/** Checks the UI makes itself: the secret (never sent to be checked) and the port's shape. */
export function localFindings(form: FormValues, secret: string, editing: boolean): Finding[] {
  const out: Finding[] = [];
  if (secret === "" && !editing) {
    out.push({
      field: "client_secret",
      severity: "error",
      code: "client_secret.empty",
      message: "Enter the Client Secret.",
      fix: 'Copy it from "View API Clients" (Workday shows it once; if it is lost, "Generate New API Client Secret" and paste the new one).',
    });
  } else if (secret !== "" && secret.trim() === form.client_id.trim()) {
    out.push({
      field: "client_secret",
      severity: "error",
      code: "client_secret.same_as_id",
      message: "The Client Secret is the same as the Client ID.",
      fix: 'Paste the Client Secret from "View API Clients" here, not the Client ID.',
    });
  }
  if (parsePort(form.redirect_port) === null) {
    out.push({
      field: "redirect_port",
      severity: "error",
      code: "settings.redirect_port_invalid",
      message: "The redirect port must be a whole number from 1 to 65535.",
      fix: "Enter a port from 1024 to 65535 that nothing else uses, e.g. 8413.",
    });
  }
  return out;
}

export interface WizardProps {
  api: Api;
  start: StepId;
  /** The saved connection being edited or signed in, if any. */
  connection: Connection | undefined;
  /** The current state of every connection (to follow the saved one). */
  connections: Connection[];
  appVersion: string;
  reports: Record<string, TestReport>;
  onSaved: (name: string) => void;
  onReport: (report: TestReport) => void;
  onClose: (name: string | null) => void;
}

export function Wizard(props: WizardProps) {
  const { api } = props;
  const [state, dispatch] = useReducer(wizardReducer, undefined, () =>
    initialState(props.start, props.connection),
  );
  const step = STEPS[state.step] ?? STEPS[0];
  const editing = state.saved !== null;
  const connection = props.connections.find((c) => c.name === state.saved) ?? props.connection;

  const title = useRef<HTMLHeadingElement>(null);
  useFocus(title, state.step);

  // The guide, for this connection's redirect port and host form.
  const port = parsePort(state.form.redirect_port);
  const host = state.form.redirect_host;
  const [guide, setGuide] = useState<{ guide: Guide; port: number; host: string } | null>(null);
  const [guideProblem, setGuideProblem] = useState<Problem | null>(null);
  useEffect(() => {
    if (port === null) return;
    let current = true;
    const timer = window.setTimeout(() => {
      api.guide(port, host).then(
        (g) => {
          if (!current) return;
          setGuide({ guide: g, port, host });
          setGuideProblem(null);
        },
        (error: unknown) => {
          if (current) setGuideProblem(toProblem(error));
        },
      );
    }, guide === null ? 0 : CHECK_DELAY_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
    // `guide` only chooses the first delay: refetch on the port and host alone.
  }, [api, port, host]);
  const guideCurrent = guide !== null && guide.port === port && guide.host === host;

  // Findings for the Details step, checked as typed (debounced); stale answers are dropped.
  const [findings, setFindings] = useState<Finding[]>([]);
  // The input those findings were computed for: a finding about a field edited since is stale.
  const [checkedJson, setCheckedJson] = useState<string | null>(null);
  const [checkProblem, setCheckProblem] = useState<Problem | null>(null);
  const [touched, setTouched] = useState<ReadonlySet<FieldKey>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const seq = useRef(0);
  const inputJson = JSON.stringify(toInput(state.form));
  const onDetails = step.id === "details";

  const check = useCallback(
    async (json: string): Promise<Finding[] | null> => {
      const mine = ++seq.current;
      try {
        const result = await api.checkValues(JSON.parse(json) as ReturnType<typeof toInput>);
        if (mine !== seq.current) return null;
        setFindings(result);
        setCheckedJson(json);
        setCheckProblem(null);
        return result;
      } catch (error) {
        if (mine === seq.current) setCheckProblem(toProblem(error));
        return null;
      }
    },
    [api],
  );

  useEffect(() => {
    if (!onDetails) return;
    const timer = window.setTimeout(() => void check(inputJson), CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [inputJson, onDetails, check]);

  const [saving, setSaving] = useState(false);
  const [saveProblem, setSaveProblem] = useState<Problem | null>(null);
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [pasteNote, setPasteNote] = useState("");

  const local = localFindings(state.form, state.secret, editing);
  // Hide a field's findings from the moment it changes until the next answer, so an old "is
  // empty" does not flash under a field the user is typing into.
  const checkedInput = checkedJson === null ? null : (JSON.parse(checkedJson) as Record<string, unknown>);
  const currentInput = JSON.parse(inputJson) as Record<string, unknown>;
  const fresh = (f: Finding) => {
    const key = FINDING_INPUT[f.field];
    return checkedInput === null || key === undefined || !(key in currentInput) || checkedInput[key] === currentInput[key];
  };
  const shellFindings = findings.filter(
    (f) => fresh(f) && !(f.field === "redirect_port" && local.some((l) => l.field === "redirect_port")),
  );
  const all = [...local, ...shellFindings];
  const visible = (f: Finding) => {
    const key = FINDING_INPUT[f.field];
    return showAll || key === undefined || touched.has(key);
  };
  const visibleErrors = all.filter((f) => f.severity === "error" && visible(f));

  const touch = (key: FieldKey) =>
    setTouched((t) => (t.has(key) ? t : new Set([...t, key])));

  const focusFirstError = (list: Finding[]) => {
    const keys = new Set(list.filter((f) => f.severity === "error").map((f) => FINDING_INPUT[f.field]));
    const key = FIELD_ORDER.find((k) => keys.has(k));
    if (key === undefined) return;
    if (ADVANCED.has(key)) setAdvancedOpen(true);
    window.setTimeout(() => document.getElementById(inputId(key))?.focus(), 0);
  };

  const submitDetails = async () => {
    setShowAll(true);
    setSaveProblem(null);
    const checked = (await check(inputJson)) ?? findings;
    const errors = [...localFindings(state.form, state.secret, editing), ...checked].filter(
      (f) => f.severity === "error",
    );
    if (errors.length > 0) {
      focusFirstError(errors);
      return;
    }
    setSaving(true);
    const input = toInput(state.form);
    try {
      const result =
        state.saved === null
          ? await api.addConnection(input, state.secret)
          : await api.editConnection(state.saved, input, state.secret === "" ? null : state.secret);
      dispatch({ type: "saved", name: input.name });
      setWarnings(result.warnings);
      setShowAll(false);
      setTouched(new Set());
      props.onSaved(input.name);
    } catch (error) {
      setSaveProblem(toProblem(error));
    } finally {
      setSaving(false);
    }
  };

  const next = () => {
    if (saving) return;
    switch (step.id) {
      case "details":
        void submitDetails();
        return;
      case "test":
        props.onClose(state.saved);
        return;
      default:
        dispatch({ type: "next" });
    }
  };

  const paste = async (key: FieldKey, text: string, value: string, start: number, end: number) => {
    let values = null;
    try {
      values = await api.parsePaste(text);
    } catch {
      values = null;
    }
    const labels = values ? recognised(values) : [];
    if (values && labels.length >= 2) {
      dispatch({ type: "pasted", values });
      setTouched((t) => {
        const n = new Set(t);
        for (const f of VALUE_FIELDS) n.add(f.key);
        return n;
      });
      setPasteNote(`Filled ${labels.length} values from the pasted text: ${labels.join(", ")}.`);
      return;
    }
    const single = text.replace(/[\r\n]+/g, " ").trim();
    const merged = value.slice(0, start) + single + value.slice(end);
    if (key === "secret") dispatch({ type: "secret", value: merged });
    else dispatch({ type: "set", field: key, value: merged });
    touch(key);
    setPasteNote("");
  };

  const onPaste = (key: FieldKey) => (e: ClipboardEvent) => {
    const text = e.clipboardData?.getData("text") ?? "";
    if (text === "") return;
    e.preventDefault();
    const el = e.currentTarget as HTMLInputElement;
    const start = el.selectionStart ?? el.value.length;
    const end = el.selectionEnd ?? start;
    void paste(key, text, el.value, start, end);
  };

  const [advancedOpen, setAdvancedOpen] = useState(false);

  const field = (key: FieldKey, label: string, opts: { hint?: string; type?: string } = {}) => {
    const id = inputId(key);
    const mine = all.filter((f) => FINDING_INPUT[f.field] === key && visible(f));
    const value = key === "secret" ? state.secret : state.form[key];
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
          onBlur={() => touch(key)}
          onPaste={key === "redirect_port" ? undefined : onPaste(key)}
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

  const otherFindings = all.filter((f) => FINDING_INPUT[f.field] === undefined);
  const guideData = guide?.guide;

  let body: ComponentChildren;
  switch (step.id) {
    case "prerequisites":
      body = (
        <Prerequisites
          guide={guideData}
          problem={guideProblem}
          done={state.done}
          onToggle={(key) => dispatch({ type: "toggleDone", key })}
        />
      );
      break;
    case "tenant":
      body = <TenantSettings guide={guideData} problem={guideProblem} />;
      break;
    case "register":
      body = <Register guide={guideCurrent ? guideData : undefined} problem={guideProblem} port={port} />;
      break;
    case "details":
      body = (
        <div class="details">
          <p>
            Copy the values from Workday's <strong>View API Clients</strong> page. Tip: select the whole
            client on that page, copy, and paste it into any field below: every value it recognises is
            filled in.
          </p>
          <p role="status" class="paste-note">
            {pasteNote}
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
          <details
            class="advanced"
            open={advancedOpen}
            onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
          >
            <summary>Advanced options</summary>
            {field("redirect_port", "Redirect port", {
              type: "text",
              hint: "The loopback port Workday sends you back to; register the matching Redirection URI.",
            })}
            <fieldset>
              <legend>Redirection URI host</legend>
              <label class="choice">
                <input
                  type="radio"
                  name="redirect_host"
                  checked={state.form.redirect_host === "ipv4_literal"}
                  onChange={() => dispatch({ type: "setOption", patch: { redirect_host: "ipv4_literal" } })}
                />
                127.0.0.1 (recommended)
              </label>
              <label class="choice">
                <input
                  type="radio"
                  name="redirect_host"
                  checked={state.form.redirect_host === "localhost"}
                  onChange={() => dispatch({ type: "setOption", patch: { redirect_host: "localhost" } })}
                />
                localhost
              </label>
            </fieldset>
            <label class="choice">
              <input
                type="checkbox"
                checked={state.form.pkce}
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
                  checked={state.form.client_auth === "basic"}
                  onChange={() => dispatch({ type: "setOption", patch: { client_auth: "basic" } })}
                />
                HTTP Basic (default)
              </label>
              <label class="choice">
                <input
                  type="radio"
                  name="client_auth"
                  checked={state.form.client_auth === "body"}
                  onChange={() => dispatch({ type: "setOption", patch: { client_auth: "body" } })}
                />
                In the request body
              </label>
            </fieldset>
            <label class="choice">
              <input
                type="checkbox"
                checked={state.form.sso}
                onChange={(e) => dispatch({ type: "setOption", patch: { sso: e.currentTarget.checked } })}
              />
              The tenant signs in through SAML SSO (adds redirect=n to the sign-in link)
            </label>
          </details>
          {otherFindings.length > 0 && (
            <ul class="findings general">
              {otherFindings.map((f, i) => (
                <FindingItem key={`${f.code}-${i}`} finding={f} />
              ))}
            </ul>
          )}
          {checkProblem && <ProblemView problem={checkProblem} title="The values could not be checked" />}
          {saveProblem && <ProblemView problem={saveProblem} title="Not saved" />}
        </div>
      );
      break;
    case "signin":
      body = state.saved ? (
        <>
          {warnings.length > 0 && (
            <div class="warnings" role="status">
              <p>Saved, with warnings:</p>
              <ul>
                {warnings.map((w, i) => (
                  <li key={`${w.code}-${i}`}>
                    {w.message} <span class="fix">Fix: {w.fix}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <SignInPanel
            api={api}
            name={state.saved}
            connection={connection}
            onSignedIn={() => props.onSaved(state.saved ?? "")}
          />
        </>
      ) : (
        <p>Save the connection's details first.</p>
      );
      break;
    case "test":
      body = state.saved ? (
        <TestPanel
          api={api}
          name={state.saved}
          connection={connection}
          report={props.reports[state.saved]}
          appVersion={props.appVersion}
          onReport={props.onReport}
        />
      ) : (
        <p>Save the connection's details first.</p>
      );
      break;
  }

  const nextLabel =
    step.id === "details" ? (saving ? "Saving…" : "Save and continue") : step.id === "test" ? "Finish" : "Next";
  const blocked = step.id === "details" && (visibleErrors.length > 0 || saving);

  return (
    <section class="screen wizard" aria-labelledby="wizard-step-title">
      <header class="wizard-head">
        <p class="eyebrow">
          {state.saved ? `Connection “${state.saved}”` : "New connection"}
          {connection?.simulated && <SimBadge />}
        </p>
        <ol class="stepper" aria-label="Setup steps">
          {STEPS.map((s, i) => (
            <li
              key={s.id}
              class={i === state.step ? "current" : i < state.step ? "done" : ""}
              aria-current={i === state.step ? "step" : undefined}
            >
              <span class="num" aria-hidden="true">
                {i + 1}
              </span>
              {s.title}
            </li>
          ))}
        </ol>
      </header>
      <form
        class="card"
        id="wizard-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          next();
        }}
      >
        <p class="step-count">
          Step {state.step + 1} of {STEPS.length}
        </p>
        <h2 id="wizard-step-title" tabIndex={-1} ref={title}>
          {step.title}
        </h2>
        {body}
        <div class="wizard-nav">
          <button type="button" class="link" onClick={() => props.onClose(state.saved)}>
            Close setup
          </button>
          <span class="spacer" />
          {state.step > 0 && (
            <button type="button" id="wizard-back" onClick={() => dispatch({ type: "back" })}>
              Back
            </button>
          )}
          <button
            type="submit"
            id="wizard-next"
            class="primary"
            disabled={blocked}
            aria-describedby={blocked && !saving ? "wizard-blocked" : undefined}
          >
            {nextLabel}
          </button>
        </div>
        {blocked && !saving && (
          <p id="wizard-blocked" class="hint blocked">
            Fix the fields marked Error to continue; warnings do not stop you.
          </p>
        )}
      </form>
    </section>
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

function Loading({ problem }: { problem: Problem | null }) {
  return problem ? (
    <ProblemView problem={problem} title="The guide could not be loaded" />
  ) : (
    <p role="status">Loading the guide…</p>
  );
}

function TaskName({ task }: { task: string }) {
  return (
    <span class="task">
      <span class="task-name">{task}</span>
      <CopyButton text={task} label={`task name ${task}`} />
    </span>
  );
}

function Prerequisites({
  guide,
  problem,
  done,
  onToggle,
}: {
  guide: Guide | undefined;
  problem: Problem | null;
  done: Record<string, boolean>;
  onToggle: (key: string) => void;
}) {
  if (!guide) return <Loading problem={problem} />;
  const signInNotes = guide.notes.filter((n) => /UI sign-in|UI Sessions|Activate Pending/i.test(n));
  return (
    <div>
      <p>
        The Workday account that signs in (and consents) must belong to a security group with these
        domain permissions. Tick each one as you set it.
      </p>
      <div class="table-wrap">
        <table class="checklist">
          <caption>Security group domain permissions</caption>
          <thead>
            <tr>
              <th scope="col">Done</th>
              <th scope="col">Functional area</th>
              <th scope="col">Domain</th>
              <th scope="col">Report/task</th>
              <th scope="col">Integration</th>
              <th scope="col">Needed for</th>
            </tr>
          </thead>
          <tbody>
            {guide.security_group_permissions.map((p) => {
              const key = `perm:${p.domain}`;
              return (
                <tr key={key}>
                  <td>
                    <input
                      type="checkbox"
                      id={`done-${p.domain}`}
                      aria-label={`Done: ${p.domain}`}
                      checked={done[key] ?? false}
                      onChange={() => onToggle(key)}
                    />
                  </td>
                  <td>{p.functional_area}</td>
                  <th scope="row">{p.domain}</th>
                  <td>{p.report_task}</td>
                  <td>{p.integration}</td>
                  <td>{p.needed_for}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>Workday tasks to search for</h3>
      <ol class="tasks">
        {SECURITY_TASKS.map((t) => (
          <li key={t}>
            <TaskName task={t} />
            {t.startsWith("Maintain")
              ? " : add the domain permissions above to the group."
              : " : the changes take effect only after this."}
          </li>
        ))}
      </ol>
      <h3>Why the consenting account needs a UI sign-in</h3>
      <ul class="notes">
        {signInNotes.map((n) => (
          <li key={n}>{n}</li>
        ))}
        <li>
          The sign-in happens in your browser on Workday's own page, so the account must be allowed to
          sign in to Workday's website.
        </li>
      </ul>
    </div>
  );
}

function TenantSettings({ guide, problem }: { guide: Guide | undefined; problem: Problem | null }) {
  if (!guide) return <Loading problem={problem} />;
  return (
    <div>
      <p>Two tenant settings must be on. Search for each task in Workday and tick the setting.</p>
      <div class="table-wrap">
        <table>
          <caption>Tenant settings</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {guide.tenant_settings.map((s) => (
              <tr key={s.setting}>
                <td>
                  <TaskName task={s.task} />
                </td>
                <th scope="row">{s.setting}</th>
                <td>{s.value}</td>
                <td>{s.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Register({
  guide,
  problem,
  port,
}: {
  guide: Guide | undefined;
  problem: Problem | null;
  port: number | null;
}) {
  if (port === null)
    return (
      <p role="alert" class="problem">
        The redirect port (Details, Advanced options) is not a valid port: fix it to see the Redirection URI.
      </p>
    );
  if (!guide) return <Loading problem={problem} />;
  const signInNotes = /UI sign-in|UI Sessions|Activate Pending/i;
  return (
    <div>
      <p>
        In Workday, search for the task <TaskName task="Register API Client" /> (not "…for Integrations")
        and enter these values.
      </p>
      <div class="table-wrap">
        <table class="register">
          <caption>Register API Client</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Value</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {guide.register_api_client.map((f) => (
              <tr key={f.field} class={f.field === "Redirection URI" ? "emphasis" : ""}>
                <th scope="row">{f.field}</th>
                <td>
                  <span class="value-line">
                    <code data-register-field={f.field}>{f.value}</code>
                    <CopyButton text={f.value} label={f.field} />
                  </span>
                </td>
                <td>{f.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="callout">
        <Icon shape="check" />
        <span>
          Recommended: tick <strong>Support Proof Key for Code Exchange (PKCE)</strong> and{" "}
          <strong>Enforce 60 Minute Access Token Expiry</strong>.
        </span>
      </p>
      <h3>Good to know</h3>
      <ul class="notes">
        {guide.notes
          .filter((n) => !signInNotes.test(n))
          .map((n) => (
            <li key={n}>{n}</li>
          ))}
      </ul>
    </div>
  );
}
