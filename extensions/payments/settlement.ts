// Booking money received to a loan (a fresh receipt, or money released from suspense), with its journal, in the
// caller's transaction: held as credit while the loan is still disbursing, a recovery on a written-off loan, else
// allocated over the instalments. What a payment's processing answers is PaymentResult (schemas/payments.ts).
import type { TxContext } from "../../src/runtime/index.ts";
import { postJournal, loanAccountBalance } from "../ledger/ledger.ts";
import { PAYABLE_LOAN_STATUSES } from "../../schemas/enums.ts";
import type { PaymentResult } from "../../schemas/payments.ts";
import { jakartaDate } from "../../src/runtime/index.ts";
import { allocate } from "./allocation.ts";
import { closeIfPaid, creditLines, instalmentsToAllocate, loanBalance, payoffOf, reassessFromBalance, summary, writeAllocation, type PaymentLoan } from "./loan-balance.ts";

/** Why a payment needs attention when the gateway reports it again with other facts. */
export const CONFLICTING_RESEND = "conflicting_resend";

/** Loan statuses a payment can be booked against (written_off: as a recovery). */
export const PAYABLE: readonly string[] = PAYABLE_LOAN_STATUSES;

export type Settled = Pick<PaymentResult, "status" | "reason" | "allocation" | "loanStatus" | "outstandingAmount" | "creditBalanceAmount" | "payoffAmount">;

/**
 * Book `amount` received for a payable loan, debiting `source` (cash for a fresh receipt, unapplied_cash when the
 * money was held in suspense): disbursing → held as borrower credit (pending); written_off → recovery income (any
 * excess over what was written off becomes credit); otherwise the allocation over the instalments.
 */
export function settleToLoan(t: TxContext, loan: PaymentLoan, p: { ref: string; amount: number; source: "cash" | "unapplied_cash"; memo: string; now: Date }): Settled {
  const at = p.now.toISOString();
  const kind = p.source === "cash" ? "payment" : "payment.resolved";
  const noAllocation = (credit: number) => ({ lateFeeAmount: 0, feeAmount: 0, interestAmount: 0, principalAmount: 0, creditAmount: credit, installments: [] as number[] });
  if (loan.status === "disbursing") {
    // Out of order: the money arrived before the disbursement settled. Hold it as credit; activation applies it.
    postJournal(t, { kind, ref: p.ref, loanId: loan.id, memo: `${p.memo} held until the loan is active`, postedAt: at, lines: [{ account: p.source, debit: p.amount }, { account: "borrower_credit", credit: p.amount }] });
    t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount + ?, updated_at = ? WHERE id = ?", p.amount, at, loan.id);
    return { status: "pending", reason: "loan_not_yet_active", allocation: noAllocation(p.amount), ...summary(t, loan.id, p.now) };
  }
  if (loan.status === "written_off") {
    // The receivables were written off: the money is a recovery, up to what was written off; the rest is credit.
    const wo = t.get<{ n: number }>("SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'write_offs'")
      ? t.get<{ total_amount: number }>("SELECT total_amount FROM write_offs WHERE loan_id = ?", loan.id)
      : undefined;
    const recovered = loanAccountBalance(t, loan.id, "recovery_income");
    const room = wo ? Math.max(0, wo.total_amount - recovered) : p.amount;
    const recovery = Math.min(p.amount, room);
    const credit = p.amount - recovery;
    postJournal(t, {
      kind,
      ref: p.ref,
      loanId: loan.id,
      memo: `${p.memo}: recovery on a written-off loan`,
      postedAt: at,
      lines: [{ account: p.source, debit: p.amount }, { account: "recovery_income", credit: recovery }, { account: "borrower_credit", credit }],
    });
    if (credit > 0) t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount + ?, updated_at = ? WHERE id = ?", credit, at, loan.id);
    return { status: "applied", reason: "recovery_after_write_off", allocation: noAllocation(credit), ...summary(t, loan.id, p.now) };
  }
  // Only the unpaid instalments the money reaches (not the whole schedule), and the loan's standing and payoff
  // afterwards from one aggregate over its rows as this transaction left them.
  const a = allocate(p.amount, instalmentsToAllocate(t, loan.id, p.amount));
  postJournal(t, {
    kind,
    ref: p.ref,
    loanId: loan.id,
    memo: p.memo,
    postedAt: at,
    lines: [{ account: p.source, debit: p.amount }, ...creditLines(a, loan.id), { account: "borrower_credit", credit: a.toCredit }],
  });
  writeAllocation(t, a, at);
  if (a.toCredit > 0) t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount + ?, updated_at = ? WHERE id = ?", a.toCredit, at, loan.id);
  const today = jakartaDate(p.now);
  const balance = loanBalance(t, loan.id, today);
  const loanStatus = closeIfPaid(t, loan, a.paidOff, p.now) ?? reassessFromBalance(t, loan, balance, p.now, today, `arrears paid by payment ${p.ref}`);
  const credit = loan.credit_balance_amount + a.toCredit;
  const q = payoffOf(balance, credit);
  return {
    status: "applied",
    allocation: { lateFeeAmount: a.totals.lateFee, feeAmount: a.totals.fee, interestAmount: a.totals.interest, principalAmount: a.totals.principal, creditAmount: a.toCredit, installments: a.lines.map((l) => l.seq) },
    loanStatus,
    outstandingAmount: q.outstanding,
    creditBalanceAmount: credit,
    payoffAmount: q.payoffAmount,
  };
}
