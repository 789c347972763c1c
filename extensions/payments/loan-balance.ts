// A loan's balances as money moves, shared by repayments, credit and disbursements (all inside the caller's write
// transaction): the loan and its instalments as allocation sees them, writing an allocation, closing a loan that is
// paid and reassessing its standing.
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import type { JournalLine } from "../ledger/ledger.ts";
import { recogniseIncome } from "../ledger/income.ts";
import { transitionLoan } from "../loans/state.ts";
import { loans, type LoanRow } from "../loans/rows.ts";
import { asViews, reassessAfterPayment } from "../collections/standing.ts";
import { payoffQuote, type Allocation, type InstalmentState } from "./allocation.ts";

export const ACTOR = "system:payments";

/** What money movement reads of a loan. */
export const LOAN_COLUMNS = ["id", "user_id", "status", "principal_amount", "interest_amount", "fee_amount", "upfront_fee_amount", "disbursed_amount", "tenor", "tenor_unit", "start_date", "maturity_date", "credit_balance_amount"] as const;
export type PaymentLoan = Pick<LoanRow, (typeof LOAN_COLUMNS)[number]>;

export function loadLoan(db: Sql, loanId: string): PaymentLoan | undefined {
  return loans.get(db, loanId, LOAN_COLUMNS);
}

export function loadInstalments(db: Sql, loanId: string): InstalmentState[] {
  return db.all<InstalmentState>(
    `SELECT id, seq, due_date AS dueDate, principal_due AS principalDue, interest_due AS interestDue, fee_due AS feeDue,
            late_fee_due AS lateFeeDue, principal_paid AS principalPaid, interest_paid AS interestPaid, fee_paid AS feePaid,
            late_fee_paid AS lateFeePaid
       FROM installments WHERE loan_id = ? ORDER BY due_date, seq`,
    loanId,
  );
}

export function writeAllocation(t: Sql, a: Allocation, at: string) {
  for (const l of a.lines) {
    t.run(
      `UPDATE installments SET late_fee_paid = late_fee_paid + ?, fee_paid = fee_paid + ?, interest_paid = interest_paid + ?,
              principal_paid = principal_paid + ?, status = ?, paid_at = CASE WHEN ? THEN ? ELSE paid_at END WHERE id = ?`,
      l.lateFee,
      l.fee,
      l.interest,
      l.principal,
      l.settled ? "paid" : "partial",
      l.settled ? 1 : 0,
      at,
      l.id,
    );
  }
}

export function creditLines(a: Allocation, loanId: string): JournalLine[] {
  return [
    { account: "late_fee_receivable", credit: a.totals.lateFee, loanId },
    { account: "fee_receivable", credit: a.totals.fee, loanId },
    { account: "interest_receivable", credit: a.totals.interest, loanId },
    { account: "principal_receivable", credit: a.totals.principal, loanId },
  ];
}

/** Close a loan whose instalments are all paid; "paid_off", or null when it stays open. */
export function closeIfPaid(t: TxContext, loan: PaymentLoan, paidOff: boolean, at: Date): "paid_off" | null {
  if (paidOff && (loan.status === "active" || loan.status === "delinquent")) {
    transitionLoan(t, { loanId: loan.id, to: "paid_off", actor: ACTOR, reason: "all instalments paid", at });
    // Paid off (early or on time): the remaining instalments' interest and fees were paid, so they are earned now.
    recogniseIncome(t, loan.id, null, at.toISOString());
    return "paid_off";
  }
  return null;
}

/**
 * The loan's standing once money reached its instalments, in the same transaction: DPD recomputed, and a delinquent
 * loan whose arrears are now paid cured back to active (recorded and emitted like every loan transition), so
 * neither the borrower's app nor collections staff see it delinquent until the next sweep. Returns the status.
 */
export function reassess(t: TxContext, loanId: string, after: InstalmentState[], now: Date, reason: string): string {
  return reassessAfterPayment(t, { loanId, instalments: asViews(after), now, actor: ACTOR, reason }) ?? "missing";
}

/** The instalments as writeAllocation leaves them. */
export function afterAllocation(inst: InstalmentState[], a: Allocation): InstalmentState[] {
  const byId = new Map(a.lines.map((l) => [l.id, l]));
  return inst.map((i) => {
    const l = byId.get(i.id);
    return l
      ? { ...i, lateFeePaid: i.lateFeePaid + l.lateFee, feePaid: i.feePaid + l.fee, interestPaid: i.interestPaid + l.interest, principalPaid: i.principalPaid + l.principal }
      : i;
  });
}

/** The loan's figures after money moved (status, outstanding, credit, payoff). */
export function summary(t: Sql, loanId: string) {
  const loan = loadLoan(t, loanId)!;
  const q = payoffQuote(loadInstalments(t, loanId), loan.credit_balance_amount);
  return { loanStatus: loan.status, outstandingAmount: q.outstanding, creditBalanceAmount: loan.credit_balance_amount, payoffAmount: q.payoffAmount };
}
