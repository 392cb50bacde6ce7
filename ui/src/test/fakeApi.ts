// A fake shell for the UI tests: every command of the contract as a vi.fn with a sensible answer,
// and the shell's events as emitters the tests fire.
import { vi } from "vitest";
import type {
  ActivityEvent,
  AlertsQuery,
  AlertStatus,
  ConnectionAlert,
  RulesView,
  ActivityFilter,
  ActivityInsights,
  Api,
  Connection,
  ConnectionState,
  Guide,
  PastedValues,
  ProfileInput,
  SandboxInfo,
  Settings,
  SignInWaiting,
  SyncProgress,
  TestReport,
  TopList,
  UserInsights,
} from "../api";

export const GUIDE: Guide = {
  security_group_permissions: [
    {
      functional_area: "System",
      domain: "System Auditing",
      report_task: "View",
      integration: "Get",
      needed_for: "Reading the activity log (test step 3)",
    },
    {
      functional_area: "Staffing",
      domain: "Worker Data: Public Worker Reports",
      report_task: "View",
      integration: "Get",
      needed_for: "Reading users (test step 2)",
    },
  ],
  tenant_settings: [
    {
      task: "Edit Tenant Setup - System",
      setting: "Enable User Activity Logging",
      value: "Checked",
      why: "Without it the activity log stays empty.",
    },
    {
      task: "Edit Tenant Setup - Security",
      setting: "OAuth 2.0 Clients Enabled",
      value: "Checked",
      why: "Without it the token endpoint answers invalid_client.",
    },
  ],
  register_api_client: [
    { field: "Client Grant Type", value: "Authorization Code Grant", note: "" },
    { field: "Redirection URI", value: "http://127.0.0.1:8413/callback", note: "Character for character." },
  ],
  notes: [
    "The account that signs in needs a UI sign-in: Integration System Users usually have \"Do Not Allow UI Sessions\".",
    "Use the task \"Register API Client\", not \"Register API Client for Integrations\".",
  ],
};

export function guideFor(port: number, host: string): Guide {
  const h = host === "localhost" ? "localhost" : "127.0.0.1";
  return {
    ...GUIDE,
    register_api_client: GUIDE.register_api_client.map((f) =>
      f.field === "Redirection URI" ? { ...f, value: `http://${h}:${port}/callback` } : f,
    ),
  };
}

export function connection(name: string, overrides: Partial<Connection> = {}): Connection {
  return {
    name,
    client_id: `${name}-client-id`,
    rest_api_endpoint: `https://wd2-impl-services1.workday.com/ccx/api/v1/${name}_tenant`,
    token_endpoint: `https://wd2-impl-services1.workday.com/ccx/oauth2/${name}_tenant/token`,
    authorization_endpoint: `https://impl.workday.com/${name}_tenant/authorize`,
    redirect_port: 8413,
    redirect_host: "ipv4_literal",
    pkce: true,
    client_auth: "basic",
    sso: false,
    redirect_uri: "http://127.0.0.1:8413/callback",
    sync: { poll_interval_secs: 300, backfill_days: 7, publish_lag_secs: 120, page_size: 1000, rate_limit_per_sec: 10, retention_days: 90 },
    simulated: false,
    status: { state: "connected", label: "Connected" },
    ...overrides,
  };
}

/** What the shell answers for a paste in which it recognised nothing. */
export const NOTHING_PASTED: PastedValues = {
  client_id: null,
  client_secret: null,
  rest_api: null,
  token: null,
  authorization: null,
};

export const SANDBOX_INFO: SandboxInfo = {
  simulated: true,
  tenant: "acme_sandbox",
  client_id: "Y2xpZW50LWlk",
  rest_api_endpoint: "http://127.0.0.1:41001/ccx/api/v1/acme_sandbox",
  token_endpoint: "http://127.0.0.1:41001/ccx/oauth2/acme_sandbox/token",
  authorization_endpoint: "http://127.0.0.1:41000/acme_sandbox/authorize",
  redirect_uri: "http://127.0.0.1:8413/callback",
};

export const REPORT: TestReport = {
  connection: "acme",
  passed: false,
  status: { state: "degraded", reason: "The activity log is not readable.", label: "Degraded" },
  steps: [
    { step: "token", title: "Token", verdict: "pass", http_status: 200, needs: "OAuth 2.0 Clients Enabled", duration_ms: 120 },
    { step: "users", title: "Users", verdict: "warn", http_status: 200, needs: "Staffing scope", detail: "No workers returned.", duration_ms: 80 },
    {
      step: "activity_log",
      title: "Activity log",
      verdict: "fail",
      http_status: 403,
      needs: "System scope and the System Auditing domain",
      problem: {
        code: "activity.permission_denied",
        message: "The activity log answered 403 permission denied.",
        fix: "Add System Auditing (View, Get) to the security group, then Activate Pending Security Policy Changes.",
      },
      duration_ms: 95,
    },
  ],
};

/** `n` stored events, newest first, a minute apart from 2026-04-17T08:00Z back. */
export function activityEvents(n: number): ActivityEvent[] {
  const start = Date.parse("2026-04-17T08:00:00Z");
  return Array.from({ length: n }, (_, i) => ({
    fingerprint: `fp${i}`,
    ordinal: 0,
    request_time: new Date(start - i * 60_000).toISOString(),
    system_account: i % 2 ? "bob@acme" : "ann@acme",
    activity_action: "READ",
    task_display_name: `Task ${i}`,
    task_id: null,
    session_id: null,
    ip_address: "10.0.0.1",
    user_agent: null,
    device_type: "Desktop",
    target_id: "w1",
    target_descriptor: "Worker One",
    target_href: null,
    own_call: false,
    raw: {},
    country: null,
    ip_tags: [],
  }));
}

/** Counts per value, most first (ties by value), the first `n`. */
export function topOf(values: ReadonlyArray<string | null>, n = 10): TopList {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  const entries = [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  return { entries: entries.slice(0, n), distinct: counts.size };
}

/** What activity_insights answers for `events`, per hour from the oldest to the newest. */
export function insightsOf(events: readonly ActivityEvent[]): ActivityInsights {
  const hours = new Map<number, number>();
  for (const e of events) {
    if (!e.request_time) continue;
    const h = Math.floor(Date.parse(e.request_time) / 3_600_000);
    hours.set(h, (hours.get(h) ?? 0) + 1);
  }
  const keys = [...hours.keys()];
  const series = keys.length
    ? Array.from({ length: Math.max(...keys) - Math.min(...keys) + 1 }, (_, i) => {
        const h = Math.min(...keys) + i;
        return { start: new Date(h * 3_600_000).toISOString(), count: hours.get(h) ?? 0 };
      })
    : [];
  return {
    total: events.length,
    bucket: "hour",
    series,
    untimed: events.filter((e) => !e.request_time).length,
    users: topOf(events.map((e) => e.system_account)),
    tasks: topOf(events.map((e) => e.task_display_name)),
    ips: topOf(events.map((e) => e.ip_address)),
    countries: null,
  };
}

/** What activity_user answers for `user` among `events` (30 days to 2026-04-17). */
export function userOf(events: readonly ActivityEvent[], user: string): UserInsights {
  const mine = events.filter((e) => e.system_account?.toLowerCase() === user.toLowerCase());
  const day0 = Date.parse("2026-03-19T00:00:00Z");
  const series = Array.from({ length: 30 }, (_, i) => {
    const start = day0 + i * 86_400_000;
    const count = mine.filter((e) => e.request_time && Date.parse(e.request_time) >= start && Date.parse(e.request_time) < start + 86_400_000).length;
    return { start: new Date(start).toISOString(), count };
  });
  const times = mine.flatMap((e) => (e.request_time ? [e.request_time] : [])).sort();
  return {
    user,
    since: new Date(day0).toISOString(),
    until: "2026-04-17T08:00:00.000Z",
    total: mine.length,
    series,
    untimed: 0,
    first_seen: times[0] ?? null,
    last_seen: times[times.length - 1] ?? null,
    ips: topOf(mine.map((e) => e.ip_address)),
    devices: topOf(mine.map((e) => e.device_type)),
    tasks: topOf(mine.map((e) => e.task_display_name)),
    actions: topOf(mine.map((e) => e.activity_action)),
    sessions: mine.length
      ? [
          {
            session_id: "s1",
            first: times[0] ?? null,
            last: times[times.length - 1] ?? null,
            count: mine.length,
            ips: ["10.0.0.1"],
            devices: ["Desktop"],
          },
        ]
      : [],
    sessions_total: mine.length ? 1 : 0,
    countries: null,
  };
}

/** Alerts of `connection` as the shell stores them: ids from 1, newest first. */
export function alerts(connection: string): ConnectionAlert[] {
  const base = { connection, status: "open" as AlertStatus, last_time: "2026-04-17T07:40:00Z" };
  return [
    {
      ...base,
      id: 3,
      rule: "impossible_travel",
      severity: "high",
      user: "ann@acme",
      time: "2026-04-17T07:30:00Z",
      summary: "ann@acme in DE then JP, 9,000 km in 30 minutes",
      country: "JP",
      ip: "126.0.0.1",
      event_count: 2,
    },
    {
      ...base,
      id: 2,
      rule: "sensitive_task",
      severity: "medium",
      user: "bob@acme",
      time: "2026-04-16T12:00:00Z",
      summary: "bob@acme ran Register API Client",
      country: "DE",
      ip: "80.128.0.1",
      event_count: 1,
    },
    {
      ...base,
      id: 1,
      rule: "new_country_tenant",
      severity: "low",
      status: "dismissed",
      user: null,
      time: "2026-04-15T09:00:00Z",
      summary: "First activity from BR in the tenant",
      country: "BR",
      ip: "200.160.2.3",
      event_count: 4,
    },
  ];
}

/** The rules as rules_list answers them; `learning_until` set while the learning lasts. */
export function rulesView(learningUntil: string | null = null): RulesView {
  const rule = (id: string, name: string, severity: string) => ({
    id,
    name,
    kind: "built-in",
    path: null,
    severity,
    explanation: `${name}.`,
    active: true,
  });
  return {
    rules: [
      rule("impossible_travel", "Impossible travel", "high"),
      rule("new_country_tenant", "Country new for the tenant", "low"),
      rule("sensitive_task", "Sensitive security task", "medium"),
    ],
    learning_until: learningUntil,
    learning: learningUntil !== null,
    geo_database: "shipped",
    risky_entries: 0,
    corporate_entries: 0,
    corporate_only: false,
    load_errors: [],
  };
}

/** The alerts of `all` that `query` picks, as alerts_list filters them. */
export function alertsMatching(all: readonly ConnectionAlert[], name: string | null, query: AlertsQuery): ConnectionAlert[] {
  return all.filter(
    (a) =>
      (name === null || a.connection === name) &&
      (!query.rule || a.rule === query.rule) &&
      (!query.severity || a.severity === query.severity) &&
      (!query.status || a.status === query.status) &&
      (!query.user || a.user?.toLowerCase() === query.user.toLowerCase()),
  );
}

type Handler<T> = (value: T) => void;

class Emitter<T> {
  handlers: Array<Handler<T>> = [];
  listen = (handler: Handler<T>) => {
    this.handlers.push(handler);
    return Promise.resolve(() => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    });
  };
  emit(value: T) {
    for (const h of [...this.handlers]) h(value);
  }
}

export interface FakeShell {
  api: Api;
  status: Emitter<Record<string, ConnectionState>>;
  waiting: Emitter<SignInWaiting>;
  navigate: Emitter<string | null>;
  sandbox: Emitter<SandboxInfo>;
  syncProgress: Emitter<SyncProgress>;
  /** What activity_query pages through (unfiltered: the fake ignores the filter). */
  events: ActivityEvent[];
  /** The stored alerts of every connection; alert_set_status changes them. */
  alerts: ConnectionAlert[];
  /** What rules_list answers. */
  rules: RulesView;
  connections: Connection[];
  settings: Settings;
  /** The last route the UI saved (the fragment a window built again would start at). */
  route: string;
}

/** A shell with `connections` stored; add/edit/remove change them like the real one would. */
export function fakeShell(initial: Connection[] = [], overrides: Partial<Api> = {}): FakeShell {
  const status = new Emitter<Record<string, ConnectionState>>();
  const waiting = new Emitter<SignInWaiting>();
  const navigate = new Emitter<string | null>();
  const sandbox = new Emitter<SandboxInfo>();
  const syncProgress = new Emitter<SyncProgress>();
  const shell: FakeShell = {
    syncProgress,
    events: [],
    alerts: [],
    rules: rulesView(),
    status,
    waiting,
    navigate,
    sandbox,
    connections: [...initial],
    route: "",
    settings: { start_at_login: false, notifications: true, check_interval_minutes: 15 },
    api: undefined as unknown as Api,
  };
  const api: Api = {
    appInfo: vi.fn(() => Promise.resolve({ version: "0.1.0", sandbox_requested: false })),
    listConnections: vi.fn(() => Promise.resolve(shell.connections.map((c) => ({ ...c })))),
    guide: vi.fn((port: number, host: "ipv4_literal" | "localhost") => Promise.resolve(guideFor(port, host))),
    checkValues: vi.fn(() => Promise.resolve([])),
    parsePaste: vi.fn(() => Promise.resolve({ ...NOTHING_PASTED })),
    addConnection: vi.fn((input: ProfileInput) => {
      shell.connections.push(connection(input.name, { ...input, status: { state: "not_configured", label: "Not signed in" } }));
      return Promise.resolve({ warnings: [] });
    }),
    editConnection: vi.fn((name: string, input: ProfileInput) => {
      shell.connections = shell.connections.map((c) => (c.name === name ? { ...c, ...input } : c));
      return Promise.resolve({ warnings: [] });
    }),
    removeConnection: vi.fn((name: string) => {
      shell.connections = shell.connections.filter((c) => c.name !== name);
      return Promise.resolve(null);
    }),
    connect: vi.fn(() => Promise.resolve(null)),
    cancelSignIn: vi.fn(() => Promise.resolve(null)),
    test: vi.fn((name: string) => Promise.resolve({ ...REPORT, connection: name })),
    disconnect: vi.fn(() => Promise.resolve(null)),
    startSandbox: vi.fn(() => {
      if (!shell.connections.some((c) => c.name === "sandbox")) {
        shell.connections.push(
          connection("sandbox", {
            simulated: true,
            client_id: SANDBOX_INFO.client_id,
            rest_api_endpoint: SANDBOX_INFO.rest_api_endpoint,
            token_endpoint: SANDBOX_INFO.token_endpoint,
            authorization_endpoint: SANDBOX_INFO.authorization_endpoint,
            status: { state: "not_configured", label: "Not signed in" },
          }),
        );
      }
      return Promise.resolve(SANDBOX_INFO);
    }),
    sandboxInfo: vi.fn(() => Promise.resolve(null)),
    getSettings: vi.fn(() => Promise.resolve({ ...shell.settings })),
    setSettings: vi.fn((s: Settings) => {
      shell.settings = { ...s };
      return Promise.resolve({ ...s });
    }),
    activityQuery: vi.fn((_name: string, _filter: ActivityFilter, page: { offset: number; limit: number }) =>
      Promise.resolve({
        events: shell.events.slice(page.offset, page.offset + page.limit),
        total: shell.events.length,
        total_estimated: false,
        offset: page.offset,
        synced_until: "2026-04-17T07:58:00Z",
      }),
    ),
    activitySync: vi.fn((name: string) =>
      Promise.resolve({
        connection: name,
        from: "2026-04-10T08:00:00Z",
        to: "2026-04-17T07:58:00Z",
        origin: "2026-04-10T08:00:00Z",
        synced_until: "2026-04-17T07:58:00Z",
        windows: 168,
        splits: 0,
        events_read: 1000,
        events_stored: 1000,
        events_untimed: 0,
        events_total: 1000,
        own_calls_read: 0,
        own_calls_total: 0,
        events_pruned: 0,
        elapsed_secs: 3,
        warnings: [],
      }),
    ),
    activityInsights: vi.fn(() => Promise.resolve(insightsOf(shell.events))),
    activityUser: vi.fn((_name: string, user: string) => Promise.resolve(userOf(shell.events, user))),
    activityExport: vi.fn(() => Promise.resolve({ path: "/home/me/acme-activity.csv", count: shell.events.length })),
    alertsList: vi.fn((name: string | null, query: AlertsQuery) =>
      Promise.resolve({ alerts: alertsMatching(shell.alerts, name, query).map((a) => ({ ...a })), problems: [] }),
    ),
    alertSetStatus: vi.fn((name: string, id: number, status: AlertStatus) => {
      const found = shell.alerts.find((a) => a.connection === name && a.id === id);
      if (!found) return Promise.reject(new Error("no such alert"));
      found.status = status;
      return Promise.resolve({ ...found });
    }),
    rulesList: vi.fn(() => Promise.resolve(shell.rules)),
    forwardList: vi.fn(() => Promise.resolve([])),
    forwardTest: vi.fn(() => Promise.reject(new Error("no such destination"))),
    saveRoute: vi.fn((route: string) => {
      shell.route = route;
      return Promise.resolve(null);
    }),
    onSyncProgress: vi.fn(syncProgress.listen),
    onStatus: vi.fn(status.listen),
    onSignInWaiting: vi.fn(waiting.listen),
    onSandboxChanged: vi.fn(sandbox.listen),
    onNavigate: vi.fn(navigate.listen),
    ...overrides,
  };
  shell.api = api;
  return shell;
}
