// The lending vocabulary, declared once: every status, kind and unit as a constant list with its type. The zod
// schemas (schemas/*.ts), the state machines, the SQL CHECK lists' readers and the admin dashboard all take them
// from here. Plain constants with no imports, so the dashboard's Vite build can bundle this file as it is.

// ---- applications and loans ----
export const APPLICATION_STATUSES = [
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
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** An application in one of these blocks a new one from the same borrower. */
export const OPEN_APPLICATION_STATUSES = ["draft", "submitted", "checking", "manual_review", "approved", "accepted", "disbursing"] as const satisfies readonly ApplicationStatus[];
/** The borrower may cancel from these. */
export const CANCELLABLE_BY_BORROWER = ["draft", "submitted", "checking", "manual_review", "approved"] as const satisfies readonly ApplicationStatus[];
/** Once an application is here its (accepted) offer is shown to the borrower. */
export const OFFER_SHOWN_STATUSES = ["approved", "accepted", "disbursing", "active", "paid_off"] as const satisfies readonly ApplicationStatus[];

/** What the automated decision (and an analyst) may make of a checked application. */
export const DECISION_OUTCOMES = ["approved", "rejected", "manual_review"] as const satisfies readonly ApplicationStatus[];
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const LOAN_STATUSES = ["disbursing", "active", "delinquent", "paid_off", "written_off", "cancelled"] as const;
export type LoanStatus = (typeof LOAN_STATUSES)[number];
/** Loans the daily sweep and collections work on. */
export const OPEN_LOAN_STATUSES = ["active", "delinquent"] as const satisfies readonly LoanStatus[];
export type OpenLoanStatus = (typeof OPEN_LOAN_STATUSES)[number];
/** Loan statuses a repayment can be booked against (written_off: as a recovery). */
export const PAYABLE_LOAN_STATUSES = ["disbursing", "active", "delinquent", "paid_off", "written_off"] as const satisfies readonly LoanStatus[];

/** An instalment as stored (installments.status). */
export const INSTALMENT_STATUSES = ["pending", "partial", "paid"] as const;
export type InstalmentStatus = (typeof INSTALMENT_STATUSES)[number];
/** An instalment as the borrower sees it on a given day. */
export const INSTALMENT_VIEW_STATUSES = ["paid", "partial", "overdue", "due", "upcoming"] as const;
export type InstalmentViewStatus = (typeof INSTALMENT_VIEW_STATUSES)[number];

// ---- products ----
export const TENOR_UNITS = ["days", "weeks", "months"] as const;
export type TenorUnit = (typeof TENOR_UNITS)[number];
export const INTEREST_METHODS = ["flat", "annuity"] as const;
export type InterestMethod = (typeof INTEREST_METHODS)[number];
export const PURPOSES = ["consumptive", "productive"] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The regulatory caps (dated data, table regulatory_caps) and their units. */
export const CAP_RULES = ["daily_cost", "late_fee_daily", "total_cost", "income_ratio", "min_age"] as const;
export type CapRule = (typeof CAP_RULES)[number];
export const CAP_UNITS = ["ppm_per_day", "ppm", "years"] as const;
export type CapUnit = (typeof CAP_UNITS)[number];

// ---- borrowers ----
export const SEXES = ["M", "F"] as const;
export type Sex = (typeof SEXES)[number];
export const EMPLOYMENT_STATUSES = ["employed", "self_employed", "business_owner", "student", "unemployed", "retired"] as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];
export const DOCUMENT_KINDS = ["ktp", "selfie", "payslip"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
/** The documents an application needs. */
export const REQUIRED_DOCUMENTS = ["ktp", "selfie"] as const satisfies readonly DocumentKind[];
export const DOCUMENT_CONTENT_TYPES = ["image/jpeg", "image/png", "application/pdf"] as const;
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

// ---- payments ----
export const PAYMENT_PROVIDERS = ["standard", "snap", "xendit"] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];
export const PAYMENT_STATUSES = ["applied", "pending", "needs_attention"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const PAYMENT_SOURCES = ["webhook", "reconcile"] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];
export const DISBURSEMENT_STATUSES = ["queued", "pending", "succeeded", "failed", "needs_attention"] as const;
export type DisbursementStatus = (typeof DISBURSEMENT_STATUSES)[number];
export const WEBHOOK_KINDS = ["payment", "disbursement"] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];
export const WEBHOOK_EVENT_STATUSES = ["applied", "needs_attention", "ignored", "rejected", "failed"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

// ---- collections ----
export const BUCKETS = ["lancar", "dpd_1_30", "dpd_31_60", "dpd_61_90", "macet"] as const;
export type Bucket = (typeof BUCKETS)[number];
export const BUCKET_LABELS: Record<Bucket, string> = {
  lancar: "Lancar (0)",
  dpd_1_30: "1–30",
  dpd_31_60: "31–60",
  dpd_61_90: "61–90",
  macet: "Macet (>90)",
};
export const REMINDER_KINDS = ["h-3", "h-1", "due", "overdue"] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];
export const REMINDER_STATUSES = ["queued", "sent", "skipped", "failed"] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

// ---- fraud ----
export const FRAUD_SEVERITIES = ["block", "review"] as const;
export type FraudSeverity = (typeof FRAUD_SEVERITIES)[number];
export const FRAUD_OUTCOMES = ["clear", "review", "block"] as const;
export type FraudOutcome = (typeof FRAUD_OUTCOMES)[number];
export const VELOCITY_KEYS = ["nik", "phone", "device", "bank_account", "ip"] as const;
export type VelocityKey = (typeof VELOCITY_KEYS)[number];
export const BLOCKLIST_KINDS = ["nik", "phone", "bank_account", "device"] as const;
export type BlocklistKind = (typeof BLOCKLIST_KINDS)[number];
export const FRAUD_RULE_IDS = [
  "nik_format",
  "nik_region",
  "nik_date",
  "nik_sequence",
  "nik_dob_mismatch",
  "nik_sex_mismatch",
  "velocity_nik",
  "velocity_phone",
  "velocity_device",
  "velocity_bank_account",
  "velocity_ip",
  "document_reuse",
  "bank_account_reuse",
  "blocklist_nik",
  "blocklist_phone",
  "blocklist_bank_account",
  "blocklist_device",
] as const;
export type FraudRuleId = (typeof FRAUD_RULE_IDS)[number];
