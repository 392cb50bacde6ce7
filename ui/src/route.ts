// The screen as a URL fragment: the window is destroyed when closed and built again on Open, and
// the shell starts the new one at the fragment the UI last reported, so the person finds the
// screen and the connection they left.
import type { StepId } from "./wizardState";
import { STEPS } from "./wizardState";

export type Route =
  | { view: "connections" }
  | { view: "connection"; name: string }
  | { view: "activity"; name: string; alert?: number }
  | { view: "alerts"; name: string | null }
  | { view: "wizard"; start: StepId; name: string | null; key: number }
  | { view: "settings" };

// encodeURIComponent leaves !*'() as they are; the shell keeps only unreserved characters and
// %-escapes in a route (src-tauri/src/window.rs), so those are escaped too.
function encode(name: string): string {
  return encodeURIComponent(name).replace(/[!*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(part: string | undefined): string | null {
  if (!part) return null;
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The fragment for a route, without the `#`; the list is the empty one. */
export function routeToFragment(route: Route): string {
  switch (route.view) {
    case "connections":
      return "";
    case "settings":
      return "settings";
    case "connection":
      return `${route.view}/${encode(route.name)}`;
    case "activity":
      // An alert's events: its id after the name (digits only, so no escaping).
      return route.alert === undefined ? `activity/${encode(route.name)}` : `activity/${encode(route.name)}/${route.alert}`;
    case "alerts":
      return route.name === null ? "alerts" : `alerts/${encode(route.name)}`;
    case "wizard":
      return route.name === null ? `wizard/${route.start}` : `wizard/${route.start}/${encode(route.name)}`;
  }
}

/** The route a fragment (with or without its `#`) names; anything unknown is the list. */
export function routeFromFragment(fragment: string, key: number): Route {
  const [view, first, second] = fragment.replace(/^#/, "").split("/");
  switch (view) {
    case "settings":
      return { view: "settings" };
    case "connection": {
      const name = decode(first);
      return name ? { view, name } : { view: "connections" };
    }
    case "activity": {
      const name = decode(first);
      if (!name) return { view: "connections" };
      return second && /^\d{1,15}$/.test(second) ? { view, name, alert: Number(second) } : { view, name };
    }
    case "alerts":
      return { view: "alerts", name: decode(first) };
    case "wizard": {
      const start = STEPS.find((s) => s.id === first)?.id;
      if (!start) return { view: "connections" };
      return { view: "wizard", start, name: decode(second), key };
    }
    default:
      return { view: "connections" };
  }
}
