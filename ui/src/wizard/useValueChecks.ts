// The Details step's value checks: the UI's own (the secret, the port's shape) at once, the
// connector's as typed (debounced, stale answers dropped), each shown once its field was touched
// or a save was tried.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Api, Finding, Problem } from "../api";
import { toProblem } from "../api";
import { parsePort, toInput, type FormValues } from "../wizardState";
import { FINDING_INPUT, type FieldKey } from "./fields";

/** How long typing must pause before the values are checked. */
export const CHECK_DELAY_MS = 250;

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

export interface ValueChecks {
  /** Every current finding: the UI's own, then the connector's that still match the input. */
  all: Finding[];
  /** Whether a finding is shown yet: it has no field, its field was touched, or a save was tried. */
  visible: (f: Finding) => boolean;
  /** The errors shown now (they hold Next back). */
  visibleErrors: Finding[];
  /** Why the connector could not check the values, if it could not. */
  problem: Problem | null;
  /** Marks fields as touched: their findings show from now on. */
  touch: (...keys: FieldKey[]) => void;
  /** Checks at once and shows every finding; resolves to the errors that stop a save. */
  checkAll: () => Promise<Finding[]>;
  /** After a save: back to showing only the findings of fields touched from now on. */
  reset: () => void;
}

/** `active`: the Details step is on screen (values are checked only then). */
export function useValueChecks(
  api: Api,
  form: FormValues,
  secret: string,
  editing: boolean,
  active: boolean,
): ValueChecks {
  const [findings, setFindings] = useState<Finding[]>([]);
  // The input those findings were computed for: a finding about a field edited since is stale.
  const [checkedJson, setCheckedJson] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [touched, setTouched] = useState<ReadonlySet<FieldKey>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const seq = useRef(0);
  const inputJson = JSON.stringify(toInput(form));

  // Only the answer to the latest call counts: an older one that arrives late is dropped.
  const check = useCallback(
    async (json: string): Promise<Finding[] | null> => {
      const mine = ++seq.current;
      try {
        const result = await api.checkValues(JSON.parse(json) as ReturnType<typeof toInput>);
        if (mine !== seq.current) return null;
        setFindings(result);
        setCheckedJson(json);
        setProblem(null);
        return result;
      } catch (error) {
        if (mine === seq.current) setProblem(toProblem(error));
        return null;
      }
    },
    [api],
  );

  useEffect(() => {
    if (!active) return;
    const timer = window.setTimeout(() => void check(inputJson), CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [inputJson, active, check]);

  const local = localFindings(form, secret, editing);
  // Hide a field's findings from the moment it changes until the next answer, so an old "is
  // empty" does not flash under a field the user is typing into.
  const checkedInput = checkedJson === null ? null : (JSON.parse(checkedJson) as Record<string, unknown>);
  const currentInput = JSON.parse(inputJson) as Record<string, unknown>;
  const fresh = (f: Finding) => {
    const key = FINDING_INPUT[f.field];
    return checkedInput === null || key === undefined || !(key in currentInput) || checkedInput[key] === currentInput[key];
  };
  // The UI's port check says it first: the connector's on the same field would repeat it.
  const connectorFindings = findings.filter(
    (f) => fresh(f) && !(f.field === "redirect_port" && local.some((l) => l.field === "redirect_port")),
  );
  const all = [...local, ...connectorFindings];
  const visible = (f: Finding) => {
    const key = FINDING_INPUT[f.field];
    return showAll || key === undefined || touched.has(key);
  };

  const touch = (...keys: FieldKey[]) =>
    setTouched((t) => (keys.every((k) => t.has(k)) ? t : new Set([...t, ...keys])));

  const checkAll = async () => {
    setShowAll(true);
    const checked = (await check(inputJson)) ?? findings;
    return [...local, ...checked].filter((f) => f.severity === "error");
  };

  const reset = () => {
    setShowAll(false);
    setTouched(new Set());
  };

  return {
    all,
    visible,
    visibleErrors: all.filter((f) => f.severity === "error" && visible(f)),
    problem,
    touch,
    checkAll,
    reset,
  };
}
