// The setup wizard: one step a screen, Back/Next keep every value (all held by `wizardReducer`).
// Prerequisites -> tenant settings -> Register API Client -> details (checked as typed) -> sign in
// -> test. The guide, the value checks and the paste fill are hooks under `wizard/`.
import type { ComponentChildren } from "preact";
import { useReducer, useRef, useState } from "preact/hooks";
import type { Api, Connection, Problem, TestReport } from "./api";
import { toProblem } from "./api";
import { SimBadge, useFocus } from "./components";
import { SignInPanel } from "./SignIn";
import { TestPanel } from "./TestPanel";
import { DetailsStep } from "./wizard/DetailsStep";
import { SaveWarnings, Stepper } from "./wizard/parts";
import { firstErrorField, inputId } from "./wizard/fields";
import { Prerequisites, Register, TenantSettings } from "./wizard/GuideSteps";
import { useGuide } from "./wizard/useGuide";
import { usePasteFill } from "./wizard/usePasteFill";
import { useValueChecks } from "./wizard/useValueChecks";
import { STEPS, initialState, parsePort, toInput, wizardReducer, type StepId } from "./wizardState";

export { SECURITY_TASKS } from "./wizard/GuideSteps";
export { CHECK_DELAY_MS, localFindings } from "./wizard/useValueChecks";

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

  const port = parsePort(state.form.redirect_port);
  const guide = useGuide(api, port, state.form.redirect_host);
  const checks = useValueChecks(api, state.form, state.secret, editing, step.id === "details");
  const paste = usePasteFill(api, dispatch, checks.touch);

  const [saving, setSaving] = useState(false);
  const [saveProblem, setSaveProblem] = useState<Problem | null>(null);
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [advancedOpen, setAdvancedOpen] = useState(false);

  const submitDetails = async () => {
    setSaveProblem(null);
    const errors = await checks.checkAll();
    const first = firstErrorField(errors);
    if (first !== undefined) {
      if (first.advanced) setAdvancedOpen(true);
      window.setTimeout(() => document.getElementById(inputId(first.key))?.focus(), 0);
    }
    if (errors.length > 0) return;
    setSaving(true);
    const input = toInput(state.form);
    try {
      const result =
        state.saved === null
          ? await api.addConnection(input, state.secret)
          : await api.editConnection(state.saved, input, state.secret === "" ? null : state.secret);
      dispatch({ type: "saved", name: input.name });
      setWarnings(result.warnings);
      checks.reset();
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

  let body: ComponentChildren;
  switch (step.id) {
    case "prerequisites":
      body = (
        <Prerequisites
          guide={guide.guide}
          problem={guide.problem}
          done={state.done}
          onToggle={(key) => dispatch({ type: "toggleDone", key })}
        />
      );
      break;
    case "tenant":
      body = <TenantSettings guide={guide.guide} problem={guide.problem} />;
      break;
    case "register":
      body = <Register guide={guide.current ? guide.guide : undefined} problem={guide.problem} port={port} />;
      break;
    case "details":
      body = (
        <DetailsStep
          form={state.form}
          secret={state.secret}
          editing={editing}
          dispatch={dispatch}
          checks={checks}
          paste={paste}
          saveProblem={saveProblem}
          advancedOpen={advancedOpen}
          onAdvancedToggle={setAdvancedOpen}
        />
      );
      break;
    case "signin":
      body = state.saved ? (
        <>
          <SaveWarnings warnings={warnings} />
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
  const blocked = step.id === "details" && (checks.visibleErrors.length > 0 || saving);

  return (
    <section class="screen wizard" aria-labelledby="wizard-step-title">
      <header class="wizard-head">
        <p class="eyebrow">
          {state.saved ? `Connection “${state.saved}”` : "New connection"}
          {connection?.simulated && <SimBadge />}
        </p>
        <Stepper current={state.step} />
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
