// Accrual-style income recognition on the reference loan (5,000,000 at 10 % flat, 50 weekly × 110,000).
// Settlement credits unearned_interest (not income); the daily sweep recognises each instalment's interest when it
// falls due (one journal per (loan, seq)); payoff recognises the rest; a write-off reverses what was never earned.
// The ledger proof passes at every step.
import { afterEach, describe, expect, test } from "bun:test";
import { checkLedger, loanAccountBalance, postJournal, type Account } from "../ledger/ledger.ts";
import { RECOGNISED_KIND, recogniseIncome } from "../ledger/income.ts";
import { applyDisbursementOutcome } from "../payments/disbursement-outcome.ts";
import { loadInstalments, loadLoan } from "../payments/loan-balance.ts";
import { prepareDisbursement } from "../payments/disbursements.ts";
import { payoffQuote } from "../payments/allocation.ts";
import { seedLoan as seedDisbursing } from "../../test/kit/accepted-loan.ts";
import { writeOffLoan } from "./service.ts";
import { runSweep } from "./sweep.ts";
import { at, pay, seedLoan } from "./fixtures/reference-loan.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { addDays } from "../../src/runtime/index.ts";

let h: TestApp;
afterEach(() => h?.close());

const bal = (loanId: string, a: Account) => loanAccountBalance(h.ctx.db, loanId, a);
const proven = () => expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
const recognitions = (loanId: string) => h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE kind = ? AND loan_id = ?", RECOGNISED_KIND, loanId)!.n;

/** The reference loan through the real disbursement path (prepare → settled), on `date` (Asia/Jakarta, 10:00). */
function settle(date: string): string {
  at(h, date, 10);
  const loan = h.ctx.tx((t) => seedDisbursing(t, { startDate: date }));
  h.ctx.tx((t) => t.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, created_at) VALUES ('8808140001', ?, 'standard', 'BCA', '')", loan.loanId));
  const prep = h.ctx.tx((t) => prepareDisbursement(t, loan.loanId, h.clock.now()));
  if (prep.action !== "send") throw new Error(prep.reason);
  const r = h.ctx.tx((t) => applyDisbursementOutcome(t, { reference: prep.request.reference, status: "succeeded", amount: prep.request.amount, completedAt: h.clock.now().toISOString() }, h.clock.now()));
  expect(r).toMatchObject({ status: "applied", loanStatus: "active" });
  return loan.loanId;
}

describe("accrual income recognition", () => {
  test("settlement books unearned interest; the sweep recognises it as instalments fall due; payoff recognises the rest", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    const id = settle("2026-03-02");
    // after settlement: receivables booked, no interest income yet
    expect(bal(id, "interest_receivable")).toBe(500_000);
    expect(bal(id, "interest_income")).toBe(0);
    expect(bal(id, "unearned_interest")).toBe(500_000);
    expect(bal(id, "unearned_fee")).toBe(0);
    proven();

    // the day before the first due date: nothing is earned yet
    const firstDue = loadInstalments(h.ctx.db, id)[0].dueDate.slice(0, 10);
    expect(firstDue).toBe("2026-03-09");
    at(h, addDays(firstDue, -1), 7);
    await runSweep(h.ctx);
    expect(bal(id, "interest_income")).toBe(0);
    proven();

    // the sweep on the first due date recognises instalment 1's interest (500,000 / 50 = 10,000), once
    at(h, firstDue, 7);
    await runSweep(h.ctx);
    expect(bal(id, "interest_income")).toBe(10_000);
    expect(bal(id, "unearned_interest")).toBe(490_000);
    expect(recognitions(id)).toBe(1);
    proven();
    at(h, firstDue, 15);
    expect((await runSweep(h.ctx)).status).toBe("already_done");
    expect(h.ctx.tx((t) => recogniseIncome(t, id, firstDue, h.clock.now().toISOString()))).toBe(0);
    expect(bal(id, "interest_income")).toBe(10_000);
    proven();

    // paying the next instalment early does not make its interest earned before it falls due
    h.ctx.tx((t) => pay(t, id, 220_000, h.clock.now()));
    expect(bal(id, "interest_receivable")).toBe(480_000);
    expect(bal(id, "interest_income")).toBe(10_000);
    expect(bal(id, "unearned_interest")).toBe(490_000);
    proven();

    // early payoff: the payoff amount includes all remaining interest, so all of it is earned at payoff
    at(h, addDays(firstDue, 3), 11);
    const quote = payoffQuote(loadInstalments(h.ctx.db, id), loadLoan(h.ctx.db, id)!.credit_balance_amount).payoffAmount;
    expect(quote).toBe(50 * 110_000 - 220_000);
    expect(h.ctx.tx((t) => pay(t, id, quote, h.clock.now()))).toMatchObject({ loanStatus: "paid_off" });
    expect(bal(id, "interest_income")).toBe(500_000);
    expect(bal(id, "unearned_interest")).toBe(0);
    expect(bal(id, "interest_receivable")).toBe(0);
    expect(recognitions(id)).toBe(50);
    proven();
    // the paid-off loan leaves the sweep; nothing is recognised twice
    at(h, addDays(firstDue, 7), 7);
    await runSweep(h.ctx);
    expect(bal(id, "interest_income")).toBe(500_000);
    proven();
  });

  test("a write-off reverses the interest never recognised; write_off_expense carries principal + recognised interest + late fees", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    const start = "2025-06-02"; // first due 2025-06-09
    h.ctx.tx((t) => seedLoan(t, { id: "WO", startDate: start }));
    expect(bal("WO", "unearned_interest")).toBe(500_000);
    expect(bal("WO", "interest_income")).toBe(0);
    proven();
    const day179 = addDays("2025-06-09", 179);
    at(h, day179, 7);
    await runSweep(h.ctx);
    // 26 instalments fell due (2025-06-09 + 25 weeks ≤ day 179)
    expect(bal("WO", "interest_income")).toBe(260_000);
    expect(bal("WO", "unearned_interest")).toBe(240_000);
    expect(recognitions("WO")).toBe(26);
    proven();

    at(h, addDays(day179, 1), 9);
    const lateFees = bal("WO", "late_fee_receivable");
    expect(lateFees).toBeGreaterThan(0);
    const r = h.ctx.tx((t) => writeOffLoan(t, { loanId: "WO", actor: "staff-fin", reason: "uncollectible", now: h.clock.now() }));
    expect(r.writeOff).toMatchObject({ principalAmount: 5_000_000, interestAmount: 260_000, feeAmount: 0, lateFeeAmount: lateFees, totalAmount: 5_260_000 + lateFees });
    expect(bal("WO", "write_off_expense")).toBe(5_260_000 + lateFees);
    expect(bal("WO", "interest_income")).toBe(260_000);
    for (const a of ["unearned_interest", "unearned_fee", "interest_receivable", "principal_receivable", "late_fee_receivable"] as const) expect(bal("WO", a)).toBe(0);
    expect(h.db.read.get<{ total: number }>("SELECT total FROM ledger_journals WHERE kind = 'income.reversed' AND ref = 'WO'")!.total).toBe(240_000);
    proven();
  });

  test("the ledger check catches unearned interest that does not match the unrecognised instalments", () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: "X", startDate: "2026-03-02" }));
    proven();
    // recognising an instalment's interest without its (loan, seq) journal leaves unearned out of step
    h.ctx.tx((t) => postJournal(t, { kind: "manual", ref: "x1", loanId: "X", lines: [{ account: "unearned_interest", debit: 10_000 }, { account: "interest_income", credit: 10_000 }] }));
    expect(checkLedger(h.ctx.db).discrepancies).toMatchObject([{ kind: "unearned_mismatch", loanId: "X" }]);
  });
});
