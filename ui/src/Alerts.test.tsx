// The Alerts screen on the fake shell: open alerts by default across connections and of one,
// filters by rule, severity and status, Dismiss / Reopen, the learning notice, an alert's events
// in the viewer (with a removable chip), a user's alerts on the user page, and an axe-core audit.
import axe from "axe-core";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { ProblemError } from "./api";
import { activityEvents, alerts, connection, fakeShell, rulesView } from "./test/fakeApi";

afterEach(cleanup);

// jsdom draws nothing: axe-core's icon-ligature check asks for a canvas and gets none.
HTMLCanvasElement.prototype.getContext = () => null;

function shellWithAlerts() {
  const shell = fakeShell([connection("acme"), connection("sandbox", { simulated: true })]);
  shell.alerts = [...alerts("acme"), ...alerts("sandbox").filter((a) => a.id === 3)];
  shell.events = activityEvents(5);
  return shell;
}

async function openAlerts(shell = shellWithAlerts()) {
  render(<App api={shell.api} />);
  fireEvent.click(await screen.findByRole("button", { name: "Alerts" }));
  await screen.findByRole("heading", { name: "Alerts" });
  return shell;
}

/** The connection screen's Alerts button (the nav has one too). */
async function connectionAlerts(): Promise<HTMLElement> {
  await waitFor(() => expect(document.querySelector("#connection-alerts")).not.toBeNull());
  return document.querySelector<HTMLElement>("#connection-alerts") as HTMLElement;
}

/** The table's rows as "connection id rule status". */
function rows(): string[] {
  return [...document.querySelectorAll<HTMLTableRowElement>(".alerts-table tbody tr")].map((tr) => {
    const connection = tr.cells[0]?.textContent ?? "";
    return `${connection} ${tr.dataset.alert ?? ""} ${tr.dataset.rule ?? ""} ${tr.dataset.status ?? ""}`;
  });
}

/** axe-core's violations in `node` (colour contrast needs a real rendering: the desktop test). */
async function violations(node: Element): Promise<string[]> {
  const result = await axe.run(node, { rules: { "color-contrast": { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("alerts across connections", () => {
  it("lists the open alerts of every connection with each alert's fields", async () => {
    const shell = await openAlerts();
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(vi.mocked(shell.api.alertsList).mock.lastCall).toEqual([null, { status: "open" }]);
    expect(rows()).toHaveLength(3);
    expect(rows().every((r) => r.endsWith(" open"))).toBe(true);
    expect(screen.getByText("3 open alerts.")).toBeTruthy();
    const travel = document.querySelector<HTMLTableRowElement>('.alerts-table tbody tr[data-alert="3"]') as HTMLTableRowElement;
    const cells = [...travel.cells].map((c) => c.textContent);
    expect(cells.slice(0, 4)).toEqual(["acme", "high", "Impossible travel", "ann@acme"]);
    expect(cells).toContain("ann@acme in DE then JP, 9,000 km in 30 minutes");
    expect(cells).toContain("JP");
    expect(cells).toContain("126.0.0.1");
    expect(cells).toContain("2");
    expect(within(travel).getByRole("button", { name: "Dismiss alert 3" })).toBeTruthy();
    // The nav says where the person is.
    expect(screen.getByRole("button", { name: "Alerts" }).getAttribute("aria-current")).toBe("page");
    expect(shell.route).toBe("alerts");
  });

  it("filters by rule, severity and status", async () => {
    const shell = await openAlerts();
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.change(screen.getByLabelText("Rule"), { target: { value: "sensitive_task" } });
    await waitFor(() => expect(rows()).toEqual(["acme 2 sensitive_task open"]));
    expect(vi.mocked(shell.api.alertsList).mock.lastCall).toEqual([null, { rule: "sensitive_task", status: "open" }]);
    fireEvent.change(screen.getByLabelText("Rule"), { target: { value: "" } });
    fireEvent.change(screen.getByLabelText("Severity"), { target: { value: "high" } });
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().every((r) => r.includes("impossible_travel"))).toBe(true);
    fireEvent.change(screen.getByLabelText("Severity"), { target: { value: "" } });
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "dismissed" } });
    await waitFor(() => expect(rows()).toEqual(["acme 1 new_country_tenant dismissed"]));
    expect(screen.getByRole("button", { name: "Reopen alert 1" })).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "all" } });
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(vi.mocked(shell.api.alertsList).mock.lastCall).toEqual([null, {}]);
    // A filter that matches nothing says so.
    fireEvent.change(screen.getByLabelText("Rule"), { target: { value: "new_country_tenant" } });
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "open" } });
    await screen.findByText("No open alerts match.");
    expect(document.querySelector(".alerts-table")).toBeNull();
  });

  it("dismisses an alert, which leaves the open list, and reopens it", async () => {
    const shell = await openAlerts();
    await waitFor(() => expect(rows()).toHaveLength(3));
    fireEvent.click(screen.getByRole("button", { name: "Dismiss alert 2" }));
    await screen.findByText("Alert 2 dismissed: bob@acme ran Register API Client");
    expect(vi.mocked(shell.api.alertSetStatus).mock.lastCall).toEqual(["acme", 2, "dismissed"]);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().some((r) => r.includes("sensitive_task"))).toBe(false);
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "dismissed" } });
    await waitFor(() => expect(rows()).toHaveLength(2));
    fireEvent.click(screen.getByRole("button", { name: "Reopen alert 2" }));
    await screen.findByText("Alert 2 reopened: bob@acme ran Register API Client");
    await waitFor(() => expect(rows()).toEqual(["acme 1 new_country_tenant dismissed"]));
  });

  it("shows the shell's problem, with its fix, when the alerts cannot be listed", async () => {
    const shell = shellWithAlerts();
    shell.api.alertsList = vi.fn(() =>
      Promise.reject(new ProblemError({ code: "store.unavailable", message: "The activity store could not be read.", fix: "Try again." })),
    );
    await openAlerts(shell);
    await screen.findByText("The activity store could not be read.");
    expect(screen.getByText("store.unavailable")).toBeTruthy();
  });

  it("passes an axe-core audit, with filters and the table", async () => {
    await openAlerts();
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(await violations(document.body)).toEqual([]);
    // The audit is not blind: a select without a label is caught.
    const probe = document.createElement("select");
    document.querySelector("main")?.appendChild(probe);
    expect((await violations(document.body)).some((v) => v.startsWith("select-name"))).toBe(true);
    probe.remove();
  });
});

describe("alerts of one connection", () => {
  it("opens from the connection screen with the learning notice while the learning lasts", async () => {
    const shell = shellWithAlerts();
    shell.rules = rulesView("2026-04-24T08:00:00Z");
    render(<App api={shell.api} />);
    fireEvent.click(await screen.findByRole("button", { name: "acme" }));
    fireEvent.click(await connectionAlerts());
    await screen.findByRole("heading", { name: "Alerts: acme" });
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(vi.mocked(shell.api.alertsList).mock.lastCall).toEqual(["acme", { status: "open" }]);
    expect(vi.mocked(shell.api.rulesList).mock.lastCall).toEqual(["acme"]);
    // One connection: no connection column.
    expect(screen.queryByRole("columnheader", { name: "Connection" })).toBeNull();
    const notice = await screen.findByText(/^Learning until /);
    expect(notice.textContent).toContain("new-country rules raise no alert");
    expect(shell.route).toBe("alerts/acme");
    expect(await violations(document.body)).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Back to the connection" }));
    await screen.findByRole("heading", { name: "acme" });
  });

  it("says nothing of learning once it is over", async () => {
    const shell = shellWithAlerts();
    render(<App api={shell.api} />);
    fireEvent.click(await screen.findByRole("button", { name: "acme" }));
    fireEvent.click(await connectionAlerts());
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.queryByText(/^Learning until /)).toBeNull();
  });
});

describe("an alert's events in the viewer", () => {
  it("opens the viewer on the alert's events with a chip that removes the filter", async () => {
    const shell = await openAlerts();
    await waitFor(() => expect(rows()).toHaveLength(3));
    const row = document.querySelector<HTMLTableRowElement>('.alerts-table tbody tr[data-alert="2"]') as HTMLTableRowElement;
    fireEvent.click(within(row).getByRole("button", { name: "Show the events of alert 2" }));
    await screen.findByRole("heading", { name: "Activity: acme" });
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, alert: 2 }));
    expect(vi.mocked(shell.api.activityInsights).mock.lastCall?.[1]).toEqual({ include_own_calls: false, alert: 2 });
    expect(shell.route).toBe("activity/acme/2");
    const chips = screen.getByRole("group", { name: "Alert filter" });
    expect(chips.textContent).toContain("Alert 2");
    expect(await violations(document.body)).toEqual([]);
    // Other filters narrow the alert's events further.
    fireEvent.input(screen.getByLabelText("User"), { target: { value: "bob@acme" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, user: "bob@acme", alert: 2 }),
    );
    fireEvent.click(within(chips).getByRole("button", { name: "Remove the filter Alert 2" }));
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, user: "bob@acme" }));
    expect(screen.queryByRole("group", { name: "Alert filter" })).toBeNull();
    expect(shell.route).toBe("activity/acme");
  });

  it("starts on an alert's events from its fragment (a window built again)", async () => {
    const shell = shellWithAlerts();
    history.replaceState(null, "", "#activity/sandbox/3");
    render(<App api={shell.api} />);
    await screen.findByRole("heading", { name: "Activity: sandbox" });
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, alert: 3 }));
    expect(screen.getByRole("group", { name: "Alert filter" }).textContent).toContain("Alert 3");
  });

  it("lists a user's alerts on the user page, each opening its events", async () => {
    const shell = shellWithAlerts();
    render(<App api={shell.api} />);
    fireEvent.click(await screen.findByRole("button", { name: "acme" }));
    fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
    await screen.findByRole("heading", { name: "Activity: acme" });
    await waitFor(() => expect(document.querySelectorAll("table.events tbody a.user-link").length).toBeGreaterThan(0));
    fireEvent.click(document.querySelector<HTMLAnchorElement>("table.events tbody a.user-link") as HTMLAnchorElement);
    await screen.findByRole("heading", { name: "User: ann@acme" });
    // No connection column here: the first cell is the severity.
    await waitFor(() => expect(rows()).toEqual(["high 3 impossible_travel open"]));
    expect(vi.mocked(shell.api.alertsList).mock.lastCall).toEqual(["acme", { user: "ann@acme" }]);
    expect(await violations(document.body)).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Show the events of alert 3" }));
    await screen.findByRole("heading", { name: "Activity: acme" });
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, alert: 3 }));
  });

  it("says so when a user has no alerts", async () => {
    const shell = shellWithAlerts();
    shell.alerts = [];
    render(<App api={shell.api} />);
    fireEvent.click(await screen.findByRole("button", { name: "acme" }));
    fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
    await waitFor(() => expect(document.querySelectorAll("table.events tbody a.user-link").length).toBeGreaterThan(0));
    fireEvent.click(document.querySelector<HTMLAnchorElement>("table.events tbody a.user-link") as HTMLAnchorElement);
    await screen.findByText("No alerts for this user.");
  });
});
