// Zod contracts of loans as borrowers and staff read them (the schedule with each instalment's status on the day),
// and the loan's status-change event. Money: integer rupiah in fields ending `Amount`.
import { z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, pageOf } from "./common.ts";
import { INSTALMENT_VIEW_STATUSES, LOAN_STATUSES } from "./enums.ts";
import { TenorUnit } from "./products.ts";

/** The reference loan's first instalment, paid: 100,000 principal + 10,000 interest. */
export const INSTALMENT_EXAMPLE = {
  seq: 1,
  dueDate: "2026-03-09",
  principalDue: 100_000,
  interestDue: 10_000,
  feeDue: 0,
  lateFeeDue: 0,
  principalPaid: 100_000,
  interestPaid: 10_000,
  feePaid: 0,
  lateFeePaid: 0,
  totalDueAmount: 110_000,
  outstandingAmount: 0,
  status: "paid",
} as const;

/** The reference loan (5,000,000 at 10 % flat, 50 weekly × 110,000) after its first payment: 5,390,000 outstanding. */
export const LOAN_EXAMPLE = {
  id: EXAMPLE_IDS.loan,
  applicationId: EXAMPLE_IDS.application,
  productId: EXAMPLE_IDS.product,
  status: "active",
  principalAmount: 5_000_000,
  interestAmount: 500_000,
  feeAmount: 0,
  upfrontFeeAmount: 0,
  disbursedAmount: 5_000_000,
  tenor: 50,
  tenorUnit: "weeks",
  startDate: "2026-03-02",
  maturityDate: "2027-02-15",
  outstandingAmount: 5_390_000,
  lateFeeOutstandingAmount: 0,
  nextDueDate: "2026-03-16",
  nextDueAmount: 110_000,
  dpd: 0,
  createdAt: "2026-03-02T03:00:00.000Z",
} as const;

export const Installment = z
  .object({
    seq: z.number().int(),
    dueDate: z.string(),
    principalDue: z.number().int(),
    interestDue: z.number().int(),
    feeDue: z.number().int(),
    lateFeeDue: z.number().int(),
    principalPaid: z.number().int(),
    interestPaid: z.number().int(),
    feePaid: z.number().int(),
    lateFeePaid: z.number().int(),
    totalDueAmount: z.number().int().openapi({ description: "This instalment's whole amount: principal + interest + fees + the late fees charged on it so far (grows while it is overdue); payments are not subtracted" }),
    outstandingAmount: z.number().int().openapi({ description: "What is left to pay on this instalment: totalDueAmount minus what was paid, late fees included" }),
    status: z.enum(INSTALMENT_VIEW_STATUSES),
  })
  .openapi("Installment", { example: INSTALMENT_EXAMPLE });

export const LoanSummary = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    productId: z.string(),
    status: z.enum(LOAN_STATUSES),
    principalAmount: z.number().int(),
    interestAmount: z.number().int(),
    feeAmount: z.number().int(),
    upfrontFeeAmount: z.number().int(),
    disbursedAmount: z.number().int(),
    tenor: z.number().int(),
    tenorUnit: TenorUnit,
    startDate: z.string(),
    maturityDate: z.string(),
    outstandingAmount: z
      .number()
      .int()
      .openapi({
        description:
          "The loan's outstanding, as the portfolio figures count it (overview, portfolio summary, /metrics, TWP90): scheduled principal + interest + fees not yet paid, on every instalment due or not. Late fees are not included (see lateFeeOutstandingAmount); a credit balance is not subtracted (the payoff quote does that)",
      }),
    lateFeeOutstandingAmount: z.number().int().openapi({ description: "Late fees charged and not yet paid (apart from outstandingAmount; everything left to pay is the sum of the two)" }),
    nextDueDate: z.string().nullable().openapi({ description: "Due date of the oldest unpaid instalment (null when nothing is left)" }),
    nextDueAmount: z
      .number()
      .int()
      .openapi({ description: "What to pay now to be up to date, the amount the reminder SMS names: while an instalment is overdue, every instalment due up to today (all overdue ones, not only the oldest) with their late fees; otherwise the next unpaid instalment's outstandingAmount. Instalments not yet due are never included" }),
    dpd: z.number().int().openapi({ description: "Days past due of the oldest unpaid instalment" }),
    createdAt: z.string(),
  })
  .openapi("LoanSummary", { example: LOAN_EXAMPLE });
export const Loan = LoanSummary.extend({ installments: z.array(Installment) }).openapi("Loan", { example: { ...LOAN_EXAMPLE, installments: [INSTALMENT_EXAMPLE] } });
export const LoanList = pageOf(LoanSummary).openapi("LoanList", { example: { items: [LOAN_EXAMPLE], nextCursor: null } });

/** GET /api/v1/events: the caller's application and loan status changes as server-sent events. */
export const StatusEventStream = z.string().openapi({
  example: 'id: 12.0\nevent: application.status_changed\ndata: {"applicationId":"…","from":"checking","to":"approved","at":"2026-03-01T08:06:00.000Z"}\n\n',
});

// ---- events ----
/** `loan.status_changed`; `from` is null when the loan is created. */
export const LoanStatusChanged = z.object({ loanId: z.string(), userId: z.string(), from: z.string().nullable(), to: z.string() });
