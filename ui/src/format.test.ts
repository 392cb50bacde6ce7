// Tests of the pure helpers: the overall status order and the redacted diagnosis.
import { describe, expect, it } from "vitest";
import type { Status, TestReport } from "./api";
import { diagnosis, formatCountdown, hostOf, tenantOf, worstStatus, type DiagnosisConnection } from "./format";
import { connection, REPORT } from "./test/fakeApi";

describe("worstStatus", () => {
  it("orders connected < syncing < signing_in < not_configured < offline < degraded < sign_in_required", () => {
    const order: Status[] = [
      { state: "connected", label: "Connected" },
      { state: "syncing", label: "Syncing" },
      { state: "signing_in", label: "Signing in" },
      { state: "not_configured", label: "Not signed in" },
      { state: "offline", reason: "r", label: "Offline" },
      { state: "degraded", reason: "r", label: "Degraded" },
      { state: "sign_in_required", reason: "r", label: "Sign-in required" },
    ];
    for (let i = 0; i < order.length; i++) {
      // The worst of everything up to i is i, whatever the order they come in.
      const upTo = order.slice(0, i + 1);
      expect(worstStatus(upTo).state).toBe(order[i]?.state);
      expect(worstStatus([...upTo].reverse()).state).toBe(order[i]?.state);
    }
    expect(worstStatus([]).state).toBe("not_configured");
  });
});

describe("format", () => {
  it("shows hosts and tenants, never paths or queries", () => {
    expect(hostOf("https://wd2-services1.workday.com/ccx/api/v1/acme?x=1")).toBe("wd2-services1.workday.com");
    expect(hostOf("nonsense")).toBe("(not a URL)");
    expect(tenantOf("https://h/ccx/api/v1/acme_prod", "")).toBe("acme_prod");
    expect(tenantOf("bad", "https://h/ccx/oauth2/acme_t/token")).toBe("acme_t");
    expect(formatCountdown(300)).toBe("5:00");
    expect(formatCountdown(61.7)).toBe("1:01");
    expect(formatCountdown(-3)).toBe("0:00");
  });
});

/** Wraps `value` so that every property read is recorded as a dotted path. */
function recording<T>(value: T, seen: Set<string>, path = ""): T {
  if (typeof value !== "object" || value === null) return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver) as unknown;
      if (typeof key === "symbol") return child;
      const at = /^\d+$/.test(key) ? `${path}[]` : path ? `${path}.${key}` : key;
      if (!(Array.isArray(target) && (key === "length" || typeof child === "function"))) seen.add(at);
      return recording(child, seen, at);
    },
  });
}

describe("diagnosis", () => {
  const SECRETISH = "POISON";
  const conn = connection("acme", {
    client_id: `${SECRETISH}-client-id`,
    rest_api_endpoint: `https://wd2-impl-services1.workday.com/ccx/api/v1/acme_tenant?token=${SECRETISH}`,
    token_endpoint: `https://wd2-impl-services1.workday.com/ccx/oauth2/acme_tenant/token#${SECRETISH}`,
    authorization_endpoint: `https://impl.workday.com/acme_tenant/authorize?client_id=${SECRETISH}`,
    last_error: { code: "x", message: SECRETISH, fix: SECRETISH },
  });
  const report: TestReport = {
    ...REPORT,
    steps: REPORT.steps.map((s) => ({
      ...s,
      detail: `${SECRETISH} detail`,
      ...(s.problem ? { problem: { ...s.problem, message: SECRETISH, fix: SECRETISH } } : {}),
    })),
  };

  it("names the connection, hosts, tenant, steps with codes and HTTP statuses, and the version", () => {
    const text = diagnosis(report, conn, "1.2.3");
    expect(text).toContain("Workday Connector 1.2.3");
    expect(text).toContain("Connection: acme");
    expect(text).toContain("Tenant: acme_tenant");
    expect(text).toContain("REST API host: wd2-impl-services1.workday.com");
    expect(text).toContain("Authorization host: impl.workday.com");
    expect(text).toContain("- token: pass, HTTP 200");
    expect(text).toContain("- activity_log: fail, HTTP 403, activity.permission_denied");
    expect(text).not.toContain(SECRETISH);
  });

  it("reads only whitelisted fields", () => {
    const seen = new Set<string>();
    diagnosis(
      recording(report, seen, "report"),
      recording<DiagnosisConnection>(conn, seen, "connection"),
      "1.2.3",
    );
    const allowed = new Set([
      "report.connection",
      "report.passed",
      "report.status",
      "report.status.state",
      "report.steps",
      "report.steps[]",
      "report.steps[].step",
      "report.steps[].verdict",
      "report.steps[].http_status",
      "report.steps[].problem",
      "report.steps[].problem.code",
      "report.steps[].duration_ms",
      "connection.simulated",
      "connection.rest_api_endpoint",
      "connection.token_endpoint",
      "connection.authorization_endpoint",
      "connection.redirect_uri",
      "connection.pkce",
      "connection.sso",
      "connection.client_auth",
    ]);
    const extra = [...seen].filter((k) => !allowed.has(k));
    expect(extra).toEqual([]);
    // And it did use what it is meant to.
    expect(seen.has("report.steps[].http_status")).toBe(true);
    expect(seen.has("connection.rest_api_endpoint")).toBe(true);
  });
});
