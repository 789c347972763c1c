// Zod contracts of the double-entry book's staff views: journals (cursor pages), the trial balance and the proof.
import { z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS } from "./common.ts";

export const LedgerLine = z.object({ account: z.string(), loanId: z.string().nullable(), debitAmount: z.number().int(), creditAmount: z.number().int() });

export const LedgerJournal = z
  .object({ id: z.number().int(), kind: z.string(), ref: z.string(), loanId: z.string().nullable(), memo: z.string().nullable(), totalAmount: z.number().int(), postedAt: z.string(), lines: z.array(LedgerLine) })
  .openapi("LedgerJournal", {
    example: {
      id: 12,
      kind: "payment",
      ref: "pay_0193a1b2-0000-7000-8000-0000000000c1",
      loanId: EXAMPLE_IDS.loan,
      memo: "payment standard/pm_20260309_0001",
      totalAmount: 110_000,
      postedAt: "2026-03-09T02:15:01.000Z",
      lines: [
        { account: "cash", loanId: null, debitAmount: 110_000, creditAmount: 0 },
        { account: "interest_receivable", loanId: EXAMPLE_IDS.loan, debitAmount: 0, creditAmount: 10_000 },
        { account: "principal_receivable", loanId: EXAMPLE_IDS.loan, debitAmount: 0, creditAmount: 100_000 },
      ],
    },
  });

export const LedgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .openapi({ description: "nextCursor of the previous page" }),
  loanId: z.string().max(100).optional(),
  kind: z.string().max(60).optional().openapi({ example: "payment" }),
});
export type LedgerQuery = z.infer<typeof LedgerQuery>;

export const LedgerPage = z.object({ items: z.array(LedgerJournal), nextCursor: z.string().nullable() }).openapi("LedgerPage");

export const TrialBalance = z
  .object({
    accounts: z.array(z.object({ account: z.string(), debitAmount: z.number().int(), creditAmount: z.number().int(), balanceAmount: z.number().int() })),
    totalDebitAmount: z.number().int(),
    totalCreditAmount: z.number().int(),
    balanced: z.boolean(),
  })
  .openapi("TrialBalance", {
    example: {
      accounts: [
        { account: "cash", debitAmount: 110_000, creditAmount: 5_000_000, balanceAmount: -4_890_000 },
        { account: "principal_receivable", debitAmount: 5_000_000, creditAmount: 100_000, balanceAmount: 4_900_000 },
      ],
      totalDebitAmount: 5_610_000,
      totalCreditAmount: 5_610_000,
      balanced: true,
    },
  });

export const LedgerCheck = z
  .object({ ok: z.boolean(), journals: z.number().int(), loans: z.number().int(), discrepancies: z.array(z.object({ kind: z.string(), detail: z.string() }).passthrough()) })
  .openapi("LedgerCheck", { example: { ok: true, journals: 1_204, loans: 87, discrepancies: [] } });
