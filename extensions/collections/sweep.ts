// The daily delinquency sweep (owner job `delinquency-sweep`). For every open loan, in batches by loan id, one
// write transaction per batch: recognise the income of instalments now due (ledger/income.ts), charge late fees
// (ledger journal in the same transaction), update DPD / bucket /
// status, queue the day's reminder, snapshot the DPD. Idempotent per Asia/Jakarta day (sweep_runs + each loan's
// last_sweep_date), resumable (checkpoint_loan_id is committed with each batch), progress in the log. A loan already
// swept today is not skipped blindly: its standing is re-evaluated (a payment may have cured it since), and a rerun
// on a day whose sweep is done re-evaluates the loans that were behind.
import type { ExtensionContext, TxContext, Sql } from "../../src/runtime/index.ts";
import { loadCaps, strictest, type Cap } from "../loans/caps.ts";
import { termDays } from "../loans/schedule.ts";
import { transitionLoan } from "../loans/state.ts";
import type { InstalmentView } from "./dpd.ts";
import { accrueLateFees } from "./latefee.ts";
import { planReminder, reminderText, sendTimeFor } from "./reminders.ts";
import { postLateFeeAccrual } from "./journal.ts";
import { recogniseIncome } from "../ledger/income.ts";
import { standingOf, updateCollectionState } from "./standing.ts";
import { sendReminderJob } from "../../jobs/send-reminder.ts";
import { jakartaDate } from "../../src/runtime/index.ts";
import type { OpenLoanStatus, TenorUnit } from "../../schemas/enums.ts";

export const SWEEP_ACTOR = "system:collections";

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

export interface LoanRow {
  id: string;
  user_id: string;
  status: OpenLoanStatus;
  principal_amount: number;
  interest_amount: number;
  fee_amount: number;
  upfront_fee_amount: number;
  tenor: number;
  tenor_unit: TenorUnit;
  late_fee_ppm: number;
  grace_days: number;
  purpose: "consumptive" | "productive";
  start_date: string;
  dpd: number;
  phone: string | null;
  va_number: string | null;
  late_fee_through: string | null;
  last_sweep_date: string | null;
  /** The collections view as last written (null before the loan's first sweep). */
  state_dpd: number | null;
  state_status: string | null;
  state_overdue: number | null;
}

interface InstRow {
  loan_id: string;
  seq: number;
  due_date: string;
  principal_due: number;
  interest_due: number;
  fee_due: number;
  late_fee_due: number;
  principal_paid: number;
  interest_paid: number;
  fee_paid: number;
  late_fee_paid: number;
}

const toView = (r: InstRow): InstalmentView => ({
  seq: r.seq,
  dueDate: r.due_date.slice(0, 10),
  principalDue: r.principal_due,
  interestDue: r.interest_due,
  feeDue: r.fee_due,
  lateFeeDue: r.late_fee_due,
  principalPaid: r.principal_paid,
  interestPaid: r.interest_paid,
  feePaid: r.fee_paid,
  lateFeePaid: r.late_fee_paid,
});

export const LOAN_SELECT = `SELECT l.id, l.user_id, l.status, l.principal_amount, l.interest_amount, l.fee_amount, l.upfront_fee_amount,
       l.tenor, l.tenor_unit, l.late_fee_ppm, l.grace_days, l.purpose, l.start_date, l.dpd,
       u.phone AS phone, va.va_number AS va_number, s.late_fee_through AS late_fee_through, s.last_sweep_date AS last_sweep_date,
       s.dpd AS state_dpd, s.status AS state_status, s.overdue_amount AS state_overdue
  FROM loans l
  LEFT JOIN users u ON u.id = l.user_id
  LEFT JOIN virtual_accounts va ON va.loan_id = l.id
  LEFT JOIN collection_state s ON s.loan_id = l.id`;

export function loadInstalments(t: Sql, loanIds: string[]): Map<string, InstalmentView[]> {
  const out = new Map<string, InstalmentView[]>();
  if (loanIds.length === 0) return out;
  for (const id of loanIds) out.set(id, []);
  const rows = t.all<InstRow>(
    `SELECT loan_id, seq, due_date, principal_due, interest_due, fee_due, late_fee_due, principal_paid, interest_paid, fee_paid, late_fee_paid
       FROM installments WHERE loan_id >= ? AND loan_id <= ? ORDER BY loan_id, seq`,
    loanIds[0],
    loanIds[loanIds.length - 1],
  );
  for (const r of rows) out.get(r.loan_id)?.push(toView(r));
  return out;
}

/** The regulatory figures that apply to a loan (dated caps, by the loan's start date, purpose and term). */
export function loanCaps(caps: Cap[], loan: Pick<LoanRow, "start_date" | "purpose" | "tenor" | "tenor_unit">) {
  const date = loan.start_date.slice(0, 10);
  const days = termDays(loan.tenor, loan.tenor_unit);
  const late = strictest(caps, "late_fee_daily", date, loan.purpose, days);
  const total = strictest(caps, "total_cost", date, loan.purpose, days);
  return { lateFeePpm: late ? late.value : null, totalCostPpm: total ? total.value : 1_000_000 };
}

export interface LoanOutcome {
  skipped: boolean;
  lateFee: number;
  reminder: boolean;
  statusChanged: boolean;
  dpd: number;
}

/**
 * A loan already swept today: its late fees, reminder and income for the day are done, but its standing may have
 * changed since (a payment cured it). Re-evaluate DPD and status; write only what differs (idempotent).
 */
export function resweepLoan(t: TxContext, loan: LoanRow, inst: InstalmentView[], now: Date, today: string): LoanOutcome {
  const s = standingOf(loan, inst, today);
  const unchanged = s.status === loan.status && s.dpd === loan.dpd && s.dpd === loan.state_dpd && loan.status === loan.state_status && s.overdue === loan.state_overdue;
  if (unchanged) return { skipped: true, lateFee: 0, reminder: false, statusChanged: false, dpd: loan.dpd };
  let statusChanged = false;
  if (s.status !== loan.status) {
    transitionLoan(t, { loanId: loan.id, to: s.status, actor: SWEEP_ACTOR, reason: `DPD ${s.dpd} (grace ${loan.grace_days} days), re-evaluated the same day`, at: now });
    statusChanged = true;
  }
  if (s.dpd !== loan.dpd) t.run("UPDATE loans SET dpd = ? WHERE id = ?", s.dpd, loan.id);
  t.run("UPDATE dpd_snapshots SET dpd = ?, bucket = ?, status = ?, outstanding_amount = ? WHERE snapshot_date = ? AND loan_id = ?", s.dpd, s.bucket, s.status, s.outstanding.amount, today, loan.id);
  updateCollectionState(t, loan.id, s, s.status, now.toISOString());
  return { skipped: true, lateFee: 0, reminder: false, statusChanged, dpd: s.dpd };
}

/** One loan, inside the batch transaction. */
export function sweepLoan(t: TxContext, loan: LoanRow, inst: InstalmentView[], caps: Cap[], now: Date, today: string): LoanOutcome {
  if (loan.last_sweep_date === today) return resweepLoan(t, loan, inst, now, today);
  const at = now.toISOString();

  // 0. Income recognition: the interest and schedule fees of every instalment due by today move from unearned to
  //    income (one journal per instalment, idempotent on (loan, seq); ledger in this tx).
  recogniseIncome(t, loan.id, today, at);

  // 1. Late fees for the days since the last charge, within the regulatory and 100 % caps; ledger in this tx.
  const c = loanCaps(caps, loan);
  const fees = accrueLateFees(
    {
      principal: loan.principal_amount,
      productLateFeePpm: loan.late_fee_ppm,
      regulatoryPpm: c.lateFeePpm,
      totalCostCapPpm: c.totalCostPpm,
      costAmount: loan.interest_amount + loan.fee_amount + loan.upfront_fee_amount,
      graceDays: loan.grace_days,
      instalments: inst,
    },
    today,
    loan.late_fee_through,
  );
  if (fees.total > 0) {
    const journalId = postLateFeeAccrual(t, loan.id, today, fees.total, at);
    for (const ch of fees.charges) {
      t.run("UPDATE installments SET late_fee_due = late_fee_due + ? WHERE loan_id = ? AND seq = ?", ch.amount, loan.id, ch.seq);
      t.run(
        `INSERT INTO late_fee_accruals (loan_id, installment_seq, accrual_date, days, overdue_amount, rate_ppm, amount, capped, journal_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        loan.id,
        ch.seq,
        today,
        ch.days,
        ch.overdueAmount,
        fees.ratePpm,
        ch.amount,
        fees.capped ? 1 : 0,
        journalId,
        at,
      );
      const i = inst.find((x) => x.seq === ch.seq);
      if (i) i.lateFeeDue += ch.amount;
    }
  }

  // 2. DPD, bucket and status (active ↔ delinquent through the loans state machine).
  const standing = standingOf(loan, inst, today);
  const { dpd, bucket, status: target } = standing;
  let status: string = loan.status;
  let statusChanged = false;
  if (target !== loan.status) {
    transitionLoan(t, { loanId: loan.id, to: target, actor: SWEEP_ACTOR, reason: `DPD ${dpd} (grace ${loan.grace_days} days)`, at: now });
    status = target;
    statusChanged = true;
  }
  if (dpd !== loan.dpd) t.run("UPDATE loans SET dpd = ? WHERE id = ?", dpd, loan.id);

  // 3. The day's reminder (one per loan per day, only inside 08:00–20:00 Asia/Jakarta).
  let reminder = false;
  const plan = planReminder(inst, today);
  const sendAt = plan && loan.phone ? sendTimeFor(now) : null;
  if (plan && loan.phone && sendAt) {
    const text = reminderText(plan, loan.va_number);
    const key = `reminder:${loan.id}:${today}`;
    const ins = t.run(
      `INSERT INTO collection_reminders (loan_id, reminder_date, kind, installment_seq, amount, va_number, phone, text, status, job_key, scheduled_for, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (loan_id, reminder_date) DO NOTHING`,
      loan.id,
      today,
      plan.kind,
      plan.seq,
      plan.amount,
      loan.va_number,
      loan.phone,
      text,
      key,
      sendAt.toISOString(),
      at,
    );
    if (ins.changes > 0) {
      t.enqueue(sendReminderJob, { loanId: loan.id, date: today, kind: plan.kind, phone: loan.phone, text }, { key, runAt: sendAt });
      reminder = true;
    }
  }

  // 4. Snapshot + state.
  const out = standing.outstanding;
  const overdue = standing.overdue;
  t.run(
    `INSERT INTO dpd_snapshots (snapshot_date, loan_id, dpd, bucket, status, outstanding_amount) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (snapshot_date, loan_id) DO UPDATE SET dpd = excluded.dpd, bucket = excluded.bucket, status = excluded.status, outstanding_amount = excluded.outstanding_amount`,
    today,
    loan.id,
    dpd,
    bucket,
    status,
    out.amount,
  );
  t.run(
    `INSERT INTO collection_state (loan_id, dpd, bucket, status, outstanding_amount, outstanding_principal, late_fee_outstanding, overdue_amount, late_fee_through, last_sweep_date, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (loan_id) DO UPDATE SET dpd = excluded.dpd, bucket = excluded.bucket, status = excluded.status,
       outstanding_amount = excluded.outstanding_amount, outstanding_principal = excluded.outstanding_principal,
       late_fee_outstanding = excluded.late_fee_outstanding, overdue_amount = excluded.overdue_amount,
       late_fee_through = excluded.late_fee_through, last_sweep_date = excluded.last_sweep_date, updated_at = excluded.updated_at`,
    loan.id,
    dpd,
    bucket,
    status,
    out.amount,
    out.principal,
    out.lateFees,
    overdue,
    today,
    today,
    at,
  );
  return { skipped: false, lateFee: fees.total, reminder, statusChanged, dpd };
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
      const loans = t.all<LoanRow>(
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
      const loans = t.all<LoanRow>(`${LOAN_SELECT} WHERE l.status IN ('active', 'delinquent') AND l.id > ? ORDER BY l.id LIMIT ?`, checkpoint, batchSize);
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
