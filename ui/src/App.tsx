// The app's first screen: what Workday Connector is, the overall status, and the sandbox tenant.
import { useEffect, useState } from "preact/hooks";
import type { api as realApi, AppInfo, Problem, SandboxInfo } from "./api";
import { statusLabel, toProblem } from "./api";

export type Api = typeof realApi;

export function App({ api }: { api: Api }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [sandbox, setSandbox] = useState<SandboxInfo | null>(null);
  const [starting, setStarting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let gone = false;
    const load = async () => {
      try {
        unlisten = await api.onSandboxChanged(setSandbox);
        const [app, current] = await Promise.all([api.appInfo(), api.sandboxInfo()]);
        if (gone) return;
        setInfo(app);
        if (current) setSandbox(current);
        else if (app.sandbox_requested) setStarting(true);
      } catch (error) {
        if (!gone) setProblem(toProblem(error));
      }
    };
    void load();
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [api]);

  useEffect(() => {
    if (sandbox) setStarting(false);
  }, [sandbox]);

  const startSandbox = async () => {
    setProblem(null);
    setStarting(true);
    try {
      setSandbox(await api.sandboxStart());
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setStarting(false);
    }
  };

  return (
    <div class="shell">
      <header class="topbar">
        <h1>Workday Connector</h1>
        {info && (
          <p class="status" role="status" aria-live="polite">
            <span class={`status-dot ${info.status.state}`} aria-hidden="true" />
            {statusLabel(info.status)}
          </p>
        )}
      </header>
      <main>
        {problem && <ProblemView problem={problem} />}
        {sandbox ? (
          <SandboxCard sandbox={sandbox} />
        ) : (
          <section class="card welcome" aria-labelledby="welcome-title">
            <h2 id="welcome-title">Connect a Workday tenant</h2>
            <p>
              Workday Connector registers an API client in your Workday tenant, signs in through your
              browser, keeps the secrets in this computer's credential store, and collects the tenant's
              user-activity log.
            </p>
            <p>Try every step first on the built-in sandbox, a simulated tenant that needs no Workday account.</p>
            <button type="button" class="primary" onClick={() => void startSandbox()} disabled={starting}>
              {starting ? "Starting the sandbox…" : "Try the sandbox"}
            </button>
          </section>
        )}
      </main>
      {info && <footer class="footer">Version {info.version}</footer>}
    </div>
  );
}

function ProblemView({ problem }: { problem: Problem }) {
  return (
    <section class="card problem" role="alert">
      <h2>{problem.message}</h2>
      <p>
        <strong>Fix:</strong> {problem.fix}
      </p>
      <p class="code">
        Error code: <code>{problem.code}</code>
      </p>
    </section>
  );
}

const SANDBOX_FIELDS: Array<[keyof SandboxInfo, string]> = [
  ["client_id", "Client ID"],
  ["rest_api_endpoint", "Workday REST API Endpoint"],
  ["token_endpoint", "Token Endpoint"],
  ["authorization_endpoint", "Authorization Endpoint"],
  ["redirect_uri", "Redirection URI"],
];

function SandboxCard({ sandbox }: { sandbox: SandboxInfo }) {
  return (
    <section class="card sandbox" aria-labelledby="sandbox-title">
      <p class="badge simulated">Simulation</p>
      <h2 id="sandbox-title">Sandbox tenant “{sandbox.tenant}” is running</h2>
      <p>
        A simulated Workday tenant on this computer. It behaves like Workday, with generated users
        and seven days of activity; nothing leaves this machine.
      </p>
      <dl class="values">
        {SANDBOX_FIELDS.map(([key, label]) => (
          <div class="value-row" key={key}>
            <dt>{label}</dt>
            <dd>
              <code>{String(sandbox[key])}</code>
              <CopyButton text={String(sandbox[key])} label={label} />
            </dd>
          </div>
        ))}
      </dl>
      <p class="hint">The client secret stays inside the app; it is never shown here.</p>
    </section>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" class="copy" aria-label={`Copy ${label}`} onClick={() => void copy()}>
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
