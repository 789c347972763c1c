// Zod contract of the staff loan account (GET /api/v1/admin/loans/{id}): everything the loan page shows in one
// request — borrower (masked by role), the figures under the one definition of outstanding, payoff, VA, DPD bucket,
// the schedule with derived statuses, payments, events with actors by name, and the payout account.
import { z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS } from "./common.ts";
import { Actor } from "./collection-log.ts";
import { BUCKETS } from "./enums.ts";
import { Installment, INSTALMENT_EXAMPLE, LoanSummary, LOAN_EXAMPLE } from "./loans.ts";

export const LOAN_ACCOUNT_EXAMPLE = {
  loan: { ...LOAN_EXAMPLE, installments: [INSTALMENT_EXAMPLE] },
  borrower: { userId: EXAMPLE_IDS.user, name: "Budi Santoso", phone: "+62812*****890" },
  figures: {
    outstandingAmount: 5_390_000,
    lateFeeOutstandingAmount: 0,
    overdueAmount: 0,
    nextDueDate: "2026-03-16",
    nextDueAmount: 110_000,
    creditBalanceAmount: 0,
    payoffAmount: 5_390_000,
    dpd: 0,
    bucket: "lancar",
  },
  virtualAccount: { vaNumber: "8808123456789012", bankCode: "BCA" },
  payoutAccount: { bankCode: "BCA", accountNumber: "******7890", accountName: "BUDI SANTOSO" },
  payments: [{ id: "pay_01", amount: 110_000, paidAt: "2026-03-09T02:00:00.000Z", status: "applied", provider: "standard", reason: null }],
  events: [{ id: 7, from: "disbursing", to: "active", actor: { id: "system:payments", name: "system:payments", email: null }, reason: "disbursed", at: "2026-03-02T03:00:00.000Z" }],
  asOf: "2026-03-10T03:00:00.000Z",
} as const;

export const LoanAccount = z
  .object({
    loan: LoanSummary.extend({ installments: z.array(Installment) }).openapi({ description: "The loan as GET /api/v1/loans/{id} shows it (schedule with each instalment's derived status)" }),
    borrower: z.object({
      userId: z.string(),
      name: z.string().nullable().openapi({ description: "Full name from the KYC profile (null without one)" }),
      phone: z.string().nullable().openapi({ description: "Phone as the personal-data policy shows it to the caller's role (masked for analysts and finance)" }),
    }),
    figures: z.object({
      outstandingAmount: z.number().int().openapi({ description: "Scheduled principal + interest + fees not yet paid (the one definition the portfolio figures use); late fees apart" }),
      lateFeeOutstandingAmount: z.number().int().openapi({ description: "Late fees charged and unpaid" }),
      overdueAmount: z.number().int().openapi({ description: "Scheduled amount (principal + interest + fees) of the instalments past their due date, unpaid; late fees apart" }),
      nextDueDate: z.string().nullable(),
      nextDueAmount: z.number().int().openapi({ description: "What to pay now to be up to date (the reminder's amount, late fees included)" }),
      creditBalanceAmount: z.number().int(),
      payoffAmount: z.number().int().openapi({ description: "What closes the loan today: outstanding + late fees − credit balance (the borrower's payoff quote)" }),
      dpd: z.number().int(),
      bucket: z.enum(BUCKETS),
    }),
    virtualAccount: z.object({ vaNumber: z.string(), bankCode: z.string() }).nullable(),
    payoutAccount: z
      .object({ bankCode: z.string(), accountNumber: z.string(), accountName: z.string() })
      .nullable()
      .openapi({ description: "The account the loan was paid out to and refunds go to (the loan's snapshot); the number in full for finance and admin, the last 4 digits otherwise" }),
    payments: z.array(
      z.object({ id: z.string(), amount: z.number().int(), paidAt: z.string(), status: z.string(), provider: z.string(), reason: z.string().nullable() }),
    ),
    events: z.array(z.object({ id: z.number().int(), from: z.string().nullable(), to: z.string(), actor: Actor, reason: z.string(), at: z.string() })),
    asOf: z.string(),
  })
  .openapi("LoanAccount", { example: LOAN_ACCOUNT_EXAMPLE });
