// The connection screen's forwarding card on the fake shell: each destination with its delivery
// figures and last error, "Send test event" saying it was accepted or showing the fix, and the
// hint when nothing is forwarded, and an axe-core audit.
import axe from "axe-core";
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import type { ForwardView } from "./api";
import { ProblemError } from "./api";
import { connection, fakeShell } from "./test/fakeApi";

afterEach(cleanup);

// jsdom draws nothing: axe-core's icon-ligature check asks for a canvas and gets none.
HTMLCanvasElement.prototype.getContext = () => null;

function destination(name: string, overrides: Partial<ForwardView> = {}): ForwardView {
  return {
    name,
    url: "hec+https://splunk.example.com:8088",
    kind: "Splunk HTTP Event Collector",
    format: "json",
    pending: 12,
    delivered: 3400,
    alerts_pending: 1,
    alerts_delivered: 4,
    last_delivery: "2026-12-02T06:00:00Z",
    last_error: null,
    ...overrides,
  };
}

async function openAcme(shell: ReturnType<typeof fakeShell>) {
  render(<App api={shell.api} />);
  await waitFor(() => {
    if (!document.querySelector('[data-connection="acme"]')) throw new Error("no card yet");
  });
  await act(() => shell.navigate.emit("acme"));
  return within(await screen.findByRole("heading", { name: "Forwarding" }).then((h) => h.parentElement as HTMLElement));
}

describe("forwarding card", () => {
  it("shows each destination's delivery and last error, and sends a test event", async () => {
    const refused = {
      code: "forward.sentinel_forbidden",
      message: "dce.example.com does not let the app write to the rule (HTTP 403).",
      fix: 'Give the app the role "Monitoring Metrics Publisher" on the data collection rule.',
    };
    const shell = fakeShell([connection("acme")], {
      forwardList: vi.fn(() =>
        Promise.resolve([
          destination("splunk"),
          destination("sentinel", { kind: "Microsoft Sentinel (Logs Ingestion API)", last_error: refused }),
        ]),
      ),
      forwardTest: vi.fn((_name: string, dest: string) =>
        dest === "splunk"
          ? Promise.resolve(destination("splunk", { pending: 0 }))
          : Promise.reject(new ProblemError(refused)),
      ),
    });
    const card = await openAcme(shell);
    expect(shell.api.forwardList).toHaveBeenCalledWith("acme");
    const splunk = within(await card.findByRole("region", { name: "Destination splunk" }));
    expect(splunk.getByText(/3400 delivered, 12 pending; alerts: 4 delivered, 1 pending/)).toBeTruthy();
    fireEvent.click(splunk.getByRole("button", { name: "Send test event" }));
    expect(await splunk.findByText("splunk accepted the test event.")).toBeTruthy();
    expect(splunk.getByText(/3400 delivered, 0 pending/)).toBeTruthy();
    expect(shell.api.forwardTest).toHaveBeenCalledWith("acme", "splunk");

    const sentinel = within(card.getByRole("region", { name: "Destination sentinel" }));
    expect(sentinel.getByText(/Delivery is stopped or retrying/)).toBeTruthy();
    fireEvent.click(sentinel.getByRole("button", { name: "Send test event" }));
    expect(await sentinel.findByText(/The test event was not accepted/)).toBeTruthy();
    expect(sentinel.getAllByText(/Monitoring Metrics Publisher/).length).toBe(2);
  });

  it("says how to add a destination when there is none", async () => {
    const card = await openAcme(fakeShell([connection("acme")]));
    expect(await card.findByText(/Not forwarded anywhere/)).toBeTruthy();
    expect(card.getByText("wdconnect forward add acme --name NAME --to URL")).toBeTruthy();
  });

  it("passes an axe-core audit with a working and a failing destination", async () => {
    const failing = { code: "forward.unreachable", message: "siem.example.com did not answer.", fix: "Check the host." };
    const shell = fakeShell([connection("acme")], {
      forwardList: vi.fn(() => Promise.resolve([destination("splunk"), destination("siem", { last_error: failing })])),
    });
    await openAcme(shell);
    await screen.findByRole("region", { name: "Destination siem" });
    const section = screen.getByRole("heading", { name: "Forwarding" }).parentElement as HTMLElement;
    const result = await axe.run(section, { rules: { "color-contrast": { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  });
});
