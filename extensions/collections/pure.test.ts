import { describe, expect, test } from "bun:test";
import { bucketOf, computeDpd, delinquencyStatus, outstandingOf, twoLatestDueUnpaid, type InstalmentView } from "./dpd.ts";
import { accrueLateFees, floorRate } from "./latefee.ts";
import { formatRupiah, planReminder, reminderText, sendTimeFor, withinSendingWindow } from "./reminders.ts";
import { rollRates, summarise } from "./portfolio.ts";
import { addDays, daysBetween, jakartaDate, jakartaInstant } from "../../src/runtime/index.ts";

/** The reference schedule: 50 weekly × (100,000 principal + 10,000 interest) from a start date. */
function reference(start = "2026-01-05"): InstalmentView[] {
  return Array.from({ length: 50 }, (_, k) => ({
    seq: k + 1,
    dueDate: addDays(start, 7 * (k + 1)),
    principalDue: 100_000,
    interestDue: 10_000,
    feeDue: 0,
    lateFeeDue: 0,
    principalPaid: 0,
    interestPaid: 0,
    feePaid: 0,
    lateFeePaid: 0,
  }));
}
const payIn = (i: InstalmentView) => Object.assign(i, { principalPaid: i.principalDue, interestPaid: i.interestDue, feePaid: i.feeDue, lateFeePaid: i.lateFeeDue });

describe("Asia/Jakarta calendar", () => {
  test("the day turns at 17:00 UTC", () => {
    expect(jakartaDate(new Date("2026-03-01T16:59:59Z"))).toBe("2026-03-01");
    expect(jakartaDate(new Date("2026-03-01T17:00:00Z"))).toBe("2026-03-02");
    expect(jakartaInstant("2026-03-02", 8).toISOString()).toBe("2026-03-02T01:00:00.000Z");
    expect(daysBetween("2025-12-31", "2026-03-01")).toBe(60);
  });
});

describe("DPD and buckets", () => {
  test("due today is 0, the day after 1, counted from the oldest unpaid instalment", () => {
    const s = reference();
    expect(computeDpd(s, "2026-01-12")).toBe(0); // first due date
    expect(computeDpd(s, "2026-01-13")).toBe(1);
    expect(computeDpd(s, "2026-01-20")).toBe(8);
    payIn(s[0]);
    expect(computeDpd(s, "2026-01-19")).toBe(0); // second falls due that day
    expect(computeDpd(s, "2026-01-20")).toBe(1);
  });

  test("a partly paid instalment still counts; late fees alone do not", () => {
    const s = reference();
    s[0].principalPaid = 99_999;
    s[0].interestPaid = 10_000;
    expect(computeDpd(s, "2026-01-15")).toBe(3);
    s[0].principalPaid = 100_000;
    s[0].lateFeeDue = 500;
    expect(computeDpd(s, "2026-01-15")).toBe(0);
  });

  test("bucket boundaries", () => {
    expect([0, 1, 30, 31, 60, 61, 90, 91, 400].map(bucketOf)).toEqual([
      "lancar",
      "dpd_1_30",
      "dpd_1_30",
      "dpd_31_60",
      "dpd_31_60",
      "dpd_61_90",
      "dpd_61_90",
      "macet",
      "macet",
    ]);
  });

  test("delinquent when DPD > grace, cured back to active", () => {
    const s = reference();
    const st = (today: string, grace = 3) => delinquencyStatus({ dpd: computeDpd(s, today), graceDays: grace, tenorUnit: "months", instalments: s, today });
    expect(st("2026-01-15")).toBe("active"); // DPD 3 = grace
    expect(st("2026-01-16")).toBe("delinquent"); // DPD 4
    payIn(s[0]);
    expect(st("2026-01-16")).toBe("active");
  });

  test("Pinjol seed rule: weekly loan with the two latest due instalments unpaid is delinquent", () => {
    const s = reference();
    const weekly = (today: string) => delinquencyStatus({ dpd: computeDpd(s, today), graceDays: 30, tenorUnit: "weeks", instalments: s, today });
    expect(weekly("2026-01-19")).toBe("active"); // one missed, DPD 7 < 30
    expect(twoLatestDueUnpaid(s, "2026-01-19")).toBe(false); // second due today, not yet missed
    expect(weekly("2026-01-20")).toBe("delinquent"); // two missed, DPD 8 < 30
    payIn(s[1]); // latest paid, oldest still open
    expect(weekly("2026-01-20")).toBe("active");
    expect(computeDpd(s, "2026-01-20")).toBe(8);
  });

  test("outstanding after the first payment is 5,390,000", () => {
    const s = reference();
    expect(outstandingOf(s).amount).toBe(5_500_000);
    payIn(s[0]);
    expect(outstandingOf(s)).toEqual({ amount: 5_390_000, principal: 4_900_000, lateFees: 0 });
  });
});

describe("late fees", () => {
  const base = { principal: 5_000_000, productLateFeePpm: 1000, regulatoryPpm: 2000, totalCostCapPpm: 1_000_000, costAmount: 500_000, graceDays: 3 };

  test("floor of overdue × rate per day, starting after the grace days", () => {
    const s = reference();
    expect(accrueLateFees({ ...base, instalments: s }, "2026-01-15", null).total).toBe(0); // DPD 3 = grace
    const r = accrueLateFees({ ...base, instalments: s }, "2026-01-16", null);
    expect(r.ratePpm).toBe(1000);
    expect(r.charges).toEqual([{ seq: 1, overdueAmount: 110_000, days: 1, amount: 110 }]);
    // the next day charges one more day only
    expect(accrueLateFees({ ...base, instalments: s }, "2026-01-17", "2026-01-16").total).toBe(110);
    // same day again: nothing
    expect(accrueLateFees({ ...base, instalments: s }, "2026-01-16", "2026-01-16").total).toBe(0);
    // catch-up after missed days: 3 days at once
    expect(accrueLateFees({ ...base, instalments: s }, "2026-01-19", "2026-01-16").total).toBe(330);
    expect(floorRate(110_001, 1000)).toBe(110);
    expect(floorRate(999, 1000)).toBe(0);
    expect(floorRate(10_000_000_000, 3000, 400)).toBe(12_000_000_000);
  });

  test("never above the regulatory daily rate", () => {
    const s = reference();
    const r = accrueLateFees({ ...base, productLateFeePpm: 5000, instalments: s }, "2026-01-16", null);
    expect(r.ratePpm).toBe(2000);
    expect(r.total).toBe(220);
    expect(accrueLateFees({ ...base, regulatoryPpm: null, instalments: s }, "2026-01-20", null).total).toBe(0);
  });

  test("interest + fees + late fees never above 100 % of principal", () => {
    const s = reference();
    // 4,999,000 of cost already: 1,000 of room
    const r = accrueLateFees({ ...base, costAmount: 4_999_000, productLateFeePpm: 2000, instalments: s }, "2026-02-20", null);
    expect(r.uncapped).toBeGreaterThan(1000);
    expect(r.total).toBe(1000);
    expect(r.capped).toBe(true);
    // exactly at the boundary: room equals the charge
    const one = accrueLateFees({ ...base, costAmount: 5_000_000 - 220, productLateFeePpm: 2000, instalments: s }, "2026-01-16", null);
    expect(one).toMatchObject({ total: 220, capped: false });
    // late fees already charged count too
    s[0].lateFeeDue = 4_500_000;
    expect(accrueLateFees({ ...base, instalments: s }, "2026-03-01", null).total).toBe(0);
  });
});

describe("reminders", () => {
  test("H-3, H-1, due day and overdue; nothing on other days", () => {
    const s = reference();
    expect(planReminder(s, "2026-01-08")).toBeNull(); // H-4
    expect(planReminder(s, "2026-01-09")?.kind).toBe("h-3");
    expect(planReminder(s, "2026-01-10")).toBeNull(); // H-2
    expect(planReminder(s, "2026-01-11")?.kind).toBe("h-1");
    expect(planReminder(s, "2026-01-12")).toMatchObject({ kind: "due", seq: 1, amount: 110_000 });
    s[0].lateFeeDue = 330;
    expect(planReminder(s, "2026-01-18")).toMatchObject({ kind: "overdue", seq: 1, amount: 110_330, dpd: 6 });
    expect(planReminder(s, "2026-01-19")).toMatchObject({ kind: "overdue", amount: 220_330 });
  });

  test("text carries the VA number and the amount", () => {
    const p = planReminder(reference(), "2026-01-09")!;
    const text = reminderText(p, "880812345678");
    expect(text).toContain("880812345678");
    expect(text).toContain("Rp110.000");
    expect(formatRupiah(5_390_000)).toBe("Rp5.390.000");
  });

  test("only between 08:00 and 20:00 Asia/Jakarta", () => {
    expect(withinSendingWindow(jakartaInstant("2026-01-09", 7, 59))).toBe(false);
    expect(withinSendingWindow(jakartaInstant("2026-01-09", 8, 0))).toBe(true);
    expect(withinSendingWindow(jakartaInstant("2026-01-09", 19, 59))).toBe(true);
    expect(withinSendingWindow(jakartaInstant("2026-01-09", 20, 0))).toBe(false);
    expect(sendTimeFor(jakartaInstant("2026-01-09", 6, 30))?.toISOString()).toBe(jakartaInstant("2026-01-09", 8, 0).toISOString());
    expect(sendTimeFor(jakartaInstant("2026-01-09", 12, 0))?.toISOString()).toBe(jakartaInstant("2026-01-09", 12, 0).toISOString());
    expect(sendTimeFor(jakartaInstant("2026-01-09", 20, 0))).toBeNull();
  });
});

describe("portfolio", () => {
  test("TWP90 and TKB90 on a constructed portfolio", () => {
    const s = summarise([
      { bucket: "lancar", dpd: 0, outstandingAmount: 6_000_000 },
      { bucket: "dpd_1_30", dpd: 12, outstandingAmount: 2_000_000 },
      { bucket: "dpd_61_90", dpd: 90, outstandingAmount: 1_000_000 },
      { bucket: "macet", dpd: 91, outstandingAmount: 750_000 },
      { bucket: "macet", dpd: 200, outstandingAmount: 250_000 },
    ]);
    expect(s.totalOutstandingAmount).toBe(10_000_000);
    expect(s.outstandingOver90Amount).toBe(1_000_000);
    expect(s.twp90).toBe(0.1);
    expect(s.tkb90).toBe(0.9);
    expect(s.buckets.find((b) => b.bucket === "macet")).toEqual({ bucket: "macet", loans: 2, outstandingAmount: 1_000_000 });
    expect(summarise([]).twp90).toBe(0);
  });

  test("roll rates", () => {
    const r = rollRates([
      { from: "lancar", to: "lancar", loans: 8, outstandingAmount: 0 },
      { from: "lancar", to: "dpd_1_30", loans: 2, outstandingAmount: 0 },
      { from: "dpd_1_30", to: "dpd_31_60", loans: 1, outstandingAmount: 0 },
      { from: "dpd_1_30", to: "lancar", loans: 3, outstandingAmount: 0 },
    ]);
    expect(r[0]).toMatchObject({ from: "lancar", loans: 10, rollForward: 0.2, cured: 0.8 });
    expect(r[1]).toMatchObject({ from: "dpd_1_30", loans: 4, rollForward: 0.25, cured: 0.75 });
    expect(r[1].to.dpd_31_60).toBe(0.25);
  });
});
