// A borrower's credit balance (overpayment, or money that arrived before activation): applied to instalments as they
// come due, or refunded by a bank transfer finance records; each with its journal in the caller's transaction.
import { randomUUID } from "node:crypto";
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import { loanAccountBalance, postJournal } from "../ledger/ledger.ts";
import { allocate, totalOutstanding } from "./allocation.ts";
import { afterAllocation, closeIfPaid, creditLines, loadInstalments, loadLoan, reassess, writeAllocation } from "./loan-balance.ts";

/** Apply the loan's credit balance to its unpaid instalments (after activation, or when new dues appear). */
export function applyCredit(t: TxContext, loanId: string, ref: string, now: Date): number {
  const loan = loadLoan(t, loanId);
  if (!loan || loan.credit_balance_amount <= 0 || !["active", "delinquent"].includes(loan.status)) return 0;
  const inst = loadInstalments(t, loanId);
  if (totalOutstanding(inst) === 0) return 0;
  const a = allocate(loan.credit_balance_amount, inst);
  const used = loan.credit_balance_amount - a.toCredit;
  if (used <= 0) return 0;
  const at = now.toISOString();
  const { created } = postJournal(t, { kind: "credit.applied", ref, loanId, memo: "credit balance applied to instalments", postedAt: at, lines: [{ account: "borrower_credit", debit: used }, ...creditLines(a, loanId)] });
  if (!created) return 0;
  writeAllocation(t, a, at);
  t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount - ?, updated_at = ? WHERE id = ?", used, at, loanId);
  if (!closeIfPaid(t, loan, a.paidOff, now)) reassess(t, loanId, afterAllocation(inst, a), now, "arrears paid from the credit balance");
  return used;
}

/**
 * Record the refund of (part of) a borrower's credit balance. The money goes out as a bank transfer made by finance
 * (no gateway payout): `transferReference` is that transfer's reference, kept on the refund and in the journal memo
 * so the cash account can be matched to the bank statement.
 */
export function refundCredit(t: TxContext, input: { loanId: string; amount: number; reason?: string; transferReference: string; by: string; now: Date }) {
  const loan = loadLoan(t, input.loanId);
  if (!loan) return { ok: false as const, error: "not_found" as const };
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > loan.credit_balance_amount) {
    return { ok: false as const, error: "exceeds_credit" as const, creditBalanceAmount: loan.credit_balance_amount };
  }
  const id = `rfd_${randomUUID()}`;
  const at = input.now.toISOString();
  const memo = `transfer ${input.transferReference}${input.reason ? `: ${input.reason}` : ""}`;
  postJournal(t, { kind: "refund", ref: id, loanId: loan.id, memo, postedAt: at, lines: [{ account: "borrower_credit", debit: input.amount }, { account: "cash", credit: input.amount }] });
  t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount - ?, updated_at = ? WHERE id = ?", input.amount, at, loan.id);
  t.run(
    "INSERT INTO refunds (id, loan_id, amount, reason, transfer_reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    id,
    loan.id,
    input.amount,
    input.reason ?? null,
    input.transferReference,
    input.by,
    at,
  );
  return {
    ok: true as const,
    refund: { id, loanId: loan.id, amount: input.amount, reason: input.reason ?? null, transferReference: input.transferReference, createdBy: input.by, createdAt: at },
    creditBalanceAmount: loan.credit_balance_amount - input.amount,
  };
}

export function creditBalanceFromLedger(db: Sql, loanId: string) {
  return loanAccountBalance(db, loanId, "borrower_credit");
}
