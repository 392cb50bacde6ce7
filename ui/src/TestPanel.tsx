// The staged connection test: run it, show each step (verdict, HTTP status, what it needs, the fix),
// and copy a redacted diagnosis for a ticket.
import { useState } from "preact/hooks";
import type { Api, Connection, Problem, TestReport } from "./api";
import { toProblem } from "./api";
import { CopyButton, ProblemView, StatusBadge, VerdictBadge } from "./components";
import { diagnosis } from "./format";

export function TestPanel({
  api,
  name,
  connection,
  report,
  appVersion,
  onReport,
  buttonLabel = "Run the test",
  primary = true,
}: {
  api: Api;
  name: string;
  connection: Connection | undefined;
  report: TestReport | undefined;
  appVersion: string;
  onReport: (report: TestReport) => void;
  buttonLabel?: string;
  /** The screen's main action (false where another action comes first, e.g. signing in). */
  primary?: boolean;
}) {
  const [running, setRunning] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const run = async () => {
    setRunning(true);
    setProblem(null);
    try {
      onReport(await api.test(name));
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div class="test-panel">
      <div class="actions">
        <button type="button" id="run-test" class={primary ? "primary" : undefined} onClick={() => void run()} disabled={running}>
          {running ? "Testing…" : buttonLabel}
        </button>
      </div>
      <p role="status" class="pending">
        {running ? "Testing the token, users and activity log…" : ""}
      </p>
      {problem && <ProblemView problem={problem} title="The test could not run" />}
      {report && <TestReportView report={report} connection={connection} appVersion={appVersion} />}
    </div>
  );
}

export function TestReportView({
  report,
  connection,
  appVersion,
}: {
  report: TestReport;
  connection: Connection | undefined;
  appVersion: string;
}) {
  const text = diagnosis(report, connection, appVersion);
  return (
    <section class="report" aria-labelledby="report-title">
      <h3 id="report-title">
        Test {report.passed ? "passed" : "failed"} <StatusBadge status={report.status} />
      </h3>
      <ol class="steps-report">
        {report.steps.map((step) => (
          <li key={step.step} data-step={step.step} data-verdict={step.verdict} class="step-row">
            <div class="step-head">
              <strong>{step.title}</strong>
              <VerdictBadge verdict={step.verdict} />
              {step.http_status !== undefined && <span class="http">HTTP {step.http_status}</span>}
            </div>
            <p class="needs">
              <span class="label-inline">Needs:</span> {step.needs}
            </p>
            {step.detail && <p class="detail">{step.detail}</p>}
            {step.problem && (
              <ProblemView problem={step.problem} role="none" />
            )}
          </li>
        ))}
      </ol>
      <div class="actions">
        <CopyButton text={text} label="diagnosis" id="copy-diagnosis">
          Copy diagnosis
        </CopyButton>
      </div>
      <details class="help">
        <summary>What the diagnosis contains</summary>
        <pre class="diagnosis">{text}</pre>
      </details>
    </section>
  );
}
