// A delinquent loan whose arrears are paid is cured in the payment's own transaction (delinquent → active, DPD
// recomputed, collections view updated, the transition recorded), and a same-day rerun of the sweep re-evaluates a
// loan whose standing changed after the day's sweep instead of skipping it. The reference loan (5,000,000 at 10 %
// flat, 50 weekly × 110,000, grace 3 days, late fee 0.1 %/day) on a manual clock.
import { afterEach, describe, expect, test } from "bun:test";
import { checkLedger } from "../ledger/ledger.ts";
import { applyPayment } from "../payments/repayments.ts";
import { listCollections } from "./service.ts";
import { runSweep } from "./sweep.ts";
import { at, seedLoan } from "./fixtures/reference-loan.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import type { TxContext } from "../../src/runtime/index.ts";
import { addDays } from "../../src/runtime/index.ts";

const START = "2026-01-05";
const ID = "L-cure";
const VA = "880800000011";
/** Instalment 1 fell due 2026-01-12, instalment 2 on 2026-01-19: on 2026-01-20 the loan is 8 days past due. */
const DAY = "2026-01-20";

let h: TestApp;
afterEach(() => h?.close());

async function sweepThrough(h: TestApp, until: string) {
  for (let d = START; d <= until; d = addDays(d, 1)) {
    at(h, d, 7);
    await runSweep(h.ctx, { yieldBetweenBatches: false });
  }
}

/** Arrears: everything past due, late fees included. */
function arrears(h: TestApp, today: string): number {
  return h.db.read.get<{ n: number }>(
    `SELECT COALESCE(SUM(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid), 0) AS n
       FROM installments WHERE loan_id = ? AND due_date < ?`,
    ID,
    today,
  )!.n;
}

/** A repayment as the webhook applies it, recording the events the transaction emits. */
function payByWebhook(h: TestApp, amount: number, paymentId: string) {
  const emitted: { event: string; payload: any }[] = [];
  const r = h.ctx.tx((t) => {
    const spy: TxContext = {
      ...t,
      emit: (event, payload) => {
        emitted.push({ event, payload });
        t.emit(event, payload);
      },
    };
    return applyPayment(spy, {
      provider: "standard",
      notice: { paymentId, vaNumber: VA, amount, currency: "IDR", paidAt: h.clock.now().toISOString() },
      source: "webhook",
      now: h.clock.now(),
    });
  });
  return { r, emitted };
}

const loan = (h: TestApp) => h.db.read.get<{ status: string; dpd: number }>("SELECT status, dpd FROM loans WHERE id = ?", ID)!;
const state = (h: TestApp) =>
  h.db.read.get<{ status: string; dpd: number; bucket: string; overdue_amount: number; late_fee_outstanding: number }>(
    "SELECT status, dpd, bucket, overdue_amount, late_fee_outstanding FROM collection_state WHERE loan_id = ?",
    ID,
  )!;
const events = (h: TestApp) =>
  h.db.read.all<{ from_status: string; to_status: string; actor: string; reason: string; at: string }>(
    "SELECT from_status, to_status, actor, reason, at FROM loan_events WHERE loan_id = ? ORDER BY id",
    ID,
  );

describe("paying the arrears cures a delinquent loan", () => {
  test("full arrears (220,550 on day 15): active with DPD 0 in the payment's own transaction, recorded and emitted", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: ID, startDate: START, vaNumber: VA }));
    await sweepThrough(h, DAY);
    expect(loan(h)).toEqual({ status: "delinquent", dpd: 8 });
    const owed = arrears(h, DAY);
    expect(owed).toBe(220_550); // two instalments + 5 days × 110 of late fees on the first

    at(h, DAY, 10);
    const { r, emitted } = payByWebhook(h, owed, "pay-arrears-1");
    expect(r).toMatchObject({ status: "applied", loanStatus: "active", outstandingAmount: 5_280_000 });
    expect(loan(h)).toEqual({ status: "active", dpd: 0 });
    expect(state(h)).toEqual({ status: "active", dpd: 0, bucket: "lancar", overdue_amount: 0, late_fee_outstanding: 0 });
    const last = events(h).at(-1)!;
    expect(last).toMatchObject({ from_status: "delinquent", to_status: "active", actor: "system:payments", at: h.clock.now().toISOString() });
    expect(last.reason).toContain("arrears paid");
    expect(emitted.filter((e) => e.event === "loan.status_changed").map((e) => e.payload)).toEqual([{ loanId: ID, userId: `u_${ID}`, from: "delinquent", to: "active" }]);
    // collections staff no longer see it as delinquent
    expect(listCollections(h.ctx.db, { status: "delinquent", limit: 10 }).items).toEqual([]);
    expect(listCollections(h.ctx.db, { status: "active", limit: 10 }).items.map((i) => [i.loanId, i.status, i.dpd, i.bucket])).toEqual([[ID, "active", 0, "lancar"]]);

    // the same-day rerun and the next days change nothing more
    const n = events(h).length;
    at(h, DAY, 15);
    await runSweep(h.ctx, { yieldBetweenBatches: false });
    at(h, addDays(DAY, 1), 7);
    await runSweep(h.ctx, { yieldBetweenBatches: false });
    expect(events(h).length).toBe(n);
    expect(loan(h)).toEqual({ status: "active", dpd: 0 });
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
  });

  test("a part payment that leaves an instalment past due beyond the grace keeps it delinquent, DPD recomputed", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: ID, startDate: START, vaNumber: VA }));
    await sweepThrough(h, "2026-01-27");
    expect(loan(h)).toEqual({ status: "delinquent", dpd: 15 });
    at(h, "2026-01-27", 10);
    // instalment 1 in full (110,000 + 1,320 late fees): instalment 2 (due 2026-01-19) is now the oldest, 8 days past due
    const { r } = payByWebhook(h, 111_320, "pay-part-1");
    expect(r.loanStatus).toBe("delinquent");
    expect(loan(h)).toEqual({ status: "delinquent", dpd: 8 });
    expect(state(h)).toMatchObject({ status: "delinquent", dpd: 8, bucket: "dpd_1_30" });
    expect(events(h).map((e) => e.to_status)).toEqual(["delinquent"]);
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
  });
});

describe("a same-day rerun of the sweep re-evaluates loans whose standing changed", () => {
  test("a loan left delinquent after its arrears were paid is cured by the rerun, not skipped", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: ID, startDate: START, vaNumber: VA }));
    await sweepThrough(h, DAY);
    at(h, DAY, 10);
    payByWebhook(h, arrears(h, DAY), "pay-arrears-2");
    // the state a payment left behind before payments re-evaluated the standing: still delinquent, DPD 8
    h.ctx.tx((t) => {
      t.run("UPDATE loans SET status = 'delinquent', dpd = 8 WHERE id = ?", ID);
      t.run("UPDATE collection_state SET status = 'delinquent', dpd = 8, bucket = 'dpd_1_30', overdue_amount = 220000 WHERE loan_id = ?", ID);
    });
    const before = events(h).length;
    at(h, DAY, 15);
    const rerun = await runSweep(h.ctx, { yieldBetweenBatches: false });
    expect(rerun.status).toBe("already_done");
    expect(rerun.statusChanges).toBe(1); // the cure (the loan became delinquent on an earlier day)
    expect(loan(h)).toEqual({ status: "active", dpd: 0 });
    expect(state(h)).toMatchObject({ status: "active", dpd: 0, bucket: "lancar", overdue_amount: 0 });
    expect(h.db.read.get<any>("SELECT status, dpd, bucket FROM dpd_snapshots WHERE loan_id = ? AND snapshot_date = ?", ID, DAY)).toEqual({ status: "active", dpd: 0, bucket: "lancar" });
    const ev = events(h);
    expect(ev.length).toBe(before + 1);
    expect(ev.at(-1)).toMatchObject({ from_status: "delinquent", to_status: "active", actor: "system:collections" });
    // no second day's late fees, no second reminder
    expect(h.db.read.get<any>("SELECT COUNT(*) AS n FROM late_fee_accruals WHERE loan_id = ? AND accrual_date = ?", ID, DAY).n).toBeLessThanOrEqual(1);
    expect(h.db.read.get<any>("SELECT COUNT(*) AS n FROM collection_reminders WHERE loan_id = ? AND reminder_date = ?", ID, DAY).n).toBeLessThanOrEqual(1);
    // and a further rerun finds nothing left to change
    const again = await runSweep(h.ctx, { yieldBetweenBatches: false });
    expect(again.statusChanges).toBe(1);
    expect(events(h).length).toBe(before + 1);
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
  });
});
