// Accrual-style income recognition. At settlement the schedule's interest and schedule fees are
// credited to unearned_interest / unearned_fee. Each instalment's share becomes income (Dr unearned / Cr income,
// journal kind `income.recognised`, ref `<loanId>:<seq>`, idempotent per instalment) when it falls due (collections
// sweep) or, for all remaining instalments, when the loan is paid off. A write-off reverses the share that was never
// recognised against the receivables (`income.reversed`, ref loanId) instead of expensing it; the part of an
// unrecognised instalment the borrower already paid in advance is recognised then (the cash is kept).
import type { Sql } from "../../src/runtime/index.ts";
import { postJournal } from "./ledger.ts";

export const RECOGNISED_KIND = "income.recognised";
export const REVERSED_KIND = "income.reversed";

interface Unrecognised {
  seq: number;
  interest_due: number;
  fee_due: number;
  interest_paid: number;
  fee_paid: number;
}

/**
 * Whether the loan was booked with unearned income (every loan settled since migration 0013). A loan settled
 * before it booked its whole interest as income at settlement; nothing is recognised or reversed for it.
 */
export function booksUnearned(t: Sql, loanId: string): boolean {
  return !!t.get("SELECT 1 FROM ledger_lines WHERE loan_id = ? AND account IN ('unearned_interest', 'unearned_fee') LIMIT 1", loanId);
}

/** Instalments of a loan whose income was not yet recognised (optionally only those due on or before a date). */
function unrecognised(t: Sql, loanId: string, through: string | null): Unrecognised[] {
  return t.all<Unrecognised>(
    `SELECT i.seq, i.interest_due, i.fee_due, i.interest_paid, i.fee_paid FROM installments i
      WHERE i.loan_id = ? AND (? IS NULL OR substr(i.due_date, 1, 10) <= ?) AND (i.interest_due > 0 OR i.fee_due > 0)
        AND NOT EXISTS (SELECT 1 FROM ledger_journals j WHERE j.kind = '${RECOGNISED_KIND}' AND j.ref = i.loan_id || ':' || i.seq)
      ORDER BY i.seq`,
    loanId,
    through,
    through,
  );
}

/**
 * Recognise the interest and schedule fees of the loan's instalments due on or before `through` (a YYYY-MM-DD
 * Asia/Jakarta date; null = every remaining instalment, as at payoff). Returns the amount recognised.
 */
export function recogniseIncome(t: Sql, loanId: string, through: string | null, postedAt: string): number {
  let total = 0;
  const due = unrecognised(t, loanId, through);
  if (due.length === 0 || !booksUnearned(t, loanId)) return 0;
  for (const i of due) {
    const { created } = postJournal(t, {
      kind: RECOGNISED_KIND,
      ref: `${loanId}:${i.seq}`,
      loanId,
      memo: through === null ? `instalment ${i.seq} income recognised at payoff` : `instalment ${i.seq} income recognised (due)`,
      postedAt,
      lines: [
        { account: "unearned_interest", debit: i.interest_due },
        { account: "unearned_fee", debit: i.fee_due },
        { account: "interest_income", credit: i.interest_due },
        { account: "fee_income", credit: i.fee_due },
      ],
    });
    if (created) total += i.interest_due + i.fee_due;
  }
  return total;
}

/**
 * At write-off: move every unrecognised instalment's interest and fees out of unearned — the unpaid part against the
 * receivable (reversed: never earned, never expensed), the part already paid in advance to income.
 * Returns the receivable amounts reversed.
 */
export function reverseUnrecognisedIncome(t: Sql, loanId: string, postedAt: string): { interest: number; fee: number } {
  let unpaidI = 0;
  let unpaidF = 0;
  let paidI = 0;
  let paidF = 0;
  if (!booksUnearned(t, loanId)) return { interest: 0, fee: 0 };
  for (const i of unrecognised(t, loanId, null)) {
    const pi = Math.min(i.interest_paid, i.interest_due);
    const pf = Math.min(i.fee_paid, i.fee_due);
    paidI += pi;
    paidF += pf;
    unpaidI += i.interest_due - pi;
    unpaidF += i.fee_due - pf;
  }
  if (unpaidI + unpaidF + paidI + paidF === 0) return { interest: 0, fee: 0 };
  postJournal(t, {
    kind: REVERSED_KIND,
    ref: loanId,
    loanId,
    memo: "write-off: unrecognised interest and fees reversed",
    postedAt,
    lines: [
      { account: "unearned_interest", debit: unpaidI + paidI },
      { account: "unearned_fee", debit: unpaidF + paidF },
      { account: "interest_receivable", credit: unpaidI },
      { account: "fee_receivable", credit: unpaidF },
      { account: "interest_income", credit: paidI },
      { account: "fee_income", credit: paidF },
    ],
  });
  return { interest: unpaidI, fee: unpaidF };
}
