import { describe, expect, test } from "bun:test";
import { MODEL_V1 } from "./scorecard.ts";
import { jakartaDate } from "../../src/runtime/index.ts";
import { POLICY_REASONS, decide, fitAmount, incomeRatioOn, type DecisionInput } from "./policy.ts";
import { buildSchedule, monthlyEquivalent } from "../loans/schedule.ts";

// 10 monthly instalments, 10 % flat over the term: instalment = ceil(amount · 1.1 / 10)
const flat10 = (a: number) => Math.ceil((a * 11) / 100);
const R = [{ code: "R03", feature: "employment_tenure_months", pointsLost: 30, id: "id-text", en: "en-text" }];

function input(over: Partial<DecisionInput> = {}): DecisionInput {
  return {
    model: MODEL_V1,
    score: 640,
    scoreReasons: R,
    fraud: { blockHits: [], reviewHits: [] },
    age: 30,
    monthlyIncome: 10_000_000,
    requestedAmount: 10_000_000,
    minAmount: 1_000_000,
    incomeRatio: 0.3,
    monthlyInstalmentFor: flat10,
    ...over,
  };
}

describe("decision policy", () => {
  test("thresholds of model v1: approve from 610, reject below 540", () => {
    expect(MODEL_V1.policy.approveFrom).toBe(610);
    expect(MODEL_V1.policy.rejectBelow).toBe(540);
  });

  test("auto-approve above the threshold with no review hits; the requested amount when it fits", () => {
    const d = decide(input());
    expect(d.outcome).toBe("approved");
    expect(d.offer).toEqual({ principalAmount: 10_000_000, monthlyInstalmentAmount: 1_100_000, maxMonthlyInstalmentAmount: 3_000_000, incomeRatio: 0.3, lowered: false, requestedAmount: 10_000_000 });
    expect(d.reasons.map((r) => r.code)).toEqual(["R03"]);
    expect(decide(input({ score: 610 })).outcome).toBe("approved");
  });

  test("any block hit rejects, whatever the score, without telling the borrower which rule", () => {
    const d = decide(input({ score: 720, fraud: { blockHits: ["document_reuse"], reviewHits: [] } }));
    expect(d).toMatchObject({ outcome: "rejected", offer: null, reasons: [POLICY_REASONS.P01] });
    expect(d.note).toContain("document_reuse");
  });

  test("auto-reject below the threshold, with the score's reasons", () => {
    const d = decide(input({ score: 539 }));
    expect(d).toMatchObject({ outcome: "rejected", offer: null });
    expect(d.reasons.map((r) => r.code)).toEqual(["R03"]);
    expect(decide(input({ score: 540 })).outcome).toBe("manual_review");
  });

  test("between the thresholds, or with a review hit: manual review with the offer", () => {
    const grey = decide(input({ score: 600 }));
    expect(grey.outcome).toBe("manual_review");
    expect(grey.offer?.principalAmount).toBe(10_000_000);
    expect(grey.reasons[0]).toEqual(POLICY_REASONS.P05);
    const review = decide(input({ score: 700, fraud: { blockHits: [], reviewHits: ["velocity_ip"] } }));
    expect(review.outcome).toBe("manual_review");
    expect(review.note).toContain("velocity_ip");
  });

  test("under 18 (or unknown age) is rejected", () => {
    expect(decide(input({ age: 17 }))).toMatchObject({ outcome: "rejected", reasons: [POLICY_REASONS.P02] });
    expect(decide(input({ age: null })).outcome).toBe("rejected");
    expect(decide(input({ age: 18 })).outcome).toBe("approved");
  });

  test("the offer is lowered to fit 30 % of income (from 2026)", () => {
    const d = decide(input({ monthlyIncome: 3_000_000 }));
    // max instalment 900,000 → largest 50,000 step with ceil(a · 0.11) ≤ 900,000 is 8,150,000 (896,500)
    expect(d.outcome).toBe("approved");
    expect(d.offer).toEqual({ principalAmount: 8_150_000, monthlyInstalmentAmount: 896_500, maxMonthlyInstalmentAmount: 900_000, incomeRatio: 0.3, lowered: true, requestedAmount: 10_000_000 });
    expect(d.reasons[0]).toEqual(POLICY_REASONS.P04);
    expect(flat10(8_200_000)).toBeGreaterThan(900_000);
  });

  test("40 % before 2026-01-01: the same applicant gets the full amount", () => {
    expect(incomeRatioOn(MODEL_V1, "2025-12-31")).toBe(0.4);
    expect(incomeRatioOn(MODEL_V1, "2026-01-01")).toBe(0.3);
    expect(incomeRatioOn(MODEL_V1, "2030-06-01")).toBe(0.3);
    const d = decide(input({ monthlyIncome: 3_000_000, incomeRatio: incomeRatioOn(MODEL_V1, "2025-12-31") }));
    expect(d.offer).toMatchObject({ principalAmount: 10_000_000, lowered: false, maxMonthlyInstalmentAmount: 1_200_000 });
  });

  test("regulatory dates are Jakarta dates", () => {
    expect(jakartaDate(new Date("2025-12-31T16:59:59Z"))).toBe("2025-12-31");
    expect(jakartaDate(new Date("2025-12-31T17:00:00Z"))).toBe("2026-01-01");
  });

  test("no amount fits: rejected (income too low), even with a good score", () => {
    const d = decide(input({ monthlyIncome: 300_000, score: 700 }));
    expect(d).toMatchObject({ outcome: "rejected", offer: null });
    expect(d.reasons[0]).toEqual(POLICY_REASONS.P03);
    expect(decide(input({ monthlyIncome: 0 })).outcome).toBe("rejected");
    expect(decide(input({ monthlyIncome: null })).outcome).toBe("rejected");
  });

  test("fitAmount: on the step grid, never below the minimum; the minimum itself when only it fits", () => {
    expect(fitAmount(10_000_000, 1_000_000, 50_000, 900_000, flat10)).toBe(8_150_000);
    expect(fitAmount(10_000_000, 1_000_000, 50_000, 110_000, flat10)).toBe(1_000_000);
    expect(fitAmount(10_000_000, 1_000_000, 50_000, 109_999, flat10)).toBeNull();
    expect(fitAmount(1_234_567, 1_010_000, 50_000, 120_000, flat10)).toBe(1_050_000);
    expect(fitAmount(1_234_567, 1_010_000, 50_000, 112_000, flat10)).toBe(1_010_000);
    expect(fitAmount(1_234_567, 1_010_000, 50_000, 10_000_000, flat10)).toBe(1_234_567);
  });

  test("with the loans schedule: reference weekly product, lowered to fit 30 % of a 1.5 M income", () => {
    const f = (a: number) =>
      monthlyEquivalent(buildSchedule({ principal: a, tenor: 50, tenorUnit: "weeks", method: "flat", ratePpm: 2000 }, "2026-03-02"), "weeks");
    expect(f(5_000_000)).toBe(471_429); // 110,000 a week × 30/7
    const d = decide(input({ monthlyIncome: 1_500_000, requestedAmount: 5_000_000, monthlyInstalmentFor: f }));
    expect(d.offer!.principalAmount).toBe(4_750_000);
    expect(d.offer!.monthlyInstalmentAmount).toBeLessThanOrEqual(450_000);
    expect(f(4_800_000)).toBeGreaterThan(450_000);
  });
});
