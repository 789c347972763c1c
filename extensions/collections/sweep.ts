// The daily delinquency sweep (job `delinquency-sweep`, jobs/delinquency-sweep.ts). For every open loan, in batches
// by loan id, one write transaction per batch running each loan's day (./sweep-loan.ts: income, late fees, DPD /
// bucket / status, reminder, snapshot). Idempotent per Asia/Jakarta day (sweep_runs + each loan's
// last_sweep_date), resumable (checkpoint_loan_id is committed with each batch), progress in the log. A loan already
// swept today is not skipped blindly: its standing is re-evaluated (a payment may have cured it since), and a rerun
// on a day whose sweep is done re-evaluates the loans that were behind.
import { jakartaDate, type ExtensionContext } from "../../src/runtime/index.ts";
import { loadCaps } from "../loans/caps.ts";
import { LOAN_SELECT, loadInstalments, resweepLoan, sweepLoan, type SweepLoan } from "./sweep-loan.ts";

export type SweepContext = Pick<ExtensionContext, "tx" | "db" | "clock" | "log">;

export interface SweepOptions {
  /** Loans per write transaction (default 500). */
  batchSize?: number;
  /** Stop after this many batches (tests: simulate a crash; the next run resumes from the checkpoint). */
  maxBatches?: number;
  /** Yield to the event loop between batches (default true) so the server keeps answering. */
  yieldBetweenBatches?: boolean;
  /** Stop between batches when aborted (job timeout / shutdown); the next run resumes from the checkpoint. */
  signal?: AbortSignal;
}

export interface SweepResult {
  runDate: string;
  status: "done" | "already_done" | "interrupted";
  loans: number;
  batches: number;
  lateFeeAmount: number;
  reminders: number;
  statusChanges: number;
  ms: number;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A day's sweep (table sweep_runs). */
export interface SweepRunRow {
  run_date: string;
  status: "running" | "done";
  checkpoint_loan_id: string | null;
  loans_processed: number;
  late_fee_amount: number;
  reminders: number;
  status_changes: number;
  batches: number;
  started_at: string;
  finished_at: string | null;
  updated_at: string;
}

/**
 * A rerun on a day whose sweep is done: the loans swept today that were behind (delinquent, or DPD > 0) are
 * re-evaluated, so one cured since the morning is not skipped. Nothing else is redone. Returns the status changes
 * (also added to the day's run record).
 */
async function resweep(ctx: SweepContext, today: string, batchSize: number, opts: SweepOptions): Promise<number> {
  let after = "";
  let total = 0;
  for (;;) {
    if (opts.signal?.aborted) break;
    const batch = ctx.tx((t) => {
      const loans = t.all<SweepLoan>(
        `${LOAN_SELECT} WHERE l.status IN ('active', 'delinquent') AND (l.status = 'delinquent' OR l.dpd > 0 OR s.dpd > 0 OR s.status = 'delinquent')
            AND s.last_sweep_date = ? AND l.id > ? ORDER BY l.id LIMIT ?`,
        today,
        after,
        batchSize,
      );
      if (loans.length === 0) return null;
      const inst = loadInstalments(t, loans.map((l) => l.id));
      const now = ctx.clock.now();
      let changes = 0;
      for (const loan of loans) if (resweepLoan(t, loan, inst.get(loan.id) ?? [], now, today).statusChanged) changes++;
      if (changes > 0) t.run("UPDATE sweep_runs SET status_changes = status_changes + ?, updated_at = ? WHERE run_date = ?", changes, now.toISOString(), today);
      return { last: loans[loans.length - 1].id, changes };
    });
    if (!batch) break;
    after = batch.last;
    total += batch.changes;
    if (opts.yieldBetweenBatches !== false) await tick();
  }
  return total;
}

/** Run (or resume) today's sweep. */
export async function runSweep(ctx: SweepContext, opts: SweepOptions = {}): Promise<SweepResult> {
  const t0 = performance.now();
  const batchSize = Math.max(1, opts.batchSize ?? 500);
  const now = ctx.clock.now();
  const today = jakartaDate(now);
  const log = ctx.log.child({ job: "delinquency-sweep", runDate: today });
  const run = ctx.tx((t) => {
    const r = t.get<SweepRunRow>("SELECT * FROM sweep_runs WHERE run_date = ?", today);
    if (r) return r;
    t.run("INSERT INTO sweep_runs (run_date, status, started_at, updated_at) VALUES (?, 'running', ?, ?)", today, now.toISOString(), now.toISOString());
    return t.get<SweepRunRow>("SELECT * FROM sweep_runs WHERE run_date = ?", today)!;
  });
  const result = (status: SweepResult["status"], r: SweepRunRow): SweepResult => ({
    runDate: today,
    status,
    loans: r.loans_processed,
    batches: r.batches,
    lateFeeAmount: r.late_fee_amount,
    reminders: r.reminders,
    statusChanges: r.status_changes,
    ms: Math.round(performance.now() - t0),
  });
  if (run.status === "done") {
    const changes = await resweep(ctx, today, batchSize, opts);
    log.info("delinquency sweep already done today; standings re-evaluated", { loans: run.loans_processed, statusChanges: changes });
    return result("already_done", changes > 0 ? (ctx.db.get<SweepRunRow>("SELECT * FROM sweep_runs WHERE run_date = ?", today) ?? run) : run);
  }
  if (run.checkpoint_loan_id) log.info("delinquency sweep resuming", { checkpoint: run.checkpoint_loan_id, loans: run.loans_processed });
  else log.info("delinquency sweep started", {});
  const caps = loadCaps(ctx.db);
  let checkpoint = run.checkpoint_loan_id ?? "";
  let batchesThisRun = 0;
  let state = run;
  for (;;) {
    if ((opts.maxBatches !== undefined && batchesThisRun >= opts.maxBatches) || opts.signal?.aborted) {
      log.warn("delinquency sweep stopped before the end", { checkpoint, loans: state.loans_processed });
      return result("interrupted", state);
    }
    const batch = ctx.tx((t) => {
      const loans = t.all<SweepLoan>(`${LOAN_SELECT} WHERE l.status IN ('active', 'delinquent') AND l.id > ? ORDER BY l.id LIMIT ?`, checkpoint, batchSize);
      if (loans.length === 0) {
        t.run("UPDATE sweep_runs SET status = 'done', finished_at = ?, updated_at = ? WHERE run_date = ?", ctx.clock.now().toISOString(), ctx.clock.now().toISOString(), today);
        return null;
      }
      const inst = loadInstalments(t, loans.map((l) => l.id));
      let lateFee = 0;
      let reminders = 0;
      let changes = 0;
      let processed = 0;
      for (const loan of loans) {
        const o = sweepLoan(t, loan, inst.get(loan.id) ?? [], caps, now, today);
        if (o.statusChanged) changes++;
        if (o.skipped) continue;
        processed++;
        lateFee += o.lateFee;
        if (o.reminder) reminders++;
      }
      const last = loans[loans.length - 1].id;
      t.run(
        `UPDATE sweep_runs SET checkpoint_loan_id = ?, loans_processed = loans_processed + ?, late_fee_amount = late_fee_amount + ?,
           reminders = reminders + ?, status_changes = status_changes + ?, batches = batches + 1, updated_at = ? WHERE run_date = ?`,
        last,
        processed,
        lateFee,
        reminders,
        changes,
        ctx.clock.now().toISOString(),
        today,
      );
      return t.get<SweepRunRow>("SELECT * FROM sweep_runs WHERE run_date = ?", today)!;
    });
    if (!batch) break;
    state = batch;
    checkpoint = batch.checkpoint_loan_id!;
    batchesThisRun++;
    log.info("delinquency sweep progress", { batch: batch.batches, loans: batch.loans_processed, checkpoint, lateFeeAmount: batch.late_fee_amount });
    if (opts.yieldBetweenBatches !== false) await tick();
  }
  const final = ctx.db.get<SweepRunRow>("SELECT * FROM sweep_runs WHERE run_date = ?", today) ?? state;
  const res = result("done", final);
  log.info("delinquency sweep done", { loans: res.loans, batches: res.batches, lateFeeAmount: res.lateFeeAmount, reminders: res.reminders, statusChanges: res.statusChanges, ms: res.ms });
  return res;
}
