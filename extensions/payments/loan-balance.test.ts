// A payment reads only the unpaid instalments its money reaches and takes the loan's standing and payoff from one
// aggregate statement (./loan-balance.ts). Checked here against the whole-schedule computations they replace, on
// randomised schedules (paid amounts, late fees, irregular and tied due dates, weekly and monthly loans, grace
// days, dates around the schedule): the same allocation, the same payoff, collections' standingOf, and
// reassessFromBalance writing exactly what collections' reassessAfterPayment writes.
import { describe, expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { addDays } from "../../src/runtime/index.ts";
import { allocate, payoffQuote } from "./allocation.ts";
import { instalmentsToAllocate, loadInstalments, loadLoan, loanBalance, payoffOf, reassessFromBalance, standingFromBalance } from "./loan-balance.ts";
import { asViews, reassessAfterPayment, standingOf } from "../collections/standing.ts";
import { activate } from "./fixtures/active-loan.ts";

/** A small deterministic generator (the failures reproduce). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Rollback extends Error {}

describe("a payment's reads of the schedule", () => {
  test("unpaid instalments the money reaches, balance aggregate and standing: the same answers as over every instalment", async () => {
    await using t = testApp({ logLevel: "warn" });
    const { loanId } = t.db.tx((c) => seedLoan(c, { startDate: "2026-03-02" }));
    activate(t, loanId);
    const rand = rng(20261201);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const rows = t.db.read.all<{ id: string; seq: number; due_date: string; principal_due: number; interest_due: number; fee_due: number }>(
      "SELECT id, seq, due_date, principal_due, interest_due, fee_due FROM installments WHERE loan_id = ? ORDER BY seq",
      loanId,
    );
    let checked = 0;
    const seen = { cured: 0, stillDelinquent: 0, weeklyRule: 0, dpdWithinGrace: 0, paidOffAllocation: 0 };
    for (let round = 0; round < 150; round++) {
      // a random state of the schedule: how far it is paid, late fees, due dates (some tied, some with a time part)
      const paidUpTo = Math.floor(rand() * (rows.length + 1));
      const irregular = rand() < 0.4;
      t.db.tx((c) => {
        c.run("UPDATE loans SET status = ?, grace_days = ?, tenor_unit = ?, dpd = ? WHERE id = ?", pick(["active", "delinquent"]), pick([0, 1, 3, 5]), pick(["weeks", "weeks", "months"]), pick([0, 2, 9]), loanId);
        for (const r of rows) {
          const part = (due: number) => (r.seq <= paidUpTo ? (rand() < 0.85 ? due : Math.floor(rand() * due)) : rand() < 0.1 ? Math.floor(rand() * due) : 0);
          const lateDue = rand() < 0.2 ? 1 + Math.floor(rand() * 20_000) : 0;
          const lateFeePaid = lateDue === 0 ? 0 : rand() < 0.5 ? lateDue : Math.floor(rand() * lateDue);
          const due = irregular ? addDays(r.due_date.slice(0, 10), Math.floor(rand() * 13) - 6) : r.due_date.slice(0, 10);
          c.run(
            `UPDATE installments SET principal_paid = ?, interest_paid = ?, fee_paid = ?, late_fee_due = ?, late_fee_paid = ?, due_date = ? WHERE id = ?`,
            part(r.principal_due),
            part(r.interest_due),
            part(r.fee_due),
            lateDue,
            lateFeePaid,
            rand() < 0.1 ? `${due}T00:00:00.000Z` : due,
            r.id,
          );
        }
      });
      const all = loadInstalments(t.db.read, loanId);
      const loan = loadLoan(t.db.read, loanId)!;
      for (let k = 0; k < 4; k++) {
        // any day around the schedule, or a few days after the first unpaid instalment fell due (DPD within grace)
        const firstUnpaid = all.find((i) => i.principalPaid < i.principalDue || i.interestPaid < i.interestDue || i.feePaid < i.feeDue);
        const today = firstUnpaid && k % 2 === 1 ? addDays(firstUnpaid.dueDate.slice(0, 10), 1 + Math.floor(rand() * 9)) : addDays("2026-03-02", Math.floor(rand() * 380) - 10);
        const amount = pick([1, 1_000, 110_000, 220_000, 330_001, 6_000_000, Math.floor(rand() * 600_000)]);
        expect(allocate(amount, instalmentsToAllocate(t.db.read, loanId, amount))).toEqual(allocate(amount, all));
        const b = loanBalance(t.db.read, loanId, today);
        const q = payoffQuote(all, loan.credit_balance_amount);
        expect(payoffOf(b, loan.credit_balance_amount)).toEqual({ outstanding: q.outstanding, payoffAmount: q.payoffAmount });
        const s = standingFromBalance(t.db.read, loan, b, today);
        expect(s).toEqual(standingOf(loan, asViews(all), today));
        if (s.dpd > 0 && s.dpd <= loan.grace_days) seen.dpdWithinGrace++;
        if (s.dpd <= loan.grace_days && s.status === "delinquent") seen.weeklyRule++;
        if (allocate(amount, all).paidOff) seen.paidOffAllocation++;
        // what each writes (loan status and DPD, its events, the collections view), each in a transaction undone after
        const now = new Date(`${today}T05:00:00Z`);
        const written = (reassess: (c: Parameters<Parameters<typeof t.tx>[0]>[0]) => string) => {
          let out: unknown;
          try {
            t.tx((c) => {
              const status = reassess(c);
              out = {
                status,
                loan: c.get("SELECT status, dpd, updated_at FROM loans WHERE id = ?", loanId),
                events: c.all("SELECT from_status, to_status, actor, reason, at FROM loan_events WHERE loan_id = ? ORDER BY id DESC LIMIT 1", loanId),
                collection: c.get("SELECT * FROM collection_state WHERE loan_id = ?", loanId),
                outbox: c.all("SELECT name, payload FROM outbox ORDER BY id DESC LIMIT 2"),
              };
              throw new Rollback();
            });
          } catch (e) {
            if (!(e instanceof Rollback)) throw e;
          }
          return out;
        };
        const reason = "arrears paid by payment pay_x";
        const viaCollections = written((c) => reassessAfterPayment(c, { loanId, instalments: asViews(all), now, actor: "system:payments", reason }) ?? "missing");
        const viaBalance = written((c) => reassessFromBalance(c, loan, loanBalance(c, loanId, today), now, today, reason));
        expect(viaBalance).toEqual(viaCollections);
        if (loan.status === "delinquent") seen[(viaBalance as { status: string }).status === "active" ? "cured" : "stillDelinquent"]++;
        checked++;
      }
    }
    expect(checked).toBe(600);
    // every branch was taken: cures and loans left delinquent, the weekly two-instalment rule, DPD within the grace days, a payoff
    for (const [what, n] of Object.entries(seen)) expect([what, n > 0]).toEqual([what, true]);
  });
});
