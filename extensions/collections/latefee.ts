// Late fees, pure (DESIGN §4). The caps come from the dated regulatory_caps table (migration 0004) through the
// caller; this file only does the arithmetic. Rates are integer parts-per-million of principal per day (0.3 %/day = 3000 ppm),
// so every amount is integer rupiah: floor(amount × ppm × days / 1e6). Rounding is always down (floor), in the
// borrower's favour.
import { scheduledRemaining, type InstalmentView } from "./dpd.ts";
import { daysBetween } from "../../src/runtime/index.ts";

export const PPM = 1_000_000;
/** %/day → ppm/day, exact for the rates in use (0.3 → 3000). */
export const pctPerDayToPpm = (pct: number) => Math.round(pct * 10_000);

/** floor(amount × ppm × days / 1e6), exact also beyond 2^53 (BigInt fallback). */
export function floorRate(amount: number, ppm: number, days = 1): number {
  const p = amount * ppm * days;
  if (Number.isSafeInteger(p)) return Math.floor(p / PPM);
  return Number((BigInt(amount) * BigInt(ppm) * BigInt(days)) / BigInt(PPM));
}

export interface LateFeeLoan {
  principal: number;
  /** The loan's (product's) late-fee rate, ppm/day. */
  productLateFeePpm: number;
  /**
   * The regulatory late-fee ceiling for the loan's date, purpose and term, ppm/day (regulatory_caps rule
   * late_fee_daily: 0.3/0.2/0.1 %/day classes). null = no cap in force: nothing is charged (safe side).
   */
  regulatoryPpm: number | null;
  /** interest + fees + late fees ceiling, ppm of principal (rule total_cost: 1,000,000 = 100 %). */
  totalCostCapPpm: number;
  /** Interest + all fees of the loan (instalment fees and the upfront fee), late fees excluded. */
  costAmount: number;
  graceDays: number;
  instalments: readonly InstalmentView[];
}

export interface LateFeeCharge {
  seq: number;
  /** Scheduled amount overdue on this instalment. */
  overdueAmount: number;
  days: number;
  amount: number;
}

export interface LateFeeResult {
  /** Rate applied: min(product, regulatory), ppm/day. */
  ratePpm: number;
  regulatoryPpm: number;
  charges: LateFeeCharge[];
  /** Sum of charges (after the 100 % cap). */
  total: number;
  /** Before the 100 % cap. */
  uncapped: number;
  /** Room left under the 100 % cap before this accrual. */
  headroom: number;
  capped: boolean;
}

/**
 * Late fees for the days (lastAccruedThrough, today], per instalment on its overdue scheduled amount, for each
 * day past the grace period (the first charged day is due date + grace + 1). Running it again for the same day
 * yields nothing (the caller stores `today` as lastAccruedThrough). The total never takes interest + fees + late
 * fees above 100 % of principal.
 */
export function accrueLateFees(loan: LateFeeLoan, today: string, lastAccruedThrough: string | null): LateFeeResult {
  const regulatoryPpm = loan.regulatoryPpm ?? 0;
  const ratePpm = Math.max(0, Math.min(loan.productLateFeePpm, regulatoryPpm));
  let lateFees = 0;
  for (const i of loan.instalments) lateFees += i.lateFeeDue;
  const ceiling = floorRate(loan.principal, loan.totalCostCapPpm);
  const headroom = Math.max(0, ceiling - loan.costAmount - lateFees);
  const charges: LateFeeCharge[] = [];
  let uncapped = 0;
  const ordered = [...loan.instalments].sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.seq - b.seq));
  for (const i of ordered) {
    const overdue = scheduledRemaining(i);
    if (overdue <= 0 || i.dueDate >= today) continue;
    // first chargeable day is dueDate + grace + 1; charge days in (max(start-1, last), today]
    const startExclusive = daysBetween(i.dueDate, today) - loan.graceDays; // days chargeable from scratch
    const sinceLast = lastAccruedThrough === null ? Infinity : daysBetween(lastAccruedThrough, today);
    const days = Math.max(0, Math.min(startExclusive, sinceLast));
    if (days === 0) continue;
    const amount = floorRate(overdue, ratePpm, days);
    uncapped += amount;
    charges.push({ seq: i.seq, overdueAmount: overdue, days, amount });
  }
  // apply the 100 % cap, oldest instalment first
  let room = headroom;
  let total = 0;
  for (const c of charges) {
    const a = Math.min(c.amount, room);
    c.amount = a;
    room -= a;
    total += a;
  }
  return { ratePpm, regulatoryPpm, charges: charges.filter((c) => c.amount > 0), total, uncapped, headroom, capped: total < uncapped };
}
