// Zod contracts of collections: the payloads of its jobs (send-reminder, delinquency-sweep) and the API (portfolio
// summary, roll rates, the collections list, write-offs, settings, the manual sweep).
import { safeText, z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, IdParams, isoDate } from "./common.ts";
import { BUCKETS, OPEN_LOAN_STATUSES, REMINDER_KINDS } from "./enums.ts";

// ---- jobs ----
/** Payload of `send-reminder`: everything the SMS needs (it may run on a worker without the database). */
export const ReminderPayload = z.object({
  loanId: z.string(),
  date: z.string(),
  kind: z.enum(REMINDER_KINDS),
  phone: z.string(),
  text: z.string().max(500),
});
export type ReminderPayload = z.infer<typeof ReminderPayload>;

/** Result of `send-reminder`, recorded by the owner on the reminder row. */
export interface ReminderResult {
  status: "sent" | "skipped";
  at: string;
  detail?: string;
}

/** Payload of `delinquency-sweep`: nothing (it sweeps today, Asia/Jakarta). */
export const SweepPayload = z.object({}).strict();
export type SweepPayload = z.infer<typeof SweepPayload>;

// ---- API ----

export const BucketEnum = z.enum(BUCKETS).openapi({ description: "DPD bucket: lancar (0), dpd_1_30, dpd_31_60, dpd_61_90, macet (> 90)" });

export const BucketFigure = z.object({ bucket: BucketEnum, loans: z.number().int(), outstandingAmount: z.number().int() });

export const PortfolioSummary = z
  .object({
    asOf: z.string().nullable().openapi({ description: "Asia/Jakarta day of the last completed sweep" }),
    loans: z.number().int(),
    totalOutstandingAmount: z.number().int().openapi({
      description: "Outstanding of open (active, delinquent) loans: scheduled principal + interest + fees not yet paid; late fees apart (lateFeeOutstandingAmount). The same figure as the dashboard overview, /metrics and the sum of the loans' outstandingAmount",
    }),
    outstandingOver90Amount: z.number().int().openapi({ description: "Outstanding (same definition) of open loans more than 90 days past due" }),
    lateFeeOutstandingAmount: z.number().int().openapi({ description: "Late fees charged and unpaid on open loans, not part of any outstanding figure or of TWP90" }),
    twp90: z.number().openapi({ description: "outstanding of loans > 90 DPD ÷ total outstanding (late fees in neither), rounded to 6 decimals" }),
    tkb90: z.number().openapi({ description: "1 − TWP90" }),
    buckets: z.array(BucketFigure),
    lastSweep: z
      .object({ runDate: z.string(), status: z.string(), loans: z.number().int(), lateFeeAmount: z.number().int(), reminders: z.number().int(), finishedAt: z.string().nullable() })
      .nullable(),
  })
  .openapi("PortfolioSummary", {
    example: {
      asOf: "2026-03-30",
      loans: 2,
      totalOutstandingAmount: 10_560_000,
      outstandingOver90Amount: 0,
      lateFeeOutstandingAmount: 0,
      twp90: 0,
      tkb90: 1,
      buckets: [
        { bucket: "lancar", loans: 1, outstandingAmount: 5_170_000 },
        { bucket: "dpd_1_30", loans: 1, outstandingAmount: 5_390_000 },
        { bucket: "dpd_31_60", loans: 0, outstandingAmount: 0 },
        { bucket: "dpd_61_90", loans: 0, outstandingAmount: 0 },
        { bucket: "macet", loans: 0, outstandingAmount: 0 },
      ],
      lastSweep: { runDate: "2026-03-30", status: "done", loans: 2, lateFeeAmount: 1_100, reminders: 1, finishedAt: "2026-03-30T00:00:04.000Z" },
    },
  });

export const RollRateRow = z.object({
  from: BucketEnum,
  loans: z.number().int(),
  to: z.record(z.string(), z.number()),
  rollForward: z.number(),
  cured: z.number(),
});

export const RollRates = z
  .object({ from: z.string().nullable(), to: z.string().nullable(), rows: z.array(RollRateRow) })
  .openapi("RollRates", {
    example: {
      from: "2026-03-01",
      to: "2026-03-31",
      rows: [{ from: "dpd_1_30", loans: 10, to: { lancar: 0.6, dpd_1_30: 0.1, dpd_31_60: 0.3 }, rollForward: 0.3, cured: 0.6 }],
    },
  });

export const RollRatesQuery = z
  .object({
    from: isoDate.optional().openapi({ example: "2026-03-01" }),
    to: isoDate.optional().openapi({ example: "2026-03-31" }),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "must not be before from", path: ["to"] });
export type RollRatesQuery = z.infer<typeof RollRatesQuery>;

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

export const CollectionList = z
  .object({ items: z.array(CollectionItem), nextCursor: z.string().nullable() })
  .openapi("CollectionList", {
    example: {
      items: [
        {
          loanId: EXAMPLE_IDS.loan,
          userId: EXAMPLE_IDS.user,
          status: "delinquent",
          dpd: 12,
          bucket: "dpd_1_30",
          outstandingAmount: 5_390_000,
          overdueAmount: 220_000,
          lateFeeOutstandingAmount: 1_320,
          phone: "+62812*****890",
          vaNumber: "8808123400000001",
          lastReminderDate: "2026-03-30",
          lastSweepDate: "2026-03-30",
        },
      ],
      nextCursor: null,
    },
  });

/** Position of a page of the collections list: the last row's DPD and loan id (highest DPD first). */
export const CollectionsCursor = z.tuple([z.number().int(), z.string().max(100)]);

export const CollectionsQuery = z.object({
  bucket: BucketEnum.optional(),
  status: z.enum(OPEN_LOAN_STATUSES).optional(),
  minDpd: z.coerce.number().int().min(0).optional(),
  maxDpd: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type CollectionsQuery = z.infer<typeof CollectionsQuery>;

export const LoanIdParams = IdParams;
export type LoanIdParams = IdParams;

export const WriteOffRequest = z
  .object({ reason: safeText({ min: 3, max: 500, multiline: true }) })
  .openapi("WriteOffRequest", { example: { reason: "No payment for 180 days; borrower unreachable" } });
export type WriteOffRequest = z.infer<typeof WriteOffRequest>;

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
  .openapi("WriteOff", {
    example: {
      loanId: EXAMPLE_IDS.loan,
      dpd: 181,
      principalAmount: 4_200_000,
      interestAmount: 420_000,
      feeAmount: 0,
      lateFeeAmount: 98_000,
      totalAmount: 4_718_000,
      journalId: 311,
      actor: EXAMPLE_IDS.staff,
      reason: "No payment for 180 days; borrower unreachable",
      createdAt: "2026-09-01T03:00:00.000Z",
    },
  });

export const CollectionsSettings = z.object({ writeOffDpd: z.number().int().min(1).max(3650) }).openapi("CollectionsSettings", { example: { writeOffDpd: 180 } });
export type CollectionsSettings = z.infer<typeof CollectionsSettings>;

export const SweepAccepted = z
  .object({
    jobKey: z.string().openapi({ description: "The queued job: poll GET /api/v1/jobs/{jobKey} until `finished`" }),
    runDate: z.string().openapi({ description: "The Asia/Jakarta business day the sweep runs for" }),
  })
  .openapi("SweepAccepted", { example: { jobKey: "delinquency-sweep:manual:2026-03-30:5b0e8d2c-3f6a-4c1e-9d7b-2a4f6e8c0b1d", runDate: "2026-03-30" } });

/** The problem body collections routes declare for their errors. */
export const Problem = z.object({ type: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional() }).passthrough();
