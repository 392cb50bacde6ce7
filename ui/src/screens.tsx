// The screens besides the wizard: the connections list (home), one connection, and settings.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Api, Connection, Problem, Settings, TestReport } from "./api";
import { toProblem } from "./api";
import { ConfirmDialog, ProblemView, SimBadge, StatusBadge, useFocus } from "./components";
import { formatTime, hostOf, tenantOf } from "./format";
import { ForwardingPanel } from "./Forwarding";
import { TestPanel, TestReportView } from "./TestPanel";

function When({ iso, none = "Never" }: { iso: string | undefined; none?: string }) {
  return iso ? <time dateTime={iso}>{formatTime(iso)}</time> : <span class="muted">{none}</span>;
}

export function ConnectionsScreen({
  connections,
  problem,
  notice,
  startingSandbox,
  onOpen,
  onAdd,
  onSandbox,
}: {
  connections: Connection[] | null;
  problem: Problem | null;
  notice: string;
  startingSandbox: boolean;
  onOpen: (name: string) => void;
  onAdd: () => void;
  onSandbox: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const empty = connections !== null && connections.length === 0;
  useFocus(heading, empty);
  const actions = (
    <div class="actions">
      <button type="button" class="primary" onClick={onAdd}>
        Add a connection
      </button>
      <button type="button" id="try-sandbox" onClick={onSandbox} disabled={startingSandbox}>
        {startingSandbox ? "Starting the sandbox…" : "Try the sandbox"}
      </button>
    </div>
  );
  return (
    <section class="screen" aria-labelledby={empty ? "welcome-title" : "connections-title"}>
      <p role="status" class="notice">
        {notice}
      </p>
      {problem && <ProblemView problem={problem} />}
      {connections === null ? (
        <>
          <h2 id="connections-title" tabIndex={-1} ref={heading}>
            Connections
          </h2>
          <p role="status">Loading connections…</p>
        </>
      ) : empty ? (
        <div class="card welcome">
          <h2 id="welcome-title" tabIndex={-1} ref={heading}>
            Connect a Workday tenant
          </h2>
          <p>
            Workday Connector walks you through the Workday side (security group, tenant settings, the
            API client), signs in through your browser, keeps the secrets in this computer's credential
            store, and tests the connection step by step.
          </p>
          <p>
            Not ready for your tenant yet? Try every step on the sandbox: a simulated tenant on this
            computer that needs no Workday account.
          </p>
          {actions}
        </div>
      ) : (
        <>
          <div class="screen-head">
            <h2 id="connections-title" tabIndex={-1} ref={heading}>
              Connections
            </h2>
            {actions}
          </div>
          <ul class="cards">
            {connections.map((c) => (
              <li key={c.name} class="card connection-card" data-connection={c.name}>
                <div class="card-head">
                  <h3>
                    <button type="button" class="link" onClick={() => onOpen(c.name)}>
                      {c.name}
                    </button>
                  </h3>
                  {c.simulated && <SimBadge />}
                  <StatusBadge status={c.status} />
                </div>
                <dl class="facts">
                  <div>
                    <dt>Tenant</dt>
                    <dd>
                      {tenantOf(c.rest_api_endpoint, c.token_endpoint)} on {hostOf(c.rest_api_endpoint)}
                    </dd>
                  </div>
                  <div>
                    <dt>Last successful check</dt>
                    <dd>
                      <When iso={c.last_success} />
                    </dd>
                  </div>
                  {c.last_check && c.last_check !== c.last_success && (
                    <div>
                      <dt>Last check</dt>
                      <dd>
                        <When iso={c.last_check} />
                      </dd>
                    </div>
                  )}
                </dl>
                {c.last_error && <ProblemView problem={c.last_error} title="Last error" role="none" />}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function ConnectionScreen({
  api,
  connection,
  report,
  appVersion,
  onReport,
  onSignIn,
  onEdit,
  onActivity,
  onAlerts,
  onRemoved,
  onChanged,
  onBack,
}: {
  api: Api;
  connection: Connection | undefined;
  report: TestReport | undefined;
  appVersion: string;
  onReport: (report: TestReport) => void;
  onSignIn: () => void;
  onEdit: () => void;
  /** Opens the activity-log viewer (absent: no Activity button). */
  onActivity?: () => void;
  /** Opens the connection's alerts (absent: no Alerts button). */
  onAlerts?: () => void;
  onRemoved: (name: string) => void;
  onChanged: () => void;
  onBack: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useFocus(heading, connection?.name);
  const [confirming, setConfirming] = useState(false);
  const [deleteEvents, setDeleteEvents] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState("");

  if (!connection) {
    return (
      <section class="screen" aria-labelledby="connection-title">
        <h2 id="connection-title" tabIndex={-1} ref={heading}>
          Connection not found
        </h2>
        <p>It may have been removed.</p>
        <button type="button" onClick={onBack}>
          Back to connections
        </button>
      </section>
    );
  }
  const c = connection;
  // Never signed in, or the tenant wants a new sign-in: signing in is the next step.
  const signedOut = c.status.state === "not_configured" || c.status.state === "sign_in_required";

  const disconnect = async () => {
    setProblem(null);
    setNotice("");
    try {
      await api.disconnect(c.name);
      setNotice(`Disconnected “${c.name}”: its tokens are forgotten. Sign in again to reconnect.`);
      onChanged();
    } catch (error) {
      setProblem(toProblem(error));
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await api.removeConnection(c.name, deleteEvents);
      setConfirming(false);
      onRemoved(c.name);
    } catch (error) {
      setConfirming(false);
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="screen" aria-labelledby="connection-title" data-connection-screen={c.name}>
      <div class="screen-head">
        <h2 id="connection-title" tabIndex={-1} ref={heading}>
          {c.name}
        </h2>
        {c.simulated && <SimBadge />}
        <StatusBadge status={c.status} />
      </div>
      <div class="card">
        <dl class="facts">
          <div>
            <dt>Last check</dt>
            <dd>
              <When iso={c.last_check} />
            </dd>
          </div>
          <div>
            <dt>Last success</dt>
            <dd>
              <When iso={c.last_success} />
            </dd>
          </div>
          <div>
            <dt>Tenant</dt>
            <dd>{tenantOf(c.rest_api_endpoint, c.token_endpoint)}</dd>
          </div>
          <div>
            <dt>Workday REST API Endpoint</dt>
            <dd>
              <code>{c.rest_api_endpoint}</code>
            </dd>
          </div>
          <div>
            <dt>Redirection URI</dt>
            <dd>
              <code>{c.redirect_uri}</code>
            </dd>
          </div>
        </dl>
        {c.last_error ? (
          <ProblemView problem={c.last_error} title="Last error" role="none" />
        ) : (
          <p class="muted">No error recorded.</p>
        )}
      </div>
      <div class="actions">
        {signedOut && (
          <button type="button" id="connection-sign-in" class="primary" onClick={onSignIn}>
            Sign in
          </button>
        )}
        {onActivity && (
          <button type="button" class={signedOut ? undefined : "primary"} onClick={onActivity}>
            Activity
          </button>
        )}
        {onAlerts && (
          <button type="button" id="connection-alerts" onClick={onAlerts}>
            Alerts
          </button>
        )}
        {!signedOut && (
          <button type="button" onClick={onSignIn}>
            Sign in again
          </button>
        )}
        <button type="button" onClick={onEdit}>
          Edit
        </button>
        <button type="button" onClick={() => void disconnect()}>
          Disconnect
        </button>
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Remove
        </button>
      </div>
      <p role="status" class="notice">
        {notice}
      </p>
      {problem && <ProblemView problem={problem} />}
      <div class="card">
        <h3>Connection test</h3>
        <TestPanel
          api={api}
          name={c.name}
          connection={c}
          report={undefined}
          appVersion={appVersion}
          onReport={onReport}
          buttonLabel="Test now"
          primary={!signedOut}
        />
        {report ? (
          <TestReportView report={report} connection={c} appVersion={appVersion} />
        ) : (
          <p class="muted">Not tested in this session yet.</p>
        )}
      </div>
      <ForwardingPanel api={api} name={c.name} />
      {confirming && (
        <ConfirmDialog
          title={`Remove “${c.name}”?`}
          confirmLabel={`Remove “${c.name}”`}
          busy={busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            This forgets the connection “{c.name}”, its tokens and its client secret on this computer. The API
            client in Workday stays as it is.
          </p>
          <label class="check">
            <input
              type="checkbox"
              id="remove-delete-events"
              checked={deleteEvents}
              onChange={(e) => setDeleteEvents((e.target as HTMLInputElement).checked)}
            />{" "}
            Also delete its activity log (the events collected on this computer). Kept otherwise, and never resumed
            by a connection to another tenant.
          </label>
        </ConfirmDialog>
      )}
    </section>
  );
}

export function SettingsScreen({ api }: { api: Api }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useFocus(heading, "settings");
  const [settings, setSettings] = useState<Settings | null>(null);
  const [interval, setIntervalText] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState("");
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    api.getSettings().then(
      (s) => {
        if (!live) return;
        setSettings(s);
        setIntervalText(String(s.check_interval_minutes));
      },
      (error: unknown) => {
        if (live) setProblem(toProblem(error));
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const minutes = /^\d+$/.test(interval.trim()) ? Number(interval.trim()) : NaN;
  const intervalError = Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440 ? null : "Enter whole minutes from 1 to 1440.";

  const save = async () => {
    if (!settings || intervalError) return;
    setSaving(true);
    setSaved("");
    setProblem(null);
    try {
      const stored = await api.setSettings({ ...settings, check_interval_minutes: minutes });
      setSettings(stored);
      setIntervalText(String(stored.check_interval_minutes));
      setSaved("Settings saved.");
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section class="screen" aria-labelledby="settings-title">
      <h2 id="settings-title" tabIndex={-1} ref={heading}>
        Settings
      </h2>
      {problem && <ProblemView problem={problem} />}
      {settings === null ? (
        !problem && <p role="status">Loading settings…</p>
      ) : (
        <form
          class="card settings"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label class="choice">
            <input
              type="checkbox"
              id="setting-start-at-login"
              checked={settings.start_at_login}
              onChange={(e) => setSettings({ ...settings, start_at_login: e.currentTarget.checked })}
            />
            Start Workday Connector when I sign in to this computer
          </label>
          <label class="choice">
            <input
              type="checkbox"
              id="setting-notifications"
              checked={settings.notifications}
              onChange={(e) => setSettings({ ...settings, notifications: e.currentTarget.checked })}
            />
            Notify me when a connection needs attention
          </label>
          <div class={`field ${intervalError ? "has-error" : ""}`}>
            <label for="setting-interval">Check interval (minutes)</label>
            <input
              id="setting-interval"
              type="text"
              inputMode="numeric"
              value={interval}
              aria-invalid={intervalError ? "true" : undefined}
              aria-describedby="setting-interval-hint"
              onInput={(e) => setIntervalText(e.currentTarget.value)}
            />
            <p id="setting-interval-hint" class={intervalError ? "finding error" : "hint"}>
              {intervalError ?? "How often each connection is tested in the background."}
            </p>
          </div>
          <div class="actions">
            <button type="submit" class="primary" disabled={saving || intervalError !== null}>
              {saving ? "Saving…" : "Save settings"}
            </button>
          </div>
          <p role="status" class="notice">
            {saved}
          </p>
        </form>
      )}
    </section>
  );
}
