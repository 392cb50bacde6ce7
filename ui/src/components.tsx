// Small pieces every screen uses: status and verdict badges (icon shape + words, never colour
// alone), problems with their fix, copy buttons, the Simulation badge and the confirmation dialog.
import type { ComponentChildren, RefObject } from "preact";
import type { Inputs } from "preact/hooks";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Problem, Status, StatusState, Verdict } from "./api";
import { statusLabel, toProblem } from "./api";

/** Inline SVG shapes: each status and verdict has its own shape, so no colour is needed. */
const SHAPES: Record<string, ComponentChildren> = {
  check: <path d="M4 10.5l4 4 8-9" />,
  cross: <path d="M5 5l10 10M15 5L5 15" />,
  warn: (
    <>
      <path d="M10 2.5L18 17H2z" />
      <path d="M10 8v4M10 14.5v.5" />
    </>
  ),
  skip: <path d="M4 10h12" />,
  sync: (
    <>
      <path d="M16 7a6.5 6.5 0 0 0-11.5-1M4 13a6.5 6.5 0 0 0 11.5 1" />
      <path d="M4.5 2.5v3.5H8M15.5 17.5V14H12" />
    </>
  ),
  key: (
    <>
      <circle cx="6.5" cy="10" r="3.5" />
      <path d="M10 10h8M15 10v3M17.5 10v2" />
    </>
  ),
  dashed: <circle cx="10" cy="10" r="7" stroke-dasharray="3 3" />,
  offline: (
    <>
      <path d="M2 8.5a11 11 0 0 1 16 0M5 11.5a7 7 0 0 1 10 0M8 14.5a3 3 0 0 1 4 0" />
      <path d="M3 3l14 14" />
    </>
  ),
  lock: (
    <>
      <rect x="4" y="9" width="12" height="8.5" rx="1.5" />
      <path d="M7 9V6.5a3 3 0 0 1 6 0V9M10 12.5v2" />
    </>
  ),
  copy: (
    <>
      <rect x="7" y="7" width="10" height="10" rx="1.5" />
      <path d="M13 4.5V4a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v8a1 1 0 0 0 1 1h.5" />
    </>
  ),
};

export function Icon({ shape, class: cls }: { shape: keyof typeof SHAPES; class?: string }) {
  return (
    <svg
      class={`icon ${cls ?? ""}`}
      viewBox="0 0 20 20"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {SHAPES[shape]}
    </svg>
  );
}

const STATUS_SHAPES: Record<StatusState, keyof typeof SHAPES> = {
  connected: "check",
  syncing: "sync",
  signing_in: "key",
  not_configured: "dashed",
  offline: "offline",
  degraded: "warn",
  sign_in_required: "lock",
};

/** A status as the tray words it, with its shape; `.status` holds the words. */
export function StatusBadge({ status }: { status: Status }) {
  return (
    <span class={`status-badge state-${status.state}`} data-state={status.state}>
      <Icon shape={STATUS_SHAPES[status.state]} />
      <span class="status">{statusLabel(status)}</span>
    </span>
  );
}

const VERDICTS: Record<Verdict, [keyof typeof SHAPES, string]> = {
  pass: ["check", "Passed"],
  warn: ["warn", "Warning"],
  fail: ["cross", "Failed"],
  skipped: ["skip", "Skipped"],
};

export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  const [shape, word] = VERDICTS[verdict];
  return (
    <span class={`verdict verdict-${verdict}`}>
      <Icon shape={shape} />
      <span>{word}</span>
    </span>
  );
}

export function SimBadge() {
  return (
    <span class="badge simulated" title="The built-in simulated tenant: no real Workday data">
      Simulation
    </span>
  );
}

/** A problem: message, the fix in `.fix`, the code, and every detail when there are several. */
export function ProblemView({
  problem,
  title,
  role = "alert",
}: {
  problem: Problem;
  title?: string;
  role?: "alert" | "none";
}) {
  const details = (problem.details ?? []).filter(
    (d, i) => i > 0 || d.code !== problem.code || d.message !== problem.message,
  );
  return (
    <div class="problem" role={role === "alert" ? "alert" : undefined}>
      <p class="problem-message">
        <Icon shape="cross" />
        <strong>{title ? `${title}: ` : ""}</strong>
        {problem.message}
      </p>
      <p class="fix">
        <strong>Fix:</strong> {problem.fix}
      </p>
      {details.length > 0 && (
        <ul class="problem-details">
          {details.map((d, i) => (
            <li key={`${d.code}-${i}`}>
              {d.message} <span class="fix">Fix: {d.fix}</span> <code class="code">{d.code}</code>
            </li>
          ))}
        </ul>
      )}
      <p class="code">
        Error code: <code>{problem.code}</code>
      </p>
    </div>
  );
}

/** Copies `text`; says so in a live region. `label` names what is copied, for screen readers. */
export function CopyButton({
  text,
  label,
  children,
  id,
}: {
  text: string;
  label: string;
  children?: ComponentChildren;
  id?: string;
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState("idle"), 2000);
  };
  return (
    <span class="copy-wrap">
      <button
        type="button"
        class={children ? "copy-text" : "copy"}
        aria-label={children ? undefined : `Copy ${label}`}
        id={id}
        onClick={() => void copy()}
      >
        <Icon shape="copy" />
        {children ?? <span aria-hidden="true">Copy</span>}
      </button>
      <span class="copy-result" role="status">
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text and copy it" : ""}
      </span>
    </span>
  );
}

/** Moves focus to `ref` when `key` changes (and on mount): a new screen announces its heading. */
export function useFocus(ref: RefObject<HTMLElement>, key: unknown) {
  useEffect(() => {
    ref.current?.focus();
  }, [key, ref]);
}

/**
 * Runs `load` whenever `inputs` change and keeps its answer, or the problem it ended with; the
 * answer of a load that was overtaken arrives too late to count. `clear`: drop the previous
 * answer while the next loads (another subject rather than another filter).
 */
export function useLoad<T>(load: () => Promise<T>, inputs: Inputs, clear = false) {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let live = true;
    if (clear) setData(null);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setProblem(null);
      },
      (error: unknown) => {
        if (live) setProblem(toProblem(error));
      },
    );
    return () => {
      live = false;
    };
    // The caller's inputs are what `load` reads.
  }, inputs);
  return { data, problem, setProblem };
}

/**
 * A modal confirmation: focus starts on Cancel, Tab stays inside, Escape cancels, and focus
 * returns to whatever opened it.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  busy = false,
}: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    cancel.current?.focus();
    return () => opener?.focus();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onCancel();
      return;
    }
    if (e.key !== "Tab" || !box.current) return;
    const items = Array.from(box.current.querySelectorAll<HTMLElement>("input:not([disabled]), button:not([disabled])"));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <div class="backdrop">
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="dialog-title"
        aria-describedby="dialog-body"
        ref={box}
        onKeyDown={onKeyDown}
      >
        <h2 id="dialog-title">{title}</h2>
        <div id="dialog-body">{children}</div>
        <div class="actions">
          <button type="button" ref={cancel} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={onConfirm} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
