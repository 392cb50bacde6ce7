// Insights in the activity viewer on the fake shell: the chart and its text alternative, top
// lists that narrow the filter, and a user's 30-day page and the way back.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { bucketLabel, chartSummary, EventChart, localOffsetMinutes } from "./Insights";
import { ProblemError } from "./api";
import { activityEvents, connection, fakeShell, topOf, userOf } from "./test/fakeApi";

afterEach(cleanup);

async function openActivity(events: number, overrides = {}) {
  const shell = fakeShell([connection("acme")], overrides);
  shell.events = activityEvents(events);
  render(<App api={shell.api} />);
  fireEvent.click(await screen.findByRole("button", { name: "acme" }));
  fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
  await screen.findByRole("heading", { name: "Activity: acme" });
  return shell;
}

const insightsPanel = () => document.querySelector<HTMLElement>("[data-insights]") as HTMLElement;
const list = (id: string) =>
  [...document.querySelectorAll(`[data-top="${id}"] li`)].map((li) => li.textContent?.replace(/\s+/g, " ").trim());

describe("insights in the viewer", () => {
  it("charts the filter's events with a text alternative and lists its top users, tasks and IPs", async () => {
    const shell = await openActivity(90);
    await waitFor(() => expect(document.querySelectorAll(".chart-bar").length).toBeGreaterThan(0));
    expect(vi.mocked(shell.api.activityInsights).mock.lastCall).toEqual(["acme", { include_own_calls: false }, localOffsetMinutes()]);
    // 90 events a minute apart back from 08:00 UTC: 07:00 holds 60 and 06:00 the other 30 (the
    // fake counts per UTC hour).
    const bars = [...document.querySelectorAll(".chart-bar title")].map((t) => t.textContent);
    expect(bars).toHaveLength(3);
    expect(bars.map((b) => b?.split(": ")[1])).toEqual(["29", "60", "1"]);
    const svg = insightsPanel().querySelector("svg");
    expect(svg?.getAttribute("role")).toBe("img");
    expect(svg?.getAttribute("aria-label")).toMatch(/^90 events over 3 hours; the busiest hour, .*, had 60\.$/);
    // The same numbers as a table, for anyone who cannot see the bars.
    const table = within(insightsPanel()).getByRole("table", { hidden: true });
    expect(within(table).getAllByRole("row", { hidden: true })).toHaveLength(4);
    expect(list("top-users")).toEqual(["ann@acme 45 (50 %) 30 days", "bob@acme 45 (50 %) 30 days"]);
    expect(list("top-ips")).toEqual(["10.0.0.1 90 (100 %)"]);
    expect(list("top-tasks")).toHaveLength(10);
    expect(within(insightsPanel()).getByText("Top 10 of 90.")).toBeTruthy();
    // No country is made up: the list appears only when the shell sends countries.
    expect(document.querySelector('[data-top="top-countries"]')).toBeNull();
  });

  it("narrows the filter to a top user, task or IP when it is clicked", async () => {
    const shell = await openActivity(10);
    fireEvent.click(await within(insightsPanel()).findByRole("button", { name: "Show only bob@acme" }));
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, user: "bob@acme" }));
    expect(screen.getByLabelText<HTMLInputElement>("User").value).toBe("bob@acme");
    await waitFor(() => expect(vi.mocked(shell.api.activityInsights).mock.lastCall?.[1]).toEqual({ include_own_calls: false, user: "bob@acme" }));
    fireEvent.click(within(insightsPanel()).getByRole("button", { name: "Show only 10.0.0.1" }));
    await waitFor(() =>
      expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1]).toEqual({ include_own_calls: false, user: "bob@acme", ip: "10.0.0.1" }),
    );
    fireEvent.click(within(insightsPanel()).getByRole("button", { name: "Show only the task Task 3" }));
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1].task).toBe("Task 3"));
  });

  it("lists countries when the shell sends them", async () => {
    const shell = fakeShell([connection("acme")]);
    shell.events = activityEvents(3);
    vi.mocked(shell.api.activityInsights).mockImplementation(() =>
      Promise.resolve({
        total: 3,
        bucket: "day",
        series: [{ start: "2026-04-17T00:00:00Z", count: 3 }],
        untimed: 0,
        users: topOf(["ann"]),
        tasks: topOf([]),
        ips: topOf([]),
        countries: topOf(["DE", "DE", "FR"]),
      }),
    );
    render(<App api={shell.api} />);
    fireEvent.click(await screen.findByRole("button", { name: "acme" }));
    fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
    await waitFor(() => expect(list("top-countries")).toEqual(["DE 2 (67 %)", "FR 1 (33 %)"]));
  });

  it("shows the shell's problem in place of the insights and keeps the table", async () => {
    await openActivity(3, {
      activityInsights: vi.fn(() =>
        Promise.reject(new ProblemError({ code: "store.unavailable", message: "The activity store could not be read.", fix: "Try again." })),
      ),
    });
    await within(insightsPanel()).findByText("The activity store could not be read.");
    expect(within(insightsPanel()).getByText("store.unavailable")).toBeTruthy();
    await waitFor(() => expect(document.querySelectorAll("table.events tbody tr").length).toBe(3));
  });
});

describe("user page", () => {
  it("opens from a name in the table with 30 days of that user, and goes back to the same page", async () => {
    const shell = await openActivity(250);
    await waitFor(() => expect(document.querySelector(".pager-range")?.textContent).toContain("of 250"));
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(document.querySelector(".pager-range")?.textContent).toContain("201–250"));
    const link = document.querySelector<HTMLAnchorElement>("table.events tbody a.user-link") as HTMLAnchorElement;
    expect(link.textContent).toBe("ann@acme");
    fireEvent.click(link);
    const heading = await screen.findByRole("heading", { name: "User: ann@acme" });
    expect(document.activeElement).toBe(heading);
    expect(vi.mocked(shell.api.activityUser).mock.lastCall).toEqual(["acme", "ann@acme", localOffsetMinutes()]);
    await screen.findByText(/^125 events in the last 30 days, from /);
    expect(document.querySelectorAll("[data-chart=user-chart] .chart-bar").length).toBe(30);
    expect(list("user-devices")).toEqual(["Desktop 125 (100 %)"]);
    expect(list("user-ips")).toEqual(["10.0.0.1 125 (100 %)"]);
    expect(list("user-actions")).toEqual(["READ 125 (100 %)"]);
    const sessions = within(screen.getByRole("region", { name: "Sessions" })).getAllByRole("row");
    expect(sessions).toHaveLength(2);
    expect(sessions[1]?.textContent).toContain("s1");

    fireEvent.click(screen.getByRole("button", { name: "Back to the activity of acme" }));
    await screen.findByRole("heading", { name: "Activity: acme" });
    await waitFor(() => expect(document.querySelector(".pager-range")?.textContent).toBe("Events 201–250 of 250 matching."));
  });

  it("opens from a top user and shows that user's events in the viewer on request", async () => {
    const shell = await openActivity(20);
    fireEvent.click(await within(insightsPanel()).findByRole("button", { name: "30 days of bob@acme" }));
    await screen.findByRole("heading", { name: "User: bob@acme" });
    fireEvent.click(await screen.findByRole("button", { name: "Show these events in the viewer" }));
    await screen.findByRole("heading", { name: "Activity: acme" });
    await waitFor(() => expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1].user).toBe("bob@acme"));
    // The page's start (through the From input, in local minutes).
    expect(vi.mocked(shell.api.activityQuery).mock.lastCall?.[1].since).toBe("2026-03-19T00:00:00.000Z");
  });

  it("says so when the user has no events in the 30 days", async () => {
    await openActivity(2, { activityUser: vi.fn((_name: string, user: string) => Promise.resolve(userOf([], user))) });
    fireEvent.click(await within(insightsPanel()).findByRole("button", { name: "30 days of ann@acme" }));
    await screen.findByText("No events of this user in the last 30 days.");
    expect(screen.getByText("No sessions.")).toBeTruthy();
  });
});

describe("the chart's words", () => {
  it("sums the bars and names the busiest", () => {
    const series = [
      { start: "2026-04-17T00:00:00Z", count: 4 },
      { start: "2026-04-18T00:00:00Z", count: 9 },
    ];
    expect(chartSummary(series, "day")).toBe(`13 events over 2 days; the busiest day, ${bucketLabel("2026-04-18T00:00:00Z", "day")}, had 9.`);
    expect(chartSummary([], "hour")).toBe("No events to chart.");
    expect(chartSummary([{ start: "2026-04-17T00:00:00Z", count: 0 }], "hour")).toBe("No events in 1 hour.");
  });

  it("draws one bar a bucket, an empty bucket without height, the tallest to the top", () => {
    render(
      <EventChart
        id="c"
        title="Events"
        bucket="hour"
        series={[
          { start: "2026-04-17T00:00:00Z", count: 2 },
          { start: "2026-04-17T01:00:00Z", count: 0 },
          { start: "2026-04-17T02:00:00Z", count: 8 },
        ]}
      />,
    );
    const heights = [...document.querySelectorAll(".chart-bar")].map((r) => Number(r.getAttribute("height")));
    expect(heights[1]).toBe(0);
    expect(heights[2]).toBe(116);
    expect(heights[0]).toBe(29);
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("10 events over 3 hours");
  });
});

