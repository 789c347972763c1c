// zod schemas of the collections API (OpenAPI is generated from them).
import { safeText, z } from "../../src/runtime/index.ts";
import { BUCKETS } from "../../schemas/enums.ts";

export const BucketEnum = z.enum(BUCKETS).openapi({ description: "DPD bucket: lancar (0), dpd_1_30, dpd_31_60, dpd_61_90, macet (> 90)" });

export const BucketFigure = z.object({ bucket: BucketEnum, loans: z.number().int(), outstandingAmount: z.number().int() });

export const PortfolioSummary = z
  .object({
    asOf: z.string().nullable().openapi({ description: "Asia/Jakarta day of the last completed sweep" }),
    loans: z.number().int(),
    totalOutstandingAmount: z.number().int(),
    outstandingOver90Amount: z.number().int(),
    twp90: z.number().openapi({ description: "outstanding of loans > 90 DPD ÷ total outstanding" }),
    tkb90: z.number().openapi({ description: "1 − TWP90" }),
    buckets: z.array(BucketFigure),
    lastSweep: z
      .object({ runDate: z.string(), status: z.string(), loans: z.number().int(), lateFeeAmount: z.number().int(), reminders: z.number().int(), finishedAt: z.string().nullable() })
      .nullable(),
  })
  .openapi("PortfolioSummary");

export const RollRateRow = z.object({
  from: BucketEnum,
  loans: z.number().int(),
  to: z.record(z.string(), z.number()),
  rollForward: z.number(),
  cured: z.number(),
});

export const RollRates = z.object({ from: z.string().nullable(), to: z.string().nullable(), rows: z.array(RollRateRow) }).openapi("RollRates");

export const RollRatesQuery = z.object({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});

export const CollectionItem = z.object({
  loanId: z.string(),
  userId: z.string(),
  status: z.string(),
  dpd: z.number().int(),
  bucket: BucketEnum,
  outstandingAmount: z.number().int(),
  overdueAmount: z.number().int(),
  lateFeeOutstandingAmount: z.number().int(),
  phone: z.string().nullable(),
  vaNumber: z.string().nullable(),
  lastReminderDate: z.string().nullable(),
  lastSweepDate: z.string(),
});

export const CollectionList = z.object({ items: z.array(CollectionItem), nextCursor: z.string().nullable() }).openapi("CollectionList");

export const CollectionsQuery = z.object({
  bucket: BucketEnum.optional(),
  status: z.enum(["active", "delinquent"]).optional(),
  minDpd: z.coerce.number().int().min(0).optional(),
  maxDpd: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const LoanIdParams = z.object({ id: z.string().min(1).max(100) });

export const WriteOffRequest = z.object({ reason: safeText({ min: 3, max: 500, multiline: true }) });

export const WriteOff = z
  .object({
    loanId: z.string(),
    dpd: z.number().int(),
    principalAmount: z.number().int(),
    interestAmount: z.number().int(),
    feeAmount: z.number().int(),
    lateFeeAmount: z.number().int(),
    totalAmount: z.number().int(),
    journalId: z.number().int().nullable(),
    actor: z.string(),
    reason: z.string(),
    createdAt: z.string(),
  })
  .openapi("WriteOff");

export const CollectionsSettings = z.object({ writeOffDpd: z.number().int().min(1).max(3650) }).openapi("CollectionsSettings");

export const SweepAccepted = z.object({ jobKey: z.string(), runDate: z.string() });

export const Problem = z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional() }).passthrough();
