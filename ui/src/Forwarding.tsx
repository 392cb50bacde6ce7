// The connection screen's forwarding card: each destination the connection forwards to (added
// with `wdconnect forward add`), how far delivery is, its last error with the fix, and a "Send
// test event" button that says what to change when the receiver refuses.
import { useEffect, useState } from "preact/hooks";
import type { Api, ForwardView, Problem } from "./api";
import { toProblem } from "./api";
import { ProblemView } from "./components";

export function ForwardingPanel({ api, name }: { api: Api; name: string }) {
  const [destinations, setDestinations] = useState<ForwardView[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    let live = true;
    api
      .forwardList(name)
      .then((list) => live && setDestinations(list))
      .catch((error: unknown) => live && setProblem(toProblem(error)));
    return () => {
      live = false;
    };
  }, [api, name]);

  const replace = (updated: ForwardView) =>
    setDestinations((list) => (list ?? []).map((d) => (d.name === updated.name ? updated : d)));

  return (
    <div class="card" id="forwarding">
      <h3>Forwarding</h3>
      {problem && <ProblemView problem={problem} title="The destinations could not be read" />}
      {destinations && destinations.length === 0 && (
        <p class="muted">
          Not forwarded anywhere. Add a destination with <code>wdconnect forward add {name} --name NAME --to URL</code>.
        </p>
      )}
      {destinations?.map((d) => (
        <Destination key={d.name} api={api} name={name} destination={d} onTested={replace} />
      ))}
    </div>
  );
}

function Destination({
  api,
  name,
  destination: d,
  onTested,
}: {
  api: Api;
  name: string;
  destination: ForwardView;
  onTested: (updated: ForwardView) => void;
}) {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<Problem | "sent" | null>(null);

  const test = async () => {
    setTesting(true);
    setResult(null);
    try {
      onTested(await api.forwardTest(name, d.name));
      setResult("sent");
    } catch (error) {
      setResult(toProblem(error));
    } finally {
      setTesting(false);
    }
  };

  return (
    <section class="destination" aria-label={`Destination ${d.name}`}>
      <h4>
        {d.name} <span class="muted">{d.kind}</span>
      </h4>
      <p class="muted">
        <code>{d.url}</code>
      </p>
      <p class="delivery">
        {d.delivered} delivered, {d.pending} pending
        {d.alerts_delivered + d.alerts_pending > 0 &&
          `; alerts: ${d.alerts_delivered} delivered, ${d.alerts_pending} pending`}
      </p>
      {d.last_error && <ProblemView problem={d.last_error} title="Delivery is stopped or retrying" />}
      <div class="actions">
        <button type="button" class="send-test" onClick={() => void test()} disabled={testing}>
          {testing ? "Sending…" : "Send test event"}
        </button>
      </div>
      <p role="status" class="notice">
        {result === "sent" ? `${d.name} accepted the test event.` : ""}
      </p>
      {result && result !== "sent" && <ProblemView problem={result} title="The test event was not accepted" />}
    </section>
  );
}
