import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { addMonths } from "../../src/runtime/index.ts";
import { buildSchedule, monthlyEquivalent, splitRemainder, type PricingTerms } from "./schedule.ts";
import { checkProduct, checkSchedule, type Cap } from "./caps.ts";
import { testApp } from "../../test/kit/app.ts";
import { loadCaps } from "./caps.ts";

const reference: PricingTerms = { principal: 5_000_000, tenor: 50, tenorUnit: "weeks", method: "flat", ratePpm: 2000 };

describe("schedule: reference loan", () => {
  const s = buildSchedule(reference, "2026-03-02");
  test("50 × 110,000 (100,000 principal + 10,000 interest)", () => {
    expect(s.instalments).toHaveLength(50);
    for (const l of s.instalments) {
      expect(l).toMatchObject({ principalAmount: 100_000, interestAmount: 10_000, feeAmount: 0, totalAmount: 110_000 });
    }
    expect(s.interestAmount).toBe(500_000);
    expect(s.totalRepaymentAmount).toBe(5_500_000);
    expect(s.instalmentAmount).toBe(110_000);
  });
  test("outstanding after the first payment is 5,390,000", () => {
    expect(s.totalRepaymentAmount - s.instalments[0].totalAmount).toBe(5_390_000);
  });
  test("weekly due dates, 350 regulatory days, daily cost 0.0286 %", () => {
    expect(s.instalments[0].dueDate).toBe("2026-03-09");
    expect(s.instalments[49].dueDate).toBe("2027-02-15");
    expect(s.maturityDate).toBe("2027-02-15");
    expect(s.termDays).toBe(350);
    expect(s.dailyCostPpm).toBe(286); // 500,000 / 5,000,000 / 350 = 0.000285714… → ceil 286 ppm
    expect(s.totalCostPpm).toBe(100_000);
    expect(s.aprBps).toBeGreaterThan(1900);
    expect(s.aprBps).toBeLessThan(2300);
  });
});

describe("schedule: rules", () => {
  test("flat remainder rule: floor shares, last takes the remainder", () => {
    expect(splitRemainder(100, 3)).toEqual([33, 33, 34]);
    const s = buildSchedule({ principal: 1_000_000, tenor: 3, tenorUnit: "months", method: "flat", ratePpm: 33_333, adminFeeAmount: 10_000 }, "2026-01-31");
    expect(s.instalments.map((l) => l.principalAmount)).toEqual([333_333, 333_333, 333_334]);
    expect(s.interestAmount).toBe(99_999);
    expect(s.instalments.map((l) => l.interestAmount)).toEqual([33_333, 33_333, 33_333]);
    expect(s.instalments.map((l) => l.feeAmount)).toEqual([3_333, 3_333, 3_334]);
    // month ends clamp
    expect(s.instalments.map((l) => l.dueDate)).toEqual(["2026-02-28", "2026-03-31", "2026-04-30"]);
  });
  test("days: one bullet instalment at the end", () => {
    const s = buildSchedule({ principal: 1_000_000, tenor: 30, tenorUnit: "days", method: "flat", ratePpm: 1000, upfrontFeePpm: 50_000 }, "2026-03-02");
    expect(s.instalments).toHaveLength(1);
    expect(s.instalments[0]).toMatchObject({ dueDate: "2026-04-01", principalAmount: 1_000_000, interestAmount: 30_000 });
    expect(s.upfrontFeeAmount).toBe(50_000);
    expect(s.disbursedAmount).toBe(950_000);
    expect(s.dailyCostPpm).toBe(2667); // 80,000 / 1,000,000 / 30
  });
  test("annuity: level payments on the declining balance", () => {
    const s = buildSchedule({ principal: 12_000_000, tenor: 12, tenorUnit: "months", method: "annuity", ratePpm: 20_000 }, "2026-01-15");
    const totals = s.instalments.map((l) => l.totalAmount);
    // 12,000,000 × 0.02 / (1 − 1.02^−12) = 1,134,715.8… → 1,134,716
    expect(totals.slice(0, 11).every((t) => t === 1_134_716)).toBe(true);
    expect(Math.abs(totals[11] - 1_134_716)).toBeLessThanOrEqual(12);
    expect(s.instalments[0].interestAmount).toBe(240_000);
    expect(s.instalments.reduce((a, l) => a + l.principalAmount, 0)).toBe(12_000_000);
    const interests = s.instalments.map((l) => l.interestAmount);
    for (let i = 1; i < interests.length; i++) expect(interests[i]).toBeLessThan(interests[i - 1]);
  });
  test("annuity with one instalment: interest rounded half up like any other; a tenor in days is one flat repayment", () => {
    const one = buildSchedule({ principal: 9_999_999, tenor: 1, tenorUnit: "months", method: "annuity", ratePpm: 90_000 }, "2026-01-15");
    expect(one.instalments.map((l) => [l.principalAmount, l.interestAmount, l.totalAmount])).toEqual([[9_999_999, 900_000, 10_899_999]]);
    const days = buildSchedule({ principal: 1_000_000, tenor: 30, tenorUnit: "days", method: "annuity", ratePpm: 2_999 }, "2026-01-15");
    expect(days.instalments.map((l) => l.interestAmount)).toEqual([Math.floor((1_000_000 * 2_999 * 30) / 1_000_000)]);
  });
  test("monthly equivalent of a weekly instalment", () => {
    const s = buildSchedule(reference, "2026-03-02");
    expect(monthlyEquivalent(s, "weeks")).toBe(471_429);
  });
  test("addMonths clamps to the month's end", () => {
    expect(addMonths("2024-01-31", 1)).toBe("2024-02-29");
    expect(addMonths("2026-12-15", 2)).toBe("2027-02-15");
  });
});

const termsArb = fc.record({
  principal: fc.integer({ min: 1, max: 2_000_000_000 }),
  tenor: fc.integer({ min: 1, max: 120 }),
  tenorUnit: fc.constantFrom("days" as const, "weeks" as const, "months" as const),
  method: fc.constantFrom("flat" as const, "annuity" as const),
  ratePpm: fc.integer({ min: 0, max: 100_000 }),
  upfrontFeePpm: fc.integer({ min: 0, max: 100_000 }),
  adminFeeAmount: fc.integer({ min: 0, max: 1_000_000 }),
});

describe("schedule: properties", () => {
  test("instalments sum exactly to principal + interest + fees; no negative or fractional parts", () => {
    fc.assert(
      fc.property(termsArb, (t) => {
        const s = buildSchedule(t, "2026-03-02", { apr: false });
        const sum = (f: (l: (typeof s.instalments)[number]) => number) => s.instalments.reduce((a, l) => a + f(l), 0);
        expect(sum((l) => l.principalAmount)).toBe(t.principal);
        expect(sum((l) => l.interestAmount)).toBe(s.interestAmount);
        expect(sum((l) => l.feeAmount)).toBe(t.adminFeeAmount);
        expect(sum((l) => l.totalAmount)).toBe(t.principal + s.interestAmount + t.adminFeeAmount);
        expect(s.totalRepaymentAmount).toBe(t.principal + s.interestAmount + t.adminFeeAmount);
        for (const l of s.instalments) {
          for (const v of [l.principalAmount, l.interestAmount, l.feeAmount, l.totalAmount]) {
            expect(Number.isSafeInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
          }
        }
        expect(s.disbursedAmount + s.upfrontFeeAmount).toBe(t.principal);
        // due dates strictly increase
        for (let i = 1; i < s.instalments.length; i++) expect(s.instalments[i].dueDate > s.instalments[i - 1].dueDate).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
  test("flat: every instalment gets the floor of its share; the last takes the remainder", () => {
    fc.assert(
      fc.property(termsArb.filter((t) => t.tenorUnit !== "days"), (t) => {
        const s = buildSchedule({ ...t, method: "flat" }, "2026-03-02", { apr: false });
        const n = s.instalments.length;
        const share = Math.floor(t.principal / n);
        const ishare = Math.floor(s.interestAmount / n);
        s.instalments.slice(0, -1).forEach((l) => {
          expect(l.principalAmount).toBe(share);
          expect(l.interestAmount).toBe(ishare);
        });
        expect(s.instalments[n - 1].principalAmount).toBe(t.principal - share * (n - 1));
        expect(s.interestAmount).toBe(Number((BigInt(t.principal) * BigInt(t.ratePpm) * BigInt(t.tenor)) / 1_000_000n));
      }),
      { numRuns: 200 },
    );
  });
});

describe("caps respected (property)", () => {
  test("a product that passes checkProduct prices every amount × tenor in its range within the caps", async () => {
    await using t = testApp();
    const caps: Cap[] = loadCaps(t.db.read);
    const productArb = fc
      .record({
        purpose: fc.constantFrom("consumptive" as const, "productive" as const),
        minAmount: fc.integer({ min: 500_000, max: 5_000_000 }),
        span: fc.integer({ min: 0, max: 20_000_000 }),
        minTenor: fc.integer({ min: 1, max: 12 }),
        tenorSpan: fc.integer({ min: 0, max: 12 }),
        tenorUnit: fc.constantFrom("days" as const, "weeks" as const, "months" as const),
        interestMethod: fc.constantFrom("flat" as const, "annuity" as const),
        interestRatePpm: fc.integer({ min: 0, max: 40_000 }),
        upfrontFeePpm: fc.integer({ min: 0, max: 50_000 }),
        adminFeeAmount: fc.integer({ min: 0, max: 100_000 }),
        lateFeePpm: fc.integer({ min: 0, max: 4000 }),
        amountPick: fc.double({ min: 0, max: 1, noNaN: true }),
        tenorPick: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map((r) => ({ ...r, maxAmount: r.minAmount + r.span, maxTenor: r.minTenor + r.tenorSpan }));
    let accepted = 0;
    fc.assert(
      fc.property(productArb, (p) => {
        const date = "2026-03-02";
        const v = checkProduct(caps, p, date);
        if (v.length > 0) return;
        accepted++;
        const amount = p.minAmount + Math.floor(p.amountPick * (p.maxAmount - p.minAmount));
        const tenor = p.minTenor + Math.floor(p.tenorPick * (p.maxTenor - p.minTenor));
        const s = buildSchedule({ principal: amount, tenor, tenorUnit: p.tenorUnit, method: p.interestMethod, ratePpm: p.interestRatePpm, upfrontFeePpm: p.upfrontFeePpm, adminFeeAmount: p.adminFeeAmount }, date, { apr: false });
        expect(checkSchedule(caps, s, p.purpose, date)).toEqual([]);
        const cost = s.interestAmount + s.feeAmount + s.upfrontFeeAmount;
        const cap = s.termDays >= 180 ? (p.purpose === "consumptive" ? 2000 : 1000) : p.purpose === "consumptive" ? 3000 : 2750;
        expect(cost * 1_000_000).toBeLessThanOrEqual(cap * amount * s.termDays);
        expect(cost).toBeLessThanOrEqual(amount);
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});
