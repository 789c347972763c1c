// The ledger check is driven from the loans: what each loan's state expects of its receivables and of suspense.
import { describe, expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { prepareDisbursement } from "./disbursements.ts";
import { checkLedger, postJournal } from "../ledger/ledger.ts";
import { addVa, pay } from "./fixtures/active-loan.ts";

describe("ledger check is driven from the loans", () => {
  test("an early payment held on a disbursing loan is not a receivable mismatch", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    const prep = env.tx((t) => prepareDisbursement(t, loan.loanId, env.clock.now()));
    if (prep.action !== "send") throw new Error("no send");
    addVa(env, "8808111", loan.loanId);
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    expect(pay(env, "8808111", 110_000)).toMatchObject({ status: "pending" });
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    // the disbursement ends in needs_attention while the credit is held: still no false positive
    env.db.tx((c) => c.run("UPDATE disbursements SET status = 'needs_attention' WHERE loan_id = ?", loan.loanId));
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
  });

  test("an active loan whose journals were never posted is reported; every loan is counted", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    env.db.tx((c) => c.run("UPDATE loans SET status = 'active' WHERE id = ?", loan.loanId));
    const r = checkLedger(env.db.read);
    expect(r.loans).toBe(1);
    expect(r.discrepancies).toMatchObject([{ kind: "receivable_mismatch", loanId: loan.loanId }]);
  });

  test("a written-off or cancelled loan expects no receivables; a tampered suspense is reported", async () => {
    await using env = testApp();
    const loan = env.db.tx((c) => seedLoan(c));
    env.db.tx((c) => c.run("UPDATE loans SET status = 'cancelled' WHERE id = ?", loan.loanId));
    expect(checkLedger(env.db.read).discrepancies).toEqual([]);
    env.tx((t) => postJournal(t, { kind: "test", ref: "1", lines: [{ account: "cash", debit: 5 }, { account: "unapplied_cash", credit: 5 }] }));
    expect(checkLedger(env.db.read).discrepancies).toMatchObject([{ kind: "suspense_mismatch" }]);
  });
});
