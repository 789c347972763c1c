// Jobs (admin): the outbox summary (counts by state and by queue/job, queue depth, outbox lag) over
// GET /api/v1/admin/jobs/summary, and the outbox rows with a Retry button on dead ones (POST …/jobs/{id}/retry).
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, dateTime } from "../api.ts";
import { RecordTable } from "../components/RecordTable.tsx";
import { ErrorState, Loading, NotAvailable } from "../components/States.tsx";
import { EP, T } from "../endpoints.ts";
import { useCapabilities } from "../capabilities.ts";

const STATES = ["pending", "failed", "running", "dispatched", "completed", "dead"] as const;
type State = (typeof STATES)[number];
type Counts = Record<State, number>;
interface Summary {
  mode: "embedded" | "bullmq";
  total: number;
  byState: Counts;
  byJob: ({ queue: string; name: string; kind: "job" | "hook"; total: number } & Counts)[];
  queueDepth: { queue: string; depth: number }[];
  outboxLagSeconds: number;
  generatedAt: string;
}

const lag = (s: number) => (s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

/** BullMQ mode: open bull-board through a one-time ticket (the board cannot see the dashboard's Bearer token). */
function QueueDashboardButton() {
  const open = useMutation({
    mutationFn: () => api<{ url: string; expiresAt: string }>("/api/v1/admin/queues/session", { method: "POST", json: {} }),
    onSuccess: (r) => window.open(r.url, "_blank", "noopener"),
  });
  return (
    <div style={{ margin: "8px 0" }}>
      <button type="button" data-testid="open-bull-board" onClick={() => open.mutate()} disabled={open.isPending}>
        Open the queue dashboard (bull-board)
      </button>
      {open.error ? <span role="alert"> {(open.error as Error).message}</span> : null}
    </div>
  );
}

function JobsSummary() {
  const q = useQuery({ queryKey: ["jobs-summary"], queryFn: () => api<Summary>(EP.jobsSummary), refetchInterval: 10_000 });
  if (q.isLoading) return <Loading what="Loading the summary" />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const s = q.data!;
  const depth = s.queueDepth.reduce((n, d) => n + d.depth, 0);
  return (
    <section aria-label="Jobs summary" data-testid="jobs-summary" style={{ marginBottom: 14 }}>
      <div className="kpis">
        <div className="card kpi">
          <span>Dead</span>
          <strong data-testid="jobs-dead">{s.byState.dead}</strong>
          <small>out of attempts: retry below</small>
        </div>
        <div className="card kpi">
          <span>Failed</span>
          <strong data-testid="jobs-failed">{s.byState.failed}</strong>
          <small>waiting for a retry</small>
        </div>
        <div className="card kpi">
          <span>Queued</span>
          <strong data-testid="jobs-depth">{depth}</strong>
          <small>
            {s.byState.pending} pending, {s.byState.running} running, {s.byState.dispatched} dispatched
          </small>
        </div>
        <div className="card kpi">
          <span>Outbox lag</span>
          <strong data-testid="jobs-lag">{lag(s.outboxLagSeconds)}</strong>
          <small>{s.mode === "bullmq" ? "BullMQ (Redis)" : "embedded runner"}</small>
        </div>
      </div>
      {s.mode === "bullmq" ? <QueueDashboardButton /> : null}
      <div className="table-wrap">
        <table aria-label="Jobs by queue and name">
          <thead>
            <tr>
              <th>queue</th>
              <th>name</th>
              <th>kind</th>
              {STATES.map((st) => (
                <th key={st}>{st}</th>
              ))}
              <th>total</th>
            </tr>
          </thead>
          <tbody>
            {s.byJob.length === 0 ? (
              <tr>
                <td colSpan={STATES.length + 4} className="muted">
                  No jobs yet.
                </td>
              </tr>
            ) : (
              s.byJob.map((j) => (
                <tr key={`${j.queue}|${j.name}|${j.kind}`}>
                  <td>{j.queue}</td>
                  <td>{j.name}</td>
                  <td>{j.kind}</td>
                  {STATES.map((st) => (
                    <td key={st} className={st === "dead" && j.dead > 0 ? "bad" : undefined}>
                      {j[st]}
                    </td>
                  ))}
                  <td>{j.total}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

interface OutboxJob {
  id: number;
  key: string;
  kind: "job" | "hook";
  name: string;
  queue: string;
  state: State;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  retryable: boolean;
  updatedAt: string;
}

/** The jobs in one state from GET /api/v1/admin/jobs?state=… (`failed` = pending again after an error), newest first. */
function JobsInState({ state, canRetry, retrying, onRetry }: { state: "failed" | "dead"; canRetry: boolean; retrying: boolean; onRetry: (id: number) => void }) {
  const q = useQuery({ queryKey: ["record", "jobs-in-state", state], queryFn: () => api<{ items: OutboxJob[]; nextCursor: string | null }>(`/api/v1/admin/jobs?state=${state}&limit=100`) });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const items = q.data!.items;
  return (
    <div className="table-wrap" data-testid={`jobs-${state}`}>
      <table aria-label={state === "failed" ? "Failed jobs" : "Dead jobs"}>
        <thead>
          <tr>
            <th>id</th>
            <th>name</th>
            <th>queue</th>
            <th>attempts</th>
            <th>last error</th>
            <th>updated</th>
            <th className="actions">actions</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                No {state} jobs.
              </td>
            </tr>
          ) : (
            items.map((j) => (
              <tr key={j.id} data-job={j.key}>
                <td>{j.id}</td>
                <td>{j.name}</td>
                <td>{j.queue}</td>
                <td>
                  {j.attempts} / {j.maxAttempts}
                </td>
                <td className="bad">{j.lastError ?? "—"}</td>
                <td>{dateTime(j.updatedAt)}</td>
                <td className="actions">
                  {canRetry && j.retryable ? (
                    <button type="button" className="small" disabled={retrying} onClick={() => onRetry(j.id)}>
                      Retry
                    </button>
                  ) : null}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Jobs() {
  const qc = useQueryClient();
  const caps = useCapabilities();
  const canRetry = caps.has(T.jobRetry, "post");
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  // quick filter on the outbox rows: failed (waiting for a retry) and dead (out of attempts) jobs
  const [only, setOnly] = useState<"" | "failed" | "dead">("");
  const retry = useMutation({
    mutationFn: (id: number) => api<{ id: number; name: string }>(EP.jobRetry(id), { method: "POST", headers: { "Idempotency-Key": `job-retry-${id}-${Date.now()}` } }),
    onSuccess: (job, id) => {
      setMsg({ ok: true, text: `Job ${id} (${job?.name ?? "job"}) queued again.` });
      qc.invalidateQueries({ queryKey: ["record"] });
      qc.invalidateQueries({ queryKey: ["jobs-summary"] });
    },
    onError: (e, id) => setMsg({ ok: false, text: `Retry of job ${id} failed: ${e instanceof ApiError ? e.message : String(e)}` }),
  });
  return (
    <div className="page">
      <h1>Jobs</h1>
      <p className="muted">The outbox: every job and event, with its state and attempts. Dead jobs ran out of attempts; Retry runs one again with a fresh attempt count.</p>
      {!caps.ready ? <Loading /> : caps.has(T.jobsSummary) ? <JobsSummary /> : <NotAvailable detail="no jobs summary" />}
      {msg && (
        <p className={msg.ok ? "notice ok" : "notice bad"} role="status">
          {msg.text}
        </p>
      )}
      <div className="row" role="group" aria-label="Show jobs" data-testid="jobs-quick-filter">
        {([["", "All jobs"], ["failed", "Failed (waiting for a retry)"], ["dead", "Dead (out of attempts)"]] as const).map(([state, label]) => (
          <button key={state || "all"} type="button" className={only === state ? "small" : "small secondary"} aria-pressed={only === state} onClick={() => setOnly(state)}>
            {label}
          </button>
        ))}
      </div>
      {only ? (
        <JobsInState state={only} canRetry={canRetry} retrying={retry.isPending} onRetry={(id) => retry.mutate(id)} />
      ) : (
      <RecordTable
        record="jobs"
        columns={["id", "name", "kind", "queue", "state", "attempts", "max_attempts", "last_error", "key"]}
        options={{ state: ["pending", "running", "dispatched", "completed", "dead"], kind: ["job", "hook"] }}
        actions={(r) =>
          canRetry && r.state === "dead" ? (
            <button type="button" className="small" disabled={retry.isPending} onClick={() => retry.mutate(Number(r.id))}>
              Retry
            </button>
          ) : null
        }
      />
      )}
    </div>
  );
}
