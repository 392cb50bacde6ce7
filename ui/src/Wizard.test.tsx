// Tests of the setup wizard: checks as typed, paste parsing, Back/Next, the secret's life,
// sign-in waiting, the test report and keyboard use.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Api, Finding, TestReport } from "./api";
import { ProblemError } from "./api";
import { CHECK_DELAY_MS, localFindings, Wizard, type WizardProps } from "./Wizard";
import { connection, fakeShell, NOTHING_PASTED, REPORT, type FakeShell } from "./test/fakeApi";
import { emptyForm, type StepId } from "./wizardState";

let writeText: ReturnType<typeof vi.fn>;

beforeEach(() => {
  writeText = vi.fn(() => Promise.resolve());
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function renderWizard(shell: FakeShell, start: StepId = "prerequisites", props: Partial<WizardProps> = {}) {
  const onSaved = vi.fn();
  const onReport = vi.fn();
  const onClose = vi.fn();
  const view = render(
    <Wizard
      api={shell.api}
      start={start}
      connection={undefined}
      connections={shell.connections}
      appVersion="0.1.0"
      reports={{}}
      onSaved={onSaved}
      onReport={onReport}
      onClose={onClose}
      {...props}
    />,
  );
  return { ...view, onSaved, onReport, onClose };
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

const input = (label: string | RegExp) => screen.getByLabelText<HTMLInputElement>(label);
const type = (label: string | RegExp, value: string) => fireEvent.input(input(label), { target: { value } });
const next = () => document.getElementById("wizard-next") as HTMLButtonElement;
const back = () => document.getElementById("wizard-back") as HTMLButtonElement;
function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el;
}
const stepTitle = () => document.getElementById("wizard-step-title")?.textContent;

const GOOD = {
  "Connection name": "acme",
  "Client ID": "abc123",
  "Client Secret": "s3cr3t-value",
  "Workday REST API Endpoint": "https://wd2-impl-services1.workday.com/ccx/api/v1/acme",
  "Token Endpoint": "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token",
  "Authorization Endpoint": "https://impl.workday.com/acme/authorize",
};

function fillGood() {
  for (const [label, value] of Object.entries(GOOD)) type(label, value);
}

describe("wizard steps", () => {
  it("shows the permissions checklist, task names to copy, and why a UI sign-in is needed", async () => {
    const shell = fakeShell();
    renderWizard(shell);
    expect(stepTitle()).toBe("Prerequisites");
    const table = await screen.findByRole("table", { name: "Security group domain permissions" });
    expect(within(table).getByText("System Auditing")).toBeTruthy();
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(
      expect.arrayContaining(["Functional area", "Domain", "Report/task", "Integration"]),
    );
    fireEvent.click(screen.getByRole("button", { name: "Copy task name Maintain Permissions for Security Group" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("Maintain Permissions for Security Group"));
    expect(screen.getByRole("button", { name: "Copy task name Activate Pending Security Policy Changes" })).toBeTruthy();
    expect(screen.getByText(/Do Not Allow UI Sessions/)).toBeTruthy();
  });

  it("shows the tenant settings and the exact Redirection URI, re-fetched when the port changes", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const shell = fakeShell();
    renderWizard(shell);
    await screen.findByRole("table", { name: "Security group domain permissions" });
    fireEvent.click(next());
    expect(stepTitle()).toBe("Tenant settings");
    expect(screen.getByText("OAuth 2.0 Clients Enabled")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Copy task name Edit Tenant Setup - Security" })).toBeTruthy();
    fireEvent.click(next());
    expect(stepTitle()).toBe("Register API Client");
    expect(screen.getByText("http://127.0.0.1:8413/callback")).toBeTruthy();
    expect(screen.getByText(/Enforce 60 Minute Access Token Expiry/)).toBeTruthy();
    fireEvent.click(next());
    type("Redirect port", "9001");
    fireEvent.click(screen.getByLabelText("localhost"));
    fireEvent.click(back());
    await advance(CHECK_DELAY_MS + 10);
    expect(await screen.findByText("http://localhost:9001/callback")).toBeTruthy();
    expect(shell.api.guide).toHaveBeenLastCalledWith(9001, "localhost");
    fireEvent.click(screen.getByRole("button", { name: "Copy Redirection URI" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("http://localhost:9001/callback"));
  });

  it("keeps every value through Back and Next", async () => {
    const shell = fakeShell();
    renderWizard(shell, "details");
    fillGood();
    fireEvent.click(screen.getByText("Advanced options"));
    type("Redirect port", "9100");
    fireEvent.click(screen.getByLabelText(/SAML SSO/));
    fireEvent.click(screen.getByLabelText("In the request body"));
    fireEvent.click(back());
    fireEvent.click(back());
    fireEvent.click(back());
    expect(stepTitle()).toBe("Prerequisites");
    fireEvent.click(await screen.findByLabelText("Done: System Auditing"));
    fireEvent.click(next());
    fireEvent.click(back());
    expect(input("Done: System Auditing").checked).toBe(true);
    fireEvent.click(next());
    fireEvent.click(next());
    fireEvent.click(next());
    expect(stepTitle()).toBe("Details");
    for (const [label, value] of Object.entries(GOOD)) expect(input(label).value).toBe(value);
    expect(input("Redirect port").value).toBe("9100");
    expect(input(/SAML SSO/).checked).toBe(true);
    expect(input("In the request body").checked).toBe(true);
  });
});

describe("details checks", () => {
  it("checks the values once typing pauses (debounced), without the secret", async () => {
    vi.useFakeTimers();
    const shell = fakeShell();
    renderWizard(shell, "details");
    await advance(CHECK_DELAY_MS);
    vi.mocked(shell.api.checkValues).mockClear();
    type("Client Secret", "s3cr3t");
    for (const partial of ["h", "ht", "htt", "https://x"]) {
      type("Token Endpoint", partial);
      await advance(CHECK_DELAY_MS - 50);
    }
    expect(shell.api.checkValues).not.toHaveBeenCalled();
    await advance(50);
    expect(shell.api.checkValues).toHaveBeenCalledTimes(1);
    const sent = vi.mocked(shell.api.checkValues).mock.calls[0]?.[0];
    expect(sent?.token_endpoint).toBe("https://x");
    expect(JSON.stringify(sent)).not.toContain("s3cr3t");
  });

  it("shows each finding next to its field: an error blocks Next, a warning does not", async () => {
    const error: Finding = {
      field: "token",
      severity: "error",
      code: "endpoint.oauth_typo",
      message: "The Token Endpoint has /oauth/ where Workday uses /oauth2/.",
      fix: "Copy the Token Endpoint again from View API Clients.",
    };
    const warning: Finding = {
      field: "rest_api",
      severity: "warning",
      code: "endpoint.impl_tenant",
      message: "This is an implementation tenant, refreshed weekly.",
      fix: "Sign in again after each refresh.",
    };
    let findings: Finding[] = [error, warning];
    const shell = fakeShell([], { checkValues: vi.fn(() => Promise.resolve(findings)) });
    renderWizard(shell, "details");
    fillGood();
    fireEvent.blur(input("Token Endpoint"));
    fireEvent.blur(input("Workday REST API Endpoint"));
    const tokenField = (await screen.findByText(error.message)).closest("[data-field]");
    expect(tokenField?.getAttribute("data-field")).toBe("token_endpoint");
    expect(tokenField?.querySelector(".fix")?.textContent).toContain(error.fix);
    expect(input("Token Endpoint").getAttribute("aria-invalid")).toBe("true");
    expect(input("Token Endpoint").getAttribute("aria-describedby")).toContain("field-token_endpoint-findings");
    const restField = screen.getByText(warning.message).closest("[data-field]");
    expect(restField?.getAttribute("data-field")).toBe("rest_api_endpoint");
    expect(restField?.textContent).toContain("Warning:");
    expect(next().disabled).toBe(true);
    fireEvent.submit(next().closest("form") as HTMLFormElement);
    await new Promise((r) => setTimeout(r, 10));
    expect(shell.api.addConnection).not.toHaveBeenCalled();

    findings = [warning];
    type("Token Endpoint", "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token2");
    await waitFor(() => expect(screen.queryByText(error.message)).toBeNull());
    expect(screen.getByText(warning.message)).toBeTruthy();
    expect(next().disabled).toBe(false);
    fireEvent.click(next());
    await waitFor(() => expect(shell.api.addConnection).toHaveBeenCalledTimes(1));
  });

  it("hides a field's old finding as soon as the field changes, before the next check answers", async () => {
    vi.useFakeTimers();
    const empty: Finding = {
      field: "client_id",
      severity: "error",
      code: "endpoint.client_id_empty",
      message: "Enter the Client ID.",
      fix: "Copy it from View API Clients.",
    };
    const other: Finding = { ...empty, field: "name", code: "profile.name_empty", message: "Enter a name." };
    const checkValues = vi.fn((input: { client_id: string }) =>
      Promise.resolve(input.client_id === "" ? [empty, other] : [other]),
    );
    const shell = fakeShell([], { checkValues });
    renderWizard(shell, "details");
    fireEvent.blur(input("Client ID"));
    fireEvent.blur(input("Connection name"));
    await advance(CHECK_DELAY_MS);
    expect(screen.getByText(empty.message)).toBeTruthy();
    checkValues.mockClear();

    type("Client ID", "a");
    // No check has run for "a" yet, and the old error is already gone; the other field's stays.
    expect(checkValues).not.toHaveBeenCalled();
    expect(screen.queryByText(empty.message)).toBeNull();
    expect(screen.getByText(other.message)).toBeTruthy();
    await advance(CHECK_DELAY_MS);
    expect(checkValues).toHaveBeenCalledTimes(1);
    expect(screen.queryByText(empty.message)).toBeNull();

    // Emptied again: the error comes back with the next answer.
    type("Client ID", "");
    await advance(CHECK_DELAY_MS);
    expect(screen.getByText(empty.message)).toBeTruthy();
  });

  it("checks the Client Secret locally: not empty, not the Client ID", async () => {
    const shell = fakeShell();
    renderWizard(shell, "details");
    fillGood();
    type("Client Secret", "abc123");
    fireEvent.blur(input("Client Secret"));
    expect(await screen.findByText("The Client Secret is the same as the Client ID.")).toBeTruthy();
    expect(next().disabled).toBe(true);
    type("Client Secret", "");
    expect(screen.getByText("Enter the Client Secret.")).toBeTruthy();
    type("Client Secret", "other");
    expect(next().disabled).toBe(false);
  });

  it("reveals hidden errors and focuses the field when Next is pressed too early", async () => {
    const shell = fakeShell([], {
      checkValues: vi.fn(() =>
        Promise.resolve<Finding[]>([
          { field: "name", severity: "error", code: "profile.name_empty", message: "Enter a name.", fix: "Type one." },
        ]),
      ),
    });
    renderWizard(shell, "details");
    fireEvent.click(next());
    expect(await screen.findByText("Enter a name.")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(input("Connection name")));
    expect(shell.api.addConnection).not.toHaveBeenCalled();
  });
});

describe("paste", () => {
  const COPIED = "Client ID\tabc123\nClient Secret\ts3cr3t\nWorkday REST API Endpoint\thttps://h/ccx/api/v1/t\nToken Endpoint\thttps://h/ccx/oauth2/t/token";

  it("fills every value it recognises, from any field, and does not paste the raw text", async () => {
    const shell = fakeShell([], {
      parsePaste: vi.fn(() =>
        Promise.resolve({
          client_id: "abc123",
          client_secret: "s3cr3t",
          rest_api: "https://h/ccx/api/v1/t",
          token: "https://h/ccx/oauth2/t/token",
          authorization: null,
        }),
      ),
    });
    renderWizard(shell, "details");
    const name = input("Connection name");
    const event = fireEvent.paste(name, { clipboardData: { getData: () => COPIED } });
    expect(event).toBe(false); // default prevented: the raw text never lands in the field
    await waitFor(() => expect(input("Client ID").value).toBe("abc123"));
    expect(shell.api.parsePaste).toHaveBeenCalledWith(COPIED);
    expect(input("Client Secret").value).toBe("s3cr3t");
    expect(input("Workday REST API Endpoint").value).toBe("https://h/ccx/api/v1/t");
    expect(input("Token Endpoint").value).toBe("https://h/ccx/oauth2/t/token");
    expect(input("Authorization Endpoint").value).toBe("");
    expect(name.value).toBe("");
    expect(screen.getByText(/Filled 4 values/).textContent).toContain("Client Secret");
  });

  it("pastes a single value into the field itself", async () => {
    const shell = fakeShell([], { parsePaste: vi.fn(() => Promise.resolve({ ...NOTHING_PASTED, client_id: "only-one" })) });
    renderWizard(shell, "details");
    fireEvent.paste(input("Client ID"), { clipboardData: { getData: () => "only-one\n" } });
    await waitFor(() => expect(input("Client ID").value).toBe("only-one"));
    expect(input("Connection name").value).toBe("");
  });
});

describe("saving", () => {
  it("sends the secret once, then holds it nowhere", async () => {
    const shell = fakeShell();
    const { onSaved } = renderWizard(shell, "details");
    fillGood();
    fireEvent.click(next());
    await waitFor(() => expect(stepTitle()).toBe("Sign in"));
    expect(shell.api.addConnection).toHaveBeenCalledWith(
      expect.objectContaining({ name: "acme", client_id: "abc123" }),
      "s3cr3t-value",
    );
    expect(onSaved).toHaveBeenCalledWith("acme");
    const secret = GOOD["Client Secret"];
    // Not in the page, and not sent anywhere else.
    expect(document.body.innerHTML).not.toContain(secret);
    for (const call of vi.mocked(shell.api.checkValues).mock.calls) expect(JSON.stringify(call)).not.toContain(secret);
    fireEvent.click(back());
    expect(stepTitle()).toBe("Details");
    expect(input("Client Secret").value).toBe("");
    expect(screen.getByText("Leave blank to keep the stored secret.")).toBeTruthy();
    // Saving again edits the connection and keeps the stored secret.
    fireEvent.click(next());
    await waitFor(() => expect(shell.api.editConnection).toHaveBeenCalledTimes(1));
    expect(vi.mocked(shell.api.editConnection).mock.calls[0]?.[0]).toBe("acme");
    expect(vi.mocked(shell.api.editConnection).mock.calls[0]?.[2]).toBeNull();
  });

  it("shows every problem when the shell refuses, and keeps the values", async () => {
    const problem = {
      code: "profile.invalid",
      message: "Two values are invalid.",
      fix: "Fix the fields listed.",
      details: [
        { code: "profile.invalid", message: "Two values are invalid.", fix: "Fix the fields listed." },
        { code: "endpoint.tenant_mismatch", message: "The tenants differ.", fix: "Copy all three URLs again." },
      ],
    };
    const shell = fakeShell([], {
      addConnection: vi.fn(() => Promise.reject(new ProblemError(problem))),
    });
    renderWizard(shell, "details");
    fillGood();
    fireEvent.click(next());
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Two values are invalid.");
    expect(alert.textContent).toContain("The tenants differ.");
    expect(alert.querySelectorAll(".fix").length).toBeGreaterThanOrEqual(2);
    expect(stepTitle()).toBe("Details");
    expect(input("Client Secret").value).toBe(GOOD["Client Secret"]);
  });

  it("edits a connection from Details with values filled and the secret blank", async () => {
    const acme = connection("acme");
    const shell = fakeShell([acme]);
    renderWizard(shell, "details", { connection: acme });
    expect(input("Client ID").value).toBe(acme.client_id);
    expect(input("Token Endpoint").value).toBe(acme.token_endpoint);
    expect(input("Client Secret").value).toBe("");
    type("Client Secret", "new-secret");
    fireEvent.click(next());
    await waitFor(() =>
      expect(shell.api.editConnection).toHaveBeenCalledWith("acme", expect.objectContaining({ name: "acme" }), "new-secret"),
    );
  });
});

describe("sign in", () => {
  it("shows the waiting state with the time left, the link, Cancel and the outcome", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let finish: (problem: unknown) => void = () => undefined;
    const shell = fakeShell([connection("acme", { sso: true })], {
      connect: vi.fn(() => new Promise<null>((_, reject) => (finish = reject))),
    });
    renderWizard(shell, "signin", { connection: shell.connections[0] });
    expect(stepTitle()).toBe("Sign in");
    fireEvent.click(document.getElementById("sign-in") as HTMLButtonElement);
    expect(shell.api.connect).toHaveBeenCalledWith("acme");
    await act(() => {
      shell.waiting.emit({
        name: "acme",
        url: "https://impl.workday.com/acme_tenant/authorize?response_type=code&state=xyz",
        redirect_uri: "http://127.0.0.1:8413/callback",
        timeout_secs: 300,
        browser_failed: "no browser found",
      });
    });
    const waiting = document.getElementById("signin-waiting") as HTMLElement;
    expect(waiting.textContent).toContain("5:00");
    expect(waiting.textContent).toContain("no browser found");
    expect(waiting.textContent).toContain("http://127.0.0.1:8413/callback");
    expect(waiting.textContent).toMatch(/SSO option.*on/);
    await advance(2000);
    expect(waiting.textContent).toContain("4:58");
    fireEvent.click(within(waiting).getByRole("button", { name: "Copy sign-in link" }));
    await waitFor(() =>
      expect(writeText).toHaveBeenCalledWith("https://impl.workday.com/acme_tenant/authorize?response_type=code&state=xyz"),
    );
    fireEvent.click(within(waiting).getByRole("button", { name: "Cancel sign-in" }));
    expect(shell.api.cancelSignIn).toHaveBeenCalledWith("acme");
    await act(() => {
      finish(new ProblemError({ code: "signin.denied", message: "You chose Deny.", fix: "Sign in again and choose Allow." }));
    });
    const result = await waitFor(() => byId("signin-result"));
    expect(result.textContent).toContain("You chose Deny.");
    expect(result.querySelector(".fix")?.textContent).toContain("choose Allow");
    expect(document.getElementById("signin-waiting")).toBeNull();
  });

  it("ignores other connections' sign-ins and says when it is done", async () => {
    let done: (v: null) => void = () => undefined;
    const shell = fakeShell([connection("acme")], { connect: vi.fn(() => new Promise<null>((r) => (done = r))) });
    const { onSaved } = renderWizard(shell, "signin", { connection: shell.connections[0] });
    fireEvent.click(document.getElementById("sign-in") as HTMLButtonElement);
    await act(() => {
      shell.waiting.emit({ name: "other", url: "u", redirect_uri: "r", timeout_secs: 60 });
    });
    expect(document.getElementById("signin-waiting")).toBeNull();
    await act(() => done(null));
    const result = await waitFor(() => byId("signin-result"));
    expect(result.textContent).toContain("Signed in");
    expect(result.getAttribute("role")).toBe("status");
    expect(onSaved).toHaveBeenCalled();
  });
});

describe("test step", () => {
  it("renders each step with verdict, HTTP status, needs and fix, and copies the diagnosis", async () => {
    const acme = connection("acme");
    const shell = fakeShell([acme]);
    const reports: Record<string, TestReport> = {};
    const { onReport, rerender } = renderWizard(shell, "test", { connection: acme });
    fireEvent.click(document.getElementById("run-test") as HTMLButtonElement);
    await waitFor(() => expect(onReport).toHaveBeenCalled());
    reports.acme = vi.mocked(onReport).mock.calls[0]?.[0] as TestReport;
    rerender(
      <Wizard
        api={shell.api}
        start="test"
        connection={acme}
        connections={shell.connections}
        appVersion="0.1.0"
        reports={reports}
        onSaved={vi.fn()}
        onReport={onReport}
        onClose={vi.fn()}
      />,
    );
    const steps = document.querySelectorAll("[data-step]");
    expect([...steps].map((s) => [s.getAttribute("data-step"), s.getAttribute("data-verdict")])).toEqual([
      ["token", "pass"],
      ["users", "warn"],
      ["activity_log", "fail"],
    ]);
    const activity = document.querySelector('[data-step="activity_log"]') as HTMLElement;
    expect(activity.textContent).toContain("Failed");
    expect(activity.textContent).toContain("HTTP 403");
    expect(activity.textContent).toContain("System Auditing domain");
    expect(activity.textContent).toContain("403 permission denied");
    expect(activity.querySelector(".fix")?.textContent).toContain("Activate Pending Security Policy Changes");
    expect(document.querySelector('[data-step="users"]')?.textContent).toContain("No workers returned.");
    fireEvent.click(screen.getByRole("button", { name: "Copy diagnosis" }));
    await waitFor(() => expect(writeText).toHaveBeenCalled());
    const text = String(writeText.mock.calls[0]?.[0]);
    expect(text).toContain("Connection: acme");
    expect(text).toContain("- activity_log: fail, HTTP 403, activity.permission_denied");
    expect(text).toContain("Workday Connector 0.1.0");
    expect(text).not.toContain(acme.client_id);
    fireEvent.click(next());
    expect(REPORT.steps).toHaveLength(3);
  });
});

describe("keyboard", () => {
  it("moves focus to each step's heading and submits Details with Enter (form submit)", async () => {
    const shell = fakeShell();
    renderWizard(shell);
    await screen.findByRole("table");
    expect(document.activeElement?.id).toBe("wizard-step-title");
    next().focus();
    fireEvent.click(next());
    expect(document.activeElement?.id).toBe("wizard-step-title");
    expect(stepTitle()).toBe("Tenant settings");
    fireEvent.click(next());
    fireEvent.click(next());
    fillGood();
    // Enter in a text field submits the step's form.
    fireEvent.submit(input("Authorization Endpoint").form as HTMLFormElement);
    await waitFor(() => expect(stepTitle()).toBe("Sign in"));
    expect(document.activeElement?.id).toBe("wizard-step-title");
  });

  it("uses only native controls in tab order, each with a label", async () => {
    const shell = fakeShell();
    renderWizard(shell, "details");
    await new Promise((r) => setTimeout(r, 0));
    for (const el of document.querySelectorAll<HTMLElement>("[tabindex]")) {
      expect(Number(el.getAttribute("tabindex"))).toBeLessThanOrEqual(0);
    }
    // Enter in any field means Next: it is the form's only submit button; every other is type=button.
    const submits = document.querySelectorAll("form button[type=submit]");
    expect([...submits].map((b) => b.id)).toEqual(["wizard-next"]);
    for (const b of document.querySelectorAll("button")) expect(b.getAttribute("type"), b.outerHTML).not.toBeNull();
    // The disclosure and the checklist are native too: summary opens with Enter/Space.
    expect(screen.getByText("Advanced options").tagName).toBe("SUMMARY");
    for (const el of document.querySelectorAll<HTMLInputElement>("input")) {
      const labelled =
        el.getAttribute("aria-label") ?? (el.labels && el.labels.length > 0 ? el.labels[0]?.textContent : null);
      expect(labelled, el.outerHTML).toBeTruthy();
    }
    for (const el of document.querySelectorAll<HTMLButtonElement>("button")) {
      expect((el.getAttribute("aria-label") ?? el.textContent ?? "").trim(), el.outerHTML).not.toBe("");
    }
  });
});

describe("the wizard's own early checks", () => {
  it("use the connector's codes, so a finding reads the same from the UI and from Rust", () => {
    const form = { ...emptyForm(), client_id: "ZmM1YjE2YTgtNTc0Ni00", redirect_port: "x" };
    expect(localFindings(form, "", false).map((f) => f.code)).toEqual([
      "client_secret.empty",
      "settings.redirect_port_invalid",
    ]);
    expect(localFindings(form, " ZmM1YjE2YTgtNTc0Ni00 ", false).map((f) => f.code)).toEqual([
      "client_secret.same_as_id",
      "settings.redirect_port_invalid",
    ]);
  });
});

export type { Api };
