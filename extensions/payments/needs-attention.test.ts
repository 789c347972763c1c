// Payments that cannot be applied (unknown VA, loan not payable, foreign currency, a VA of another provider) are
// needs_attention, held in suspense (Dr cash / Cr unapplied_cash) until finance resolves them to a loan or refunds
// them; a payment on a written-off loan is a recovery.
import { describe, expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { applyPayment } from "./repayments.ts";
import { loadInstalments, loadLoan } from "./loan-balance.ts";
import { resolvePayment } from "./suspense.ts";
import { totalOutstanding } from "./allocation.ts";
import { checkLedger, postJournal } from "../ledger/ledger.ts";
import { reverseUnrecognisedIncome } from "../ledger/income.ts";
import { activate, addVa, balances, pay } from "./fixtures/active-loan.ts";

describe("needs_attention payments: suspense, resolution, recoveries", () => {
  test("a payment first seen for an unknown VA is held in suspense and applied when delivered again", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId);
    const first = pay(env, "8808999", 110_000, "pm-1"); // the VA row is not written yet
    expect(first).toMatchObject({ status: "needs_attention", reason: "unknown_virtual_account" });
    expect(balances(env)).toMatchObject({ unapplied_cash: 110_000 });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    addVa(env, "8808999", loan.loanId);
    const again = pay(env, "8808999", 110_000, "pm-1", "standard", "reconcile");
    expect(again).toMatchObject({ status: "applied", duplicate: false, loanId: loan.loanId, outstandingAmount: 5_390_000 });
    expect(pay(env, "8808999", 110_000, "pm-1")).toMatchObject({ status: "applied", duplicate: true });
    expect(balances(env)).toMatchObject({ unapplied_cash: 0 });
    expect(env.db.read.get<any>("SELECT status, unapplied_amount, resolution FROM payments")).toEqual({ status: "applied", unapplied_amount: 0, resolution: `auto:${loan.loanId}` });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("finance resolves an unknown-VA payment to a loan, or refunds it with a transfer reference", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808100");
    const a = pay(env, "0000-typo", 220_000);
    const b = pay(env, "0000-other", 50_000);
    expect(balances(env)).toMatchObject({ unapplied_cash: 270_000 });
    const r = env.tx((t) => resolvePayment(t, { paymentId: a.paymentId, loanId: loan.loanId, by: "finance-1", now: env.clock.now() }));
    expect(r).toMatchObject({ ok: true, payment: { status: "applied", loanId: loan.loanId, outstandingAmount: 5_280_000, resolution: `loan:${loan.loanId}`, resolvedBy: "finance-1" } });
    expect(env.tx((t) => resolvePayment(t, { paymentId: a.paymentId, loanId: loan.loanId, by: "finance-1", now: env.clock.now() }))).toMatchObject({ ok: false, error: "not_needs_attention" });
    const f = env.tx((t) => resolvePayment(t, { paymentId: b.paymentId, refund: true, transferReference: "BCA-TRF-1", by: "finance-1", now: env.clock.now() }));
    expect(f).toMatchObject({ ok: true, payment: { status: "applied", reason: "refunded", resolution: "refund:BCA-TRF-1" } });
    expect(balances(env)).toMatchObject({ unapplied_cash: 0, cash: -5_000_000 + 220_000 });
    expect(totalOutstanding(loadInstalments(env.db.read, loan.loanId))).toBe(5_280_000);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("a payment on a cancelled loan goes to suspense; a foreign-currency payment can only be refunded", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    addVa(env, "8808200", loan.loanId);
    env.db.tx((c) => c.run("UPDATE loans SET status = 'cancelled' WHERE id = ?", loan.loanId));
    const p = pay(env, "8808200", 10_000);
    expect(p).toMatchObject({ status: "needs_attention", reason: "loan_cancelled" });
    expect(balances(env)).toMatchObject({ unapplied_cash: 10_000 });
    expect(env.tx((t) => resolvePayment(t, { paymentId: p.paymentId, loanId: loan.loanId, by: "f", now: env.clock.now() }))).toMatchObject({ ok: false, error: "loan_not_payable" });
    const other = env.db.tx((c) => seedLoan(c));
    activate(env, other.loanId);
    const usd = env.tx((t) => applyPayment(t, { provider: "standard", notice: { paymentId: "usd", vaNumber: "8808200", amount: 10, currency: "USD", paidAt: env.clock.now().toISOString() }, source: "webhook", now: env.clock.now() }));
    expect(env.tx((t) => resolvePayment(t, { paymentId: usd.paymentId, loanId: other.loanId, by: "f", now: env.clock.now() }))).toMatchObject({ ok: false, error: "foreign_currency" });
    expect(env.tx((t) => resolvePayment(t, { paymentId: usd.paymentId, refund: true, transferReference: "X1", by: "f", now: env.clock.now() }))).toMatchObject({ ok: true });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("a payment on a written-off loan is a recovery (Dr cash / Cr recovery_income); beyond the write-off it is credit", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808300");
    // write the loan off as collections does: the unrecognised interest (none fell due) is reversed, every
    // remaining receivable goes to write_off_expense
    env.tx((t) => {
      expect(reverseUnrecognisedIncome(t, loan.loanId, env.clock.now().toISOString())).toEqual({ interest: 500_000, fee: 0 });
      postJournal(t, { kind: "write_off", ref: loan.loanId, loanId: loan.loanId, lines: [{ account: "write_off_expense", debit: 5_000_000 }, { account: "principal_receivable", credit: 5_000_000 }] });
      t.run("INSERT INTO write_offs (loan_id, dpd, principal_amount, interest_amount, fee_amount, late_fee_amount, total_amount, actor, reason, created_at) VALUES (?, 200, 5000000, 0, 0, 0, 5000000, 'x', 'x', '')", loan.loanId);
      t.run("UPDATE loans SET status = 'written_off' WHERE id = ?", loan.loanId);
    });
    expect(pay(env, "8808300", 4_900_000)).toMatchObject({ status: "applied", reason: "recovery_after_write_off" });
    expect(pay(env, "8808300", 200_000)).toMatchObject({ status: "applied", reason: "recovery_after_write_off", creditBalanceAmount: 100_000 });
    expect(balances(env)).toMatchObject({ recovery_income: 5_000_000, borrower_credit: 100_000, unapplied_cash: 0, unearned_interest: 0, interest_income: 0 });
    expect(loadLoan(env.db.read, loan.loanId)!.credit_balance_amount).toBe(100_000);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });
});

describe("a VA only takes payments from the provider that issued it", () => {
  test("the same payment id via another provider → needs_attention provider_mismatch, nothing posted", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808111");
    expect(pay(env, "8808111", 110_000, "PAY-1", "standard")).toMatchObject({ status: "applied", outstandingAmount: 5_390_000 });
    const b = pay(env, "8808111", 110_000, "PAY-1", "xendit");
    expect(b).toMatchObject({ status: "needs_attention", reason: "provider_mismatch", outstandingAmount: 5_390_000 });
    expect(env.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE ref = ?", b.paymentId)!.n).toBe(0);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });
});
