// Regulatory caps as dated data (table regulatory_caps, seeded by migration 0004). Checked when a product is saved
// (worst case over its whole amount × tenor range) and when a loan is priced (quote, application, acceptance).
import type { Sql } from "../../src/runtime/index.ts";
import { buildSchedule, termDays, type Schedule } from "./schedule.ts";
import type { CapRule, CapUnit, InterestMethod, Purpose, TenorUnit } from "../../schemas/enums.ts";
import type { CapViolation } from "../../schemas/products.ts";

export interface Cap {
  id: string;
  rule: CapRule;
  purpose: Purpose | "any";
  minTermDays: number;
  maxTermDays: number | null;
  value: number;
  unit: CapUnit;
  effectiveFrom: string;
  effectiveTo: string | null;
  source: string;
}

/** A row of regulatory_caps. */
interface CapRow {
  id: string;
  rule: CapRule;
  purpose: Purpose | "any";
  min_term_days: number;
  max_term_days: number | null;
  value: number;
  unit: CapUnit;
  effective_from: string;
  effective_to: string | null;
  source: string;
}

export function loadCaps(db: Sql): Cap[] {
  return db
    .all<CapRow>("SELECT * FROM regulatory_caps ORDER BY effective_from, id")
    .map((r) => ({
      id: r.id,
      rule: r.rule,
      purpose: r.purpose,
      minTermDays: r.min_term_days,
      maxTermDays: r.max_term_days,
      value: r.value,
      unit: r.unit,
      effectiveFrom: r.effective_from,
      effectiveTo: r.effective_to,
      source: r.source,
    }));
}

/** Caps in force on `date` (YYYY-MM-DD) for a rule, purpose and term. */
export function capsInForce(caps: Cap[], rule: CapRule, date: string, purpose?: Purpose, days?: number): Cap[] {
  return caps.filter(
    (c) =>
      c.rule === rule &&
      c.effectiveFrom <= date &&
      (c.effectiveTo === null || date <= c.effectiveTo) &&
      (purpose === undefined || c.purpose === "any" || c.purpose === purpose) &&
      (days === undefined || (days >= c.minTermDays && (c.maxTermDays === null || days < c.maxTermDays))),
  );
}

/** The strictest cap in force (lowest value; for `min_age`, a floor, the highest), or undefined. */
export function strictest(caps: Cap[], rule: CapRule, date: string, purpose?: Purpose, days?: number): Cap | undefined {
  const dir = rule === "min_age" ? -1 : 1;
  return capsInForce(caps, rule, date, purpose, days).sort((a, b) => dir * (a.value - b.value))[0];
}

const pct = (ppm: number, perDay: boolean) => `${(ppm / 10_000).toFixed(4).replace(/0+$/, "").replace(/\.$/, "")} %${perDay ? "/day" : ""}`;

/**
 * Whether a schedule's cost (interest + all fees) is within a cost cap, compared exactly in integers:
 * cost / (P × days) ≤ cap ppm / 1e6 for the daily cost, cost / P ≤ cap ppm / 1e6 for the total cost.
 */
export function costWithinCap(s: Schedule, rule: "daily_cost" | "total_cost", capPpm: number): boolean {
  const cost = BigInt(s.interestAmount + s.feeAmount + s.upfrontFeeAmount) * 1_000_000n;
  return cost <= BigInt(capPpm) * BigInt(s.principalAmount) * (rule === "daily_cost" ? BigInt(s.termDays) : 1n);
}

/** Cost caps for one priced schedule: daily cost (interest + all fees) and total cost. */
export function checkSchedule(caps: Cap[], s: Schedule, purpose: Purpose, date: string): CapViolation[] {
  const out: CapViolation[] = [];
  const daily = strictest(caps, "daily_cost", date, purpose, s.termDays);
  if (daily && !costWithinCap(s, "daily_cost", daily.value)) {
    out.push({
      rule: "daily_cost",
      capId: daily.id,
      cap: daily.value,
      figure: s.dailyCostPpm,
      unit: daily.unit,
      effectiveFrom: daily.effectiveFrom,
      source: daily.source,
      message: `interest + fees cost ${pct(s.dailyCostPpm, true)} of principal, above the cap of ${pct(daily.value, true)} in force since ${daily.effectiveFrom}`,
    });
  }
  const total = strictest(caps, "total_cost", date, purpose, s.termDays);
  if (total && !costWithinCap(s, "total_cost", total.value)) {
    out.push({
      rule: "total_cost",
      capId: total.id,
      cap: total.value,
      figure: s.totalCostPpm,
      unit: total.unit,
      effectiveFrom: total.effectiveFrom,
      source: total.source,
      message: `interest + fees total ${pct(s.totalCostPpm, false)} of principal, above the cap of ${pct(total.value, false)} in force since ${total.effectiveFrom}`,
    });
  }
  return out;
}

export interface ProductPricing {
  purpose: Purpose;
  minAmount: number;
  maxAmount: number;
  minTenor: number;
  maxTenor: number;
  tenorUnit: TenorUnit;
  interestMethod: InterestMethod;
  interestRatePpm: number;
  upfrontFeePpm: number;
  adminFeeAmount: number;
  lateFeePpm: number;
}

/**
 * The cases a product's worst case is looked for in, tenor by tenor over its range: the tenor's term in days and its
 * schedules (priced as on `date`, without the APR) at the smallest and the largest amount.
 */
export function* productCases(p: ProductPricing, date: string): Generator<{ tenor: number; days: number; schedules: { amount: number; s: Schedule }[] }> {
  const amounts = p.minAmount === p.maxAmount ? [p.minAmount] : [p.minAmount, p.maxAmount];
  for (let tenor = p.minTenor; tenor <= p.maxTenor; tenor++) {
    const schedules = amounts.map((amount) => ({
      amount,
      s: buildSchedule(
        { principal: amount, tenor, tenorUnit: p.tenorUnit, method: p.interestMethod, ratePpm: p.interestRatePpm, upfrontFeePpm: p.upfrontFeePpm, adminFeeAmount: p.adminFeeAmount },
        date,
        { apr: false },
      ),
    }));
    yield { tenor, days: termDays(tenor, p.tenorUnit), schedules };
  }
}

/**
 * Worst case of a product against the caps in force on `date`: every tenor in its range at the smallest and the
 * largest amount (the fixed admin fee weighs most on the smallest amount), and the late-fee rate against the late-fee
 * cap of every tenor's class. Returns the first violation per rule (the worst figure).
 */
export function checkProduct(caps: Cap[], p: ProductPricing, date: string): CapViolation[] {
  const worst = new Map<CapRule, CapViolation>();
  for (const { tenor, days, schedules } of productCases(p, date)) {
    for (const { amount, s } of schedules) {
      for (const v of checkSchedule(caps, s, p.purpose, date)) {
        const prev = worst.get(v.rule);
        if (!prev || v.figure - v.cap > prev.figure - prev.cap) worst.set(v.rule, { ...v, at: { amount, tenor, termDays: s.termDays } });
      }
    }
    const late = strictest(caps, "late_fee_daily", date, p.purpose, days);
    if (late && p.lateFeePpm > late.value) {
      const prev = worst.get("late_fee_daily");
      if (!prev || late.value < prev.cap) {
        worst.set("late_fee_daily", {
          rule: "late_fee_daily",
          capId: late.id,
          cap: late.value,
          figure: p.lateFeePpm,
          unit: late.unit,
          effectiveFrom: late.effectiveFrom,
          source: late.source,
          at: { amount: p.minAmount, tenor, termDays: days },
          message: `late fee ${pct(p.lateFeePpm, true)} is above the cap of ${pct(late.value, true)} in force since ${late.effectiveFrom}`,
        });
      }
    }
  }
  return [...worst.values()];
}

/** Whole years between a birth date and a date (both YYYY-MM-DD). */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split("-").map(Number);
  const [y, m, d] = date.split("-").map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
