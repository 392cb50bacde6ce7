// The Alerts screen, of one connection or across connections: filters (rule, severity, status,
// open by default), the alerts as a table, Dismiss / Reopen, the learning-period notice while the
// new-country rules learn, and each alert's events in the viewer. Also the alerts table of a
// user's page.
import { useEffect, useRef, useState } from "preact/hooks";
import type { AlertStatus, AlertsQuery, Api, Connection, ConnectionAlert, RulesView } from "./api";
import { toProblem } from "./api";
import { ProblemView, SimBadge, useFocus, useLoad } from "./components";
import { formatTime } from "./format";

type StatusChoice = AlertStatus | "all";

const SEVERITIES = ["high", "medium", "low"] as const;

/** What the shell gets for the chosen filters: blank as any. */
export function queryOf(rule: string, severity: string, status: StatusChoice): AlertsQuery {
  const query: AlertsQuery = {};
  if (rule) query.rule = rule;
  if (severity) query.severity = severity;
  if (status !== "all") query.status = status;
  return query;
}

function Cell({ value }: { value: string | null }) {
  return value ? <>{value}</> : <span class="muted">—</span>;
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge severity severity-${severity}`}>{severity}</span>;
}

/** A rule's name as the rules list gives it, else its id. */
function ruleName(rules: RulesView | null, id: string): string {
  return rules?.rules.find((r) => r.id === id)?.name ?? id;
}

/** The table of alerts; `showConnection` adds the connection's column (across connections). */
export function AlertsTable({
  alerts,
  rules,
  caption,
  showConnection,
  busy,
  onOpenEvents,
  onSetStatus,
}: {
  alerts: readonly ConnectionAlert[];
  rules: RulesView | null;
  caption: string;
  showConnection: boolean;
  busy: boolean;
  onOpenEvents: (alert: ConnectionAlert) => void;
  onSetStatus?: (alert: ConnectionAlert, status: AlertStatus) => void;
}) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table class="events alerts-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {showConnection && <th scope="col">Connection</th>}
            <th scope="col">Severity</th>
            <th scope="col">Rule</th>
            <th scope="col">User</th>
            <th scope="col">Time</th>
            <th scope="col">Summary</th>
            <th scope="col">Country</th>
            <th scope="col">IP</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={`${a.connection}-${a.id}`} data-alert={a.id} data-rule={a.rule} data-status={a.status}>
              {showConnection && <td>{a.connection}</td>}
              <td>
                <SeverityBadge severity={a.severity} />
              </td>
              <td title={a.rule}>{ruleName(rules, a.rule)}</td>
              <td>
                <Cell value={a.user} />
              </td>
              <td>
                <time dateTime={a.time} title={`${a.time} (UTC)`}>
                  {formatTime(a.time)}
                </time>
              </td>
              <td class="alert-summary">{a.summary}</td>
              <td>
                <Cell value={a.country} />
              </td>
              <td>
                <Cell value={a.ip} />
              </td>
              <td>{a.event_count.toLocaleString()}</td>
              <td class={`alert-status alert-${a.status}`}>{a.status === "open" ? "Open" : "Dismissed"}</td>
              <td class="row-actions">
                <button type="button" class="show-events" aria-label={`Show the events of alert ${a.id}`} onClick={() => onOpenEvents(a)}>
                  Events
                </button>
                {onSetStatus &&
                  (a.status === "open" ? (
                    <button
                      type="button"
                      class="dismiss"
                      disabled={busy}
                      aria-label={`Dismiss alert ${a.id}`}
                      onClick={() => onSetStatus(a, "dismissed")}
                    >
                      Dismiss
                    </button>
                  ) : (
                    <button
                      type="button"
                      class="reopen"
                      disabled={busy}
                      aria-label={`Reopen alert ${a.id}`}
                      onClick={() => onSetStatus(a, "open")}
                    >
                      Reopen
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AlertsScreen({
  api,
  name,
  connections,
  onOpenEvents,
  onBack,
}: {
  api: Api;
  /** One connection's alerts; null for every connection's. */
  name: string | null;
  connections: readonly Connection[];
  onOpenEvents: (connection: string, id: number) => void;
  /** Back to the connection (one connection's alerts only). */
  onBack?: (() => void) | undefined;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useFocus(heading, name);
  const [rule, setRule] = useState("");
  const [severity, setSeverity] = useState("");
  const [status, setStatus] = useState<StatusChoice>("open");
  const [rules, setRules] = useState<RulesView | null>(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const [reloads, setReloads] = useState(0);
  const connection = name === null ? undefined : connections.find((c) => c.name === name);

  useEffect(() => {
    let live = true;
    api.rulesList(name).then(
      (r) => live && setRules(r),
      // The rule names and the learning notice are extras: the list shows without them.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, name]);

  const { data: list, problem, setProblem } = useLoad(
    () => api.alertsList(name, queryOf(rule, severity, status)),
    [api, name, rule, severity, status, reloads],
  );

  const setAlertStatus = async (a: ConnectionAlert, next: AlertStatus) => {
    setBusy(true);
    setNotice("");
    setProblem(null);
    try {
      const changed = await api.alertSetStatus(a.connection, a.id, next);
      setNotice(`Alert ${changed.id} ${changed.status === "dismissed" ? "dismissed" : "reopened"}: ${changed.summary}`);
      setReloads((n) => n + 1);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  const title = name === null ? "Alerts" : `Alerts: ${name}`;
  const alerts = list?.alerts ?? [];
  const statusWord = status === "all" ? "" : `${status} `;
  const count = list
    ? alerts.length === 0
      ? `No ${statusWord}alerts match.`
      : `${alerts.length.toLocaleString()} ${statusWord}alert${alerts.length === 1 ? "" : "s"}.`
    : problem
      ? ""
      : "Loading alerts…";

  return (
    <section class="screen alerts" aria-labelledby="alerts-title" data-alerts-screen={name ?? ""}>
      <div class="screen-head">
        <h2 id="alerts-title" tabIndex={-1} ref={heading}>
          {title}
        </h2>
        {connection?.simulated && <SimBadge />}
        {onBack && (
          <button type="button" class="link" onClick={onBack}>
            Back to the connection
          </button>
        )}
      </div>

      {rules?.learning && rules.learning_until && (
        <p class="card learning-notice" data-learning-until={rules.learning_until}>
          Learning until {formatTime(rules.learning_until)}: the first seven days of the log teach the rules which countries
          are usual, so the new-country rules raise no alert before then.
        </p>
      )}

      <form class="card alert-filters" aria-label="Alert filters" onSubmit={(e) => e.preventDefault()}>
        <div class="filter-grid">
          <div class="field">
            <label for="alerts-rule">Rule</label>
            <select id="alerts-rule" value={rule} onChange={(e) => setRule(e.currentTarget.value)}>
              <option value="">Any rule</option>
              {(rules?.rules ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="alerts-severity">Severity</label>
            <select id="alerts-severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value)}>
              <option value="">Any severity</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="alerts-status">Status</label>
            <select id="alerts-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as StatusChoice)}>
              <option value="open">Open</option>
              <option value="dismissed">Dismissed</option>
              <option value="all">All</option>
            </select>
          </div>
        </div>
      </form>

      {problem && <ProblemView problem={problem} />}
      {(list?.problems ?? []).map((p, i) => (
        <ProblemView key={`${p.code}-${i}`} problem={p} role="none" title="Not listed" />
      ))}
      <p role="status" class="notice alert-notice">
        {notice}
      </p>
      <p role="status" class="notice alert-count">
        {count}
      </p>

      {alerts.length > 0 && (
        <AlertsTable
          alerts={alerts}
          rules={rules}
          caption={name === null ? "Alerts of every connection, newest first" : `Alerts of ${name}, newest first`}
          showConnection={name === null}
          busy={busy}
          onOpenEvents={(a) => onOpenEvents(a.connection, a.id)}
          onSetStatus={(a, next) => void setAlertStatus(a, next)}
        />
      )}
    </section>
  );
}

/** A user's alerts on the user page: every status, newest first, each opening its events. */
export function UserAlerts({
  api,
  name,
  user,
  onOpenEvents,
}: {
  api: Api;
  name: string;
  user: string;
  onOpenEvents: (id: number) => void;
}) {
  const { data: list, problem } = useLoad(() => api.alertsList(name, { user }), [api, name, user]);
  const alerts = list?.alerts ?? [];
  return (
    <div class="card user-alerts" data-user-alerts={user}>
      <h3 id="user-alerts-title">Alerts</h3>
      {problem && <ProblemView problem={problem} role="none" />}
      {list &&
        (alerts.length === 0 ? (
          <p class="muted">No alerts for this user.</p>
        ) : (
          <AlertsTable
            alerts={alerts}
            rules={null}
            caption={`Alerts of ${user}, newest first`}
            showConnection={false}
            busy={false}
            onOpenEvents={(a) => onOpenEvents(a.id)}
          />
        ))}
    </div>
  );
}
