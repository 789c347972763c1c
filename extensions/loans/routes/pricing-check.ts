// The product editor's "as you type" check (POST /api/v1/admin/products/pricing-check): the worst-case daily cost of
// product terms, computed exactly as saving the product checks it (./caps.ts: the cases of productCases, every tenor at
// the smallest and the largest amount, and the comparison of costWithinCap, both checkProduct's), against the
// daily-cost cap in force today; plus the worst total cost and the late fee against theirs, and the violations saving
// would answer. Nothing is saved.
import { defineRoute, jakartaDate, z } from "../../../src/runtime/index.ts";
import { checkProduct, costWithinCap, loadCaps, productCases, strictest, type ProductPricing } from "../caps.ts";
import { CapViolation } from "../../../schemas/products.ts";
import { INTEREST_METHODS, PURPOSES, TENOR_UNITS } from "../../../schemas/enums.ts";

const int = (max: number) => z.number().int().min(0).max(max);
const PricingInput = z
  .object({
    purpose: z.enum(PURPOSES),
    minAmount: int(1_000_000_000_000).refine((v) => v > 0, "must be positive"),
    maxAmount: int(1_000_000_000_000),
    minTenor: z.number().int().min(1).max(3650),
    maxTenor: z.number().int().min(1).max(3650),
    tenorUnit: z.enum(TENOR_UNITS),
    interestMethod: z.enum(INTEREST_METHODS),
    interestRatePpm: int(1_000_000),
    upfrontFeePpm: int(1_000_000).default(0),
    adminFeeAmount: int(1_000_000_000_000).default(0),
    lateFeePpm: int(1_000_000).default(0),
  })
  .superRefine((p, ctx) => {
    if (p.maxAmount < p.minAmount) ctx.addIssue({ code: "custom", path: ["maxAmount"], message: "must be at least minAmount" });
    if (p.maxTenor < p.minTenor) ctx.addIssue({ code: "custom", path: ["maxTenor"], message: "must be at least minTenor" });
    const maxUnits = p.tenorUnit === "days" ? 3650 : p.tenorUnit === "weeks" ? 520 : 120;
    if (p.maxTenor > maxUnits) ctx.addIssue({ code: "custom", path: ["maxTenor"], message: `must be at most ${maxUnits} ${p.tenorUnit}` });
  });

const Figure = z.object({
  /** The product's worst figure (ppm per day for daily cost and late fee, ppm of principal for total cost). */
  figurePpm: z.number().int(),
  /** The cap in force for that case, or null when none applies. */
  capPpm: z.number().int().nullable(),
  capId: z.string().nullable(),
  effectiveFrom: z.string().nullable(),
  source: z.string().nullable(),
  within: z.boolean(),
  at: z.object({ amount: z.number().int(), tenor: z.number().int(), termDays: z.number().int() }),
});
type Figure = z.infer<typeof Figure>;

const PricingCheck = z.object({ date: z.string(), dailyCost: Figure, totalCost: Figure, lateFee: Figure, violations: z.array(CapViolation) });

/** Worst case per figure: the largest margin over its cap (or the largest figure where no cap applies). */
function worse(a: Figure | undefined, b: Figure): Figure {
  if (!a) return b;
  const m = (f: Figure) => (f.capPpm === null ? Number.NEGATIVE_INFINITY : f.figurePpm - f.capPpm);
  if (m(b) !== m(a)) return m(b) > m(a) ? b : a;
  return b.figurePpm > a.figurePpm ? b : a;
}

export function pricingCheck(caps: ReturnType<typeof loadCaps>, p: ProductPricing, date: string): z.infer<typeof PricingCheck> {
  let daily: Figure | undefined;
  let total: Figure | undefined;
  let late: Figure | undefined;
  for (const { tenor, days, schedules } of productCases(p, date)) {
    for (const { amount, s } of schedules) {
      const at = { amount, tenor, termDays: s.termDays };
      // the same exact comparison as checkSchedule
      const dc = strictest(caps, "daily_cost", date, p.purpose, s.termDays);
      daily = worse(daily, { figurePpm: s.dailyCostPpm, capPpm: dc?.value ?? null, capId: dc?.id ?? null, effectiveFrom: dc?.effectiveFrom ?? null, source: dc?.source ?? null, within: !dc || costWithinCap(s, "daily_cost", dc.value), at });
      const tc = strictest(caps, "total_cost", date, p.purpose, s.termDays);
      total = worse(total, { figurePpm: s.totalCostPpm, capPpm: tc?.value ?? null, capId: tc?.id ?? null, effectiveFrom: tc?.effectiveFrom ?? null, source: tc?.source ?? null, within: !tc || costWithinCap(s, "total_cost", tc.value), at });
    }
    const lc = strictest(caps, "late_fee_daily", date, p.purpose, days);
    late = worse(late, { figurePpm: p.lateFeePpm, capPpm: lc?.value ?? null, capId: lc?.id ?? null, effectiveFrom: lc?.effectiveFrom ?? null, source: lc?.source ?? null, within: !lc || p.lateFeePpm <= lc.value, at: { amount: p.minAmount, tenor, termDays: days } });
  }
  return { date, dailyCost: daily!, totalCost: total!, lateFee: late!, violations: checkProduct(caps, p, date) };
}

const EXAMPLE = {
  date: "2026-03-01",
  dailyCost: { figurePpm: 286, capPpm: 3000, capId: "ojk-consumptive-2025-short", effectiveFrom: "2025-01-01", source: "OJK SEOJK 19/2023", within: true, at: { amount: 1_000_000, tenor: 50, termDays: 350 } },
  totalCost: { figurePpm: 100_000, capPpm: 1_000_000, capId: "ojk-total-2025", effectiveFrom: "2025-01-01", source: "OJK SEOJK 19/2023", within: true, at: { amount: 1_000_000, tenor: 50, termDays: 350 } },
  lateFee: { figurePpm: 1000, capPpm: 3000, capId: "ojk-late-2025", effectiveFrom: "2025-01-01", source: "OJK SEOJK 19/2023", within: true, at: { amount: 1_000_000, tenor: 10, termDays: 70 } },
  violations: [],
};

export const adminPricingCheck = defineRoute({
  method: "post",
  path: "/api/v1/admin/products/pricing-check",
  summary: "Worst-case daily cost, total cost and late fee of product terms against the caps in force today (nothing saved)",
  description:
    "The same computation saving a product runs: every tenor in the range at the smallest and the largest amount, interest plus all fees per day of " +
    "the principal (ppm/day, rounded up), compared exactly with the strictest cap in force for that term. `violations` is what saving would refuse.",
  tags: ["Products", "Admin"],
  access: ["admin"],
  request: { body: PricingInput.openapi({ example: { purpose: "consumptive", minAmount: 1_000_000, maxAmount: 5_000_000, minTenor: 10, maxTenor: 50, tenorUnit: "weeks", interestMethod: "flat", interestRatePpm: 2000, upfrontFeePpm: 0, adminFeeAmount: 0, lateFeePpm: 1000 } }) },
  responses: {
    200: { description: "The worst figures and the caps in force", schema: PricingCheck, example: EXAMPLE },
    401: { description: "Not signed in" },
    403: { description: "Not an admin" },
    422: { description: "Terms out of range" },
  },
  handler: (req, ctx) => ({ status: 200, body: pricingCheck(loadCaps(ctx.db), req.body as ProductPricing, jakartaDate(ctx.clock.now())) }),
});
