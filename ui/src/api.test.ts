// Tests of the shell bridge: every command reaches the shell by its name with camelCase argument
// names, problems come back unchanged, and events reach their handlers.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, describe, expect, it } from "vitest";
import { api, isProblem, ProblemError, statusLabel, toProblem, type ProfileInput, type Settings } from "./api";

afterEach(clearMocks);

const INPUT: ProfileInput = {
  name: "acme",
  client_id: "id",
  rest_api_endpoint: "https://wd2-impl-services1.workday.com/ccx/api/v1/acme",
  token_endpoint: "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token",
  authorization_endpoint: "https://impl.workday.com/acme/authorize",
  redirect_port: 8413,
  redirect_host: "ipv4_literal",
  pkce: true,
  client_auth: "basic",
  sso: false,
};

const SETTINGS: Settings = { start_at_login: true, notifications: false, check_interval_minutes: 15 };

describe("api", () => {
  it("calls each command by its name with camelCase argument names", async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      return null;
    });
    await api.appInfo();
    await api.listConnections();
    await api.guide(9001, "localhost");
    await api.checkValues(INPUT);
    await api.parsePaste("Client ID abc");
    await api.addConnection(INPUT, "s3cret");
    await api.editConnection("acme", INPUT, null);
    await api.removeConnection("acme", true);
    await api.connect("acme");
    await api.cancelSignIn("acme");
    await api.test("acme");
    await api.disconnect("acme");
    await api.startSandbox();
    await api.sandboxInfo();
    await api.getSettings();
    await api.setSettings(SETTINGS);
    const args = (p: unknown) => {
      // Tauri adds nothing for argument-less calls; compare only what the UI sent.
      return p && typeof p === "object" && Object.keys(p).length > 0 ? p : undefined;
    };
    expect(seen.map(([cmd, p]) => [cmd, args(p)])).toEqual([
      ["app_info", undefined],
      ["connections_list", undefined],
      ["guide", { redirectPort: 9001, redirectHost: "localhost" }],
      ["check_values", { input: INPUT }],
      ["parse_paste", { text: "Client ID abc" }],
      ["connection_add", { input: INPUT, clientSecret: "s3cret" }],
      ["connection_edit", { name: "acme", input: INPUT, clientSecret: null }],
      ["connection_remove", { name: "acme", deleteEvents: true }],
      ["connection_connect", { name: "acme" }],
      ["signin_cancel", { name: "acme" }],
      ["connection_test", { name: "acme" }],
      ["connection_disconnect", { name: "acme" }],
      ["sandbox_start", undefined],
      ["sandbox_info", undefined],
      ["settings_get", undefined],
      ["settings_set", { settings: SETTINGS }],
    ]);
  });

  it("passes a shell problem through unchanged, details included", async () => {
    const problem = {
      code: "profile.invalid",
      message: "Two fields are invalid.",
      fix: "Fix the Token Endpoint.",
      details: [
        { code: "endpoint.not_https", message: "Token Endpoint is not https.", fix: "Use https." },
        { code: "profile.name_empty", message: "No name.", fix: "Enter a name." },
      ],
    };
    mockIPC((cmd) => {
      // The shell rejects with a plain {code, message, fix} object, not an Error.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (cmd === "connection_add") throw problem;
      return null;
    });
    const error = await api.addConnection(INPUT, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect(isProblem(error)).toBe(true);
    expect(toProblem(error)).toEqual(problem);
  });

  it("delivers shell events to their handlers", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const statuses: unknown[] = [];
    const targets: Array<string | null> = [];
    const un1 = await api.onStatus((all) => statuses.push(all));
    const un2 = await api.onNavigate((name) => targets.push(name));
    await emit("status-changed", { acme: { status: { state: "connected", label: "Connected" } } });
    await emit("navigate", "acme");
    await emit("navigate", null);
    expect(statuses).toEqual([{ acme: { status: { state: "connected", label: "Connected" } } }]);
    expect(targets).toEqual(["acme", null]);
    un1();
    un2();
  });

  it("turns anything else into an app.unexpected problem with a fix", () => {
    expect(toProblem("boom")).toEqual({
      code: "app.unexpected",
      message: "boom",
      fix: "Try again; if it persists, restart Workday Connector.",
    });
    expect(toProblem(new Error("x")).code).toBe("app.unexpected");
  });

  it("labels statuses like the tray, with the reason", () => {
    expect(statusLabel({ state: "sign_in_required", reason: "Refresh token revoked.", label: "Sign-in required" })).toBe(
      "Sign-in required: Refresh token revoked.",
    );
    expect(statusLabel({ state: "connected", label: "Connected" })).toBe("Connected");
  });
});
