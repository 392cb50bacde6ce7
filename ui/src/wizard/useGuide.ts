// The setup guide for the connection's redirect port and host form, fetched again (after a pause
// in typing) whenever either changes.
import { useEffect, useState } from "preact/hooks";
import type { Api, Guide, Problem, RedirectHost } from "../api";
import { toProblem } from "../api";
import { CHECK_DELAY_MS } from "./useValueChecks";

export interface GuideState {
  /** The last guide loaded, possibly for an earlier port or host. */
  guide: Guide | undefined;
  /** Whether `guide` is for this port and host (its Redirection URI is the one to register). */
  current: boolean;
  problem: Problem | null;
}

/** `port` null: the typed port is not valid, so nothing is fetched and the last guide stays. */
export function useGuide(api: Api, port: number | null, host: RedirectHost): GuideState {
  const [loaded, setLoaded] = useState<{ guide: Guide; port: number; host: RedirectHost } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    if (port === null) return;
    let current = true;
    const timer = window.setTimeout(
      () => {
        api.guide(port, host).then(
          (guide) => {
            if (!current) return;
            setLoaded({ guide, port, host });
            setProblem(null);
          },
          (error: unknown) => {
            if (current) setProblem(toProblem(error));
          },
        );
      },
      // The first guide at once; later ones once the typing pauses.
      loaded === null ? 0 : CHECK_DELAY_MS,
    );
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
    // `loaded` only chooses the first delay: refetch on the port and host alone.
  }, [api, port, host]);
  return {
    guide: loaded?.guide,
    current: loaded !== null && loaded.port === port && loaded.host === host,
    problem,
  };
}
