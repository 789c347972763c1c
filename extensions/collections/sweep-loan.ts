// One open loan's day in the delinquency sweep, inside the batch's write transaction: recognise the income of
// instalments now due (ledger/income.ts), charge late fees within the caps (journal in the same transaction), update
// DPD / bucket / status through the loans state machine, queue the day's reminder (send-reminder), snapshot the DPD.
// A loan already swept today is re-evaluated only (a payment may have cured it since).
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import type { OpenLoanStatus } from "../../schemas/enums.ts";
import { sendReminderJob } from "../../jobs/send-reminder.ts";
import { recogniseIncome } from "../ledger/income.ts";
import { strictest, type Cap } from "../loans/caps.ts";
import { instalmentAmounts, type InstallmentRow, type LoanRow } from "../loans/rows.ts";
import { termDays } from "../loans/schedule.ts";
import { transitionLoan } from "../loans/state.ts";
import type { InstalmentView } from "./dpd.ts";
import { postLateFeeAccrual } from "./journal.ts";
import { accrueLateFees } from "./latefee.ts";
import { planReminder, reminderText, sendTimeFor } from "./reminders.ts";
import { standingOf, updateCollectionState } from "./standing.ts";

export const SWEEP_ACTOR = "system:collections";

/** An open loan as the sweep reads it: the loan's terms and standing, the borrower's phone, the VA, and the
 * collections view as last written (null before the loan's first sweep). */
export type SweepLoan = Pick<
  LoanRow,
  "id" | "user_id" | "principal_amount" | "interest_amount" | "fee_amount" | "upfront_fee_amount" | "tenor" | "tenor_unit" | "late_fee_ppm" | "grace_days" | "purpose" | "start_date" | "dpd"
> & {
  status: OpenLoanStatus;
  phone: string | null;
  va_number: string | null;
  late_fee_through: string | null;
  last_sweep_date: string | null;
  state_dpd: number | null;
  state_status: string | null;
  state_overdue: number | null;
};

type InstRow = Pick<InstallmentRow, "loan_id" | "seq" | "due_date" | "principal_due" | "interest_due" | "fee_due" | "late_fee_due" | "principal_paid" | "interest_paid" | "fee_paid" | "late_fee_paid">;

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
  for (const r of rows) out.get(r.loan_id)?.push(instalmentAmounts(r));
  return out;
}

/** The regulatory figures that apply to a loan (dated caps, by the loan's start date, purpose and term). */
export function loanCaps(caps: Cap[], loan: Pick<SweepLoan, "start_date" | "purpose" | "tenor" | "tenor_unit">) {
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
export function resweepLoan(t: TxContext, loan: SweepLoan, inst: InstalmentView[], now: Date, today: string): LoanOutcome {
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
export function sweepLoan(t: TxContext, loan: SweepLoan, inst: InstalmentView[], caps: Cap[], now: Date, today: string): LoanOutcome {
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
