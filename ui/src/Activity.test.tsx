// The activity viewer on the fake shell: filters become query arguments, server-side paging,
// sync progress as status text, and export.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { filterOf, PAGE_SIZE } from "./Activity";
import { ProblemError } from "./api";
import { activityEvents, connection, fakeShell } from "./test/fakeApi";

afterEach(cleanup);

async function openActivity(events = 0, overrides = {}) {
  const shell = fakeShell([connection("acme")], overrides);
  shell.events = activityEvents(events);
  render(<App api={shell.api} />);
  fireEvent.click(await screen.findByRole("button", { name: "acme" }));
  fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
  await screen.findByRole("heading", { name: "Activity: acme" });
  return shell;
}

const rangeText = () => document.querySelector(".pager-range")?.textContent;
// Role queries scoped to the pager and the filter form: over a page of 200 rows (each with its
// own buttons) a document-wide role query takes seconds in jsdom.
const pagerButton = (name: string) =>
  within(document.querySelector<HTMLElement>("nav.pager") as HTMLElement).getByRole<HTMLButtonElement>("button", { name });
const filterForm = () => within(document.querySelector<HTMLElement>("form.activity-filters") as HTMLElement);
const lastQuery = (shell: ReturnType<typeof fakeShell>) => vi.mocked(shell.api.activityQuery).mock.lastCall;

describe("activity viewer", () => {
  it("opens from the connection screen with the first page and hides own calls by default", async () => {
    const shell = await openActivity(3);
    await waitFor(() => expect(rangeText()).toBe("Events 1–3 of 3 matching."));
    expect(lastQuery(shell)).toEqual(["acme", { include_own_calls: false }, { offset: 0, limit: PAGE_SIZE }]);
    const rows = document.querySelectorAll("table.events tbody tr");
    expect(rows.length).toBe(3);
    const time = rows[0]?.querySelector("time");
    expect(time?.getAttribute("datetime")).toBe("2026-04-17T08:00:00.000Z");
    expect(time?.getAttribute("title")).toBe("2026-04-17T08:00:00.000Z (UTC)");
    expect(rows[0]?.textContent).toContain("ann@acme");
    expect(rows[0]?.textContent).toContain("Worker One");
    const table = document.querySelector<HTMLElement>("table.events");
    expect(within(table as HTMLElement).getAllByRole("columnheader").map((h) => h.textContent)).toEqual([
      "Time",
      "User",
      "Action",
      "Task",
      "IP",
      "Country",
      "Device",
      "Target",
    ]);
    expect(screen.getByText(/Synced up to/).querySelector("time")?.getAttribute("datetime")).toBe("2026-04-17T07:58:00Z");
  });

  it("says 'about' when the store estimated a total too large to count at once", async () => {
    const shell = await openActivity(3);
    vi.mocked(shell.api.activityQuery).mockImplementation((_name, _filter, page) =>
      Promise.resolve({
        events: shell.events.slice(page.offset, page.offset + page.limit),
        total: 12_400_000,
        total_estimated: true,
        offset: page.offset,
        synced_until: "2026-04-17T07:58:00Z",
      }),
    );
    fireEvent.click(filterForm().getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(rangeText()).toBe("Events 1–3 of about 12,400,000 matching."));
  });

  it("shows each address's country and its tags beside it", async () => {
    const shell = fakeShell([connection("acme")]);
    shell.events = activityEvents(2).map((e, i) =>
      i === 0 ? { ...e, ip_address: "80.128.0.1", country: "DE", ip_tags: ["risky"] } : e,
    );
    render(<App api={shell.api} />);
    fireEvent.click(await screen.findByRole("button", { name: "acme" }));
    fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
    await waitFor(() => expect(document.querySelectorAll("table.events tbody tr").length).toBe(2));
    const cells = (row: number) =>
      [...(document.querySelectorAll("table.events tbody tr")[row]?.querySelectorAll("td") ?? [])].map((c) => c.textContent);
    expect(cells(0)[4]).toBe("80.128.0.1 risky");
    expect(cells(0)[5]).toBe("DE");
    // A private address: no country, no tag.
    expect(cells(1)[4]).toBe("10.0.0.1");
    expect(cells(1)[5]).toBe("—");
  });

  it("sends every filter, trimmed, with local times as UTC, and starts again at the first page", async () => {
    const shell = await openActivity(450);
    await waitFor(() => expect(rangeText()).toContain("of 450"));
    fireEvent.click(pagerButton("Next"));
    await waitFor(() => expect(lastQuery(shell)?.[2]).toEqual({ offset: 200, limit: 200 }));
    const form = filterForm();
    fireEvent.input(form.getByLabelText("From"), { target: { value: "2026-04-16T08:00" } });
    fireEvent.input(form.getByLabelText("To"), { target: { value: "2026-04-17T08:00" } });
    fireEvent.input(form.getByLabelText("User"), { target: { value: " ann@acme " } });
    fireEvent.input(form.getByLabelText("Task contains"), { target: { value: "worker" } });
    fireEvent.change(form.getByLabelText("Action"), { target: { value: "WRITE" } });
    fireEvent.input(form.getByLabelText("IP address"), { target: { value: "10.0.0.1" } });
    fireEvent.input(form.getByLabelText("Device"), { target: { value: "Phone" } });
    fireEvent.click(form.getByLabelText("Show the app's own calls"));
    fireEvent.click(form.getByRole("button", { name: "Apply filters" }));
    await waitFor(() =>
      expect(lastQuery(shell)).toEqual([
        "acme",
        {
          since: new Date("2026-04-16T08:00").toISOString(),
          until: new Date("2026-04-17T08:00").toISOString(),
          user: "ann@acme",
          task: "worker",
          action: "WRITE",
          ip: "10.0.0.1",
          device: "Phone",
          include_own_calls: true,
        },
        { offset: 0, limit: 200 },
      ]),
    );
  });

  it("quick picks set the start of the range and apply it", async () => {
    const shell = await openActivity(1);
    await waitFor(() => expect(rangeText()).toContain("of 1"));
    const before = Date.now();
    fireEvent.click(screen.getByRole("button", { name: "Last 24 hours" }));
    await waitFor(() => expect(lastQuery(shell)?.[1].since).toBeDefined());
    const since = Date.parse(lastQuery(shell)?.[1].since ?? "");
    // Minutes precision (a datetime-local input): within a minute of 24 h ago.
    expect(Math.abs(since - (before - 24 * 3_600_000))).toBeLessThan(61_000);
    expect(lastQuery(shell)?.[1].until).toBeUndefined();
    expect(screen.getByLabelText<HTMLInputElement>("From").value).not.toBe("");
  });

  it("pages with Next and Previous by the server's total, and never asks past the end", async () => {
    const shell = await openActivity(450);
    const next = () => pagerButton("Next");
    const previous = () => pagerButton("Previous");
    await waitFor(() => expect(rangeText()).toBe("Events 1–200 of 450 matching."));
    expect(previous().disabled).toBe(true);
    fireEvent.click(next());
    await waitFor(() => expect(rangeText()).toBe("Events 201–400 of 450 matching."));
    fireEvent.click(next());
    await waitFor(() => expect(rangeText()).toBe("Events 401–450 of 450 matching."));
    expect(next().disabled).toBe(true);
    expect(document.querySelectorAll("table.events tbody tr").length).toBe(50);
    fireEvent.click(previous());
    await waitFor(() => expect(rangeText()).toBe("Events 201–400 of 450 matching."));
    const offsets = vi.mocked(shell.api.activityQuery).mock.calls.map((c) => c[2].offset);
    expect(offsets).toEqual([0, 200, 400, 200]);
    expect(Math.max(...vi.mocked(shell.api.activityQuery).mock.calls.map((c) => c[2].limit))).toBe(PAGE_SIZE);
  });

  it("says so when a sync left a window for the next one", async () => {
    const shell = await openActivity(0);
    const warning = {
      code: "activity.window_unstable",
      message: "Workday's answers for 2026-04-17T06:00:00Z to 2026-04-17T07:00:00Z disagreed on each of 3 reads.",
      fix: "Nothing to change: the next sync reads it again from there.",
    };
    vi.mocked(shell.api.activitySync).mockResolvedValueOnce({
      connection: "acme", from: "", to: "", origin: "", synced_until: "2026-04-17T06:00:00Z",
      windows: 2, splits: 0, events_read: 10, events_stored: 10, events_untimed: 0, events_total: 10, own_calls_read: 0, own_calls_total: 0, events_pruned: 0, elapsed_secs: 1,
      warnings: [warning],
    });
    await waitFor(() => expect(rangeText()).toBe("No events match."));
    fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
    await screen.findByText(
      `Sync finished: 10 new events, 10 stored in all (0 of them the app's own API calls, hidden unless shown). ${warning.message} ${warning.fix}`,
    );
  });

  it("shows sync progress as status text and a progress bar, then the outcome", async () => {
    let finish: (v: unknown) => void = () => {};
    const shell = await openActivity(0);
    vi.mocked(shell.api.activitySync).mockImplementationOnce(
      (name: string) =>
        new Promise((resolve) => {
          finish = () =>
            resolve({
              connection: name, from: "", to: "", origin: "", synced_until: "2026-04-17T07:58:00Z",
              windows: 10, splits: 0, events_read: 5000, events_stored: 4200, events_untimed: 0, events_total: 4200, own_calls_read: 12, own_calls_total: 12, events_pruned: 0, elapsed_secs: 9, warnings: [],
            });
        }),
    );
    await waitFor(() => expect(rangeText()).toBe("No events match."));
    fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
    expect(shell.api.activitySync).toHaveBeenCalledWith("acme");
    await screen.findByRole("button", { name: "Syncing…" });
    void act(() => {
      shell.syncProgress.emit({
        name: "other", windows_done: 9, windows_total: 9, events_read: 1, events_stored: 1, events_per_sec: 1, eta_secs: 0,
        synced_until: "2026-04-17T07:00:00Z",
      });
      shell.syncProgress.emit({
        name: "acme", windows_done: 3, windows_total: 10, events_read: 1500, events_stored: 1234, events_per_sec: 512.4, eta_secs: 65,
        synced_until: "2026-04-17T07:00:00Z",
      });
    });
    const status = screen.getByText(/^Syncing:/);
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toBe("Syncing: 3 of 10 windows, 1,234 events stored, 512 events/s, about 1:05 left.");
    const bar = screen.getByRole<HTMLProgressElement>("progressbar", { name: "Sync progress" });
    expect(bar.value).toBe(3);
    expect(bar.max).toBe(10);
    const queries = vi.mocked(shell.api.activityQuery).mock.calls.length;
    await act(() => finish(null));
    await screen.findByText("Sync finished: 4,200 new events, 4,200 stored in all (12 of them the app's own API calls, hidden unless shown).");
    expect(screen.queryByRole("progressbar")).toBeNull();
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.calls.length).toBe(queries + 1));
  });

  it("exports the current filter as CSV or NDJSON and says where", async () => {
    const shell = await openActivity(7);
    fireEvent.input(screen.getByLabelText("User"), { target: { value: "bob@acme" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(lastQuery(shell)?.[1].user).toBe("bob@acme"));
    fireEvent.click(screen.getByRole("button", { name: "Export CSV…" }));
    expect(shell.api.activityExport).toHaveBeenCalledWith("acme", { user: "bob@acme", include_own_calls: false }, "csv");
    await screen.findByText("Exported 7 events to /home/me/acme-activity.csv.");
    vi.mocked(shell.api.activityExport).mockResolvedValueOnce(null);
    fireEvent.click(screen.getByRole("button", { name: "Export NDJSON…" }));
    expect(vi.mocked(shell.api.activityExport).mock.lastCall?.[2]).toBe("ndjson");
    await screen.findByText("Export cancelled.");
  });

  it("shows the shell's problem for a rejected filter", async () => {
    const shell = await openActivity(1);
    await waitFor(() => expect(rangeText()).toContain("of 1"));
    vi.mocked(shell.api.activityQuery).mockRejectedValueOnce(
      new ProblemError({ code: "input.time_order", message: "The start is not before the end.", fix: "Swap them." }),
    );
    fireEvent.input(screen.getByLabelText("From"), { target: { value: "2026-04-17T08:00" } });
    fireEvent.input(screen.getByLabelText("To"), { target: { value: "2026-04-16T08:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The start is not before the end.");
    expect(alert.textContent).toContain("input.time_order");
  });

  it("filterOf leaves blank text and unreadable times out", () => {
    expect(
      filterOf({ from: "", to: "nonsense", user: "  ", task: "", action: "", ip: "", device: "", ownCalls: false }),
    ).toEqual({ include_own_calls: false });
  });
});
