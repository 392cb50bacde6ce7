// Tests of the Details step's paste fill as a hook: a copied API client fills every field it
// names, anything else goes into the one field, on one line, where the selection was.
import { act, cleanup, renderHook } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Api, PastedValues } from "../api";
import { fakeShell, NOTHING_PASTED } from "../test/fakeApi";
import type { WizardAction } from "../wizardState";
import type { FieldKey } from "./fields";
import { usePasteFill } from "./usePasteFill";

afterEach(cleanup);

function setup(api: Api) {
  const dispatch = vi.fn<(a: WizardAction) => void>();
  const touch = vi.fn<(...keys: FieldKey[]) => void>();
  const hook = renderHook(() => usePasteFill(api, dispatch, touch));
  return { hook, dispatch, touch };
}

/** A paste of `text` into an input holding `value` with `start..end` selected. */
function pasteEvent(text: string, value = "", start = value.length, end = start) {
  const preventDefault = vi.fn();
  const event = {
    clipboardData: { getData: () => text },
    preventDefault,
    currentTarget: { value, selectionStart: start, selectionEnd: end },
  } as unknown as ClipboardEvent;
  return { event, preventDefault };
}

async function paste(hook: ReturnType<typeof setup>["hook"], key: FieldKey, e: ClipboardEvent) {
  await act(async () => {
    hook.result.current.onPaste(key)(e);
    await Promise.resolve();
    await Promise.resolve();
  });
}

describe("usePasteFill", () => {
  it("fills every value of a copied API client and says which", async () => {
    const values: PastedValues = {
      ...NOTHING_PASTED,
      client_id: "abc123",
      client_secret: "s3cr3t",
      token: "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token",
    };
    const api = fakeShell([], { parsePaste: vi.fn(() => Promise.resolve(values)) }).api;
    const { hook, dispatch, touch } = setup(api);
    const { event, preventDefault } = pasteEvent("Client ID abc123\nClient Secret s3cr3t\n...");
    await paste(hook, "name", event);
    expect(preventDefault).toHaveBeenCalled();
    expect(api.parsePaste).toHaveBeenCalledWith("Client ID abc123\nClient Secret s3cr3t\n...");
    expect(dispatch.mock.calls).toEqual([[{ type: "pasted", values }]]);
    expect(touch).toHaveBeenCalledWith(
      "client_id",
      "secret",
      "rest_api_endpoint",
      "token_endpoint",
      "authorization_endpoint",
    );
    expect(hook.result.current.note).toBe("Filled 3 values from the pasted text: Client ID, Client Secret, Token Endpoint.");
  });

  it("puts a single value into the field, on one line, in place of the selection", async () => {
    const api = fakeShell([], {
      parsePaste: vi.fn(() => Promise.resolve({ ...NOTHING_PASTED, client_id: "abc" })),
    }).api;
    const { hook, dispatch, touch } = setup(api);
    await paste(hook, "client_id", pasteEvent("  ab\r\nc  ", "xxSELyy", 2, 5).event);
    expect(dispatch.mock.calls).toEqual([[{ type: "set", field: "client_id", value: "xxab cyy" }]]);
    expect(touch).toHaveBeenCalledWith("client_id");
    expect(hook.result.current.note).toBe("");
  });

  it("pastes into the secret as text when the text cannot be parsed", async () => {
    const api = fakeShell([], { parsePaste: vi.fn(() => Promise.reject(new Error("no shell"))) }).api;
    const { hook, dispatch } = setup(api);
    await paste(hook, "secret", pasteEvent("s3cr3t\n").event);
    expect(dispatch.mock.calls).toEqual([[{ type: "secret", value: "s3cr3t" }]]);
  });

  it("leaves an empty paste to the browser", async () => {
    const api = fakeShell().api;
    const { hook, dispatch, touch } = setup(api);
    const { event, preventDefault } = pasteEvent("");
    await paste(hook, "name", event);
    expect(preventDefault).not.toHaveBeenCalled();
    expect(api.parsePaste).not.toHaveBeenCalled();
    expect(dispatch).not.toHaveBeenCalled();
    expect(touch).not.toHaveBeenCalled();
  });
});
