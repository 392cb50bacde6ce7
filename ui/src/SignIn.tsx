// The sign-in step: opens the system browser through the shell, shows the waiting state (time
// left, the link to copy, Cancel, what to check) and then the outcome.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Api, Connection, Problem, SignInWaiting } from "./api";
import { toProblem } from "./api";
import { CopyButton, Icon, ProblemView } from "./components";
import { formatCountdown } from "./format";

type Phase =
  | { kind: "idle" }
  | { kind: "starting" }
  | { kind: "waiting"; info: SignInWaiting; deadline: number }
  | { kind: "done" }
  | { kind: "failed"; problem: Problem };

export function SignInPanel({
  api,
  name,
  connection,
  onSignedIn,
}: {
  api: Api;
  name: string;
  connection: Connection | undefined;
  onSignedIn: () => void;
}) {
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [now, setNow] = useState(() => Date.now());
  const [cancelProblem, setCancelProblem] = useState<Problem | null>(null);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    let unlisten: (() => void) | undefined;
    void api
      .onSignInWaiting((info) => {
        if (!live.current || info.name !== name) return;
        setNow(Date.now());
        setPhase({ kind: "waiting", info, deadline: Date.now() + info.timeout_secs * 1000 });
      })
      .then((un) => {
        if (live.current) unlisten = un;
        else un();
      });
    return () => {
      live.current = false;
      unlisten?.();
    };
  }, [api, name]);

  const waiting = phase.kind === "waiting";
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [waiting]);

  const signIn = async () => {
    setCancelProblem(null);
    setPhase({ kind: "starting" });
    try {
      await api.connect(name);
      if (!live.current) return;
      setPhase({ kind: "done" });
      onSignedIn();
    } catch (error) {
      if (live.current) setPhase({ kind: "failed", problem: toProblem(error) });
    }
  };

  const cancel = async () => {
    try {
      await api.cancelSignIn(name);
    } catch (error) {
      if (live.current) setCancelProblem(toProblem(error));
    }
  };

  const busy = phase.kind === "starting" || phase.kind === "waiting";
  const redirectUri = phase.kind === "waiting" ? phase.info.redirect_uri : connection?.redirect_uri;

  return (
    <div class="signin">
      <p>
        Sign in with the Workday account that belongs to the security group from the first step. Your
        browser opens Workday's consent page: choose <strong>Allow</strong>, then come back here.
      </p>
      {connection?.simulated && (
        <p class="hint">
          This is the sandbox: the consent page comes from the simulated tenant on this computer.
        </p>
      )}
      <div class="actions">
        <button type="button" id="sign-in" class="primary" onClick={() => void signIn()} disabled={busy}>
          {phase.kind === "done" || phase.kind === "failed" ? "Sign in again" : "Sign in with Workday"}
        </button>
      </div>
      {phase.kind === "starting" && (
        <p role="status" class="pending">
          Opening your browser…
        </p>
      )}
      {phase.kind === "waiting" && (
        <section id="signin-waiting" class="card inset" aria-labelledby="signin-waiting-title">
          <h3 id="signin-waiting-title">Waiting for you to sign in</h3>
          <p role="status">Finish signing in in your browser; this screen updates by itself.</p>
          <p class="countdown">
            Time left: <time>{formatCountdown((phase.deadline - now) / 1000)}</time>
            <progress
              max={phase.info.timeout_secs}
              value={Math.max(0, (phase.deadline - now) / 1000)}
              aria-label="Time left to sign in"
            />
          </p>
          {phase.info.browser_failed && (
            <div class="problem" role="alert">
              <p class="problem-message">
                <Icon shape="warn" />
                The browser did not open: {phase.info.browser_failed}
              </p>
              <p class="fix">Fix: copy the link below and open it in your browser.</p>
            </div>
          )}
          <p class="label">Sign-in link</p>
          <div class="value-line">
            <code class="url">{phase.info.url}</code>
            <CopyButton text={phase.info.url} label="sign-in link" />
          </div>
          <div class="actions">
            <button type="button" onClick={() => void cancel()}>
              Cancel sign-in
            </button>
          </div>
          {cancelProblem && <ProblemView problem={cancelProblem} />}
          <details class="help">
            <summary>Nothing comes back?</summary>
            <ul>
              <li>
                A wrong Client ID, or a Redirection URI different from the registered one, never reaches
                this app: Workday shows its error in the browser. The registered URI must be exactly{" "}
                <code>{redirectUri ?? "the one from the Register API Client step"}</code>.
              </li>
              <li>If the browser did not open, copy the link above and open it yourself.</li>
              <li>
                Tenants that sign in through SSO need the SSO option (Details, Advanced options); it is{" "}
                {connection?.sso ? "on" : "off"} for this connection.
              </li>
              <li>The consenting account needs a UI sign-in (not "Do Not Allow UI Sessions").</li>
            </ul>
          </details>
        </section>
      )}
      {phase.kind === "done" && (
        <div id="signin-result" class="result ok" role="status">
          <Icon shape="check" />
          <span>Signed in. The refresh token is stored in this computer's credential store.</span>
        </div>
      )}
      {phase.kind === "failed" && (
        <div id="signin-result" class="result failed">
          <ProblemView problem={phase.problem} title="Sign-in failed" />
        </div>
      )}
    </div>
  );
}
