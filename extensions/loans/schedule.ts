// Repayment schedules (DESIGN §4), pure functions over integer rupiah.
//
// Conventions (documented in the README):
// - Rates are integer parts per million (ppm). `ratePpm` is the interest rate per tenor unit (per day, week or
//   month). The reference loan, 10 % flat over 50 weeks, is 2000 ppm per week.
// - Weeks and months: one instalment per unit (weekly: start + 7k days; monthly: the same day k calendar months
//   later, clamped to the month's last day). Days: one bullet instalment at the end of the tenor.
// - Regulatory day count: days = tenor, weeks = 7 × tenor, months = 30 × tenor (the OJK per-day figure).
// - Flat: total interest = floor(principal × rate × tenor); principal, interest and instalment fees are each split
//   with the remainder rule: every instalment gets floor(total / n) and the last takes what is left.
// - Annuity (declining balance): level payment ceil(P·r / (1 − (1+r)^−n)); each period's interest is the balance ×
//   r rounded half up; the last instalment clears the balance. Days-unit loans are a single bullet (same as flat).
// - Fees: the upfront fee (ppm of principal) is deducted from the amount disbursed; the admin fee (fixed rupiah) is
//   repaid in the instalments. Both count towards the regulatory daily cost.
import { addDays, addMonths, daysBetween } from "../../src/runtime/index.ts";

import type { InterestMethod, TenorUnit } from "../../schemas/enums.ts";

export interface PricingTerms {
  principal: number;
  tenor: number;
  tenorUnit: TenorUnit;
  method: InterestMethod;
  /** Interest per tenor unit, ppm. */
  ratePpm: number;
  /** Deducted from disbursement, ppm of principal. */
  upfrontFeePpm?: number;
  /** Fixed rupiah, repaid in the instalments. */
  adminFeeAmount?: number;
}

export interface ScheduleLine {
  seq: number;
  dueDate: string;
  principalAmount: number;
  interestAmount: number;
  feeAmount: number;
  totalAmount: number;
}

export interface Schedule {
  startDate: string;
  maturityDate: string;
  instalments: ScheduleLine[];
  principalAmount: number;
  interestAmount: number;
  /** Admin fee repaid in the instalments. */
  feeAmount: number;
  upfrontFeeAmount: number;
  disbursedAmount: number;
  totalRepaymentAmount: number;
  /** Largest single instalment. */
  instalmentAmount: number;
  /** Regulatory term in days (see conventions). */
  termDays: number;
  /** (interest + all fees) per day on the principal, ppm/day, rounded up. */
  dailyCostPpm: number;
  /** Interest + all fees over the term, ppm of principal, rounded up. */
  totalCostPpm: number;
  /** Effective annual rate (IRR over calendar days of the cash flows), basis points (0 when opts.apr is false). */
  aprBps: number;
}

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class ScheduleError extends Error {}

/** floor(a × b / c) exactly, for non-negative integers. */
export function mulDiv(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** ceil(a × b / c) exactly, for non-negative integers. */
export function mulDivCeil(a: number, b: number, c: number): number {
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  return Number((n + d - 1n) / d);
}

/** Split a total in n parts: each floor(total / n), the last takes the remainder. */
export function splitRemainder(total: number, n: number): number[] {
  const each = Math.floor(total / n);
  const parts = new Array<number>(n).fill(each);
  parts[n - 1] = total - each * (n - 1);
  return parts;
}

export function unitDays(unit: TenorUnit): number {
  return unit === "days" ? 1 : unit === "weeks" ? 7 : 30;
}

export function termDays(tenor: number, unit: TenorUnit): number {
  return tenor * unitDays(unit);
}

export function instalmentCount(tenor: number, unit: TenorUnit): number {
  return unit === "days" ? 1 : tenor;
}

/** A calendar date the schedule can start on (YYYY-MM-DD, a real day), else a ScheduleError. */
function checkDate(iso: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(Date.parse(iso + "T00:00:00Z"))) throw new ScheduleError(`not a date: ${iso}`);
  return iso;
}

export function dueDate(startDate: string, seq: number, tenor: number, unit: TenorUnit): string {
  if (unit === "days") return addDays(startDate, tenor);
  if (unit === "weeks") return addDays(startDate, 7 * seq);
  return addMonths(startDate, seq);
}

function validate(t: PricingTerms) {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw new ScheduleError(`${name} must be an integer ≥ ${min}`);
  };
  int(t.principal, "principal", 1);
  int(t.tenor, "tenor", 1);
  int(t.ratePpm, "ratePpm", 0);
  int(t.upfrontFeePpm ?? 0, "upfrontFeePpm", 0);
  int(t.adminFeeAmount ?? 0, "adminFeeAmount", 0);
  if (t.tenor > 3660) throw new ScheduleError("tenor is too long");
  if ((t.upfrontFeePpm ?? 0) > 1_000_000) throw new ScheduleError("upfrontFeePpm must be at most 1000000");
}

/** Effective annual rate of the cash flows (disbursed at day 0, instalments at their due dates), by bisection. */
export function effectiveAnnualRate(disbursed: number, flows: { days: number; amount: number }[]): number {
  const total = flows.reduce((s, f) => s + f.amount, 0);
  if (disbursed <= 0 || total <= disbursed) return 0;
  const npv = (y: number) => flows.reduce((s, f) => s + f.amount / Math.pow(1 + y, f.days / 365), 0) - disbursed;
  let lo = 0;
  let hi = 1;
  while (npv(hi) > 0 && hi < 1e9) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (npv(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function buildSchedule(terms: PricingTerms, startDate: string, opts: { apr?: boolean } = {}): Schedule {
  validate(terms);
  checkDate(startDate);
  const { principal: P, tenor, tenorUnit, method, ratePpm } = terms;
  const n = instalmentCount(tenor, tenorUnit);
  const upfront = mulDiv(P, terms.upfrontFeePpm ?? 0, 1_000_000);
  const adminFee = terms.adminFeeAmount ?? 0;
  const principalParts = splitRemainder(P, n);
  let interestParts: number[];

  // a tenor in days is one repayment at the end, its interest accrued per day: flat whatever the method (the
  // annuity's r is a rate per instalment period, and here the period is the whole tenor)
  if (method === "flat" || tenorUnit === "days") {
    const interest = Number((BigInt(P) * BigInt(ratePpm) * BigInt(tenor)) / 1_000_000n);
    interestParts = splitRemainder(interest, n);
  } else if (ratePpm === 0) {
    interestParts = new Array<number>(n).fill(0);
  } else {
    // Annuity: level payment, interest on the declining balance, last instalment clears the balance.
    const r = ratePpm / 1_000_000;
    const level = Math.ceil((P * r) / (1 - Math.pow(1 + r, -n)));
    let balance = P;
    interestParts = [];
    for (let k = 0; k < n; k++) {
      const interest = Number((BigInt(balance) * BigInt(ratePpm) + 500_000n) / 1_000_000n);
      const principal = k === n - 1 ? balance : Math.max(0, Math.min(balance, level - interest));
      interestParts.push(interest);
      principalParts[k] = principal;
      balance -= principal;
    }
  }
  const feeParts = splitRemainder(adminFee, n);
  const instalments: ScheduleLine[] = [];
  for (let k = 0; k < n; k++) {
    const seq = k + 1;
    const line = {
      seq,
      dueDate: dueDate(startDate, seq, tenor, tenorUnit),
      principalAmount: principalParts[k],
      interestAmount: interestParts[k],
      feeAmount: feeParts[k],
      totalAmount: principalParts[k] + interestParts[k] + feeParts[k],
    };
    if (!Number.isSafeInteger(line.totalAmount)) throw new ScheduleError("amounts exceed the safe integer range");
    instalments.push(line);
  }
  const interestAmount = interestParts.reduce((a, b) => a + b, 0);
  const totalRepaymentAmount = P + interestAmount + adminFee;
  if (!Number.isSafeInteger(totalRepaymentAmount)) throw new ScheduleError("amounts exceed the safe integer range");
  const days = termDays(tenor, tenorUnit);
  const cost = interestAmount + adminFee + upfront;
  const disbursedAmount = P - upfront;
  const maturityDate = instalments[n - 1].dueDate;
  const ear =
    opts.apr === false
      ? 0
      : effectiveAnnualRate(
          disbursedAmount,
          instalments.map((l) => ({ days: daysBetween(startDate, l.dueDate), amount: l.totalAmount })),
        );
  return {
    startDate,
    maturityDate,
    instalments,
    principalAmount: P,
    interestAmount,
    feeAmount: adminFee,
    upfrontFeeAmount: upfront,
    disbursedAmount,
    totalRepaymentAmount,
    instalmentAmount: Math.max(...instalments.map((l) => l.totalAmount)),
    termDays: days,
    dailyCostPpm: mulDivCeil(cost, 1_000_000, P * days),
    totalCostPpm: mulDivCeil(cost, 1_000_000, P),
    aprBps: Math.round(ear * 10_000),
  };
}

/** The instalment expressed per month, for the income-ratio rule (weekly × 30/7, daily bullet spread per 30 days). */
export function monthlyEquivalent(s: Schedule, unit: TenorUnit): number {
  if (unit === "months") return s.instalmentAmount;
  if (unit === "weeks") return mulDivCeil(s.instalmentAmount, 30, 7);
  // a bullet due after `termDays` days: its monthly burden is the total spread over the months it covers (≥ 1)
  const months = Math.max(1, s.termDays / 30);
  return Math.ceil(s.totalRepaymentAmount / months);
}
