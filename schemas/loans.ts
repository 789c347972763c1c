// Zod schemas of loan origination (products, quotes, profiles, documents, applications, loans), shared by the API,
// the OpenAPI document and the admin UI. Money: integer rupiah in fields ending `Amount`; rates: integer ppm.
// Person-facing text goes through safeText: no control, bidirectional or zero-width characters; NFC, trimmed.
import { safeText, z } from "../src/runtime/index.ts";

const money = (desc: string, example?: number) =>
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description: `${desc} (integer rupiah)`, ...(example !== undefined ? { example } : {}) });
const ppm = (desc: string, example?: number) =>
  z.number().int().min(0).max(1_000_000).openapi({ description: `${desc} (parts per million)`, ...(example !== undefined ? { example } : {}) });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const id = z.string().min(1).max(64);

export const TenorUnit = z.enum(["days", "weeks", "months"]).openapi({ description: "Unit of the tenor: one instalment per week/month; days = one bullet instalment" });
export const InterestMethod = z.enum(["flat", "annuity"]);
export const Purpose = z.enum(["consumptive", "productive"]);

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  })
  .passthrough()
  .openapi("Problem");

// ---------- products ----------
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
  .openapi("ProductInput", {
    example: {
      code: "KK-WEEKLY-50",
      name: "Pinjaman Mingguan",
      description: "Flat 0.2% per week",
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
    },
  });
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
  .openapi("Product");
export type Product = z.infer<typeof Product>;

export const ProductList = z.object({ items: z.array(Product) }).openapi("ProductList");

export const CapViolation = z
  .object({
    rule: z.string(),
    capId: z.string(),
    cap: z.number().int(),
    figure: z.number().int(),
    unit: z.string(),
    effectiveFrom: z.string(),
    source: z.string(),
    message: z.string(),
    at: z.object({ amount: z.number().int(), tenor: z.number().int(), termDays: z.number().int() }).optional(),
  })
  .openapi("CapViolation");

// ---------- quotes ----------
export const QuoteRequest = z
  .object({
    productId: id,
    principalAmount: money("Principal requested", 5_000_000).refine((v) => v > 0, "must be positive"),
    tenor: z.number().int().min(1).max(3650).openapi({ example: 50 }),
    startDate: isoDate.optional().openapi({ description: "Disbursement date (defaults to today, UTC)", example: "2026-03-02" }),
  })
  .openapi("QuoteRequest", { example: { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50 } });

export const ScheduleLine = z
  .object({
    seq: z.number().int(),
    dueDate: z.string(),
    principalAmount: z.number().int(),
    interestAmount: z.number().int(),
    feeAmount: z.number().int(),
    totalAmount: z.number().int(),
  })
  .openapi("ScheduleLine");

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
    instalmentAmount: z.number().int(),
    termDays: z.number().int(),
    dailyCostPpm: z.number().int().openapi({ description: "Interest + all fees per day on the principal, ppm/day (rounded up)" }),
    totalCostPpm: z.number().int(),
    aprBps: z.number().int().openapi({ description: "Effective annual rate, basis points" }),
    dailyCostCapPpm: z.number().int().nullable().openapi({ description: "The daily cost cap in force for this loan (ppm/day)" }),
    instalments: z.array(ScheduleLine),
  })
  .openapi("Quote");

// ---------- profile ----------
export const ProfileInput = z
  .object({
    nik: z.string().regex(/^\d{16}$/, "NIK must be 16 digits").openapi({ example: "3171015501900001" }),
    fullName: safeText({ min: 2, max: 120 }).openapi({ example: "Siti Rahayu" }),
    birthDate: isoDate.openapi({ example: "1990-01-15" }),
    sex: z.enum(["M", "F"]),
    address: z.object({
      line: safeText({ min: 3, max: 300 }).openapi({ example: "Jl. Merdeka No. 1" }),
      city: safeText({ min: 2, max: 100 }).openapi({ example: "Jakarta Pusat" }),
      province: safeText({ min: 2, max: 100 }).openapi({ example: "DKI Jakarta" }),
      postalCode: z.string().regex(/^\d{5}$/, "postal code must be 5 digits").openapi({ example: "10110" }),
    }),
    employment: z.object({
      status: z.enum(["employed", "self_employed", "business_owner", "student", "unemployed", "retired"]),
      employerName: safeText({ max: 200 }).optional(),
      jobTitle: safeText({ max: 200 }).optional(),
    }),
    monthlyIncomeAmount: money("Declared monthly income", 8_000_000),
    bankAccount: z.object({
      bankCode: z.string().regex(/^[A-Z0-9]{2,10}$/, "bank code must be 2-10 of A-Z, 0-9").openapi({ example: "BCA" }),
      accountNumber: z.string().regex(/^\d{6,20}$/, "account number must be 6-20 digits").openapi({ example: "1234567890" }),
      accountName: safeText({ min: 2, max: 120 }).openapi({ example: "SITI RAHAYU" }),
    }),
    emergencyContact: z.object({
      name: safeText({ min: 2, max: 120 }).openapi({ example: "Budi Santoso" }),
      phone: z.string().regex(/^(\+62|62|0)8\d{7,12}$/, "phone must be an Indonesian mobile number").openapi({ example: "+6281234567890" }),
      relation: safeText({ min: 2, max: 50 }).openapi({ example: "sibling" }),
      consent: z.boolean().openapi({ description: "The contact agreed to be listed" }),
    }),
  })
  .superRefine((p, ctx) => {
    if (p.emergencyContact.consent !== true) ctx.addIssue({ code: "custom", path: ["emergencyContact", "consent"], message: "the emergency contact must have consented" });
    const d = new Date(p.birthDate + "T00:00:00Z");
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== p.birthDate) ctx.addIssue({ code: "custom", path: ["birthDate"], message: "not a real date" });
    if (p.employment.status === "employed" && !p.employment.employerName) ctx.addIssue({ code: "custom", path: ["employment", "employerName"], message: "required when employed" });
  })
  .openapi("ProfileInput", {
    example: {
      nik: "3171015501900001",
      fullName: "Siti Rahayu",
      birthDate: "1990-01-15",
      sex: "F",
      address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
      employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
      monthlyIncomeAmount: 8_000_000,
      bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
      emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
    },
  });
export type ProfileInput = z.infer<typeof ProfileInput>;

export const Profile = z
  .object({
    userId: z.string(),
    nik: z.string(),
    fullName: z.string(),
    birthDate: z.string().optional().openapi({ description: "Left out for roles the personal-data policy does not show it to" }),
    sex: z.enum(["M", "F"]),
    address: z.object({
      line: z.string().optional().openapi({ description: "Left out for roles the personal-data policy does not show it to" }),
      city: z.string(),
      province: z.string(),
      postalCode: z.string(),
    }),
    employment: z.object({ status: z.string(), employerName: z.string().optional(), jobTitle: z.string().optional() }),
    monthlyIncomeAmount: z.number().int(),
    bankAccount: z.object({ bankCode: z.string(), accountNumber: z.string(), accountName: z.string() }),
    emergencyContact: z.object({ name: z.string(), phone: z.string(), relation: z.string(), consent: z.boolean() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Profile");

// ---------- documents ----------
export const DocumentKind = z.enum(["ktp", "selfie", "payslip"]);
export const DocumentUpload = z
  .object({
    kind: DocumentKind,
    file: z.any().openapi({ type: "string", format: "binary", description: "JPEG, PNG or PDF, at most 10 MiB" }),
  })
  .openapi("DocumentUpload");
export const Document = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: DocumentKind,
    contentType: z.enum(["image/jpeg", "image/png", "application/pdf"]),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    filename: z.string().nullable(),
    createdAt: z.string(),
    downloadUrl: z.string().optional().openapi({ description: "Short-lived download URL (staff only)" }),
  })
  .openapi("Document");

// ---------- applications ----------
export const ApplicationStatus = z.enum([
  "draft",
  "submitted",
  "checking",
  "approved",
  "rejected",
  "manual_review",
  "accepted",
  "disbursing",
  "active",
  "paid_off",
  "cancelled",
  "expired",
]);

export const ApplicationCreate = z
  .object({
    productId: id,
    principalAmount: money("Principal requested", 5_000_000).refine((v) => v > 0, "must be positive"),
    tenor: z.number().int().min(1).max(3650).openapi({ example: 50 }),
    purpose: safeText({ min: 3, max: 500, multiline: true }).openapi({ example: "Modal usaha warung" }),
    documentIds: z.array(id).max(10).default([]),
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
    example: { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha warung", documentIds: [], device: { id: "android-5f2c9a", platform: "android" } },
  });
export type ApplicationCreate = z.infer<typeof ApplicationCreate>;

export const OfferSchema = z
  .object({
    principalAmount: z.number().int().optional(),
    tenor: z.number().int().optional(),
    expiresAt: z.string().optional(),
    note: z.string().optional(),
  })
  .openapi("Offer");

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
    instalmentAmount: z.number().int(),
    documentIds: z.array(z.string()),
    offer: OfferSchema.nullable(),
    loanId: z.string().nullable(),
    submittedAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Application");

export const ApplicationList = z.object({ items: z.array(Application), nextCursor: z.string().nullable() }).openapi("ApplicationList");

export const ApplicationEvent = z
  .object({ id: z.number().int(), from: z.string().nullable(), to: z.string(), actor: z.string(), reason: z.string(), at: z.string() })
  .openapi("ApplicationEvent");

export const ApplicationCheck = z
  .object({ id: z.number().int(), kind: z.string(), ruleId: z.string(), outcome: z.string(), detail: z.unknown(), createdAt: z.string() })
  .openapi("ApplicationCheck");

export const ApplicationDetail = Application.extend({
  documents: z.array(Document),
  events: z.array(ApplicationEvent),
  checks: z.array(ApplicationCheck),
  profile: Profile.nullable(),
}).openapi("ApplicationDetail");

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: "limit", in: "query" }, example: 20 }),
  cursor: z.string().max(200).optional().openapi({ param: { name: "cursor", in: "query" } }),
});
export const AdminListQuery = ListQuery.extend({
  status: ApplicationStatus.optional().openapi({ param: { name: "status", in: "query" }, example: "manual_review" }),
});

export const IdParams = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "0193a1b2-…" }) });

export const CancelRequest = z.object({ reason: safeText({ max: 500, multiline: true }).optional() }).openapi("CancelRequest", { example: { reason: "changed my mind" } });

export const DecisionRequest = z
  .object({
    decision: z.enum(["approve", "reject"]),
    note: safeText({ min: 3, max: 2000, multiline: true }),
    offer: z
      .object({ principalAmount: z.number().int().positive().optional(), tenor: z.number().int().positive().optional(), expiresAt: z.string().optional() })
      .optional(),
  })
  .openapi("DecisionRequest", { example: { decision: "approve", note: "Payslip verified against declared income" } });

// ---------- loans ----------
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
    totalDueAmount: z.number().int(),
    outstandingAmount: z.number().int(),
    status: z.enum(["paid", "partial", "overdue", "due", "upcoming"]),
  })
  .openapi("Installment");

export const LoanSummary = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    productId: z.string(),
    status: z.enum(["disbursing", "active", "delinquent", "paid_off", "written_off", "cancelled"]),
    principalAmount: z.number().int(),
    interestAmount: z.number().int(),
    feeAmount: z.number().int(),
    upfrontFeeAmount: z.number().int(),
    disbursedAmount: z.number().int(),
    tenor: z.number().int(),
    tenorUnit: TenorUnit,
    startDate: z.string(),
    maturityDate: z.string(),
    outstandingAmount: z.number().int(),
    nextDueDate: z.string().nullable(),
    nextDueAmount: z.number().int(),
    dpd: z.number().int().openapi({ description: "Days past due of the oldest unpaid instalment" }),
    createdAt: z.string(),
  })
  .openapi("LoanSummary");
export const Loan = LoanSummary.extend({ installments: z.array(Installment) }).openapi("Loan");
export const LoanList = z.object({ items: z.array(LoanSummary), nextCursor: z.string().nullable() }).openapi("LoanList");
