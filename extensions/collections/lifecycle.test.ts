// The reference loan (5,000,000 at 10 % flat, 50 weekly × 110,000) through its life on a manual clock, with the
// Pinjol seed scenarios: ontime, skip2 (skip two then catch up) and fullpay. Every day: the sweep at 07:00, the
// reminder jobs at 09:00, the borrower's payment (if any) at 10:00 Asia/Jakarta.
import { afterEach, describe, expect, test } from "bun:test";
import { checkLedger, loanAccountBalance } from "../ledger/ledger.ts";
import { LATE_FEE_RECEIVABLE } from "./journal.ts";
import { runSweep } from "./sweep.ts";
import { deliverReminders } from "./fixtures/reminders.ts";
import { at, pay, seedLoan } from "./fixtures/reference-loan.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { addDays } from "../../src/runtime/index.ts";

const START = "2026-01-05";
const due = (seq: number) => addDays(START, 7 * seq);

let h: TestApp;
afterEach(() => h?.close());

/** Amount due now: every instalment due on or before today, late fees included. */
function dueNow(h: TestApp, loanId: string, today: string): number {
  return h.db.read.get<{ n: number }>(
    `SELECT COALESCE(SUM(principal_due - principal_paid + interest_due - interest_paid + fee_due - fee_paid + late_fee_due - late_fee_paid), 0) AS n
       FROM installments WHERE loan_id = ? AND due_date <= ?`,
    loanId,
    today,
  )!.n;
}

async function live(h: TestApp, loanId: string, until: string, payments: (day: string) => number | null) {
  for (let d = START; d <= until; d = addDays(d, 1)) {
    at(h, d, 7);
    await runSweep(h.ctx, { yieldBetweenBatches: false });
    at(h, d, 9);
    await deliverReminders(h);
    const amount = payments(d);
    if (amount) {
      at(h, d, 10);
      h.ctx.tx((t) => pay(t, loanId, amount, h.clock.now()));
    }
  }
}

const status = (h: TestApp, id: string) => h.db.read.get<{ status: string; dpd: number }>("SELECT status, dpd FROM loans WHERE id = ?", id)!;
const events = (h: TestApp, id: string) =>
  h.db.read.all<{ from_status: string; to_status: string; at: string; actor: string }>("SELECT from_status, to_status, at, actor FROM loan_events WHERE loan_id = ? ORDER BY id", id);
const lateFees = (h: TestApp, id: string) => h.db.read.get<{ n: number }>("SELECT COALESCE(SUM(late_fee_due), 0) AS n FROM installments WHERE loan_id = ?", id)!.n;

describe("reference loan life", () => {
  test("ontime: never late, reminders H-3 / H-1 / due for every instalment, paid off", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: "L-ontime", startDate: START, vaNumber: "880800000001" }));
    const dueDates = new Map(Array.from({ length: 50 }, (_, k) => [due(k + 1), k + 1]));
    await live(h, "L-ontime", addDays(due(50), 5), (d) => (dueDates.has(d) ? 110_000 : null));

    expect(status(h, "L-ontime").status).toBe("paid_off");
    expect(events(h, "L-ontime").map((e) => e.to_status)).toEqual(["paid_off"]);
    expect(lateFees(h, "L-ontime")).toBe(0);
    const rem = h.db.read.all<{ kind: string; n: number }>("SELECT kind, COUNT(*) AS n FROM collection_reminders WHERE loan_id = 'L-ontime' GROUP BY kind ORDER BY kind");
    expect(rem).toEqual([
      { kind: "due", n: 50 },
      { kind: "h-1", n: 50 },
      { kind: "h-3", n: 50 },
    ]);
    expect(h.sms().length).toBe(150);
    for (const m of h.sms()) {
      expect(m.text).toContain("880800000001");
      expect(m.text).toContain("Rp110.000");
      const hour = (new Date(m.at).getUTCHours() + 7) % 24;
      expect(hour >= 8 && hour < 20).toBe(true);
    }
    expect(h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM collection_reminders WHERE status != 'sent'")!.n).toBe(0);
    // one a day at most, by construction (UNIQUE) and in fact
    expect(h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM (SELECT reminder_date FROM collection_reminders GROUP BY loan_id, reminder_date HAVING COUNT(*) > 1)")!.n).toBe(0);
    // the paid-off loan leaves the sweep
    const snaps = h.db.read.get<{ last: string }>("SELECT MAX(snapshot_date) AS last FROM dpd_snapshots WHERE loan_id = 'L-ontime'")!;
    expect(snaps.last).toBe(due(50));
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
  });

  test("skip2: delinquent after the grace days, late fees within caps, cured by the catch-up, paid off", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: "L-skip2", startDate: START, vaNumber: "880800000002" }));
    const paidDue = new Set(Array.from({ length: 48 }, (_, k) => due(k + 3)));
    const caught: number[] = [];
    await live(h, "L-skip2", addDays(due(50), 2), (d) => {
      if (d === due(3)) {
        const amount = dueNow(h, "L-skip2", d);
        caught.push(amount);
        return amount;
      }
      return paidDue.has(d) ? 110_000 : null;
    });
    // product: late fee 0.1 %/day (below the 0.2 %/day cap for a 350-day consumptive loan of 2026), grace 3 days.
    // instalment 1: days 01-16..01-26 (11) × 110; instalment 2: days 01-23..01-26 (4) × 110
    expect(caught).toEqual([330_000 + 1_650]);
    expect(lateFees(h, "L-skip2")).toBe(1_650);
    const ev = events(h, "L-skip2");
    expect(ev.map((e) => [e.from_status, e.to_status, e.at.slice(0, 10)])).toEqual([
      ["active", "delinquent", "2026-01-16"], // 07:00 WIB = 00:00 UTC: DPD 4 > grace 3
      ["delinquent", "active", "2026-01-26"], // the catch-up payment itself (10:00 WIB = 03:00 UTC)
      ["active", "paid_off", due(50)],
    ]);
    expect(ev[0].actor).toBe("system:collections");
    expect(ev[1].actor).toBe("system:payments");
    // DPD history from the snapshots
    const dpd = (d: string) => h.db.read.get<{ dpd: number; bucket: string }>("SELECT dpd, bucket FROM dpd_snapshots WHERE loan_id = 'L-skip2' AND snapshot_date = ?", d);
    expect(dpd("2026-01-12")).toEqual({ dpd: 0, bucket: "lancar" });
    expect(dpd("2026-01-15")).toEqual({ dpd: 3, bucket: "dpd_1_30" });
    expect(dpd("2026-01-26")).toEqual({ dpd: 14, bucket: "dpd_1_30" });
    expect(dpd("2026-01-27")).toEqual({ dpd: 0, bucket: "lancar" });
    // ledger: accrued (Dr late-fee receivable / Cr late-fee income), settled by the payment
    const accrued = h.db.read.get<{ n: number; j: number }>(
      "SELECT COALESCE(SUM(amount), 0) AS n, COUNT(DISTINCT journal_id) AS j FROM late_fee_accruals WHERE loan_id = 'L-skip2'",
    )!;
    expect(accrued.n).toBe(1_650);
    expect(accrued.j).toBe(11); // one journal per sweep day that charged something
    expect(loanAccountBalance(h.ctx.db, "L-skip2", "late_fee_income")).toBe(1_650);
    expect(loanAccountBalance(h.ctx.db, "L-skip2", LATE_FEE_RECEIVABLE)).toBe(0);
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
    // reminders while overdue (one a day), with the amount due
    const overdue = h.db.read.all<{ reminder_date: string; amount: number }>(
      "SELECT reminder_date, amount FROM collection_reminders WHERE loan_id = 'L-skip2' AND kind = 'overdue' ORDER BY reminder_date",
    );
    expect(overdue.length).toBe(14); // 01-13 .. 01-26
    expect(overdue[0]).toEqual({ reminder_date: "2026-01-13", amount: 110_000 });
    expect(overdue[overdue.length - 1]).toEqual({ reminder_date: "2026-01-26", amount: 331_650 });
    expect(h.sms().find((m) => m.text.includes("Rp331.650"))?.text).toContain("880800000002");
  });

  test("skip2 with 14 grace days: the weekly seed rule makes it delinquent when the second instalment is missed", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: "L-seed", startDate: START, graceDays: 14 }));
    await live(h, "L-seed", due(3), (d) => (d === due(3) ? dueNow(h, "L-seed", d) : null));
    at(h, addDays(due(3), 1), 7);
    await runSweep(h.ctx, { yieldBetweenBatches: false });
    expect(events(h, "L-seed").map((e) => [e.to_status, e.at.slice(0, 10)])).toEqual([
      ["delinquent", "2026-01-20"], // DPD 8 ≤ 14, but the two latest due instalments are unpaid
      ["active", "2026-01-26"], // cured by the catch-up payment
    ]);
    expect(lateFees(h, "L-seed")).toBe(0); // still inside the 14 grace days when caught up (DPD 14)
  });

  test("fullpay: first instalment, then the 5,390,000 outstanding; nothing after", async () => {
    h = testApp({ now: "2026-01-01T00:00:00Z" });
    h.ctx.tx((t) => seedLoan(t, { id: "L-full", startDate: START }));
    const seen: number[] = [];
    await live(h, "L-full", addDays(due(3), 0), (d) => {
      if (d === due(1)) return 110_000;
      if (d === addDays(due(1), 1)) {
        const outstanding = h.db.read.get<{ n: number }>("SELECT outstanding_amount AS n FROM collection_state WHERE loan_id = 'L-full'")!.n;
        seen.push(outstanding);
        return outstanding;
      }
      return null;
    });
    expect(seen).toEqual([5_390_000]);
    expect(status(h, "L-full").status).toBe("paid_off");
    expect(h.db.read.get<{ last: string }>("SELECT MAX(snapshot_date) AS last FROM dpd_snapshots WHERE loan_id = 'L-full'")!.last).toBe(addDays(due(1), 1));
    expect(h.db.read.get<{ last: string }>("SELECT MAX(reminder_date) AS last FROM collection_reminders WHERE loan_id = 'L-full'")!.last).toBe(due(1));
    expect(lateFees(h, "L-full")).toBe(0);
    expect(checkLedger(h.ctx.db).discrepancies).toEqual([]);
  });
});
