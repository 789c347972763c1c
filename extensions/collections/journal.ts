// Ledger postings of collections, through the ledger's postJournal in the caller's transaction:
// late-fee accruals (Dr late_fee_receivable / Cr late_fee_income; payments later credit the receivable) and
// write-offs (Dr write_off_expense / Cr every receivable the ledger still carries for the loan, after writeOffLoan
// reversed the interest and fees never recognised: ledger/income.ts).
import type { Sql } from "../../src/runtime/index.ts";
import { loanAccountBalance, postJournal, type JournalLine } from "../ledger/ledger.ts";

export const LATE_FEE_RECEIVABLE = "late_fee_receivable" as const;

/** Dr late-fee receivable / Cr late-fee income; idempotent on (late_fee_accrual, loan:date). */
export function postLateFeeAccrual(t: Sql, loanId: string, date: string, amount: number, postedAt: string): number {
  return postJournal(t, {
    kind: "late_fee_accrual",
    ref: `${loanId}:${date}`,
    loanId,
    memo: `late fees ${date}`,
    postedAt,
    lines: [
      { account: LATE_FEE_RECEIVABLE, debit: amount },
      { account: "late_fee_income", credit: amount },
    ],
  }).id;
}

export interface WriteOffAmounts {
  principal: number;
  interest: number;
  fee: number;
  lateFee: number;
  total: number;
}

/** The receivables the ledger still carries for a loan. */
export function receivables(t: Sql, loanId: string): WriteOffAmounts {
  const principal = Math.max(0, loanAccountBalance(t, loanId, "principal_receivable"));
  const interest = Math.max(0, loanAccountBalance(t, loanId, "interest_receivable"));
  const fee = Math.max(0, loanAccountBalance(t, loanId, "fee_receivable"));
  const lateFee = Math.max(0, loanAccountBalance(t, loanId, LATE_FEE_RECEIVABLE));
  return { principal, interest, fee, lateFee, total: principal + interest + fee + lateFee };
}

/** Dr write-off expense / Cr each receivable. Returns null when the ledger carries nothing for the loan. */
export function postWriteOff(t: Sql, loanId: string, a: WriteOffAmounts, postedAt: string): number | null {
  if (a.total <= 0) return null;
  const lines: JournalLine[] = [
    { account: "write_off_expense", debit: a.total },
    { account: "principal_receivable", credit: a.principal },
    { account: "interest_receivable", credit: a.interest },
    { account: "fee_receivable", credit: a.fee },
    { account: LATE_FEE_RECEIVABLE, credit: a.lateFee },
  ];
  return postJournal(t, { kind: "write_off", ref: loanId, loanId, memo: "write-off", postedAt, lines }).id;
}
