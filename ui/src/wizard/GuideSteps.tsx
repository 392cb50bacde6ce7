// The wizard's guide steps: the prerequisites checklist, the tenant settings and the "Register
// API Client" values, each shown from the connector's guide.
import type { Guide, Problem } from "../api";
import { CopyButton, Icon, ProblemView } from "../components";

/** The tasks to search for in Workday, with copy buttons. */
export const SECURITY_TASKS = [
  "Maintain Permissions for Security Group",
  "Activate Pending Security Policy Changes",
];

function Loading({ problem }: { problem: Problem | null }) {
  return problem ? (
    <ProblemView problem={problem} title="The guide could not be loaded" />
  ) : (
    <p role="status">Loading the guide…</p>
  );
}

function TaskName({ task }: { task: string }) {
  return (
    <span class="task">
      <span class="task-name">{task}</span>
      <CopyButton text={task} label={`task name ${task}`} />
    </span>
  );
}

export function Prerequisites({
  guide,
  problem,
  done,
  onToggle,
}: {
  guide: Guide | undefined;
  problem: Problem | null;
  done: Record<string, boolean>;
  onToggle: (key: string) => void;
}) {
  if (!guide) return <Loading problem={problem} />;
  const signInNotes = guide.notes.filter((n) => /UI sign-in|UI Sessions|Activate Pending/i.test(n));
  return (
    <div>
      <p>
        The Workday account that signs in (and consents) must belong to a security group with these
        domain permissions. Tick each one as you set it.
      </p>
      <div class="table-wrap">
        <table class="checklist">
          <caption>Security group domain permissions</caption>
          <thead>
            <tr>
              <th scope="col">Done</th>
              <th scope="col">Functional area</th>
              <th scope="col">Domain</th>
              <th scope="col">Report/task</th>
              <th scope="col">Integration</th>
              <th scope="col">Needed for</th>
            </tr>
          </thead>
          <tbody>
            {guide.security_group_permissions.map((p) => {
              const key = `perm:${p.domain}`;
              return (
                <tr key={key}>
                  <td>
                    <input
                      type="checkbox"
                      id={`done-${p.domain}`}
                      aria-label={`Done: ${p.domain}`}
                      checked={done[key] ?? false}
                      onChange={() => onToggle(key)}
                    />
                  </td>
                  <td>{p.functional_area}</td>
                  <th scope="row">{p.domain}</th>
                  <td>{p.report_task}</td>
                  <td>{p.integration}</td>
                  <td>{p.needed_for}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <h3>Workday tasks to search for</h3>
      <ol class="tasks">
        {SECURITY_TASKS.map((t) => (
          <li key={t}>
            <TaskName task={t} />
            {t.startsWith("Maintain")
              ? " : add the domain permissions above to the group."
              : " : the changes take effect only after this."}
          </li>
        ))}
      </ol>
      <h3>Why the consenting account needs a UI sign-in</h3>
      <ul class="notes">
        {signInNotes.map((n) => (
          <li key={n}>{n}</li>
        ))}
        <li>
          The sign-in happens in your browser on Workday's own page, so the account must be allowed to
          sign in to Workday's website.
        </li>
      </ul>
    </div>
  );
}

export function TenantSettings({ guide, problem }: { guide: Guide | undefined; problem: Problem | null }) {
  if (!guide) return <Loading problem={problem} />;
  return (
    <div>
      <p>Two tenant settings must be on. Search for each task in Workday and tick the setting.</p>
      <div class="table-wrap">
        <table>
          <caption>Tenant settings</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {guide.tenant_settings.map((s) => (
              <tr key={s.setting}>
                <td>
                  <TaskName task={s.task} />
                </td>
                <th scope="row">{s.setting}</th>
                <td>{s.value}</td>
                <td>{s.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function Register({
  guide,
  problem,
  port,
}: {
  guide: Guide | undefined;
  problem: Problem | null;
  port: number | null;
}) {
  if (port === null)
    return (
      <p role="alert" class="problem">
        The redirect port (Details, Advanced options) is not a valid port: fix it to see the Redirection URI.
      </p>
    );
  if (!guide) return <Loading problem={problem} />;
  const signInNotes = /UI sign-in|UI Sessions|Activate Pending/i;
  return (
    <div>
      <p>
        In Workday, search for the task <TaskName task="Register API Client" /> (not "…for Integrations")
        and enter these values.
      </p>
      <div class="table-wrap">
        <table class="register">
          <caption>Register API Client</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Value</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {guide.register_api_client.map((f) => (
              <tr key={f.field} class={f.field === "Redirection URI" ? "emphasis" : ""}>
                <th scope="row">{f.field}</th>
                <td>
                  <span class="value-line">
                    <code data-register-field={f.field}>{f.value}</code>
                    <CopyButton text={f.value} label={f.field} />
                  </span>
                </td>
                <td>{f.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="callout">
        <Icon shape="check" />
        <span>
          Recommended: tick <strong>Support Proof Key for Code Exchange (PKCE)</strong> and{" "}
          <strong>Enforce 60 Minute Access Token Expiry</strong>.
        </span>
      </p>
      <h3>Good to know</h3>
      <ul class="notes">
        {guide.notes
          .filter((n) => !signInNotes.test(n))
          .map((n) => (
            <li key={n}>{n}</li>
          ))}
      </ul>
    </div>
  );
}
