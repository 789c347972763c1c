// Jobs (admin): the outbox summary (counts by state and by queue/job, queue depth, outbox lag) over
// GET /api/v1/admin/jobs/summary, and the outbox rows with a Retry button on dead ones (POST …/jobs/{id}/retry).
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, dateTime, number } from "../api.ts";
import { useI18n, type I18n } from "../i18n/index.tsx";
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

const lag = (s: number, t: I18n["t"]) => (s < 60 ? `${number(Number(s.toFixed(s < 10 ? 1 : 0)))} ${t("s", "dtk")}` : s < 3600 ? `${number(Math.round(s / 60))} ${t("min", "mnt")}` : `${number(Number((s / 3600).toFixed(1)))} ${t("h", "jam")}`);

/** BullMQ mode: open bull-board through a one-time ticket (the board cannot see the dashboard's Bearer token). */
function QueueDashboardButton() {
  const { t } = useI18n();
  const open = useMutation({
    mutationFn: () => api<{ url: string; expiresAt: string }>("/api/v1/admin/queues/session", { method: "POST", json: {} }),
    onSuccess: (r) => window.open(r.url, "_blank", "noopener"),
  });
  return (
    <div style={{ margin: "8px 0" }}>
      <button type="button" data-testid="open-bull-board" onClick={() => open.mutate()} disabled={open.isPending}>
        {t("Open the queue dashboard (bull-board)", "Buka dasbor antrean (bull-board)")}
      </button>
      {open.error ? <span role="alert"> {(open.error as Error).message}</span> : null}
    </div>
  );
}

function JobsSummary() {
  const { t, val } = useI18n();
  const q = useQuery({ queryKey: ["jobs-summary"], queryFn: () => api<Summary>(EP.jobsSummary), refetchInterval: 10_000 });
  if (q.isLoading) return <Loading what={t("Loading the summary", "Memuat ringkasan")} />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const s = q.data!;
  const depth = s.queueDepth.reduce((n, d) => n + d.depth, 0);
  return (
    <section aria-label={t("Jobs summary", "Ringkasan tugas")} data-testid="jobs-summary" style={{ marginBottom: 14 }}>
      <div className="kpis">
        <div className="card kpi">
          <span>{t("Dead", "Gagal permanen")}</span>
          <strong data-testid="jobs-dead">{number(s.byState.dead)}</strong>
          <small>{t("out of attempts: retry below", "percobaan habis: ulangi di bawah")}</small>
        </div>
        <div className="card kpi">
          <span>{t("Failed", "Gagal")}</span>
          <strong data-testid="jobs-failed">{number(s.byState.failed)}</strong>
          <small>{t("waiting for a retry", "menunggu diulang")}</small>
        </div>
        <div className="card kpi">
          <span>{t("Queued", "Dalam antrean")}</span>
          <strong data-testid="jobs-depth">{number(depth)}</strong>
          <small>
            {t(
              `${number(s.byState.pending)} pending, ${number(s.byState.running)} running, ${number(s.byState.dispatched)} dispatched`,
              `${number(s.byState.pending)} menunggu, ${number(s.byState.running)} berjalan, ${number(s.byState.dispatched)} dikirim`,
            )}
          </small>
        </div>
        <div className="card kpi">
          <span>{t("Outbox lag", "Keterlambatan outbox")}</span>
          <strong data-testid="jobs-lag">{lag(s.outboxLagSeconds, t)}</strong>
          <small>{s.mode === "bullmq" ? "BullMQ (Redis)" : t("embedded runner", "runner bawaan")}</small>
        </div>
      </div>
      {s.mode === "bullmq" ? <QueueDashboardButton /> : null}
      <div className="table-wrap">
        <table aria-label={t("Jobs by queue and name", "Tugas menurut antrean dan nama")}>
          <thead>
            <tr>
              <th>{t("Queue", "Antrean")}</th>
              <th>{t("Name", "Nama")}</th>
              <th>{t("Kind", "Jenis")}</th>
              {STATES.map((st) => (
                <th key={st}>{val(st)}</th>
              ))}
              <th>{t("Total", "Total")}</th>
            </tr>
          </thead>
          <tbody>
            {s.byJob.length === 0 ? (
              <tr>
                <td colSpan={STATES.length + 4} className="muted">
                  {t("No jobs yet.", "Belum ada tugas.")}
                </td>
              </tr>
            ) : (
              s.byJob.map((j) => (
                <tr key={`${j.queue}|${j.name}|${j.kind}`}>
                  <td>{j.queue}</td>
                  <td>{j.name}</td>
                  <td>{val(j.kind)}</td>
                  {STATES.map((st) => (
                    <td key={st} className={st === "dead" && j.dead > 0 ? "bad" : undefined}>
                      {number(j[st])}
                    </td>
                  ))}
                  <td>{number(j.total)}</td>
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
  const { t, val } = useI18n();
  const q = useQuery({ queryKey: ["record", "jobs-in-state", state], queryFn: () => api<{ items: OutboxJob[]; nextCursor: string | null }>(`/api/v1/admin/jobs?state=${state}&limit=100`) });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const items = q.data!.items;
  return (
    <div className="table-wrap" data-testid={`jobs-in-state-${state}`}>
      <table aria-label={state === "failed" ? t("Failed jobs", "Tugas gagal") : t("Dead jobs", "Tugas gagal permanen")}>
        <thead>
          <tr>
            <th>ID</th>
            <th>{t("Name", "Nama")}</th>
            <th>{t("Queue", "Antrean")}</th>
            <th>{t("Attempts", "Percobaan")}</th>
            <th>{t("Last error", "Galat terakhir")}</th>
            <th>{t("Updated", "Diperbarui")}</th>
            <th className="actions">{t("Actions", "Tindakan")}</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                {t(`No ${state} jobs.`, `Tidak ada tugas berstatus ${val(state).toLowerCase()}.`)}
              </td>
            </tr>
          ) : (
            items.map((j) => (
              <tr key={j.id} data-job={j.key}>
                <td>{j.id}</td>
                <td>{j.name}</td>
                <td>{j.queue}</td>
                <td>
                  {number(j.attempts)} / {number(j.maxAttempts)}
                </td>
                <td className="bad">{j.lastError ?? "—"}</td>
                <td>{dateTime(j.updatedAt)}</td>
                <td className="actions">
                  {canRetry && j.retryable ? (
                    <button type="button" className="small" disabled={retrying} onClick={() => onRetry(j.id)}>
                      {t("Retry", "Ulangi")}
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
  const { t } = useI18n();
  const qc = useQueryClient();
  const caps = useCapabilities();
  const canRetry = caps.has(T.jobRetry, "post");
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  // quick filter on the outbox rows: failed (waiting for a retry) and dead (out of attempts) jobs
  const [only, setOnly] = useState<"" | "failed" | "dead">("");
  const retry = useMutation({
    mutationFn: (id: number) => api<{ id: number; name: string }>(EP.jobRetry(id), { method: "POST", headers: { "Idempotency-Key": `job-retry-${id}-${Date.now()}` } }),
    onSuccess: (job, id) => {
      setMsg({ ok: true, text: t(`Job ${id} (${job?.name ?? "job"}) queued again.`, `Tugas ${id} (${job?.name ?? "tugas"}) diantrekan lagi.`) });
      qc.invalidateQueries({ queryKey: ["record"] });
      qc.invalidateQueries({ queryKey: ["jobs-summary"] });
    },
    onError: (e, id) => setMsg({ ok: false, text: t(`Retry of job ${id} failed: `, `Mengulang tugas ${id} gagal: `) + (e instanceof ApiError ? e.message : String(e)) }),
  });
  return (
    <div className="page">
      <h1>{t("Jobs", "Tugas latar")}</h1>
      <p className="muted">
        {t(
          "The outbox: every job and event, with its state and attempts. Dead jobs ran out of attempts; Retry runs one again with a fresh attempt count.",
          "Outbox: setiap tugas dan peristiwa, dengan status dan jumlah percobaannya. Tugas gagal permanen kehabisan percobaan; Ulangi menjalankannya lagi dengan hitungan percobaan baru.",
        )}
      </p>
      {!caps.ready ? <Loading /> : caps.has(T.jobsSummary) ? <JobsSummary /> : <NotAvailable detail={t("no jobs summary", "tidak ada ringkasan tugas")} />}
      {msg && (
        <p className={msg.ok ? "notice ok" : "notice bad"} role="status">
          {msg.text}
        </p>
      )}
      <div className="row" role="group" aria-label={t("Show jobs", "Tampilkan tugas")} data-testid="jobs-quick-filter">
        {(
          [
            ["", t("All jobs", "Semua tugas")],
            ["failed", t("Failed (waiting for a retry)", "Gagal (menunggu diulang)")],
            ["dead", t("Dead (out of attempts)", "Gagal permanen (percobaan habis)")],
          ] as const
        ).map(([state, label]) => (
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
              {t("Retry", "Ulangi")}
            </button>
          ) : null
        }
      />
      )}
    </div>
  );
}
