// Zod contracts of applications: applying, the application as borrowers and staff read it (with its documents,
// trail and checks), cancelling, the analyst's decision, accepting the offer, and the application events. Money:
// integer rupiah in fields ending `Amount`. Person-facing text goes through safeText.
import { safeText, z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, idParams, money, pageOf } from "./common.ts";
import { APPLICATION_STATUSES } from "./enums.ts";
import { Document, DOCUMENT_EXAMPLE, Profile } from "./kyc.ts";
import { INSTALMENT_EXAMPLE, Loan, LOAN_EXAMPLE } from "./loans.ts";
import { TenorUnit } from "./products.ts";

const shortId = z.string().min(1).max(64);

/** The reference application (5,000,000 over 50 weeks) while its checks run. */
export const APPLICATION_EXAMPLE = {
  id: EXAMPLE_IDS.application,
  userId: EXAMPLE_IDS.user,
  productId: EXAMPLE_IDS.product,
  status: "checking",
  principalAmount: 5_000_000,
  tenor: 50,
  tenorUnit: "weeks",
  purpose: "Modal usaha warung",
  installmentAmount: 110_000,
  documentIds: [EXAMPLE_IDS.ktp, EXAMPLE_IDS.selfie],
  offer: null,
  loanId: null,
  submittedAt: "2026-03-01T08:05:00.000Z",
  decidedAt: null,
  createdAt: "2026-03-01T08:05:00.000Z",
  updatedAt: "2026-03-01T08:05:00.000Z",
} as const;

/** An application in manual review as an analyst reads it (profile omitted; see Profile). */
export const APPLICATION_DETAIL_EXAMPLE = {
  ...APPLICATION_EXAMPLE,
  status: "manual_review",
  decidedAt: "2026-03-01T08:05:02.000Z",
  updatedAt: "2026-03-01T08:05:02.000Z",
  documents: [{ ...DOCUMENT_EXAMPLE, downloadUrl: "https://files.kreditku.example/documents/…?expires=…&sig=…" }],
  events: [
    { id: 1, from: null, to: "draft", actor: EXAMPLE_IDS.user, actorName: "borrower", reason: "created", at: "2026-03-01T08:05:00.000Z" },
    { id: 4, from: "checking", to: "manual_review", actor: "system:scoring", actorName: "system:scoring", reason: "score in the review band", at: "2026-03-01T08:05:02.000Z" },
  ],
  checks: [{ id: 1, kind: "fraud", ruleId: "fraud-check", outcome: "review", detail: { hits: [{ ruleId: "bank_account_reuse", severity: "review", message: "The bank account is also used by another borrower" }] }, createdAt: "2026-03-01T08:05:01.000Z" }],
  profile: null,
};

export const ApplicationStatus = z.enum(APPLICATION_STATUSES);

export const ApplicationCreate = z
  .object({
    productId: shortId,
    principalAmount: money("Principal requested", 5_000_000).refine((v) => v > 0, "must be positive"),
    tenor: z.number().int().min(1).max(3650).openapi({ example: 50 }),
    purpose: safeText({ min: 3, max: 500, multiline: true }).openapi({ example: "Modal usaha warung" }),
    documentIds: z.array(shortId).max(10).default([]),
    device: z
      .object({
        id: safeText({ min: 1, max: 200 }).openapi({ example: "android-5f2c9a" }),
        platform: safeText({ max: 50 }).optional().openapi({ example: "android" }),
        model: safeText({ max: 100 }).optional(),
        appVersion: safeText({ max: 50 }).optional(),
      })
      .openapi({ description: "Device the application was made from (fraud velocity checks)" }),
  })
  .openapi("ApplicationCreate", {
    example: { productId: EXAMPLE_IDS.product, principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha warung", documentIds: [EXAMPLE_IDS.ktp, EXAMPLE_IDS.selfie], device: { id: "android-5f2c9a", platform: "android" } },
  });
export type ApplicationCreate = z.infer<typeof ApplicationCreate>;

export const OfferSchema = z
  .object({
    principalAmount: z.number().int().optional(),
    tenor: z.number().int().optional(),
    expiresAt: z.string().optional(),
    note: z.string().optional(),
  })
  .openapi("Offer", { example: { principalAmount: 5_000_000, tenor: 50, expiresAt: "2026-03-09T03:00:00.000Z" } });

export const Application = z
  .object({
    id: z.string(),
    userId: z.string(),
    productId: z.string(),
    status: ApplicationStatus,
    principalAmount: z.number().int(),
    tenor: z.number().int(),
    tenorUnit: TenorUnit,
    purpose: z.string(),
    installmentAmount: z.number().int(),
    documentIds: z.array(z.string()),
    offer: OfferSchema.nullable(),
    loanId: z.string().nullable(),
    submittedAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Application", { example: APPLICATION_EXAMPLE });

export const ApplicationList = pageOf(Application).openapi("ApplicationList", { example: { items: [APPLICATION_EXAMPLE], nextCursor: null } });

export const ApplicationEvent = z
  .object({
    id: z.number().int(),
    from: z.string().nullable(),
    to: z.string(),
    actor: z.string(),
    actorName: z.string().openapi({ description: "Who, by name: a staff member's display name (else email), `borrower`, or the automated actor's id" }),
    reason: z.string(),
    at: z.string(),
  })
  .openapi("ApplicationEvent", { example: { id: 4, from: "checking", to: "manual_review", actor: "system:scoring", actorName: "system:scoring", reason: "score in the review band", at: "2026-03-01T08:05:02.000Z" } });

export const ApplicationCheck = z
  .object({ id: z.number().int(), kind: z.string(), ruleId: z.string(), outcome: z.string(), detail: z.unknown(), createdAt: z.string() })
  .openapi("ApplicationCheck", {
    example: { id: 1, kind: "fraud", ruleId: "fraud-check", outcome: "review", detail: { hits: [{ ruleId: "bank_account_reuse", severity: "review", message: "The bank account is also used by another borrower" }] }, createdAt: "2026-03-01T08:05:01.000Z" },
  });

export const ApplicationDetail = Application.extend({
  documents: z.array(Document),
  events: z.array(ApplicationEvent),
  checks: z.array(ApplicationCheck),
  profile: Profile.nullable(),
}).openapi("ApplicationDetail", { example: APPLICATION_DETAIL_EXAMPLE });

/** Position of a page of applications or loans: the last id seen (ids are time-ordered UUIDv7). */
export const IdCursor = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** A page of the borrower's (or, for staff, everyone's) applications or loans, newest first. */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: "limit", in: "query" }, example: 20 }),
  cursor: z.string().max(200).optional().openapi({ param: { name: "cursor", in: "query" }, description: "nextCursor of the previous page" }),
});
export type ListQuery = z.infer<typeof ListQuery>;
export const AdminListQuery = ListQuery.extend({
  status: ApplicationStatus.optional().openapi({ param: { name: "status", in: "query" }, example: "manual_review" }),
});
export type AdminListQuery = z.infer<typeof AdminListQuery>;

/** An application, loan, product or document id in the path. */
export const IdParams = idParams(64, EXAMPLE_IDS.application);
export type IdParams = z.infer<typeof IdParams>;

export const CancelRequest = z.object({ reason: safeText({ max: 500, multiline: true }).optional() }).openapi("CancelRequest", { example: { reason: "changed my mind" } });
export type CancelRequest = z.infer<typeof CancelRequest>;

export const DecisionRequest = z
  .object({
    decision: z.enum(["approve", "reject"]),
    note: safeText({ min: 3, max: 2000, multiline: true }),
    offer: z
      .object({ principalAmount: z.number().int().positive().optional(), tenor: z.number().int().positive().optional(), expiresAt: z.string().optional() })
      .optional(),
  })
  .openapi("DecisionRequest", { example: { decision: "approve", note: "Payslip verified against declared income" } });
export type DecisionRequest = z.infer<typeof DecisionRequest>;

/** Accepting the offer creates the loan (status disbursing) and queues the disbursement. */
export const ACCEPT_RESULT_EXAMPLE = {
  application: { ...APPLICATION_EXAMPLE, status: "disbursing", offer: { principalAmount: 5_000_000, tenor: 50 }, loanId: EXAMPLE_IDS.loan },
  loan: {
    ...LOAN_EXAMPLE,
    status: "disbursing",
    outstandingAmount: 5_500_000,
    nextDueDate: "2026-03-09",
    installments: [{ ...INSTALMENT_EXAMPLE, principalPaid: 0, interestPaid: 0, outstandingAmount: 110_000, status: "upcoming" }],
  },
};
export const AcceptResult = z.object({ application: Application, loan: Loan }).openapi("AcceptResult", { example: ACCEPT_RESULT_EXAMPLE });

/** Why an application (or its acceptance) is refused: `reasons` of a 422 `application-refused` problem. */
export const REFUSAL_PROBLEM_EXAMPLE = {
  type: "https://kreditku.dev/problems/application-refused",
  title: "Application refused",
  status: 422,
  reasons: [
    {
      code: "income_ratio_exceeded",
      message: "the instalment (471,429 a month) is above 30 % of the declared monthly income",
      monthlyEquivalentAmount: 471429,
      monthlyIncomeAmount: 1000000,
      maxRatioPpm: 300000,
      effectiveFrom: "2026-01-01",
    },
  ],
};

// ---- events ----
/** `application.submitted`: a borrower submitted an application (scoring starts its checks). */
export const ApplicationSubmitted = z.object({ applicationId: z.string(), userId: z.string() });
/** `application.status_changed`. */
export const ApplicationStatusChanged = z.object({ applicationId: z.string(), userId: z.string(), from: z.string(), to: z.string() });
