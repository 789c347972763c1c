// A loan's balances as money moves, shared by repayments, credit and disbursements (all inside the caller's write
// transaction): the loan and its instalments as allocation sees them, writing an allocation, closing a loan that is
// paid and reassessing its standing.
import { daysBetween, jakartaDate, type Sql, type TxContext } from "../../src/runtime/index.ts";
import type { JournalLine } from "../ledger/ledger.ts";
import { recogniseIncome } from "../ledger/income.ts";
import { transitionLoan } from "../loans/state.ts";
import { loans, type LoanRow } from "../loans/rows.ts";
import { asViews, reassessAfterPayment, updateCollectionState, type Standing } from "../collections/standing.ts";
import { bucketOf, delinquencyStatus, type InstalmentView } from "../collections/dpd.ts";
import { totalOutstanding, type Allocation, type InstalmentState } from "./allocation.ts";

export const ACTOR = "system:payments";

/** What money movement reads of a loan. */
export const LOAN_COLUMNS = ["id", "user_id", "status", "principal_amount", "interest_amount", "fee_amount", "upfront_fee_amount", "disbursed_amount", "tenor", "tenor_unit", "start_date", "maturity_date", "credit_balance_amount", "dpd", "grace_days"] as const;
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

const INSTALMENT_STATE = `SELECT id, seq, due_date AS dueDate, principal_due AS principalDue, interest_due AS interestDue, fee_due AS feeDue,
            late_fee_due AS lateFeeDue, principal_paid AS principalPaid, interest_paid AS interestPaid, fee_paid AS feePaid,
            late_fee_paid AS lateFeePaid
       FROM installments`;

/** The loan's instalments with anything unpaid (late fees included), oldest first; at most `limit` (-1: all). */
export function loadUnpaidInstalments(db: Sql, loanId: string, limit = -1): InstalmentState[] {
  return db.all<InstalmentState>(
    `${INSTALMENT_STATE}
      WHERE loan_id = ? AND (principal_paid < principal_due OR interest_paid < interest_due OR fee_paid < fee_due OR late_fee_paid < late_fee_due)
      ORDER BY due_date, seq LIMIT ?`,
    loanId,
    limit,
  );
}

/**
 * The instalments an allocation of `amount` needs, oldest first: allocate(amount, these) gives the same lines,
 * credit and paid-off answer as over the whole schedule. Paid instalments take nothing; the unpaid ones are
 * read two at a time first — when they owe more than `amount`, the money stops inside them (and one of them stays
 * unpaid, so the loan is not paid off); otherwise (the money reaches past them, or pays them exactly and the
 * paid-off answer depends on the rest) every unpaid instalment.
 */
export function instalmentsToAllocate(db: Sql, loanId: string, amount: number): InstalmentState[] {
  const head = loadUnpaidInstalments(db, loanId, 2);
  if (head.length < 2 || totalOutstanding(head) > amount) return head;
  return loadUnpaidInstalments(db, loanId);
}

/** A loan's unpaid amounts by component, as of `today` (Asia/Jakarta date), summed by SQLite over its schedule. */
export interface LoanBalance {
  principal: number;
  interest: number;
  fee: number;
  lateFee: number;
  /** Scheduled amount (principal + interest + fee) unpaid on instalments due before today. */
  overdue: number;
  /** Due date of the oldest instalment due before today with a scheduled amount unpaid (null: none). */
  oldestUnpaidPastDue: string | null;
}

/**
 * The loan's balance in one aggregate statement (no instalment rows into JavaScript). The same figures as
 * payoffQuote and collections' standingOf over the instalment rows (extensions/payments/loan-balance.test.ts): paid never
 * exceeds due (the table's CHECKs), and due dates compare as their calendar date.
 */
export function loanBalance(db: Sql, loanId: string, today: string): LoanBalance {
  return db.get<LoanBalance>(
    `SELECT COALESCE(SUM(principal_due - principal_paid), 0) AS principal, COALESCE(SUM(interest_due - interest_paid), 0) AS interest,
            COALESCE(SUM(fee_due - fee_paid), 0) AS fee, COALESCE(SUM(late_fee_due - late_fee_paid), 0) AS lateFee,
            COALESCE(SUM(CASE WHEN substr(due_date, 1, 10) < ?1 THEN principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid ELSE 0 END), 0) AS overdue,
            MIN(CASE WHEN substr(due_date, 1, 10) < ?1 AND (principal_paid < principal_due OR interest_paid < interest_due OR fee_paid < fee_due) THEN substr(due_date, 1, 10) END) AS oldestUnpaidPastDue
       FROM installments WHERE loan_id = ?2`,
    today,
    loanId,
  )!;
}

/** What it takes to close the loan (payoffQuote's figures) from its balance. */
export function payoffOf(b: LoanBalance, creditBalance: number) {
  const outstanding = b.lateFee + b.fee + b.interest + b.principal;
  return { outstanding, payoffAmount: Math.max(0, outstanding - creditBalance) };
}

/**
 * The loan's delinquency standing from its balance: collections' standingOf (extensions/collections/standing.ts)
 * without the instalment list. DPD from the oldest unpaid past-due date; the weekly two-instalment rule needs the
 * two latest past-due instalments only when it can decide (DPD within the grace days and above 0: with DPD 0 no
 * past-due instalment is unpaid).
 */
export function standingFromBalance(db: Sql, loan: Pick<PaymentLoan, "id" | "grace_days" | "tenor_unit">, b: LoanBalance, today: string): Standing {
  const dpd = b.oldestUnpaidPastDue === null ? 0 : daysBetween(b.oldestUnpaidPastDue, today);
  const latest =
    loan.tenor_unit === "weeks" && dpd > 0 && dpd <= loan.grace_days
      ? asViews(db.all<InstalmentView>(`${INSTALMENT_STATE} WHERE loan_id = ? AND substr(due_date, 1, 10) < ? ORDER BY substr(due_date, 1, 10) DESC, seq DESC LIMIT 2`, loan.id, today))
      : [];
  return {
    dpd,
    bucket: bucketOf(dpd),
    status: delinquencyStatus({ dpd, graceDays: loan.grace_days, tenorUnit: loan.tenor_unit, instalments: latest, today }),
    outstanding: { amount: b.principal + b.interest + b.fee, principal: b.principal, lateFees: b.lateFee },
    overdue: b.overdue,
  };
}

/**
 * collections' reassessAfterPayment from the loan's balance (the loan as read at the start of this transaction:
 * status, DPD, grace days and tenor unit, none of which the payment changed before this): a delinquent loan whose
 * arrears are paid is cured (loans state machine), DPD and the collections view brought up to date. Returns the
 * loan's status afterwards.
 */
export function reassessFromBalance(t: TxContext, loan: PaymentLoan, b: LoanBalance, now: Date, today: string, reason: string): string {
  if (loan.status !== "active" && loan.status !== "delinquent") return loan.status;
  const s = standingFromBalance(t, loan, b, today);
  let status: string = loan.status;
  if (loan.status === "delinquent" && s.status === "active") {
    transitionLoan(t, { loanId: loan.id, to: "active", actor: ACTOR, reason: `${reason}: DPD ${s.dpd} (grace ${loan.grace_days} days)`, at: now });
    status = "active";
  }
  if (s.dpd !== loan.dpd) t.run("UPDATE loans SET dpd = ? WHERE id = ?", s.dpd, loan.id);
  updateCollectionState(t, loan.id, s, status, now.toISOString());
  return status;
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
export function summary(t: Sql, loanId: string, now: Date) {
  const loan = t.get<{ status: string; credit_balance_amount: number }>("SELECT status, credit_balance_amount FROM loans WHERE id = ?", loanId)!;
  const q = payoffOf(loanBalance(t, loanId, jakartaDate(now)), loan.credit_balance_amount);
  return { loanStatus: loan.status, outstandingAmount: q.outstanding, creditBalanceAmount: loan.credit_balance_amount, payoffAmount: q.payoffAmount };
}
