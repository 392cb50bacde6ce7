// Tests of the shell bridge: commands reach the shell by name and problems come back unchanged.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { api, statusLabel, toProblem } from "./api";

afterEach(clearMocks);

describe("api", () => {
  it("passes a shell problem through unchanged", async () => {
    const problem = { code: "sandbox.start_failed", message: "No.", fix: "Retry." };
    mockIPC((cmd) => {
      // The shell rejects with a plain {code, message, fix} object, not an Error.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (cmd === "sandbox_start") throw problem;
      return null;
    });
    const error = await api.sandboxStart().catch((e: unknown) => e);
    expect(toProblem(error)).toEqual(problem);
  });

  it("calls the shell's commands by their names", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      return null;
    });
    await api.sandboxInfo();
    expect(seen).toEqual(["sandbox_info"]);
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
    expect(statusLabel({ state: "sign_in_required", reason: "Refresh token revoked." })).toBe(
      "Sign-in required: Refresh token revoked.",
    );
    expect(statusLabel({ state: "connected" })).toBe("Connected");
  });
});
