// Tests of the app around the wizard: the connections list, the sandbox, live status, tray
// navigation, the connection screen (remove confirmation), and settings.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { ProblemError } from "./api";
import { connection, fakeShell, SANDBOX_INFO } from "./test/fakeApi";

beforeEach(() => {
  Object.defineProperty(navigator, "clipboard", {
    value: { writeText: vi.fn(() => Promise.resolve()) },
    configurable: true,
  });
});
afterEach(cleanup);

function card(name: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-connection="${name}"]`);
  if (!el) throw new Error(`no card ${name}`);
  return el;
}

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el;
}

const overall = () => document.querySelector(".topbar .overall .status")?.textContent;

describe("connections", () => {
  it("welcomes with the sandbox when there is no connection", async () => {
    const shell = fakeShell();
    render(<App api={shell.api} />);
    const title = await waitFor(() => byId("welcome-title"));
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Workday Connector");
    await waitFor(() => expect(document.activeElement).toBe(title));
    expect(byId("try-sandbox").textContent).toBe("Try the sandbox");
    expect(screen.getByRole("button", { name: "Add a connection" })).toBeTruthy();
    expect(overall()).toBe("No connections");
  });

  it("lists every connection with its status words, last check, last error with fix, and the Simulation label", async () => {
    const shell = fakeShell([
      connection("acme", { status: { state: "connected", label: "Connected" }, last_success: "2026-04-17T08:15:00Z" }),
      connection("globex", {
        status: { state: "sign_in_required", reason: "Refresh token revoked.", label: "Sign-in required" },
        last_error: { code: "token.invalid_grant", message: "The refresh token was revoked.", fix: "Sign in again." },
      }),
      connection("sandbox", { simulated: true, status: { state: "offline", reason: "The sandbox is stopped.", label: "Offline" } }),
    ]);
    render(<App api={shell.api} />);
    await waitFor(() => card("acme"));
    expect(card("acme").querySelector(".status")?.textContent).toBe("Connected");
    expect(card("acme").querySelector("time")?.getAttribute("datetime")).toBe("2026-04-17T08:15:00Z");
    expect(card("acme").querySelector("svg")).toBeTruthy();
    expect(card("globex").querySelector(".status")?.textContent).toBe("Sign-in required: Refresh token revoked.");
    expect(card("globex").textContent).toContain("The refresh token was revoked.");
    expect(card("globex").querySelector(".fix")?.textContent).toContain("Sign in again.");
    expect(card("sandbox").querySelector(".badge.simulated")?.textContent).toBe("Simulation");
    expect(card("acme").querySelector(".badge.simulated")).toBeNull();
    expect(overall()).toBe("Sign-in required: Refresh token revoked.");
  });

  it("starts the sandbox and opens its wizard at Sign in, labelled Simulation", async () => {
    const shell = fakeShell();
    render(<App api={shell.api} />);
    fireEvent.click(await waitFor(() => byId("try-sandbox")));
    await waitFor(() => expect(byId("wizard-step-title").textContent).toBe("Sign in"));
    expect(shell.api.startSandbox).toHaveBeenCalledTimes(1);
    expect(document.querySelector(".wizard .badge.simulated")?.textContent).toBe("Simulation");
    expect(byId("sign-in")).toBeTruthy();
    fireEvent.click(byId("wizard-back"));
    expect(screen.getByLabelText<HTMLInputElement>("Client ID").value).toBe("Y2xpZW50LWlk");
    expect(screen.getByLabelText<HTMLInputElement>("Token Endpoint").value).toContain("127.0.0.1:41001");
  });

  it("launched with --sandbox, lands on the sandbox's own screen with Sign in as the one obvious action", async () => {
    const shell = fakeShell([], {
      appInfo: vi.fn(() => Promise.resolve({ version: "0.1.0", sandbox_requested: true })),
    });
    render(<App api={shell.api} />);
    await waitFor(() => expect(screen.getByText("Starting the sandbox…")).toBeTruthy());
    // The shell starts the sandbox at launch and says so.
    await shell.api.startSandbox();
    await act(() => shell.sandbox.emit(SANDBOX_INFO));
    const head = await waitFor(() => {
      const el = document.querySelector('[data-connection-screen="sandbox"] .screen-head');
      if (!el) throw new Error("not on the sandbox's screen yet");
      return el;
    });
    expect(head.querySelector(".status")?.textContent).toBe("Not signed in");
    expect(head.querySelector(".badge.simulated")?.textContent).toBe("Simulation");
    const primary = [...document.querySelectorAll(".actions button.primary")].map((b) => b.textContent);
    expect(primary).toEqual(["Sign in"]);
    expect(screen.queryByRole("button", { name: "Sign in again" })).toBeNull();
    fireEvent.click(byId("connection-sign-in"));
    expect(byId("wizard-step-title").textContent).toBe("Sign in");
    // The landing happens once, not on every reload: the list stays the list.
    fireEvent.click(screen.getByRole("button", { name: "Connections" }));
    await act(() => shell.sandbox.emit(SANDBOX_INFO));
    await waitFor(() => expect(document.querySelector('[data-connection="sandbox"]')).toBeTruthy());
    expect(document.querySelector('[data-connection-screen="sandbox"]')).toBeNull();
  });

  it("shows why the sandbox could not start", async () => {
    const problem = { code: "sandbox.start_failed", message: "Address in use.", fix: "Close the other sandbox." };
    const shell = fakeShell([], { startSandbox: vi.fn(() => Promise.reject(new ProblemError(problem))) });
    render(<App api={shell.api} />);
    fireEvent.click(await waitFor(() => byId("try-sandbox")));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Address in use.");
    expect(alert.querySelector(".fix")?.textContent).toContain("Close the other sandbox.");
    await waitFor(() => expect(byId("try-sandbox")).toHaveProperty("disabled", false));
  });
});

describe("live status and navigation", () => {
  it("updates the list, the top bar and the connection screen from status events", async () => {
    const shell = fakeShell([connection("acme"), connection("globex")]);
    render(<App api={shell.api} />);
    await waitFor(() => card("acme"));
    expect(overall()).toBe("Connected");
    await act(() =>
      shell.status.emit({
        acme: { status: { state: "degraded", reason: "Activity log 403.", label: "Degraded" }, last_check: "2026-04-17T09:00:00Z" },
        globex: { status: { state: "syncing", label: "Syncing" } },
      }),
    );
    expect(card("acme").querySelector(".status")?.textContent).toBe("Degraded: Activity log 403.");
    expect(card("globex").querySelector(".status")?.textContent).toBe("Syncing");
    expect(overall()).toBe("Degraded: Activity log 403.");
    fireEvent.click(within(card("acme")).getByRole("button", { name: "acme" }));
    expect(byId("connection-title").textContent).toBe("acme");
    await act(() => shell.status.emit({ acme: { status: { state: "connected", label: "Connected" } }, globex: { status: { state: "syncing", label: "Syncing" } } }));
    expect(document.querySelector("[data-connection-screen] .status")?.textContent).toBe("Connected");
    expect(overall()).toBe("Syncing");
  });

  it("reloads the list when a status names a new connection", async () => {
    const shell = fakeShell([connection("acme")]);
    render(<App api={shell.api} />);
    await waitFor(() => card("acme"));
    shell.connections.push(connection("newco", { status: { state: "signing_in", label: "Signing in" } }));
    await act(() => shell.status.emit({ acme: { status: { state: "connected", label: "Connected" } }, newco: { status: { state: "signing_in", label: "Signing in" } } }));
    await waitFor(() => expect(card("newco").querySelector(".status")?.textContent).toBe("Signing in"));
  });

  it("opens the connection (or the list) the tray asks for, focusing its heading", async () => {
    const shell = fakeShell([connection("acme")]);
    render(<App api={shell.api} />);
    await waitFor(() => card("acme"));
    await act(() => shell.navigate.emit("acme"));
    expect(byId("connection-title").textContent).toBe("acme");
    expect(document.activeElement).toBe(byId("connection-title"));
    await act(() => shell.navigate.emit(null));
    expect(byId("connections-title")).toBeTruthy();
    expect(document.activeElement).toBe(byId("connections-title"));
  });
});

describe("a window built again", () => {
  it("starts on the screen and connection the closed one showed", async () => {
    const shell = fakeShell([connection("acme"), connection("new co!")]);
    render(<App api={shell.api} />);
    await waitFor(() => card("new co!"));
    fireEvent.click(within(card("new co!")).getByRole("button", { name: "new co!" }));
    fireEvent.click(await screen.findByRole("button", { name: "Activity" }));
    await waitFor(() => expect(shell.route).toBe("activity/new%20co%21"));
    expect(window.location.hash).toBe("#activity/new%20co%21");
    // Closed: the window and its page go; the shell builds a new one at the saved fragment.
    cleanup();
    history.replaceState(null, "", `/#${shell.route}`);
    const again = fakeShell([connection("acme"), connection("new co!")]);
    render(<App api={again.api} />);
    await waitFor(() => expect(document.querySelector("[data-activity-screen]")?.getAttribute("data-activity-screen")).toBe("new co!"));
    expect(again.api.listConnections).toHaveBeenCalled();
  });

  it("reports the list as the empty route, and an unknown fragment opens the list", async () => {
    history.replaceState(null, "", "/#nowhere/at/all");
    const shell = fakeShell([connection("acme")]);
    render(<App api={shell.api} />);
    await waitFor(() => card("acme"));
    await waitFor(() => expect(shell.api.saveRoute).toHaveBeenCalledWith(""));
    expect(window.location.hash).toBe("");
  });
});

describe("connection screen", () => {
  async function openAcme(shell = fakeShell([connection("acme"), connection("globex")])) {
    render(<App api={shell.api} />);
    await waitFor(() => card("acme"));
    await act(() => shell.navigate.emit("acme"));
    return shell;
  }

  it("asks before removing, naming the connection; Escape and Cancel keep it", async () => {
    const shell = await openAcme();
    const remove = screen.getByRole("button", { name: "Remove" });
    remove.focus();
    fireEvent.click(remove);
    const dialog = screen.getByRole("dialog", { name: "Remove “acme”?" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Cancel" }));
    // Tab stays inside the dialog.
    const confirm = within(dialog).getByRole("button", { name: "Remove “acme”" });
    const deleteEvents = within(dialog).getByRole("checkbox", { name: /Also delete its activity log/ });
    expect((deleteEvents as HTMLInputElement).checked).toBe(false);
    confirm.focus();
    fireEvent.keyDown(confirm, { key: "Tab" });
    expect(document.activeElement).toBe(deleteEvents);
    fireEvent.keyDown(document.activeElement as HTMLElement, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(remove);
    fireEvent.click(remove);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(shell.api.removeConnection).not.toHaveBeenCalled();

    fireEvent.click(remove);
    fireEvent.click(screen.getByRole("checkbox", { name: /Also delete its activity log/ }));
    fireEvent.click(screen.getByRole("button", { name: "Remove “acme”" }));
    await waitFor(() => expect(shell.api.removeConnection).toHaveBeenCalledWith("acme", true));
    await waitFor(() => expect(document.querySelector('[data-connection="acme"]')).toBeNull());
    expect(card("globex")).toBeTruthy();
    expect(screen.getByText("Removed the connection “acme”.")).toBeTruthy();
  });

  it("tests now and keeps the report for the session", async () => {
    const shell = await openAcme();
    fireEvent.click(byId("run-test"));
    await waitFor(() => expect(document.querySelectorAll("[data-step]")).toHaveLength(3));
    expect(shell.api.test).toHaveBeenCalledWith("acme");
    fireEvent.click(screen.getByRole("button", { name: "Connections" }));
    await act(() => shell.navigate.emit("acme"));
    expect(document.querySelector('[data-step="activity_log"]')?.getAttribute("data-verdict")).toBe("fail");
  });

  it("edits at Details with values filled and a blank secret; signs in again at Sign in", async () => {
    await openAcme();
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    expect(byId("wizard-step-title").textContent).toBe("Details");
    expect(screen.getByLabelText<HTMLInputElement>("Client ID").value).toBe("acme-client-id");
    expect(screen.getByLabelText<HTMLInputElement>("Client Secret").value).toBe("");
    fireEvent.click(screen.getByRole("button", { name: "Close setup" }));
    fireEvent.click(screen.getByRole("button", { name: "Sign in again" }));
    expect(byId("wizard-step-title").textContent).toBe("Sign in");
  });

  it("disconnects and says so", async () => {
    const shell = await openAcme();
    fireEvent.click(screen.getByRole("button", { name: "Disconnect" }));
    await waitFor(() => expect(screen.getByText(/Disconnected “acme”/)).toBeTruthy());
    expect(shell.api.disconnect).toHaveBeenCalledWith("acme");
  });
});

describe("settings", () => {
  it("loads, changes and saves the settings", async () => {
    const shell = fakeShell([connection("acme")]);
    render(<App api={shell.api} />);
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    const interval = await screen.findByLabelText<HTMLInputElement>("Check interval (minutes)");
    expect(document.activeElement).toBe(byId("settings-title"));
    expect(interval.value).toBe("15");
    const login = screen.getByLabelText<HTMLInputElement>(/Start Workday Connector/);
    expect(login.checked).toBe(false);
    fireEvent.click(login);
    fireEvent.click(screen.getByLabelText(/Notify me/));
    fireEvent.input(interval, { target: { value: "0" } });
    expect(screen.getByRole("button", { name: "Save settings" })).toHaveProperty("disabled", true);
    fireEvent.input(interval, { target: { value: "30" } });
    fireEvent.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("Settings saved.")).toBeTruthy();
    expect(shell.api.setSettings).toHaveBeenCalledWith({
      start_at_login: true,
      notifications: false,
      check_interval_minutes: 30,
    });
    // Round trip: leaving and coming back shows what the shell stored.
    fireEvent.click(screen.getByRole("button", { name: "Connections" }));
    fireEvent.click(screen.getByRole("button", { name: "Settings" }));
    expect((await screen.findByLabelText<HTMLInputElement>("Check interval (minutes)")).value).toBe("30");
    expect(screen.getByLabelText<HTMLInputElement>(/Start Workday Connector/).checked).toBe(true);
  });
});
