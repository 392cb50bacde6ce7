// Tests of the first screen: the sandbox path and how failures are shown.
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App, type Api } from "./App";
import { ProblemError, type AppInfo, type Problem, type SandboxInfo } from "./api";

const SANDBOX: SandboxInfo = {
  simulated: true,
  tenant: "acme_sandbox",
  client_id: "Y2xpZW50LWlk",
  rest_api_endpoint: "http://127.0.0.1:41001/ccx/api/v1/acme_sandbox",
  token_endpoint: "http://127.0.0.1:41001/ccx/oauth2/acme_sandbox/token",
  authorization_endpoint: "http://127.0.0.1:41000/acme_sandbox/authorize",
  redirect_uri: "http://127.0.0.1:8413/callback",
};

const INFO: AppInfo = { version: "0.1.0", sandbox_requested: false, status: { state: "not_configured" } };

function fakeApi(overrides: Partial<Api> = {}): Api {
  return {
    appInfo: vi.fn(() => Promise.resolve(INFO)),
    sandboxInfo: vi.fn(() => Promise.resolve(null)),
    sandboxStart: vi.fn(() => Promise.resolve(SANDBOX)),
    onSandboxChanged: vi.fn(() => Promise.resolve(() => undefined)),
    ...overrides,
  };
}

afterEach(cleanup);

describe("App", () => {
  it("offers the sandbox and shows its five values, labelled as a simulation", async () => {
    const api = fakeApi();
    render(<App api={api} />);
    expect(await screen.findByRole("status")).toHaveProperty("textContent", "Not configured");
    fireEvent.click(screen.getByRole("button", { name: "Try the sandbox" }));
    expect(await screen.findByText("Simulation")).toBeTruthy();
    expect(api.sandboxStart).toHaveBeenCalledTimes(1);
    for (const value of [
      SANDBOX.client_id,
      SANDBOX.rest_api_endpoint,
      SANDBOX.token_endpoint,
      SANDBOX.authorization_endpoint,
      SANDBOX.redirect_uri,
    ]) {
      expect(screen.getByText(value)).toBeTruthy();
    }
    expect(screen.getByRole("button", { name: "Copy Redirection URI" })).toBeTruthy();
  });

  it("shows a sandbox that the shell started at launch", async () => {
    const api = fakeApi({
      appInfo: vi.fn(() => Promise.resolve({ ...INFO, sandbox_requested: true })),
      sandboxInfo: vi.fn(() => Promise.resolve(SANDBOX)),
    });
    render(<App api={api} />);
    expect(await screen.findByText(/Sandbox tenant .acme_sandbox. is running/)).toBeTruthy();
    expect(api.sandboxStart).not.toHaveBeenCalled();
  });

  it("shows the problem's message, fix and code when the sandbox cannot start", async () => {
    const problem: Problem = {
      code: "sandbox.start_failed",
      message: "The sandbox tenant could not start: address in use.",
      fix: "Close whatever else runs a sandbox on this machine, then try again.",
    };
    const api = fakeApi({ sandboxStart: vi.fn(() => Promise.reject(new ProblemError(problem))) });
    render(<App api={api} />);
    fireEvent.click(await screen.findByRole("button", { name: "Try the sandbox" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(problem.message);
    expect(alert.textContent).toContain(problem.fix);
    expect(alert.textContent).toContain(problem.code);
    await waitFor(() =>
      expect(screen.getByRole("button", { name: "Try the sandbox" })).toHaveProperty("disabled", false),
    );
  });
});
