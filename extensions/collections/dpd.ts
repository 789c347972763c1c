// Delinquency, pure: days past due (DPD) on Asia/Jakarta calendar days, buckets and the loan status rule.
// No I/O here; the sweep feeds plain data in and writes the results.
import { daysBetween } from "../../src/runtime/index.ts";
import type { Bucket, OpenLoanStatus, TenorUnit } from "../../schemas/enums.ts";
import { lateFeeRemaining, loanOutstanding, scheduledRemaining, type InstalmentAmounts } from "../loans/rows.ts";

/** One scheduled instalment as the collections logic sees it (integer rupiah). */
export type InstalmentView = InstalmentAmounts;

export { lateFeeRemaining, scheduledRemaining };

export function isUnpaid(i: InstalmentView): boolean {
  return scheduledRemaining(i) > 0;
}

/**
 * Days past due on `today`: days since the due date of the oldest instalment that is past due (due before today)
 * and not fully paid. Due today and unpaid is still 0 DPD; the day after, 1.
 */
export function computeDpd(instalments: readonly InstalmentView[], today: string): number {
  let oldest: string | null = null;
  for (const i of instalments) {
    if (i.dueDate < today && isUnpaid(i) && (oldest === null || i.dueDate < oldest)) oldest = i.dueDate;
  }
  return oldest === null ? 0 : daysBetween(oldest, today);
}

export function bucketOf(dpd: number): Bucket {
  if (dpd <= 0) return "lancar";
  if (dpd <= 30) return "dpd_1_30";
  if (dpd <= 60) return "dpd_31_60";
  if (dpd <= 90) return "dpd_61_90";
  return "macet";
}

/**
 * Pinjol seed rule: with weekly instalments, a loan whose two latest past-due instalments are both unpaid is
 * delinquent (whatever the grace days say).
 */
export function twoLatestDueUnpaid(instalments: readonly InstalmentView[], today: string): boolean {
  const due = instalments.filter((i) => i.dueDate < today).sort((a, b) => (a.dueDate < b.dueDate ? 1 : a.dueDate > b.dueDate ? -1 : b.seq - a.seq));
  return due.length >= 2 && isUnpaid(due[0]) && isUnpaid(due[1]);
}

/**
 * The status an open loan should have: `delinquent` when DPD > grace days (or, for weekly loans, when the two
 * latest due instalments are unpaid); otherwise `active` (a delinquent loan is cured back to active).
 */
export function delinquencyStatus(args: { dpd: number; graceDays: number; tenorUnit: TenorUnit; instalments: readonly InstalmentView[]; today: string }): OpenLoanStatus {
  if (args.dpd > args.graceDays) return "delinquent";
  if (args.tenorUnit === "weeks" && twoLatestDueUnpaid(args.instalments, args.today)) return "delinquent";
  return "active";
}

/** Outstanding of a loan: scheduled principal + interest + fees not yet paid (late fees are reported apart); see ./outstanding.ts. */
export const outstandingOf = loanOutstanding;
