// The rows of the tables the loans extension owns (products, borrower profiles, documents, applications, loans,
// instalments), declared once; other extensions read them through these types and handles, picking the columns they
// need (`loans.get(db, id, ["status", "user_id"])`).
import { rowsOf } from "../../src/runtime/index.ts";
import type {
  ApplicationStatus,
  DocumentContentType,
  DocumentKind,
  EmploymentStatus,
  InstalmentStatus,
  InterestMethod,
  LoanStatus,
  Purpose,
  Sex,
  TenorUnit,
} from "../../schemas/enums.ts";

export interface ProductRow {
  id: string;
  code: string;
  name: string;
  description: string;
  purpose: Purpose;
  min_amount: number;
  max_amount: number;
  min_tenor: number;
  max_tenor: number;
  tenor_unit: TenorUnit;
  interest_method: InterestMethod;
  interest_rate_ppm: number;
  upfront_fee_ppm: number;
  admin_fee_amount: number;
  late_fee_ppm: number;
  grace_days: number;
  active: number;
  created_at: string;
  updated_at: string;
}

export interface ProfileRow {
  user_id: string;
  nik: string;
  full_name: string;
  birth_date: string;
  sex: Sex;
  address_line: string;
  city: string;
  province: string;
  postal_code: string;
  employment_status: EmploymentStatus;
  employer_name: string | null;
  job_title: string | null;
  monthly_income_amount: number;
  bank_code: string;
  bank_account_number: string;
  bank_account_name: string;
  emergency_name: string;
  emergency_phone: string;
  emergency_relation: string;
  emergency_consent: number;
  created_at: string;
  updated_at: string;
}

export interface DocumentRow {
  id: string;
  user_id: string;
  kind: DocumentKind;
  content_type: DocumentContentType;
  size_bytes: number;
  sha256: string;
  blob_key: string;
  filename: string | null;
  created_at: string;
}

export interface ApplicationRow {
  id: string;
  user_id: string;
  product_id: string;
  status: ApplicationStatus;
  principal_amount: number;
  tenor: number;
  tenor_unit: TenorUnit;
  purpose: string;
  instalment_amount: number;
  device_json: string;
  ip: string | null;
  user_agent: string | null;
  offer_json: string | null;
  decision_note: string | null;
  /** The payout account snapshotted at submission (JSON PayoutAccount); NULL on rows from before migration 0011. */
  payout_account_json: string | null;
  loan_id: string | null;
  submitted_at: string | null;
  decided_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface LoanRow {
  id: string;
  application_id: string;
  user_id: string;
  product_id: string;
  status: LoanStatus;
  principal_amount: number;
  interest_amount: number;
  fee_amount: number;
  upfront_fee_amount: number;
  disbursed_amount: number;
  tenor: number;
  tenor_unit: TenorUnit;
  interest_method: InterestMethod;
  interest_rate_ppm: number;
  late_fee_ppm: number;
  grace_days: number;
  purpose: Purpose;
  start_date: string;
  maturity_date: string;
  /** Money received beyond what is due (overpayment, or paid before activation): applied to new dues or refunded. */
  credit_balance_amount: number;
  dpd: number;
  /** The payout account copied from the application on acceptance (JSON PayoutAccount); NULL before migration 0011. */
  payout_account_json: string | null;
  disbursed_at: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface InstallmentRow {
  id: string;
  loan_id: string;
  seq: number;
  due_date: string;
  principal_due: number;
  interest_due: number;
  fee_due: number;
  late_fee_due: number;
  principal_paid: number;
  interest_paid: number;
  fee_paid: number;
  late_fee_paid: number;
  status: InstalmentStatus;
  paid_at: string | null;
}

/**
 * The instalment columns the loan view reads (extensions/loans/repo.ts loanOut): the amounts, the due date and the
 * stored status; not the row's ids or paid_at (a loan with 50 instalments read 150 strings it never used).
 */
export const INSTALMENT_VIEW_COLUMNS = "seq, due_date, principal_due, interest_due, fee_due, late_fee_due, principal_paid, interest_paid, fee_paid, late_fee_paid, status";
export type InstalmentViewRow = Pick<InstallmentRow, "seq" | "due_date" | "principal_due" | "interest_due" | "fee_due" | "late_fee_due" | "principal_paid" | "interest_paid" | "fee_paid" | "late_fee_paid" | "status">;

/** An instalment's amounts as the money and collections logic see them (integer rupiah, camelCase). */
export interface InstalmentAmounts {
  seq: number;
  /** Asia/Jakarta calendar date the instalment falls due (YYYY-MM-DD). */
  dueDate: string;
  principalDue: number;
  interestDue: number;
  feeDue: number;
  lateFeeDue: number;
  principalPaid: number;
  interestPaid: number;
  feePaid: number;
  lateFeePaid: number;
}

/** The amounts of an instalment row. */
export const instalmentAmounts = (r: Pick<InstallmentRow, "seq" | "due_date" | "principal_due" | "interest_due" | "fee_due" | "late_fee_due" | "principal_paid" | "interest_paid" | "fee_paid" | "late_fee_paid">): InstalmentAmounts => ({
  seq: r.seq,
  dueDate: r.due_date.slice(0, 10),
  principalDue: r.principal_due,
  interestDue: r.interest_due,
  feeDue: r.fee_due,
  lateFeeDue: r.late_fee_due,
  principalPaid: r.principal_paid,
  interestPaid: r.interest_paid,
  feePaid: r.fee_paid,
  lateFeePaid: r.late_fee_paid,
});

/** Scheduled amount (principal + interest + fee) still unpaid on an instalment; late fees are not counted. */
export function scheduledRemaining(i: InstalmentAmounts): number {
  return Math.max(0, i.principalDue - i.principalPaid) + Math.max(0, i.interestDue - i.interestPaid) + Math.max(0, i.feeDue - i.feePaid);
}

export function lateFeeRemaining(i: InstalmentAmounts): number {
  return Math.max(0, i.lateFeeDue - i.lateFeePaid);
}

/**
 * A loan's outstanding under the one definition every figure uses (the loan view, the overview, the portfolio API,
 * /metrics, TWP90; collections/outstanding.ts builds the book figures on it): scheduled principal + interest + fees
 * not yet paid; late fees apart. It lives here, below both extensions, because collections depends on loans.
 */
export function loanOutstanding(instalments: readonly InstalmentAmounts[]): { amount: number; principal: number; lateFees: number } {
  let amount = 0;
  let principal = 0;
  let lateFees = 0;
  for (const i of instalments) {
    amount += scheduledRemaining(i);
    principal += Math.max(0, i.principalDue - i.principalPaid);
    lateFees += lateFeeRemaining(i);
  }
  return { amount, principal, lateFees };
}

/** A status change of an application (table application_events): who, when, why. */
export interface ApplicationEventRow {
  id: number;
  application_id: string;
  from_status: ApplicationStatus | null;
  to_status: ApplicationStatus;
  actor: string;
  reason: string;
  at: string;
}

/** A status change of a loan (table loan_events). */
export interface LoanEventRow {
  id: number;
  loan_id: string;
  from_status: LoanStatus | null;
  to_status: LoanStatus;
  actor: string;
  reason: string;
  at: string;
}

/** An automated check's result shown next to an application (table application_checks; fraud and scoring write it). */
export interface ApplicationCheckRow {
  id: number;
  application_id: string;
  kind: string;
  rule_id: string;
  outcome: string;
  detail_json: string;
  created_at: string;
}

export const products = rowsOf<ProductRow>("products");
export const profiles = rowsOf<ProfileRow>("borrower_profiles", "user_id");
export const documents = rowsOf<DocumentRow>("documents");
export const applications = rowsOf<ApplicationRow>("applications");
export const loans = rowsOf<LoanRow>("loans");
