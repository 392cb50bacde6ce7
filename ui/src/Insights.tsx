// Insights for the activity viewer: a bar chart of events over time (SVG, with a table as its text
// alternative), top lists whose entries narrow the filter, and the 30-day page of one user.
import { h, type Component, type ComponentChildren, type FunctionComponent } from "preact";
import { useRef } from "preact/hooks";
import type { ActivityFilter, Api, Bucket, TimeCount, TopList as TopListData } from "./api";
import { ProblemView, useFocus, useLoad } from "./components";
import { formatTime } from "./format";

const number = (n: number) => n.toLocaleString();

/** Minutes the local clock is ahead of UTC, as the shell wants it. */
export function localOffsetMinutes(date = new Date()): number {
  return -date.getTimezoneOffset();
}

/** A bucket's start as its label: the hour, or the day, on the local clock. */
export function bucketLabel(start: string, bucket: Bucket): string {
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return start;
  return bucket === "hour"
    ? d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** One sentence a screen reader says for the chart. */
export function chartSummary(series: readonly TimeCount[], bucket: Bucket): string {
  if (series.length === 0) return "No events to chart.";
  const total = series.reduce((n, b) => n + b.count, 0);
  const peak = series.reduce((a, b) => (b.count > a.count ? b : a), series[0] as TimeCount);
  const per = bucket === "hour" ? "hour" : "day";
  const span = `${series.length} ${per}${series.length === 1 ? "" : "s"}`;
  if (total === 0) return `No events in ${span}.`;
  return `${number(total)} events over ${span}; the busiest ${per}, ${bucketLabel(peak.start, bucket)}, had ${number(peak.count)}.`;
}

const WIDTH = 600;
const HEIGHT = 120;

/** Bars of events per bucket, drawn in SVG (no script, no inline style), with its numbers in a
 * table under a disclosure: the text alternative. */
export function EventChart({ series, bucket, title, id }: { series: readonly TimeCount[]; bucket: Bucket; title: string; id: string }) {
  const max = Math.max(1, ...series.map((b) => b.count));
  const width = WIDTH / Math.max(1, series.length);
  const gap = width > 4 ? 1 : 0;
  const summary = chartSummary(series, bucket);
  const first = series[0];
  const last = series[series.length - 1];
  return (
    <figure class="chart" aria-labelledby={`${id}-title`} data-chart={id}>
      <figcaption id={`${id}-title`} class="chart-title">
        {title} <span class="muted">(per {bucket})</span>
      </figcaption>
      {series.length > 0 && (
        <svg class="chart-bars" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={summary}>
          <line class="chart-axis" x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} />
          {series.map((b, i) => {
            const h = b.count === 0 ? 0 : Math.max(1, (b.count / max) * (HEIGHT - 4));
            return (
              <rect key={b.start} class="chart-bar" x={i * width} y={HEIGHT - h} width={Math.max(0.5, width - gap)} height={h}>
                <title>{`${bucketLabel(b.start, bucket)}: ${number(b.count)}`}</title>
              </rect>
            );
          })}
        </svg>
      )}
      {first && last && (
        <div class="chart-scale muted" aria-hidden="true">
          <span>{bucketLabel(first.start, bucket)}</span>
          <span>most {number(max)}</span>
          <span>{bucketLabel(last.start, bucket)}</span>
        </div>
      )}
      <p class="chart-summary">{summary}</p>
      {series.length > 0 && (
        <details class="chart-table">
          <summary>The numbers as a table</summary>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{bucket === "hour" ? "Hour" : "Day"}</th>
                  <th scope="col">Events</th>
                </tr>
              </thead>
              <tbody>
                {series.map((b) => (
                  <tr key={b.start}>
                    <td>
                      <time dateTime={b.start}>{bucketLabel(b.start, bucket)}</time>
                    </td>
                    <td>{number(b.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  );
}

/** A ranked list: each entry a button (`onPick`) with its count; `onUser` adds a button to a
 * user's page. */
export function TopList({
  title,
  id,
  list,
  total,
  onPick,
  pickLabel,
  onUser,
}: {
  title: string;
  id: string;
  list: TopListData;
  total: number;
  onPick?: (value: string) => void;
  pickLabel?: (value: string) => string;
  onUser?: (value: string) => void;
}) {
  const max = Math.max(1, ...list.entries.map((e) => e.count));
  return (
    <section class="top-list" aria-labelledby={`${id}-title`} data-top={id}>
      <h3 id={`${id}-title`}>{title}</h3>
      {list.entries.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ol>
          {list.entries.map((e) => (
            <li key={e.value}>
              <meter class="top-meter" min={0} max={max} value={e.count} aria-hidden="true" />
              {onPick ? (
                <button type="button" class="link top-value" onClick={() => onPick(e.value)} aria-label={pickLabel?.(e.value)}>
                  {e.value}
                </button>
              ) : (
                <span class="top-value">{e.value}</span>
              )}{" "}
              <span class="top-count">
                {number(e.count)}
                {total > 0 && <span class="muted"> ({Math.round((e.count / total) * 100)} %)</span>}
              </span>
              {onUser && " "}
              {onUser && (
                <button type="button" class="link user-page-link" onClick={() => onUser(e.value)} aria-label={`30 days of ${e.value}`}>
                  30 days
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {list.distinct > list.entries.length && (
        <p class="muted hint">
          Top {list.entries.length} of {number(list.distinct)}.
        </p>
      )}
    </section>
  );
}

/** The fields a top-list entry narrows. */
export type Narrow = "user" | "task" | "ip";

/** A component rendered again only when one of its props changed (by identity). `preact/compat`
 * has `memo`, but importing compat switches the whole app to React's event names. */
function memo<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  function Memoed(this: Component<P>, props: P) {
    this.shouldComponentUpdate = (next: P) =>
      (Object.keys(next) as (keyof P)[]).some((k) => next[k] !== this.props[k]) ||
      Object.keys(this.props).length !== Object.keys(next).length;
    return h(render, props);
  }
  Memoed.displayName = `Memo(${render.displayName ?? render.name})`;
  return Memoed;
}

/** The chart and top lists for the viewer's current filter; rendered again only when its inputs
 * change, not on every keystroke in the filter form. */
export const InsightsPanel = memo(function InsightsPanel({
  api,
  name,
  filter,
  reloads,
  onNarrow,
  onUser,
}: {
  api: Api;
  name: string;
  filter: ActivityFilter;
  reloads: number;
  onNarrow: (field: Narrow, value: string) => void;
  onUser: (user: string) => void;
}) {
  const { data, problem } = useLoad(
    () => api.activityInsights(name, filter, localOffsetMinutes()),
    [api, name, filter, reloads],
  );

  return (
    <section class="card insights" aria-labelledby="insights-title" data-insights={name}>
      <h3 id="insights-title" class="insights-title">
        Insights for this filter
      </h3>
      {problem && <ProblemView problem={problem} role="none" title="Insights" />}
      {!data && !problem && <p class="muted">Counting…</p>}
      {data && (
        <>
          <EventChart series={data.series} bucket={data.bucket} title="Events over time" id="activity-chart" />
          {data.untimed > 0 && <p class="muted hint">{number(data.untimed)} events without a time are counted but not charted.</p>}
          <div class="top-grid">
            <TopList
              title="Top users"
              id="top-users"
              list={data.users}
              total={data.total}
              onPick={(v) => onNarrow("user", v)}
              pickLabel={(v) => `Show only ${v}`}
              onUser={onUser}
            />
            <TopList
              title="Top tasks"
              id="top-tasks"
              list={data.tasks}
              total={data.total}
              onPick={(v) => onNarrow("task", v)}
              pickLabel={(v) => `Show only the task ${v}`}
            />
            <TopList
              title="Top IP addresses"
              id="top-ips"
              list={data.ips}
              total={data.total}
              onPick={(v) => onNarrow("ip", v)}
              pickLabel={(v) => `Show only ${v}`}
            />
            {data.countries && <TopList title="Top countries" id="top-countries" list={data.countries} total={data.total} />}
          </div>
        </>
      )}
    </section>
  );
});

/** The last 30 days of one user: activity per day, IPs, devices, tasks, actions, sessions. */
export function UserPage({
  api,
  name,
  user,
  alerts,
  onBack,
  onShowEvents,
}: {
  api: Api;
  name: string;
  user: string;
  /** The user's alerts (a table the Alerts screen's module draws). */
  alerts?: ComponentChildren;
  onBack: () => void;
  onShowEvents: (user: string, since: string) => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useFocus(heading, user);
  const { data, problem } = useLoad(
    () => api.activityUser(name, user, localOffsetMinutes()),
    [api, name, user],
    true,
  );

  return (
    <section class="screen user-page" aria-labelledby="user-title" data-user-page={user}>
      <div class="screen-head">
        <h2 id="user-title" tabIndex={-1} ref={heading}>
          User: {user}
        </h2>
        <button type="button" class="link" onClick={onBack}>
          Back to the activity of {name}
        </button>
      </div>
      {problem && <ProblemView problem={problem} />}
      <p role="status" class="notice">
        {data
          ? data.total === 0
            ? "No events of this user in the last 30 days."
            : `${number(data.total)} events in the last 30 days` +
              (data.first_seen && data.last_seen ? `, from ${formatTime(data.first_seen)} to ${formatTime(data.last_seen)}.` : ".")
          : problem
            ? ""
            : "Loading the last 30 days…"}
      </p>
      {data && (
        <>
          <div class="card">
            <EventChart series={data.series} bucket="day" title="Events per day, last 30 days" id="user-chart" />
            <div class="actions">
              <button type="button" onClick={() => onShowEvents(user, data.since)}>
                Show these events in the viewer
              </button>
            </div>
          </div>
          <div class="card top-grid">
            <TopList title="IP addresses" id="user-ips" list={data.ips} total={data.total} />
            <TopList title="Devices" id="user-devices" list={data.devices} total={data.total} />
            <TopList title="Tasks" id="user-tasks" list={data.tasks} total={data.total} />
            <TopList title="Actions" id="user-actions" list={data.actions} total={data.total} />
            {data.countries && <TopList title="Countries" id="user-countries" list={data.countries} total={data.total} />}
          </div>
          {alerts}
          <div class="card">
            <h3 id="user-sessions-title">Sessions</h3>
            {data.sessions.length === 0 ? (
              <p class="muted">No sessions.</p>
            ) : (
              <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="user-sessions-title">
                <table class="events sessions">
                  <caption class="visually-hidden">
                    The {data.sessions.length} most recent of {number(data.sessions_total)} sessions, newest first
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Session</th>
                      <th scope="col">First</th>
                      <th scope="col">Last</th>
                      <th scope="col">Events</th>
                      <th scope="col">IP addresses</th>
                      <th scope="col">Devices</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.sessions.map((s) => (
                      <tr key={s.session_id}>
                        <td>
                          <code>{s.session_id}</code>
                        </td>
                        <td>{s.first ? <time dateTime={s.first}>{formatTime(s.first)}</time> : "—"}</td>
                        <td>{s.last ? <time dateTime={s.last}>{formatTime(s.last)}</time> : "—"}</td>
                        <td>{number(s.count)}</td>
                        <td>{s.ips.join(", ") || "—"}</td>
                        <td>{s.devices.join(", ") || "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {data.sessions_total > data.sessions.length && (
              <p class="muted hint">
                The {data.sessions.length} most recent of {number(data.sessions_total)} sessions.
              </p>
            )}
          </div>
        </>
      )}
    </section>
  );
}
