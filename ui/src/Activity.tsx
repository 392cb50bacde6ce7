// The activity-log viewer of one connection: filters, a server-paged table (never every event in
// the webview), Sync now with its progress, export of the current filter, the filter's insights
// (chart and top lists) and, from a user's name, that user's 30-day page.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ActivityFilter, ActivityPage, Api, Connection, ExportFormat, Problem, SyncProgress } from "./api";
import { toProblem } from "./api";
import { ProblemView, SimBadge, StatusBadge, useFocus } from "./components";
import { formatCountdown, formatTime } from "./format";
import { InsightsPanel, UserPage, type Narrow } from "./Insights";
import { UserAlerts } from "./Alerts";

/** Rows a page. */
export const PAGE_SIZE = 200;

const QUICK_PICKS: ReadonlyArray<{ label: string; hours: number }> = [
  { label: "Last hour", hours: 1 },
  { label: "Last 24 hours", hours: 24 },
  { label: "Last 7 days", hours: 24 * 7 },
];

const ACTIONS = ["READ", "WRITE", "OTHER"];

interface Form {
  from: string;
  to: string;
  user: string;
  task: string;
  action: string;
  ip: string;
  device: string;
  ownCalls: boolean;
}

const EMPTY: Form = { from: "", to: "", user: "", task: "", action: "", ip: "", device: "", ownCalls: false };

/** A date as a `datetime-local` input's value (local time, minutes). */
export function toLocalInput(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

/** The filter the shell gets: local inputs as UTC RFC 3339, blank text left out. */
export function filterOf(form: Form): ActivityFilter {
  const filter: ActivityFilter = { include_own_calls: form.ownCalls };
  const time = (v: string) => {
    const d = new Date(v);
    return v && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
  };
  const since = time(form.from);
  const until = time(form.to);
  if (since) filter.since = since;
  if (until) filter.until = until;
  const text: Array<[keyof ActivityFilter, string]> = [
    ["user", form.user],
    ["task", form.task],
    ["action", form.action],
    ["ip", form.ip],
    ["device", form.device],
  ];
  for (const [key, value] of text) {
    const v = value.trim();
    if (v) (filter as unknown as Record<string, string>)[key] = v;
  }
  return filter;
}

const number = (n: number) => n.toLocaleString();

function progressText(p: SyncProgress): string {
  const parts = [
    `${number(p.windows_done)} of ${number(p.windows_total)} windows`,
    `${number(p.events_stored)} events stored`,
    `${number(Math.round(p.events_per_sec))} events/s`,
  ];
  if (p.eta_secs !== null) parts.push(`about ${formatCountdown(p.eta_secs)} left`);
  return `Syncing: ${parts.join(", ")}.`;
}

function Cell({ value }: { value: string | null }) {
  return value ? <>{value}</> : <span class="muted">—</span>;
}

/** An address with its tags as words beside it (`risky` stands out), looked up when read. */
function IpCell({ ip, tags }: { ip: string | null; tags: readonly string[] }) {
  if (!ip) return <Cell value={null} />;
  return (
    <>
      {ip}
      {tags.map((t) => (
        <span key={t} class={t === "risky" ? "ip-tag risky" : "ip-tag"}>
          {" "}
          {t}
        </span>
      ))}
    </>
  );
}

/** A user's name, as a link to their 30-day page (a link: it goes to a page; the app itself
 * handles it, so the address never changes). */
function UserCell({ user, onOpen }: { user: string | null; onOpen: (user: string) => void }) {
  if (!user) return <Cell value={null} />;
  return (
    <a
      class="user-link"
      href={`#user-${encodeURIComponent(user)}`}
      title={`The last 30 days of ${user}`}
      onClick={(e) => {
        e.preventDefault();
        onOpen(user);
      }}
    >
      {user}
    </a>
  );
}

export function ActivityScreen({
  api,
  connection,
  alert,
  onAlert,
  onBack,
}: {
  api: Api;
  connection: Connection | undefined;
  /** Only the events of this alert (a chip says so and removes it). */
  alert?: number | undefined;
  /** Shows the events of another alert, or (undefined) drops the alert filter. */
  onAlert?: (alert: number | undefined) => void;
  onBack: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The user whose page shows instead of the viewer; the viewer keeps its filter and page meanwhile.
  const [userPage, setUserPage] = useState<string | null>(null);
  useFocus(heading, `${connection?.name ?? ""}\n${userPage ?? ""}`);
  const name = connection?.name ?? "";
  const [form, setForm] = useState<Form>(EMPTY);
  // One field at a time, from the form as it is when the update lands (events can come faster
  // than renders).
  const setField = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const [formFilter, setFilter] = useState<ActivityFilter>(() => filterOf(EMPTY));
  // The form's filter narrowed to the alert's events when one is chosen.
  const filter = useMemo<ActivityFilter>(() => (alert === undefined ? formFilter : { ...formFilter, alert }), [formFilter, alert]);
  const [offset, setOffset] = useState(0);
  // Another alert (or none): its events from the first page.
  useEffect(() => setOffset(0), [alert]);
  const [page, setPage] = useState<ActivityPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [syncNotice, setSyncNotice] = useState("");
  const [exportNotice, setExportNotice] = useState("");
  const [reloads, setReloads] = useState(0);
  // The form as last rendered, so a top-list click narrows what is on screen through a callback
  // that stays the same while the person types (the insights panel skips those renders).
  const formNow = useRef(form);
  formNow.current = form;
  const narrow = useCallback((field: Narrow, value: string) => {
    const next = { ...formNow.current, [field]: value };
    setForm(next);
    setFilter(filterOf(next));
    setOffset(0);
  }, []);

  useEffect(() => {
    if (!name) return;
    let live = true;
    setLoading(true);
    api.activityQuery(name, filter, { offset, limit: PAGE_SIZE }).then(
      (p) => {
        if (!live) return;
        setPage(p);
        setProblem(null);
        setLoading(false);
      },
      (error: unknown) => {
        if (!live) return;
        setProblem(toProblem(error));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, name, filter, offset, reloads]);

  useEffect(() => {
    if (!name) return;
    let live = true;
    let unlisten: (() => void) | null = null;
    void api
      .onSyncProgress((p) => {
        if (live && p.name === name) setProgress(p);
      })
      .then((un) => (live ? (unlisten = un) : un()));
    return () => {
      live = false;
      if (unlisten) unlisten();
    };
  }, [api, name]);

  if (!connection) {
    return (
      <section class="screen" aria-labelledby="activity-title">
        <h2 id="activity-title" tabIndex={-1} ref={heading}>
          Connection not found
        </h2>
        <button type="button" onClick={onBack}>
          Back to connections
        </button>
      </section>
    );
  }

  const apply = (next: Form) => {
    setForm(next);
    setFilter(filterOf(next));
    setOffset(0);
  };

  if (userPage !== null) {
    return (
      <UserPage
        api={api}
        name={name}
        user={userPage}
        alerts={
          <UserAlerts
            api={api}
            name={name}
            user={userPage}
            onOpenEvents={(id) => {
              setUserPage(null);
              onAlert?.(id);
            }}
          />
        }
        onBack={() => setUserPage(null)}
        onShowEvents={(user, since) => {
          apply({ ...EMPTY, user, from: toLocalInput(new Date(since)) });
          setUserPage(null);
        }}
      />
    );
  }

  const quickPick = (hours: number) => apply({ ...form, from: toLocalInput(new Date(Date.now() - hours * 3_600_000)), to: "" });

  const sync = async () => {
    setSyncing(true);
    setSyncNotice("");
    setProgress(null);
    setProblem(null);
    try {
      const report = await api.activitySync(name);
      // A window left for the next sync (activity.window_unstable) and the like: said with the outcome.
      const warned = report.warnings.map((w) => ` ${w.message} ${w.fix}`).join("");
      setSyncNotice(
        `Sync finished: ${number(report.events_stored)} new events, ${number(report.events_total)} stored in all` +
          ` (${number(report.own_calls_total)} of them the app's own API calls, hidden unless shown).` +
          (report.events_pruned > 0
            ? ` ${number(report.events_pruned)} events older than this connection keeps were deleted.`
            : "") +
          warned,
      );
      setReloads((n) => n + 1);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setSyncing(false);
      setProgress(null);
    }
  };

  const exportAs = async (format: ExportFormat) => {
    setExportNotice("");
    setProblem(null);
    try {
      const done = await api.activityExport(name, filter, format);
      setExportNotice(done ? `Exported ${number(done.count)} events to ${done.path}.` : "Export cancelled.");
    } catch (error) {
      setProblem(toProblem(error));
    }
  };

  const field = (key: "user" | "task" | "ip" | "device", label: string, hint?: string) => (
    <div class="field">
      <label for={`activity-${key}`}>{label}</label>
      <input
        id={`activity-${key}`}
        type="text"
        value={form[key]}
        aria-describedby={hint ? `activity-${key}-hint` : undefined}
        onInput={(e) => setField(key, e.currentTarget.value)}
      />
      {hint && (
        <p id={`activity-${key}-hint`} class="hint">
          {hint}
        </p>
      )}
    </div>
  );

  const total = page?.total ?? 0;
  const rows = page?.events ?? [];
  const first = rows.length ? offset + 1 : 0;
  const last = offset + rows.length;
  // A store too large to count in a moment gives an estimate, said as one.
  const of = page?.total_estimated ? `about ${number(total)}` : number(total);
  const range = page ? (total === 0 ? "No events match." : `Events ${number(first)}–${number(last)} of ${of} matching.`) : "";

  return (
    <section class="screen activity" aria-labelledby="activity-title" data-activity-screen={name}>
      <div class="screen-head">
        <h2 id="activity-title" tabIndex={-1} ref={heading}>
          Activity: {name}
        </h2>
        {connection.simulated && <SimBadge />}
        <StatusBadge status={connection.status} />
        <button type="button" class="link" onClick={onBack}>
          Back to the connection
        </button>
      </div>

      <div class="card sync-card">
        <div class="actions">
          <button type="button" class="primary" onClick={() => void sync()} disabled={syncing}>
            {syncing ? "Syncing…" : "Sync now"}
          </button>
          <p class="muted synced-until">
            Synced up to:{" "}
            {page?.synced_until ? (
              <time dateTime={page.synced_until} title={`${page.synced_until} (UTC)`}>
                {formatTime(page.synced_until)}
              </time>
            ) : (
              "never"
            )}
          </p>
        </div>
        {syncing && (
          <progress
            class="sync-progress"
            aria-label="Sync progress"
            value={progress?.windows_done ?? undefined}
            max={progress?.windows_total || 1}
          />
        )}
        <p role="status" class="notice">
          {syncing ? (progress ? progressText(progress) : "Syncing: starting…") : syncNotice}
        </p>
      </div>

      <form
        class="card activity-filters"
        aria-label="Filters"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          apply(form);
        }}
      >
        <div class="filter-grid">
          <div class="field">
            <label for="activity-from">From</label>
            <input id="activity-from" type="datetime-local" value={form.from} onInput={(e) => setField("from", e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="activity-to">To</label>
            <input id="activity-to" type="datetime-local" value={form.to} onInput={(e) => setField("to", e.currentTarget.value)} />
          </div>
          {field("user", "User", "The system account, exactly.")}
          {field("task", "Task contains")}
          <div class="field">
            <label for="activity-action">Action</label>
            <select id="activity-action" value={form.action} onChange={(e) => setField("action", e.currentTarget.value)}>
              <option value="">Any</option>
              {ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
          {field("ip", "IP address")}
          {field("device", "Device")}
        </div>
        <label class="choice">
          <input type="checkbox" id="activity-own-calls" checked={form.ownCalls} onChange={(e) => setField("ownCalls", e.currentTarget.checked)} />
          Show the app's own calls
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          {QUICK_PICKS.map((q) => (
            <button key={q.hours} type="button" onClick={() => quickPick(q.hours)}>
              {q.label}
            </button>
          ))}
          <button type="button" onClick={() => apply(EMPTY)}>
            Clear filters
          </button>
        </div>
      </form>

      {alert !== undefined && (
        <div class="chips" role="group" aria-label="Alert filter">
          <span class="chip" data-alert-chip={alert}>
            Alert {alert}
            <button type="button" class="chip-remove" aria-label={`Remove the filter Alert ${alert}`} onClick={() => onAlert?.(undefined)}>
              ×
            </button>
          </span>
          <span class="muted hint">Only the events behind this alert, the app's own calls included.</span>
        </div>
      )}

      {problem && <ProblemView problem={problem} />}

      <InsightsPanel api={api} name={name} filter={filter} reloads={reloads} onNarrow={narrow} onUser={setUserPage} />

      <div class="actions">
        <button type="button" onClick={() => void exportAs("csv")}>
          Export CSV…
        </button>
        <button type="button" onClick={() => void exportAs("ndjson")}>
          Export NDJSON…
        </button>
      </div>
      <p role="status" class="notice">
        {exportNotice}
      </p>

      <nav class="pager" aria-label="Pages of events">
        <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))} disabled={offset === 0 || loading}>
          Previous
        </button>
        <p role="status" class="pager-range">
          {loading ? "Loading events…" : range}
        </p>
        <button type="button" onClick={() => setOffset(offset + PAGE_SIZE)} disabled={loading || offset + PAGE_SIZE >= total}>
          Next
        </button>
      </nav>

      <div class="table-scroll" tabIndex={0} role="region" aria-label="Events">
        <table class="events">
          <caption class="visually-hidden">Activity events of {name}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">User</th>
              <th scope="col">Action</th>
              <th scope="col">Task</th>
              <th scope="col">IP</th>
              <th scope="col">Country</th>
              <th scope="col">Device</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={`${e.fingerprint}-${e.ordinal}`} class={e.own_call ? "own-call" : undefined}>
                <td>
                  {e.request_time ? (
                    <time dateTime={e.request_time} title={`${e.request_time} (UTC)`}>
                      {formatTime(e.request_time)}
                    </time>
                  ) : (
                    <Cell value={null} />
                  )}
                </td>
                <td>
                  <UserCell user={e.system_account} onOpen={setUserPage} />
                </td>
                <td>
                  <Cell value={e.activity_action} />
                </td>
                <td>
                  <Cell value={e.task_display_name} />
                  {e.own_call && <span class="tag"> (this app)</span>}
                </td>
                <td>
                  <IpCell ip={e.ip_address} tags={e.ip_tags} />
                </td>
                <td>
                  <Cell value={e.country} />
                </td>
                <td>
                  <Cell value={e.device_type} />
                </td>
                <td>
                  <Cell value={e.target_descriptor ?? e.target_id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
