// Tests of the Details step's value checks as a hook: the debounce, stale answers dropped,
// findings hidden while their field changes, and when findings show.
import { act, cleanup, renderHook } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api, Finding, ProfileInput } from "../api";
import { fakeShell } from "../test/fakeApi";
import { emptyForm, type FormValues } from "../wizardState";
import { CHECK_DELAY_MS, useValueChecks } from "./useValueChecks";

const NAME_ERROR: Finding = {
  field: "name",
  severity: "error",
  code: "name.invalid",
  message: "The name has a slash.",
  fix: "Leave out the slash.",
};
const REST_WARNING: Finding = {
  field: "rest_api",
  severity: "warning",
  code: "endpoint.unusual_host",
  message: "This host is not a Workday host.",
  fix: "Check the host.",
};

interface Props {
  form: FormValues;
  secret: string;
  active: boolean;
}

function form(patch: Partial<FormValues> = {}): FormValues {
  return { ...emptyForm(), name: "acme", client_id: "id", ...patch };
}

function setup(api: Api, initial: Partial<Props> = {}) {
  return renderHook((p: Props) => useValueChecks(api, p.form, p.secret, false, p.active), {
    initialProps: { form: form(), secret: "s3cret", active: true, ...initial },
  });
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("useValueChecks", () => {
  it("checks once, with the last values, when typing pauses for the delay", async () => {
    const api = fakeShell().api;
    const hook = setup(api);
    for (const name of ["a", "ac", "acm", "acme2"]) {
      hook.rerender({ form: form({ name }), secret: "s3cret", active: true });
      await advance(CHECK_DELAY_MS - 1);
    }
    expect(api.checkValues).not.toHaveBeenCalled();
    await advance(1);
    expect(api.checkValues).toHaveBeenCalledTimes(1);
    expect(vi.mocked(api.checkValues).mock.calls[0]?.[0]).toMatchObject({ name: "acme2" });
  });

  it("does not check while the Details step is not on screen", async () => {
    const api = fakeShell().api;
    setup(api, { active: false });
    await advance(CHECK_DELAY_MS * 4);
    expect(api.checkValues).not.toHaveBeenCalled();
  });

  it("drops an answer that arrives after a newer one", async () => {
    const answers: Array<(f: Finding[]) => void> = [];
    const api = fakeShell([], {
      checkValues: vi.fn(() => new Promise<Finding[]>((resolve) => answers.push(resolve))),
    }).api;
    const hook = setup(api);
    await advance(CHECK_DELAY_MS);
    hook.rerender({ form: form({ name: "acme2" }), secret: "s3cret", active: true });
    await advance(CHECK_DELAY_MS);
    expect(answers).toHaveLength(2);
    await act(async () => {
      answers[1]?.([REST_WARNING]);
      await Promise.resolve();
    });
    await act(async () => {
      answers[0]?.([NAME_ERROR]);
      await Promise.resolve();
    });
    expect(hook.result.current.all).toEqual([REST_WARNING]);
  });

  it("hides a field's finding from its next edit until the next answer", async () => {
    const api = fakeShell([], { checkValues: vi.fn(() => Promise.resolve([NAME_ERROR, REST_WARNING])) }).api;
    const hook = setup(api, { form: form({ name: "a/b" }) });
    await advance(CHECK_DELAY_MS);
    expect(hook.result.current.all).toEqual([NAME_ERROR, REST_WARNING]);
    hook.rerender({ form: form({ name: "a/bc" }), secret: "s3cret", active: true });
    expect(hook.result.current.all).toEqual([REST_WARNING]);
    await advance(CHECK_DELAY_MS);
    expect(hook.result.current.all).toEqual([NAME_ERROR, REST_WARNING]);
  });

  it("shows a finding once its field is touched, all of them on a save, none again after it", async () => {
    const api = fakeShell([], { checkValues: vi.fn(() => Promise.resolve([NAME_ERROR, REST_WARNING])) }).api;
    const hook = setup(api, { secret: "" });
    await advance(CHECK_DELAY_MS);
    const shown = () => hook.result.current.all.filter((f) => hook.result.current.visible(f)).map((f) => f.code);
    expect(shown()).toEqual([]);
    expect(hook.result.current.visibleErrors).toEqual([]);
    await act(() => {
      hook.result.current.touch("name");
    });
    expect(shown()).toEqual(["name.invalid"]);

    let errors: Finding[] = [];
    await act(async () => {
      errors = await hook.result.current.checkAll();
    });
    // The UI's own check (the empty secret) and the connector's errors; warnings do not stop.
    expect(errors.map((f) => f.code)).toEqual(["client_secret.empty", "name.invalid"]);
    expect(shown()).toEqual(["client_secret.empty", "name.invalid", "endpoint.unusual_host"]);
    expect(vi.mocked(api.checkValues).mock.calls.at(-1)?.[0]).toMatchObject<Partial<ProfileInput>>({ name: "acme" });

    await act(() => {
      hook.result.current.reset();
    });
    expect(shown()).toEqual([]);
  });

  it("says the port is invalid once, in the UI's own words", async () => {
    const connectorPort: Finding = { ...NAME_ERROR, field: "redirect_port", code: "settings.redirect_port_out_of_range" };
    const api = fakeShell([], { checkValues: vi.fn(() => Promise.resolve([connectorPort])) }).api;
    const hook = setup(api, { form: form({ redirect_port: "70000" }) });
    await advance(CHECK_DELAY_MS);
    expect(hook.result.current.all.map((f) => f.code)).toEqual(["settings.redirect_port_invalid"]);
  });

  it("keeps the reason when the values could not be checked", async () => {
    const api = fakeShell([], { checkValues: vi.fn(() => Promise.reject(new Error("shell gone"))) }).api;
    const hook = setup(api);
    await advance(CHECK_DELAY_MS);
    expect(hook.result.current.problem).not.toBeNull();
    expect(hook.result.current.all).toEqual([]);
  });
});
