// Pieces of the wizard's frame: the stepper and the warnings a save came back with.
import type { Problem } from "../api";
import { STEPS } from "../wizardState";

/** Every step, the current one marked for assistive technology too. */
export function Stepper({ current }: { current: number }) {
  return (
    <ol class="stepper" aria-label="Setup steps">
      {STEPS.map((s, i) => (
        <li
          key={s.id}
          class={i === current ? "current" : i < current ? "done" : ""}
          aria-current={i === current ? "step" : undefined}
        >
          <span class="num" aria-hidden="true">
            {i + 1}
          </span>
          {s.title}
        </li>
      ))}
    </ol>
  );
}

/** Saved, but the connector has warnings (they never stop a save). */
export function SaveWarnings({ warnings }: { warnings: Problem[] }) {
  if (warnings.length === 0) return null;
  return (
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
  );
}
