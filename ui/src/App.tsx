// The app: top bar (name, overall status, navigation), a small state router kept in the URL
// fragment and reported to the shell (a window built again on Open starts there), live status from
// the shell, and the tray's navigation requests.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Api, AppInfo, Connection, ConnectionState, Problem, TestReport } from "./api";
import { toProblem } from "./api";
import { StatusBadge } from "./components";
import { withState, worstStatus } from "./format";
import { ActivityScreen } from "./Activity";
import { AlertsScreen } from "./Alerts";
import { ConnectionScreen, ConnectionsScreen, SettingsScreen } from "./screens";
import { Wizard } from "./Wizard";
import type { StepId } from "./wizardState";
import type { Route } from "./route";
import { routeFromFragment, routeToFragment } from "./route";

export type { Route } from "./route";

let wizardKey = 0;

export function App({ api }: { api: Api }) {
  const [route, setRoute] = useState<Route>(() => routeFromFragment(window.location.hash, ++wizardKey));
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState("");
  const [startingSandbox, setStartingSandbox] = useState(false);
  const [reports, setReports] = useState<Record<string, TestReport>>({});
  const known = useRef<ReadonlySet<string>>(new Set());

  const reload = useCallback(async (): Promise<Connection[] | null> => {
    try {
      const list = await api.listConnections();
      known.current = new Set(list.map((c) => c.name));
      setConnections(list);
      return list;
    } catch (error) {
      setProblem(toProblem(error));
      return null;
    }
  }, [api]);

  useEffect(() => {
    let live = true;
    const unlisteners: Array<() => void> = [];
    const keep = (p: Promise<() => void>) =>
      void p.then(
        (un) => (live ? unlisteners.push(un) : un()),
        (error: unknown) => live && setProblem(toProblem(error)),
      );
    keep(
      api.onStatus((all: Record<string, ConnectionState>) => {
        if (!live) return;
        setConnections((list) => list && list.map((c) => { const s = all[c.name]; return s ? withState(c, s) : c; }));
        if (Object.keys(all).some((name) => !known.current.has(name))) void reload();
      }),
    );
    keep(
      api.onNavigate((name) => {
        if (!live) return;
        setRoute(name === null ? { view: "connections" } : { view: "connection", name });
      }),
    );
    keep(
      api.onSandboxChanged(() => {
        if (live) void reload();
      }),
    );
    api.appInfo().then(
      (i) => live && setInfo(i),
      (error: unknown) => live && setProblem(toProblem(error)),
    );
    void reload();
    return () => {
      live = false;
      for (const un of unlisteners) un();
    };
  }, [api, reload]);

  // The screen in the fragment (a reload keeps it) and with the shell (a window built again on
  // Open starts there). Losing it only costs the person the list screen next time.
  useEffect(() => {
    const fragment = routeToFragment(route);
    if (window.location.hash.replace(/^#/, "") !== fragment) {
      history.replaceState(null, "", fragment ? `#${fragment}` : window.location.pathname + window.location.search);
    }
    api.saveRoute(fragment).catch(() => undefined);
  }, [api, route]);

  // Launched with --sandbox: once the sandbox's connection appears, land on its own screen, whose
  // one obvious action is then "Sign in" (unless the person has already gone elsewhere).
  const landed = useRef(false);
  useEffect(() => {
    if (landed.current || !info?.sandbox_requested || route.view !== "connections") return;
    const sandbox = connections?.find((c) => c.simulated);
    if (!sandbox) return;
    landed.current = true;
    setRoute({ view: "connection", name: sandbox.name });
  }, [info, connections, route.view]);

  const openWizard = (start: StepId, name: string | null) =>
    setRoute({ view: "wizard", start, name, key: ++wizardKey });

  const startSandbox = async () => {
    setProblem(null);
    setNotice("");
    setStartingSandbox(true);
    try {
      await api.startSandbox();
      const list = await reload();
      const sandbox = list?.find((c) => c.simulated && c.name === "sandbox") ?? list?.find((c) => c.simulated);
      if (sandbox) openWizard("signin", sandbox.name);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setStartingSandbox(false);
    }
  };

  const onReport = (report: TestReport) => setReports((r) => ({ ...r, [report.connection]: report }));
  const list = connections ?? [];
  const overall = worstStatus(list.map((c) => c.status));
  const version = info?.version ?? "";

  let screen;
  switch (route.view) {
    case "connections":
      screen = (
        <ConnectionsScreen
          connections={connections}
          problem={problem}
          notice={notice || (info?.sandbox_requested && !list.some((c) => c.simulated) ? "Starting the sandbox…" : "")}
          startingSandbox={startingSandbox}
          onOpen={(name) => setRoute({ view: "connection", name })}
          onAdd={() => openWizard("prerequisites", null)}
          onSandbox={() => void startSandbox()}
        />
      );
      break;
    case "connection": {
      const name = route.name;
      screen = (
        <ConnectionScreen
          key={name}
          api={api}
          connection={list.find((c) => c.name === name)}
          report={reports[name]}
          appVersion={version}
          onReport={onReport}
          onSignIn={() => openWizard("signin", name)}
          onEdit={() => openWizard("details", name)}
          onActivity={() => setRoute({ view: "activity", name })}
          onAlerts={() => setRoute({ view: "alerts", name })}
          onRemoved={(removed) => {
            setReports((r) => {
              const rest = { ...r };
              delete rest[removed];
              return rest;
            });
            setNotice(`Removed the connection “${removed}”.`);
            setRoute({ view: "connections" });
            void reload();
          }}
          onChanged={() => void reload()}
          onBack={() => setRoute({ view: "connections" })}
        />
      );
      break;
    }
    case "activity": {
      const name = route.name;
      screen = (
        <ActivityScreen
          key={name}
          api={api}
          connection={list.find((c) => c.name === name)}
          alert={route.alert}
          onAlert={(alert) => setRoute(alert === undefined ? { view: "activity", name } : { view: "activity", name, alert })}
          onBack={() => setRoute({ view: "connection", name })}
        />
      );
      break;
    }
    case "alerts": {
      const name = route.name;
      screen = (
        <AlertsScreen
          key={name ?? ""}
          api={api}
          name={name}
          connections={list}
          onOpenEvents={(connection, alert) => setRoute({ view: "activity", name: connection, alert })}
          onBack={name === null ? undefined : () => setRoute({ view: "connection", name })}
        />
      );
      break;
    }
    case "wizard":
      screen = (
        <Wizard
          key={route.key}
          api={api}
          start={route.start}
          connection={route.name === null ? undefined : list.find((c) => c.name === route.name)}
          connections={list}
          appVersion={version}
          reports={reports}
          onSaved={() => void reload()}
          onReport={onReport}
          onClose={(name) => setRoute(name ? { view: "connection", name } : { view: "connections" })}
        />
      );
      break;
    case "settings":
      screen = <SettingsScreen api={api} />;
      break;
  }

  const nav = (label: string, view: "connections" | "alerts" | "settings") => {
    // One connection's screens sit under Connections; Alerts is the across-connections screen.
    const perConnection = route.view === "connection" || route.view === "activity" || (route.view === "alerts" && route.name !== null);
    const current =
      view === "alerts" ? route.view === "alerts" && route.name === null : route.view === view || (view === "connections" && perConnection);
    return (
      <button
        type="button"
        class="nav-link"
        aria-current={current ? "page" : undefined}
        onClick={() => {
          setNotice("");
          setRoute(view === "alerts" ? { view, name: null } : { view });
        }}
      >
        {label}
      </button>
    );
  };

  return (
    <div class="shell">
      <header class="topbar">
        <h1>Workday Connector</h1>
        <p class="overall" aria-live="polite">
          <span class="visually-hidden">Overall status: </span>
          <StatusBadge status={overall} />
        </p>
        <nav aria-label="Main">
          {nav("Connections", "connections")}
          {nav("Alerts", "alerts")}
          {nav("Settings", "settings")}
        </nav>
      </header>
      <main>{screen}</main>
      {info && <footer class="footer">Version {info.version}</footer>}
    </div>
  );
}
