// Zod contracts of loan products and quotes: the product an admin saves (checked against the dated regulatory caps),
// the product as the API answers it, and a quote (a priced schedule, nothing saved). Money: integer rupiah in fields
// ending `Amount`; rates: integer ppm. Person-facing text goes through safeText.
import { safeText, z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, isoDate, money, ppm } from "./common.ts";
import { CAP_RULES, CAP_UNITS, INTEREST_METHODS, PURPOSES, TENOR_UNITS } from "./enums.ts";

export const TenorUnit = z.enum(TENOR_UNITS).openapi({ description: "Unit of the tenor: one instalment per week/month; days = one bullet instalment" });
export const InterestMethod = z.enum(INTEREST_METHODS);
export const Purpose = z.enum(PURPOSES);

const productId = z.string().min(1).max(64);

/** The reference product: 10 % flat over 50 weeks is 2000 ppm a week (5,000,000 → 50 × 110,000). */
export const PRODUCT_EXAMPLE = {
  id: EXAMPLE_IDS.product,
  code: "KK-WEEKLY-50",
  name: "Pinjaman Mingguan",
  description: "Flat 0.2% per week, weekly instalments",
  purpose: "consumptive",
  minAmount: 1_000_000,
  maxAmount: 10_000_000,
  minTenor: 10,
  maxTenor: 50,
  tenorUnit: "weeks",
  interestMethod: "flat",
  interestRatePpm: 2000,
  upfrontFeePpm: 0,
  adminFeeAmount: 0,
  lateFeePpm: 1000,
  graceDays: 3,
  active: true,
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
} as const;

/** The reference loan priced on the reference product from Monday 2 March 2026. */
export const QUOTE_EXAMPLE = {
  productId: EXAMPLE_IDS.product,
  tenor: 50,
  tenorUnit: "weeks",
  interestMethod: "flat",
  startDate: "2026-03-02",
  maturityDate: "2027-02-15",
  principalAmount: 5_000_000,
  interestAmount: 500_000,
  feeAmount: 0,
  upfrontFeeAmount: 0,
  disbursedAmount: 5_000_000,
  totalRepaymentAmount: 5_500_000,
  installmentAmount: 110_000,
  termDays: 350,
  dailyCostPpm: 286,
  totalCostPpm: 100_000,
  aprBps: 2078,
  dailyCostCapPpm: 2000,
  installments: [{ seq: 1, dueDate: "2026-03-09", principalAmount: 100_000, interestAmount: 10_000, feeAmount: 0, totalAmount: 110_000 }],
} as const;

/** A 422 `regulatory-cap-exceeded` problem (the first violation's figures, then all of them). */
export const CAP_PROBLEM_EXAMPLE = {
  type: "https://kreditku.dev/problems/regulatory-cap-exceeded",
  title: "Regulatory cap exceeded",
  status: 422,
  rule: "daily_cost",
  cap: 3000,
  figure: 5000,
  unit: "ppm_per_day",
  effectiveFrom: "2025-01-01",
};

/** What an admin sends to save the reference product: the product without its server-made fields. */
const { id: _id, createdAt: _created, updatedAt: _updated, ...PRODUCT_INPUT_EXAMPLE } = PRODUCT_EXAMPLE;

const productFields = {
  code: z.string().regex(/^[A-Z0-9-]{2,32}$/, "2-32 of A-Z, 0-9, -").openapi({ example: "KK-WEEKLY-50" }),
  name: safeText({ min: 1, max: 120 }).openapi({ example: "Pinjaman Mingguan" }),
  description: safeText({ max: 2000, multiline: true }).default(""),
  purpose: Purpose,
  minAmount: money("Smallest principal", 1_000_000).refine((v) => v > 0, "must be positive"),
  maxAmount: money("Largest principal", 10_000_000),
  minTenor: z.number().int().min(1).max(3650).openapi({ example: 10 }),
  maxTenor: z.number().int().min(1).max(3650).openapi({ example: 50 }),
  tenorUnit: TenorUnit,
  interestMethod: InterestMethod,
  interestRatePpm: ppm("Interest per tenor unit", 2000),
  upfrontFeePpm: ppm("Upfront fee deducted from the disbursement, of principal", 0).default(0),
  adminFeeAmount: money("Admin fee repaid in the instalments", 0).default(0),
  lateFeePpm: ppm("Late fee per day on the overdue amount", 1000).default(0),
  graceDays: z.number().int().min(0).max(90).default(0).openapi({ example: 3 }),
  active: z.boolean().default(true),
};

export const ProductInput = z
  .object(productFields)
  .superRefine((p, ctx) => {
    if (p.maxAmount < p.minAmount) ctx.addIssue({ code: "custom", path: ["maxAmount"], message: "must be at least minAmount" });
    if (p.maxTenor < p.minTenor) ctx.addIssue({ code: "custom", path: ["maxTenor"], message: "must be at least minTenor" });
    const maxUnits = p.tenorUnit === "days" ? 3650 : p.tenorUnit === "weeks" ? 520 : 120;
    if (p.maxTenor > maxUnits) ctx.addIssue({ code: "custom", path: ["maxTenor"], message: `must be at most ${maxUnits} ${p.tenorUnit}` });
  })
  .openapi("ProductInput", { example: PRODUCT_INPUT_EXAMPLE });
export type ProductInput = z.infer<typeof ProductInput>;

export const Product = z
  .object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    description: z.string(),
    purpose: Purpose,
    minAmount: z.number().int(),
    maxAmount: z.number().int(),
    minTenor: z.number().int(),
    maxTenor: z.number().int(),
    tenorUnit: TenorUnit,
    interestMethod: InterestMethod,
    interestRatePpm: z.number().int(),
    upfrontFeePpm: z.number().int(),
    adminFeeAmount: z.number().int(),
    lateFeePpm: z.number().int(),
    graceDays: z.number().int(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Product", { example: PRODUCT_EXAMPLE });
export type Product = z.infer<typeof Product>;

export const ProductList = z.object({ items: z.array(Product) }).openapi("ProductList", { example: { items: [PRODUCT_EXAMPLE] } });

export const CapViolation = z
  .object({
    rule: z.enum(CAP_RULES),
    capId: z.string(),
    /** The cap, in its unit. */
    cap: z.number().int(),
    /** The product's or loan's figure, in the same unit. */
    figure: z.number().int(),
    unit: z.enum(CAP_UNITS),
    effectiveFrom: z.string(),
    source: z.string(),
    message: z.string(),
    /** The worst case that broke it (product checks). */
    at: z.object({ amount: z.number().int(), tenor: z.number().int(), termDays: z.number().int() }).optional(),
  })
  .openapi("CapViolation", {
    example: {
      rule: "daily_cost",
      capId: "ojk-consumptive-2025-short",
      cap: 3000,
      figure: 5000,
      unit: "ppm_per_day",
      effectiveFrom: "2025-01-01",
      source: "OJK SEOJK 19/2023",
      message: "interest and fees are 5000 ppm/day of the principal; the cap in force is 3000 ppm/day",
      at: { amount: 10_000_000, tenor: 10, termDays: 70 },
    },
  });
export type CapViolation = z.infer<typeof CapViolation>;

// ---- quotes ----
export const QuoteRequest = z
  .object({
    productId: productId,
    principalAmount: money("Principal requested", 5_000_000).refine((v) => v > 0, "must be positive"),
    tenor: z.number().int().min(1).max(3650).openapi({ example: 50 }),
    startDate: isoDate.optional().openapi({ description: "Disbursement date (defaults to today, UTC)", example: "2026-03-02" }),
  })
  .openapi("QuoteRequest", { example: { productId: EXAMPLE_IDS.product, principalAmount: 5_000_000, tenor: 50 } });
export type QuoteRequest = z.infer<typeof QuoteRequest>;

export const ScheduleLine = z
  .object({
    seq: z.number().int(),
    dueDate: z.string(),
    principalAmount: z.number().int(),
    interestAmount: z.number().int(),
    feeAmount: z.number().int(),
    totalAmount: z.number().int(),
  })
  .openapi("ScheduleLine", { example: { seq: 1, dueDate: "2026-03-09", principalAmount: 100_000, interestAmount: 10_000, feeAmount: 0, totalAmount: 110_000 } });

export const Quote = z
  .object({
    productId: z.string(),
    tenor: z.number().int(),
    tenorUnit: TenorUnit,
    interestMethod: InterestMethod,
    startDate: z.string(),
    maturityDate: z.string(),
    principalAmount: z.number().int(),
    interestAmount: z.number().int(),
    feeAmount: z.number().int(),
    upfrontFeeAmount: z.number().int(),
    disbursedAmount: z.number().int(),
    totalRepaymentAmount: z.number().int(),
    installmentAmount: z.number().int().openapi({ description: "The largest instalment (principal + interest + fees), integer rupiah" }),
    termDays: z.number().int(),
    dailyCostPpm: z.number().int().openapi({ description: "Interest + all fees per day on the principal, ppm/day (rounded up)" }),
    totalCostPpm: z.number().int(),
    aprBps: z.number().int().openapi({ description: "Effective annual rate, basis points" }),
    dailyCostCapPpm: z.number().int().nullable().openapi({ description: "The daily cost cap in force for this loan (ppm/day)" }),
    installments: z.array(ScheduleLine).openapi({ description: "The repayment schedule, one line per instalment (the same spelling as a loan's `installments`)" }),
  })
  .openapi("Quote", { example: QUOTE_EXAMPLE });
