// Row → API mappers and shared queries of the loans extension.
import { daysBetween, decodeCursor, documentFilename, encodeCursor, EXTENSION_OF, problems, type Role, type Sql, type ExtensionContext } from "../../src/runtime/index.ts";
import { PII, type PiiField } from "./personal-data.ts";
import { IdCursor } from "../../schemas/applications.ts";
import type { ProductPricing } from "./caps.ts";
import { INSTALMENT_VIEW_COLUMNS, instalmentAmounts, loanOutstanding, type ApplicationRow, type DocumentRow, type InstalmentViewRow, type LoanRow, type ProductRow, type ProfileRow } from "./rows.ts";

export const newId = () => Bun.randomUUIDv7();

// ---------- pages (the cursor is the last id seen; ids are time-ordered UUIDv7) ----------
/** The id a page's `cursor` continues after (422 for a cursor this API did not issue). */
export const pageAfter = (cursor: string | undefined) => decodeCursor(cursor, IdCursor);
export function page<T extends { id: string }>(rows: T[], limit: number) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, nextCursor: more ? encodeCursor(items[items.length - 1].id) : null };
}

// ---------- products ----------
export function productOut(r: ProductRow) {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    description: r.description,
    purpose: r.purpose,
    minAmount: r.min_amount,
    maxAmount: r.max_amount,
    minTenor: r.min_tenor,
    maxTenor: r.max_tenor,
    tenorUnit: r.tenor_unit,
    interestMethod: r.interest_method,
    interestRatePpm: r.interest_rate_ppm,
    upfrontFeePpm: r.upfront_fee_ppm,
    adminFeeAmount: r.admin_fee_amount,
    lateFeePpm: r.late_fee_ppm,
    graceDays: r.grace_days,
    active: r.active === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function productPricing(r: ProductRow): ProductPricing {
  return {
    purpose: r.purpose,
    minAmount: r.min_amount,
    maxAmount: r.max_amount,
    minTenor: r.min_tenor,
    maxTenor: r.max_tenor,
    tenorUnit: r.tenor_unit,
    interestMethod: r.interest_method,
    interestRatePpm: r.interest_rate_ppm,
    upfrontFeePpm: r.upfront_fee_ppm,
    adminFeeAmount: r.admin_fee_amount,
    lateFeePpm: r.late_fee_ppm,
  };
}

export function getProduct(db: Sql, id: string): ProductRow | undefined {
  return db.get<ProductRow>("SELECT * FROM products WHERE id = ?", id);
}

/** Amount and tenor within the product's ranges, else 422 with field errors. */
export function checkRanges(p: ProductRow, amount: number, tenor: number, amountField = "principalAmount", tenorField = "tenor") {
  const errors: { path: string; message: string }[] = [];
  if (amount < p.min_amount || amount > p.max_amount) errors.push({ path: amountField, message: `must be between ${p.min_amount} and ${p.max_amount} rupiah for product ${p.code}` });
  if (tenor < p.min_tenor || tenor > p.max_tenor) errors.push({ path: tenorField, message: `must be between ${p.min_tenor} and ${p.max_tenor} ${p.tenor_unit} for product ${p.code}` });
  if (errors.length) throw problems.validation(errors, "The amount or tenor is outside the product's range");
}

// ---------- profiles ----------
/** Where the loan's money goes: snapshotted from the profile when the application is submitted (the same data the
 * fraud checks see), copied to the loan on acceptance, read by the disbursement. */
export interface PayoutAccount {
  bankCode: string;
  accountNumber: string;
  accountName: string;
}

export function payoutAccountOf(p: Pick<ProfileRow, "bank_code" | "bank_account_number" | "bank_account_name">): PayoutAccount {
  return { bankCode: p.bank_code, accountNumber: p.bank_account_number, accountName: p.bank_account_name };
}

export function profileOut(r: ProfileRow) {
  return {
    userId: r.user_id,
    nik: r.nik,
    fullName: r.full_name,
    birthDate: r.birth_date,
    sex: r.sex,
    address: { line: r.address_line, city: r.city, province: r.province, postalCode: r.postal_code },
    employment: { status: r.employment_status, ...(r.employer_name ? { employerName: r.employer_name } : {}), ...(r.job_title ? { jobTitle: r.job_title } : {}) },
    monthlyIncomeAmount: r.monthly_income_amount,
    bankAccount: { bankCode: r.bank_code, accountNumber: r.bank_account_number, accountName: r.bank_account_name },
    emergencyContact: { name: r.emergency_name, phone: r.emergency_phone, relation: r.emergency_relation, consent: r.emergency_consent === 1 },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Where the personal data sits in a profile view, by the personal-data policy's fields (the record APIs' columns). */
export const PROFILE_PII = {
  nik: "borrower.nik",
  birthDate: "borrower.birthDate",
  "address.line": "borrower.addressLine",
  "bankAccount.accountNumber": "borrower.bankAccountNumber",
  "bankAccount.accountName": "borrower.bankAccountName",
  "emergencyContact.name": "borrower.emergencyName",
  "emergencyContact.phone": "borrower.emergencyPhone",
} as const satisfies Record<string, PiiField>;

/**
 * A profile for a staff view, masked by the personal-data policy exactly as the record APIs mask the same columns
 * for the caller's role (e.g. analysts: NIK `3174********0001`, account number `******7890`, phones
 * `+62812*****890`, emergency contact name `B*** S***`, no street address).
 */
export function profileForStaff(r: ProfileRow, user: { role: Role } | undefined) {
  return PII.view(profileOut(r), user?.role, PROFILE_PII);
}

// ---------- documents ----------
/**
 * The name a document is shown and downloaded under: the stored name cleaned again with the extension of its
 * detected type (rows stored before names were cleaned may still hold the client's raw name), or `{kind}.{ext}`.
 */
export function documentDownloadName(r: Pick<DocumentRow, "filename" | "kind" | "content_type">): string {
  return documentFilename(r.filename, EXTENSION_OF[r.content_type], r.kind);
}

export function documentOut(r: DocumentRow, downloadUrl?: string) {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    filename: r.filename === null ? null : documentDownloadName(r),
    createdAt: r.created_at,
    ...(downloadUrl ? { downloadUrl } : {}),
  };
}

// ---------- applications ----------
export function applicationOut(db: Sql, r: ApplicationRow) {
  const docs = db.all<{ document_id: string }>("SELECT document_id FROM application_documents WHERE application_id = ? ORDER BY document_id", r.id);
  return {
    id: r.id,
    userId: r.user_id,
    productId: r.product_id,
    status: r.status,
    principalAmount: r.principal_amount,
    tenor: r.tenor,
    tenorUnit: r.tenor_unit,
    purpose: r.purpose,
    installmentAmount: r.instalment_amount,
    documentIds: docs.map((d) => d.document_id),
    offer: r.offer_json ? JSON.parse(r.offer_json) : null,
    loanId: r.loan_id,
    submittedAt: r.submitted_at,
    decidedAt: r.decided_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The caller's own application, or 404 (never 403: others' ids are not revealed). */
export function ownApplication(ctx: ExtensionContext, id: string): ApplicationRow {
  const row = ctx.db.get<ApplicationRow>("SELECT * FROM applications WHERE id = ? AND user_id = ?", id, ctx.user?.id ?? "");
  if (!row) throw problems.notFound("Application");
  return row;
}

// ---------- loans ----------
export function installmentOut(r: InstalmentViewRow, today: string) {
  const totalDue = r.principal_due + r.interest_due + r.fee_due + r.late_fee_due;
  const paid = r.principal_paid + r.interest_paid + r.fee_paid + r.late_fee_paid;
  const outstanding = totalDue - paid;
  const status =
    r.status === "paid" || outstanding <= 0 ? "paid" : r.due_date < today ? "overdue" : paid > 0 ? "partial" : r.due_date === today ? "due" : "upcoming";
  return {
    ...instalmentAmounts(r),
    totalDueAmount: totalDue,
    outstandingAmount: outstanding,
    status: status as "paid" | "partial" | "overdue" | "due" | "upcoming",
  };
}

/**
 * What the borrower must pay now to be up to date — the figure the reminder SMS names (collections' planReminder):
 * when an instalment is overdue, everything due up to today; otherwise the next unpaid instalment (and anything
 * left on earlier ones). Late fees charged so far are included; instalments not yet due are not.
 */
export function amountDueNow(inst: readonly ReturnType<typeof installmentOut>[], today: string): { dueDate: string | null; amount: number } {
  const next = inst.find((i) => i.status !== "paid");
  if (!next) return { dueDate: null, amount: 0 };
  const cutoff = next.dueDate < today ? today : next.dueDate;
  return { dueDate: next.dueDate, amount: inst.filter((i) => i.dueDate <= cutoff).reduce((s, i) => s + Math.max(0, i.outstandingAmount), 0) };
}

/** A loan as the API shows it: the summary (lists), or with its instalments (`withInstallments`: the loan detail). */
export function loanOut<W extends boolean>(db: Sql, r: LoanRow, today: string, withInstallments: W) {
  const rows = db.all<InstalmentViewRow>(`SELECT ${INSTALMENT_VIEW_COLUMNS} FROM installments WHERE loan_id = ? ORDER BY seq`, r.id);
  const inst = rows.map((x) => installmentOut(x, today));
  const unpaid = inst.filter((i) => i.status !== "paid");
  const next = unpaid[0];
  // the one definition of outstanding (principal + interest + fees; late fees apart) the portfolio figures use
  const owed = loanOutstanding(inst);
  const dpd = next && next.dueDate < today && r.status !== "disbursing" ? daysBetween(next.dueDate, today) : 0;
  const summary = {
    id: r.id,
    applicationId: r.application_id,
    productId: r.product_id,
    status: r.status,
    principalAmount: r.principal_amount,
    interestAmount: r.interest_amount,
    feeAmount: r.fee_amount,
    upfrontFeeAmount: r.upfront_fee_amount,
    disbursedAmount: r.disbursed_amount,
    tenor: r.tenor,
    tenorUnit: r.tenor_unit,
    startDate: r.start_date,
    maturityDate: r.maturity_date,
    outstandingAmount: owed.amount,
    lateFeeOutstandingAmount: owed.lateFees,
    nextDueDate: next?.dueDate ?? null,
    nextDueAmount: amountDueNow(inst, today).amount,
    dpd,
    createdAt: r.created_at,
  };
  return (withInstallments ? { ...summary, installments: inst } : summary) as W extends true ? typeof summary & { installments: typeof inst } : typeof summary;
}

export const STAFF_READERS = ["analyst", "admin"] as const;
export const isStaffReader = (ctx: ExtensionContext) => !!ctx.user && (STAFF_READERS as readonly string[]).includes(ctx.user.role);
