// Zod contracts of the double-entry book's staff views: journals (cursor pages), the trial balance and the proof.
import { safeText, z } from "../src/runtime/index.ts";
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
  .object({
    ok: z.boolean(),
    journals: z.number().int(),
    loans: z.number().int(),
    discrepancies: z.array(z.object({ kind: z.string(), detail: z.string() }).passthrough()),
    figures: z
      .object({
        cashAmount: z.number().int().openapi({ description: "Balance of the cash account: what the bank account should hold" }),
        fundingCapitalAmount: z.number().int().openapi({ description: "Capital injected (funding account, equity)" }),
        creditLineAmount: z.number().int().openapi({ description: "Credit-line drawdowns owed to the bank (credit_line account)" }),
        cashNegative: z.boolean().openapi({ description: "Cash below zero: money went out that no recorded funding brought in (record it: POST /api/v1/admin/ledger/funding)" }),
      })
      .openapi({ description: "Where the cash stands and the funding behind it" }),
  })
  .openapi("LedgerCheck", {
    example: { ok: true, journals: 1_204, loans: 87, discrepancies: [], figures: { cashAmount: 33_033_000, fundingCapitalAmount: 50_000_000, creditLineAmount: 0, cashNegative: false } },
  });

/** Where funding comes from, and the account each credits (cash is always the debit side). */
export const FUNDING_SOURCES = ["capital", "credit_line"] as const;
export const FUNDING_ACCOUNT = { capital: "funding", credit_line: "credit_line" } as const;

export const FundingRequest = z
  .object({
    source: z.enum(FUNDING_SOURCES).openapi({ description: "capital: the lender's own money (Cr funding, equity); credit_line: a drawdown on a bank credit line (Cr credit_line, a liability)" }),
    amount: z.number().int().positive().max(1_000_000_000_000).openapi({ description: "Rupiah received in the bank account (Dr cash)" }),
    reference: safeText({ min: 1, max: 200 }).openapi({ description: "The bank's reference of the transfer; one journal per source and reference" }),
    reason: safeText({ min: 3, max: 500, multiline: true }),
    receivedAt: z.string().date().optional().openapi({ description: "Day the money arrived (YYYY-MM-DD, default today)" }),
  })
  .openapi("FundingRequest", { example: { source: "capital", amount: 50_000_000, reference: "BCA-TRF-20260301-0042", reason: "Capital injection, March tranche", receivedAt: "2026-03-01" } });
export type FundingRequest = z.infer<typeof FundingRequest>;

export const Funding = z
  .object({
    journalId: z.number().int(),
    source: z.enum(FUNDING_SOURCES),
    amount: z.number().int(),
    reference: z.string(),
    memo: z.string(),
    postedAt: z.string(),
    lines: z.array(LedgerLine),
    cashAmount: z.number().int().openapi({ description: "The cash account's balance after this journal" }),
  })
  .openapi("Funding", {
    example: {
      journalId: 431,
      source: "capital",
      amount: 50_000_000,
      reference: "BCA-TRF-20260301-0042",
      memo: "Capital injection, March tranche (recorded by usr_finance)",
      postedAt: "2026-03-01T00:00:00.000Z",
      lines: [
        { account: "cash", loanId: null, debitAmount: 50_000_000, creditAmount: 0 },
        { account: "funding", loanId: null, debitAmount: 0, creditAmount: 50_000_000 },
      ],
      cashAmount: 33_033_000,
    },
  });
