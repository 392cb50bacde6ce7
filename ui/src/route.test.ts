// The screen as a fragment and back: every screen, names that need escaping, and fragments that
// name nothing.
import { describe, expect, it } from "vitest";
import type { Route } from "./route";
import { routeFromFragment, routeToFragment } from "./route";

describe("routes as fragments", () => {
  it("round-trips every screen, escaping what a fragment the shell keeps may not hold", () => {
    const routes: Route[] = [
      { view: "connections" },
      { view: "settings" },
      { view: "connection", name: "acme" },
      { view: "activity", name: "it's (new)! 100% * é/#?" },
      { view: "activity", name: "sandbox", alert: 12 },
      { view: "alerts", name: null },
      { view: "alerts", name: "new co!" },
      { view: "wizard", start: "prerequisites", name: null, key: 7 },
      { view: "wizard", start: "signin", name: "sandbox", key: 7 },
    ];
    for (const route of routes) {
      const fragment = routeToFragment(route);
      expect(fragment).toMatch(/^[A-Za-z0-9/._~%-]*$/);
      expect(routeFromFragment(`#${fragment}`, 7)).toEqual(route);
    }
    expect(routeToFragment({ view: "activity", name: "it's" })).toBe("activity/it%27s");
    expect(routeToFragment({ view: "activity", name: "sandbox", alert: 12 })).toBe("activity/sandbox/12");
    expect(routeToFragment({ view: "alerts", name: null })).toBe("alerts");
    // An alert that is not a number is no filter: the viewer of the connection.
    expect(routeFromFragment("#activity/sandbox/x1", 1)).toEqual({ view: "activity", name: "sandbox" });
  });

  it("opens the list for a fragment that names no screen", () => {
    for (const fragment of ["", "#", "#nowhere", "#connection/", "#connection/%E0%A4%A", "#wizard/nostep/acme"]) {
      expect(routeFromFragment(fragment, 1)).toEqual({ view: "connections" });
    }
  });
});
