// A loan's delinquency standing (DPD, bucket, active/delinquent, what is overdue) computed from its instalments as
// they are now, and written where the borrower's app and collections staff read it: the loan row (status, dpd) and
// collection_state. Used by the daily sweep, by a same-day rerun of it, and by the payments extension right after
// money reached the instalments, so a cured loan is never shown as delinquent until the next day's sweep.
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import { transitionLoan } from "../loans/state.ts";
import { bucketOf, computeDpd, delinquencyStatus, outstandingOf, scheduledRemaining, type InstalmentView } from "./dpd.ts";
import { jakartaDate } from "../../src/runtime/index.ts";
import type { Bucket, OpenLoanStatus, TenorUnit } from "../../schemas/enums.ts";

export interface Standing {
  dpd: number;
  bucket: Bucket;
  /** The status the rules give the loan today (DPD beyond the grace days, or the weekly two-instalment rule). */
  status: OpenLoanStatus;
  outstanding: { amount: number; principal: number; lateFees: number };
  /** Scheduled amount of the instalments past due, still unpaid. */
  overdue: number;
}

export function standingOf(loan: { grace_days: number; tenor_unit: TenorUnit }, inst: readonly InstalmentView[], today: string): Standing {
  const dpd = computeDpd(inst, today);
  let overdue = 0;
  for (const i of inst) if (i.dueDate < today) overdue += scheduledRemaining(i);
  return {
    dpd,
    bucket: bucketOf(dpd),
    status: delinquencyStatus({ dpd, graceDays: loan.grace_days, tenorUnit: loan.tenor_unit, instalments: inst, today }),
    outstanding: outstandingOf(inst),
    overdue,
  };
}

/** The collections view of a loan between sweeps (late_fee_through and last_sweep_date stay the sweep's). */
export function updateCollectionState(t: Sql, loanId: string, s: Standing, status: string, at: string) {
  t.run(
    `UPDATE collection_state SET dpd = ?, bucket = ?, status = ?, outstanding_amount = ?, outstanding_principal = ?, late_fee_outstanding = ?,
            overdue_amount = ?, updated_at = ? WHERE loan_id = ?`,
    s.dpd,
    s.bucket,
    status,
    s.outstanding.amount,
    s.outstanding.principal,
    s.outstanding.lateFees,
    s.overdue,
    at,
    loanId,
  );
}

export interface ReassessInput {
  loanId: string;
  /** The loan's instalments as they are now (after the caller's writes in this transaction). */
  instalments: readonly InstalmentView[];
  now: Date;
  actor: string;
  /** Why the standing is re-evaluated (e.g. "arrears paid by payment pay_…"); the DPD is appended. */
  reason: string;
}

/**
 * After money reached a loan's instalments (inside that transaction): recompute DPD, cure a delinquent loan whose
 * arrears are paid (delinquent → active through the loans state machine: loan_events + loan.status_changed), and
 * bring the collections view up to date. Only ever cures: making a loan delinquent (and charging the late fees
 * that go with it) is the daily sweep's job. Returns the loan's status afterwards.
 */
export function reassessAfterPayment(t: TxContext, input: ReassessInput): string | null {
  const loan = t.get<{ status: string; dpd: number; grace_days: number; tenor_unit: TenorUnit }>("SELECT status, dpd, grace_days, tenor_unit FROM loans WHERE id = ?", input.loanId);
  if (!loan) return null;
  if (loan.status !== "active" && loan.status !== "delinquent") return loan.status;
  const s = standingOf(loan, input.instalments, jakartaDate(input.now));
  const at = input.now.toISOString();
  let status = loan.status;
  if (loan.status === "delinquent" && s.status === "active") {
    transitionLoan(t, { loanId: input.loanId, to: "active", actor: input.actor, reason: `${input.reason}: DPD ${s.dpd} (grace ${loan.grace_days} days)`, at: input.now });
    status = "active";
  }
  if (s.dpd !== loan.dpd) t.run("UPDATE loans SET dpd = ? WHERE id = ?", s.dpd, input.loanId);
  updateCollectionState(t, input.loanId, s, status, at);
  return status;
}

/** Instalment rows as the collections logic sees them (payments' and collections' shapes both fit). */
export function asViews(rows: readonly InstalmentView[]): InstalmentView[] {
  return rows.map((r) => ({ ...r, dueDate: r.dueDate.slice(0, 10) }));
}
