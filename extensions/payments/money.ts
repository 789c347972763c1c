// The effects of money movement, each inside the caller's write transaction together with its ledger journal:
// disbursement request/settlement/failure, repayment allocation, credit application and refunds.
// Everything is idempotent: payments are unique per (provider, provider payment id), journals per (kind, ref),
// disbursements per loan.
import { randomUUID } from "node:crypto";
import { jakartaDate, type Sql, type TxContext } from "../../src/runtime/index.ts";
import { postJournal, loanAccountBalance, type JournalLine } from "../ledger/ledger.ts";
import { recogniseIncome } from "../ledger/income.ts";
import { allocate, payoffQuote, totalOutstanding, type Allocation, type InstalmentState } from "./allocation.ts";
import { transitionLoan } from "../loans/state.ts";
import { asViews, reassessAfterPayment } from "../collections/standing.ts";
import { dueDate } from "../loans/schedule.ts";
import type { DisbursementNotice, PaymentNotice, Provider } from "./verify.ts";
import type { DisbursementRequest } from "./gateway.ts";
import { PAYABLE_LOAN_STATUSES } from "../../schemas/enums.ts";
import type { TenorUnit } from "../../schemas/enums.ts";

export const ACTOR = "system:payments";
export const MAX_DISBURSEMENT_ATTEMPTS = 3;

export interface LoanRow {
  id: string;
  user_id: string;
  status: string;
  principal_amount: number;
  interest_amount: number;
  fee_amount: number;
  upfront_fee_amount: number;
  disbursed_amount: number;
  tenor: number;
  tenor_unit: TenorUnit;
  start_date: string;
  maturity_date: string;
  credit_balance_amount: number;
}

export function loadLoan(db: Sql, loanId: string): LoanRow | undefined {
  return db.get<LoanRow>(
    "SELECT id, user_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount, tenor, tenor_unit, start_date, maturity_date, credit_balance_amount FROM loans WHERE id = ?",
    loanId,
  );
}

export function loadInstalments(db: Sql, loanId: string): InstalmentState[] {
  return db.all<InstalmentState>(
    `SELECT id, seq, due_date AS dueDate, principal_due AS principalDue, interest_due AS interestDue, fee_due AS feeDue,
            late_fee_due AS lateFeeDue, principal_paid AS principalPaid, interest_paid AS interestPaid, fee_paid AS feePaid,
            late_fee_paid AS lateFeePaid
       FROM installments WHERE loan_id = ? ORDER BY due_date, seq`,
    loanId,
  );
}

function writeAllocation(t: Sql, a: Allocation, at: string) {
  for (const l of a.lines) {
    t.run(
      `UPDATE installments SET late_fee_paid = late_fee_paid + ?, fee_paid = fee_paid + ?, interest_paid = interest_paid + ?,
              principal_paid = principal_paid + ?, status = ?, paid_at = CASE WHEN ? THEN ? ELSE paid_at END WHERE id = ?`,
      l.lateFee,
      l.fee,
      l.interest,
      l.principal,
      l.settled ? "paid" : "partial",
      l.settled ? 1 : 0,
      at,
      l.id,
    );
  }
}

function creditLines(a: Allocation, loanId: string): JournalLine[] {
  return [
    { account: "late_fee_receivable", credit: a.totals.lateFee, loanId },
    { account: "fee_receivable", credit: a.totals.fee, loanId },
    { account: "interest_receivable", credit: a.totals.interest, loanId },
    { account: "principal_receivable", credit: a.totals.principal, loanId },
  ];
}

/** Close a loan whose instalments are all paid; "paid_off", or null when it stays open. */
function closeIfPaid(t: TxContext, loan: LoanRow, paidOff: boolean, at: Date): "paid_off" | null {
  if (paidOff && (loan.status === "active" || loan.status === "delinquent")) {
    transitionLoan(t, { loanId: loan.id, to: "paid_off", actor: ACTOR, reason: "all instalments paid", at });
    // Paid off (early or on time): the remaining instalments' interest and fees were paid, so they are earned now.
    recogniseIncome(t, loan.id, null, at.toISOString());
    return "paid_off";
  }
  return null;
}

/**
 * The loan's standing once money reached its instalments, in the same transaction: DPD recomputed, and a delinquent
 * loan whose arrears are now paid cured back to active (recorded and emitted like every loan transition), so
 * neither the borrower's app nor collections staff see it delinquent until the next sweep. Returns the status.
 */
function reassess(t: TxContext, loanId: string, after: InstalmentState[], now: Date, reason: string): string {
  return reassessAfterPayment(t, { loanId, instalments: asViews(after), now, actor: ACTOR, reason }) ?? "missing";
}

/** The instalments as writeAllocation leaves them. */
function afterAllocation(inst: InstalmentState[], a: Allocation): InstalmentState[] {
  const byId = new Map(a.lines.map((l) => [l.id, l]));
  return inst.map((i) => {
    const l = byId.get(i.id);
    return l
      ? { ...i, lateFeePaid: i.lateFeePaid + l.lateFee, feePaid: i.feePaid + l.fee, interestPaid: i.interestPaid + l.interest, principalPaid: i.principalPaid + l.principal }
      : i;
  });
}

function summary(t: Sql, loanId: string) {
  const loan = loadLoan(t, loanId)!;
  const q = payoffQuote(loadInstalments(t, loanId), loan.credit_balance_amount);
  return { loanStatus: loan.status, outstandingAmount: q.outstanding, creditBalanceAmount: loan.credit_balance_amount, payoffAmount: q.payoffAmount };
}

// ---- repayments ---------------------------------------------------------------------------------------------------

export interface PaymentResult {
  paymentId: string;
  providerPaymentId: string;
  status: "applied" | "pending" | "needs_attention";
  loanId: string | null;
  amount: number;
  reason?: string;
  allocation?: { lateFeeAmount: number; feeAmount: number; interestAmount: number; principalAmount: number; creditAmount: number; instalments: number[] };
  loanStatus?: string;
  outstandingAmount?: number;
  creditBalanceAmount?: number;
  /** A report that contradicts the payment first reported under the same provider payment id (reason conflicting_resend). */
  conflict?: PaymentConflict;
}

/** Why a payment needs attention when the gateway reports it again with other facts. */
export const CONFLICTING_RESEND = "conflicting_resend";

export interface PaymentConflict {
  /** The payment as first reported (and booked, or held): our id, its provider id, amount, VA and status. */
  paymentId: string;
  providerPaymentId: string;
  amount: number;
  vaNumber: string;
  status: string;
  /** Which facts the new report contradicts. */
  differs: ("paymentId" | "amount" | "vaNumber" | "currency")[];
  /** What the new report says. */
  reported: { amount: number; vaNumber: string; currency: string; paidAt: string };
}

export interface ApplyPaymentInput {
  provider: Provider;
  notice: PaymentNotice;
  source: "webhook" | "reconcile";
  webhookEventId?: number | null;
  now: Date;
  /**
   * The provider payment id that the delivery's event id first reported, when the event id was seen before: a
   * delivery that names another payment under it contradicts that one.
   */
  eventPaymentId?: string;
}

/** Loan statuses a payment can be booked against (written_off: as a recovery). */
const PAYABLE: readonly string[] = PAYABLE_LOAN_STATUSES;

/** needs_attention reasons that a later delivery of the same payment (redelivery, reconcile) may clear. */
function retryable(reason: string | null): boolean {
  return reason === "unknown_virtual_account" || !!reason?.startsWith("apply_failed") || !!reason?.startsWith("invalid_gateway_row");
}

type Settled = Pick<PaymentResult, "status" | "reason" | "allocation" | "loanStatus" | "outstandingAmount" | "creditBalanceAmount"> & { payoffAmount?: number };

/**
 * Book `amount` received for a payable loan, debiting `source` (cash for a fresh receipt, unapplied_cash when the
 * money was held in suspense): disbursing → held as borrower credit (pending); written_off → recovery income (any
 * excess over what was written off becomes credit); otherwise the allocation over the instalments.
 */
function settleToLoan(t: TxContext, loan: LoanRow, p: { ref: string; amount: number; source: "cash" | "unapplied_cash"; memo: string; now: Date }): Settled {
  const at = p.now.toISOString();
  const kind = p.source === "cash" ? "payment" : "payment.resolved";
  const noAllocation = (credit: number) => ({ lateFeeAmount: 0, feeAmount: 0, interestAmount: 0, principalAmount: 0, creditAmount: credit, instalments: [] as number[] });
  if (loan.status === "disbursing") {
    // Out of order: the money arrived before the disbursement settled. Hold it as credit; activation applies it.
    postJournal(t, { kind, ref: p.ref, loanId: loan.id, memo: `${p.memo} held until the loan is active`, postedAt: at, lines: [{ account: p.source, debit: p.amount }, { account: "borrower_credit", credit: p.amount }] });
    t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount + ?, updated_at = ? WHERE id = ?", p.amount, at, loan.id);
    return { status: "pending", reason: "loan_not_yet_active", allocation: noAllocation(p.amount), ...summary(t, loan.id) };
  }
  if (loan.status === "written_off") {
    // The receivables were written off: the money is a recovery, up to what was written off; the rest is credit.
    const wo = t.get<{ n: number }>("SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'write_offs'")
      ? t.get<{ total_amount: number }>("SELECT total_amount FROM write_offs WHERE loan_id = ?", loan.id)
      : undefined;
    const recovered = loanAccountBalance(t, loan.id, "recovery_income");
    const room = wo ? Math.max(0, wo.total_amount - recovered) : p.amount;
    const recovery = Math.min(p.amount, room);
    const credit = p.amount - recovery;
    postJournal(t, {
      kind,
      ref: p.ref,
      loanId: loan.id,
      memo: `${p.memo}: recovery on a written-off loan`,
      postedAt: at,
      lines: [{ account: p.source, debit: p.amount }, { account: "recovery_income", credit: recovery }, { account: "borrower_credit", credit }],
    });
    if (credit > 0) t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount + ?, updated_at = ? WHERE id = ?", credit, at, loan.id);
    return { status: "applied", reason: "recovery_after_write_off", allocation: noAllocation(credit), ...summary(t, loan.id) };
  }
  const inst = loadInstalments(t, loan.id);
  const a = allocate(p.amount, inst);
  postJournal(t, {
    kind,
    ref: p.ref,
    loanId: loan.id,
    memo: p.memo,
    postedAt: at,
    lines: [{ account: p.source, debit: p.amount }, ...creditLines(a, loan.id), { account: "borrower_credit", credit: a.toCredit }],
  });
  writeAllocation(t, a, at);
  if (a.toCredit > 0) t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount + ?, updated_at = ? WHERE id = ?", a.toCredit, at, loan.id);
  // The instalments after the allocation, from the rows this transaction just read and wrote (no re-read: nothing
  // else can write inside BEGIN IMMEDIATE, and writeAllocation adds exactly these amounts).
  const after = afterAllocation(inst, a);
  const loanStatus = closeIfPaid(t, loan, a.paidOff, p.now) ?? reassess(t, loan.id, after, p.now, `arrears paid by payment ${p.ref}`);
  const credit = loan.credit_balance_amount + a.toCredit;
  const q = payoffQuote(after, credit);
  return {
    status: "applied",
    allocation: { lateFeeAmount: a.totals.lateFee, feeAmount: a.totals.fee, interestAmount: a.totals.interest, principalAmount: a.totals.principal, creditAmount: a.toCredit, instalments: a.lines.map((l) => l.seq) },
    loanStatus,
    outstandingAmount: q.outstanding,
    creditBalanceAmount: credit,
    payoffAmount: q.payoffAmount,
  };
}

interface PaymentRow {
  id: string;
  provider: string;
  provider_payment_id: string;
  va_number: string;
  loan_id: string | null;
  amount: number;
  status: string;
  reason: string | null;
  allocation: string;
  unapplied_amount: number;
  conflict_of: string | null;
}

/**
 * Apply a verified payment. Unknown VA or a loan that cannot take payments (cancelled…) → needs_attention with the
 * money posted to suspense (Dr cash / Cr unapplied_cash) until finance resolves it; a foreign currency or a VA of
 * another provider → needs_attention, nothing posted, nothing guessed. A loan still disbursing holds the money as
 * credit (status pending) until activation applies it; a written-off loan books it as a recovery. Otherwise the
 * allocation updates the instalments and one journal records it. A payment first recorded as needs_attention for
 * a reason that can clear (unknown VA: the VA row was not written yet) is tried again when delivered again.
 */
export function applyPayment(t: TxContext, input: ApplyPaymentInput): PaymentResult & { duplicate: boolean } {
  const { notice, provider } = input;
  if (input.eventPaymentId !== undefined && input.eventPaymentId !== notice.paymentId) {
    const first = originalPayment(t, provider, input.eventPaymentId);
    if (first) return recordConflict(t, first, input, ["paymentId", ...contradictions(first, notice)]);
  }
  const prior = originalPayment(t, provider, notice.paymentId);
  if (prior) {
    if (prior.status === "needs_attention" && retryable(prior.reason) && (notice.vaNumber === prior.va_number || prior.unapplied_amount === 0)) {
      const again = retryPayment(t, prior, provider, notice, input.now);
      if (again) return { ...again, duplicate: false };
    }
    // A row recorded from an unusable gateway row holds no reported facts to contradict (the next usable report
    // supplies them, above); any other payment reported again with other facts needs a person.
    const unusable = prior.status === "needs_attention" && retryable(prior.reason) && prior.unapplied_amount === 0;
    const differs = unusable ? [] : contradictions(prior, notice);
    if (differs.length > 0) return recordConflict(t, prior, input, differs);
    return { ...(JSON.parse(prior.allocation) as PaymentResult), duplicate: true };
  }
  const at = input.now.toISOString();
  const id = `pay_${randomUUID()}`;
  const va = t.get<{ loan_id: string; provider: string }>("SELECT loan_id, provider FROM virtual_accounts WHERE va_number = ?", notice.vaNumber);
  const loan = va ? loadLoan(t, va.loan_id) : undefined;
  const base = { paymentId: id, providerPaymentId: notice.paymentId, loanId: loan?.id ?? null, amount: notice.amount };
  let result: PaymentResult;
  let reason: string | undefined;
  let unapplied = 0;
  if (!loan) reason = "unknown_virtual_account";
  else if (va!.provider !== provider) reason = "provider_mismatch";
  else if (notice.currency !== "IDR") reason = "currency_mismatch";
  else if (!PAYABLE.includes(loan.status)) reason = `loan_${loan.status}`;
  if (reason || !loan) {
    // Rupiah we received but cannot apply: into suspense, so cash matches the bank. A VA of another provider is
    // not proof that money arrived (the same payment reported twice, or a weaker credential): nothing posted.
    if (notice.currency === "IDR" && reason !== "provider_mismatch") {
      unapplied = notice.amount;
      postJournal(t, {
        kind: "payment",
        ref: id,
        loanId: loan?.id ?? null,
        memo: `payment ${provider}/${notice.paymentId} unapplied (${reason})`,
        postedAt: at,
        lines: [
          { account: "cash", debit: notice.amount },
          { account: "unapplied_cash", credit: notice.amount },
        ],
      });
    }
    result = { ...base, status: "needs_attention", reason };
    if (loan) Object.assign(result, summary(t, loan.id));
  } else {
    result = { ...base, ...settleToLoan(t, loan, { ref: id, amount: notice.amount, source: "cash", memo: `payment ${provider}/${notice.paymentId}`, now: input.now }) };
  }
  t.run(
    `INSERT INTO payments (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, webhook_event_id, unapplied_amount, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    provider,
    notice.paymentId,
    notice.vaNumber,
    loan?.id ?? null,
    notice.amount,
    notice.paidAt,
    result.status,
    result.reason ?? null,
    JSON.stringify(result),
    input.source,
    input.webhookEventId ?? null,
    unapplied,
    at,
    at,
  );
  return { ...result, duplicate: false };
}

/** The payment first recorded under a provider payment id (not a contradicting report of it). */
function originalPayment(t: Sql, provider: Provider, providerPaymentId: string): PaymentRow | undefined {
  return t.get<PaymentRow>("SELECT * FROM payments WHERE provider = ? AND provider_payment_id = ? AND conflict_of IS NULL", provider, providerPaymentId);
}

/** The currency a recorded payment was reported in, where the record shows it. */
function recordedCurrency(p: PaymentRow): "IDR" | "foreign" | null {
  if (p.reason === "currency_mismatch") return "foreign";
  if (p.reason === "refunded") return null;
  return p.status === "applied" || p.status === "pending" || p.unapplied_amount > 0 ? "IDR" : null;
}

/** The facts of a new report of a payment that differ from the payment as recorded. */
function contradictions(p: PaymentRow, notice: PaymentNotice): PaymentConflict["differs"] {
  const out: PaymentConflict["differs"] = [];
  if (notice.amount !== p.amount) out.push("amount");
  if (notice.vaNumber !== p.va_number) out.push("vaNumber");
  const currency = recordedCurrency(p);
  if (currency !== null && (currency === "IDR") !== (notice.currency === "IDR")) out.push("currency");
  return out;
}

/**
 * A report that contradicts a payment already recorded: kept as its own needs_attention payment pointing at the
 * original (conflict_of), both amounts in its result, nothing posted and nothing allocated — only a person (finance,
 * through the resolve flow) can tell which report is true. The same contradicting report (amount, VA) delivered
 * again answers the same record.
 */
function recordConflict(t: Sql, original: PaymentRow, input: ApplyPaymentInput, differs: PaymentConflict["differs"]): PaymentResult & { duplicate: boolean } {
  const { notice } = input;
  const seen = t.get<PaymentRow>("SELECT * FROM payments WHERE conflict_of = ? AND amount = ? AND va_number = ?", original.id, notice.amount, notice.vaNumber);
  if (seen) return { ...(JSON.parse(seen.allocation) as PaymentResult), duplicate: true };
  const id = `pay_${randomUUID()}`;
  const at = input.now.toISOString();
  const loanId = original.loan_id ?? t.get<{ loan_id: string }>("SELECT loan_id FROM virtual_accounts WHERE va_number = ?", notice.vaNumber)?.loan_id ?? null;
  const result: PaymentResult = {
    paymentId: id,
    providerPaymentId: notice.paymentId,
    status: "needs_attention",
    loanId,
    amount: notice.amount,
    reason: CONFLICTING_RESEND,
    conflict: {
      paymentId: original.id,
      providerPaymentId: original.provider_payment_id,
      amount: original.amount,
      vaNumber: original.va_number,
      status: original.status,
      differs,
      reported: { amount: notice.amount, vaNumber: notice.vaNumber, currency: notice.currency, paidAt: notice.paidAt },
    },
  };
  t.run(
    `INSERT INTO payments (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, webhook_event_id, unapplied_amount, conflict_of, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'needs_attention', ?, ?, ?, ?, 0, ?, ?, ?)`,
    id,
    input.provider,
    notice.paymentId,
    notice.vaNumber,
    loanId,
    notice.amount,
    notice.paidAt,
    CONFLICTING_RESEND,
    JSON.stringify(result),
    input.source,
    input.webhookEventId ?? null,
    original.id,
    at,
    at,
  );
  return { ...result, duplicate: false };
}

/**
 * Record a payment the reconciliation could not use (an invalid gateway row, or an application that failed) as
 * needs_attention, nothing posted, once per (provider, payment id); a valid later delivery of the same payment id
 * applies it. Rows without a usable payment id are only logged by the caller.
 */
export function recordUnusablePayment(t: Sql, input: { provider: Provider; row: Record<string, unknown> | null; reason: string; now: Date }): boolean {
  const pid = input.row?.paymentId;
  if (typeof pid !== "string" || pid.length === 0 || pid.length > 200) return false;
  const at = input.now.toISOString();
  const va = typeof input.row?.vaNumber === "string" ? input.row.vaNumber.slice(0, 64) : "";
  const amount = typeof input.row?.amount === "number" && Number.isSafeInteger(input.row.amount) ? input.row.amount : 0;
  const paidAt = typeof input.row?.paidAt === "string" ? input.row.paidAt.slice(0, 40) : at;
  const result: PaymentResult = { paymentId: `pay_${randomUUID()}`, providerPaymentId: pid, status: "needs_attention", loanId: null, amount, reason: input.reason };
  const res = t.run(
    `INSERT INTO payments (id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, NULL, ?, ?, 'needs_attention', ?, ?, 'reconcile', ?, ?) ON CONFLICT (provider, provider_payment_id) WHERE conflict_of IS NULL DO NOTHING`,
    result.paymentId,
    input.provider,
    pid,
    va,
    amount,
    paidAt,
    input.reason,
    JSON.stringify(result),
    at,
    at,
  );
  return Number(res.changes) > 0;
}

/** A retryable needs_attention payment delivered again: apply it when its VA now names a payable loan. */
function retryPayment(t: TxContext, prior: PaymentRow, provider: Provider, notice: PaymentNotice, now: Date): PaymentResult | null {
  if (notice.currency !== "IDR") return null;
  const va = t.get<{ loan_id: string; provider: string }>("SELECT loan_id, provider FROM virtual_accounts WHERE va_number = ?", notice.vaNumber);
  if (!va || va.provider !== provider) return null;
  if (prior.unapplied_amount > 0 && (notice.amount !== prior.amount || notice.vaNumber !== prior.va_number)) return null;
  if (prior.unapplied_amount === 0) {
    // Nothing was posted for it (a gateway row that could not be used, or an application that crashed): take the
    // amounts of this (validated) delivery.
    t.run("UPDATE payments SET amount = ?, va_number = ?, paid_at = ? WHERE id = ?", notice.amount, notice.vaNumber, notice.paidAt, prior.id);
  }
  const out = resolvePayment(t, { paymentId: prior.id, loanId: va.loan_id, by: ACTOR, now });
  return out.ok ? out.payment : null;
}

export type ResolveInput = { paymentId: string; by: string; now: Date } & ({ loanId: string; refund?: undefined; transferReference?: undefined } | { refund: true; transferReference: string; loanId?: undefined });

export type ResolveResult =
  | { ok: true; payment: PaymentResult & { resolution: string; resolvedBy: string; resolvedAt: string } }
  | { ok: false; error: "not_found" | "not_needs_attention" | "loan_not_found" | "loan_not_payable" | "foreign_currency"; detail: string };

/**
 * Finance resolves a needs_attention payment: apply it to a loan (out of suspense, Dr unapplied_cash; or Dr cash when
 * it was never posted) or refund it (Dr unapplied_cash / Cr cash, with the reference of the transfer that paid it
 * back). Either way the payment leaves needs_attention (applied; pending while the loan is still disbursing).
 */
export function resolvePayment(t: TxContext, input: ResolveInput): ResolveResult {
  const p = t.get<PaymentRow>("SELECT * FROM payments WHERE id = ?", input.paymentId);
  if (!p) return { ok: false, error: "not_found", detail: "no such payment" };
  if (p.status !== "needs_attention") return { ok: false, error: "not_needs_attention", detail: `the payment is ${p.status}` };
  const at = input.now.toISOString();
  const prior = JSON.parse(p.allocation) as PaymentResult;
  const base = { paymentId: p.id, providerPaymentId: p.provider_payment_id, amount: p.amount };
  let result: PaymentResult;
  let resolution: string;
  if (input.refund) {
    if (p.unapplied_amount > 0) {
      postJournal(t, {
        kind: "payment.refund",
        ref: p.id,
        loanId: p.loan_id,
        memo: `unapplied payment ${p.provider}/${p.provider_payment_id} refunded (transfer ${input.transferReference})`,
        postedAt: at,
        lines: [
          { account: "unapplied_cash", debit: p.unapplied_amount },
          { account: "cash", credit: p.unapplied_amount },
        ],
      });
    }
    resolution = `refund:${input.transferReference}`;
    result = { ...prior, ...base, loanId: p.loan_id, status: "applied", reason: "refunded" };
  } else {
    const foreign = p.reason === "currency_mismatch" || (prior.conflict !== undefined && prior.conflict.reported.currency !== "IDR");
    if (foreign) return { ok: false, error: "foreign_currency", detail: "a payment in a foreign currency can only be refunded" };
    const loan = loadLoan(t, input.loanId);
    if (!loan) return { ok: false, error: "loan_not_found", detail: "no such loan" };
    if (!PAYABLE.includes(loan.status)) return { ok: false, error: "loan_not_payable", detail: `the loan is ${loan.status}` };
    const r = settleToLoan(t, loan, {
      ref: p.id,
      amount: p.amount,
      source: p.unapplied_amount > 0 ? "unapplied_cash" : "cash",
      memo: `payment ${p.provider}/${p.provider_payment_id} resolved to loan ${loan.id}`,
      now: input.now,
    });
    resolution = `${input.by === ACTOR ? "auto" : "loan"}:${loan.id}`;
    result = { ...base, loanId: loan.id, ...r };
  }
  const payment = { ...result, resolution, resolvedBy: input.by, resolvedAt: at };
  t.run(
    `UPDATE payments SET status = ?, reason = ?, loan_id = ?, unapplied_amount = 0, allocation = ?, resolution = ?, resolved_by = ?, resolved_at = ?, updated_at = ?
      WHERE id = ?`,
    result.status,
    result.reason ?? null,
    result.loanId,
    JSON.stringify(payment),
    resolution,
    input.by,
    at,
    at,
    p.id,
  );
  return { ok: true, payment };
}

/** Apply the loan's credit balance to its unpaid instalments (after activation, or when new dues appear). */
export function applyCredit(t: TxContext, loanId: string, ref: string, now: Date): number {
  const loan = loadLoan(t, loanId);
  if (!loan || loan.credit_balance_amount <= 0 || !["active", "delinquent"].includes(loan.status)) return 0;
  const inst = loadInstalments(t, loanId);
  if (totalOutstanding(inst) === 0) return 0;
  const a = allocate(loan.credit_balance_amount, inst);
  const used = loan.credit_balance_amount - a.toCredit;
  if (used <= 0) return 0;
  const at = now.toISOString();
  const { created } = postJournal(t, { kind: "credit.applied", ref, loanId, memo: "credit balance applied to instalments", postedAt: at, lines: [{ account: "borrower_credit", debit: used }, ...creditLines(a, loanId)] });
  if (!created) return 0;
  writeAllocation(t, a, at);
  t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount - ?, updated_at = ? WHERE id = ?", used, at, loanId);
  if (!closeIfPaid(t, loan, a.paidOff, now)) reassess(t, loanId, afterAllocation(inst, a), now, "arrears paid from the credit balance");
  return used;
}

/**
 * Record the refund of (part of) a borrower's credit balance. The money goes out as a bank transfer made by finance
 * (no gateway payout): `transferReference` is that transfer's reference, kept on the refund and in the journal memo
 * so the cash account can be matched to the bank statement.
 */
export function refundCredit(t: TxContext, input: { loanId: string; amount: number; reason?: string; transferReference: string; by: string; now: Date }) {
  const loan = loadLoan(t, input.loanId);
  if (!loan) return { ok: false as const, error: "not_found" as const };
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0 || input.amount > loan.credit_balance_amount) {
    return { ok: false as const, error: "exceeds_credit" as const, creditBalanceAmount: loan.credit_balance_amount };
  }
  const id = `rfd_${randomUUID()}`;
  const at = input.now.toISOString();
  const memo = `transfer ${input.transferReference}${input.reason ? `: ${input.reason}` : ""}`;
  postJournal(t, { kind: "refund", ref: id, loanId: loan.id, memo, postedAt: at, lines: [{ account: "borrower_credit", debit: input.amount }, { account: "cash", credit: input.amount }] });
  t.run("UPDATE loans SET credit_balance_amount = credit_balance_amount - ?, updated_at = ? WHERE id = ?", input.amount, at, loan.id);
  t.run(
    "INSERT INTO refunds (id, loan_id, amount, reason, transfer_reference, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    id,
    loan.id,
    input.amount,
    input.reason ?? null,
    input.transferReference,
    input.by,
    at,
  );
  return {
    ok: true as const,
    refund: { id, loanId: loan.id, amount: input.amount, reason: input.reason ?? null, transferReference: input.transferReference, createdBy: input.by, createdAt: at },
    creditBalanceAmount: loan.credit_balance_amount - input.amount,
  };
}

// ---- disbursement -------------------------------------------------------------------------------------------------

export interface DisbursementRow {
  id: string;
  loan_id: string;
  principal: number;
  fee_amount: number;
  net_amount: number;
  status: "queued" | "pending" | "succeeded" | "failed" | "needs_attention";
  attempts: number;
  gateway_ref: string | null;
  failure_reason: string | null;
}

export const disbursementReference = (id: string, attempt: number) => `${id}.${attempt}`;

export function parseReference(ref: string): { id: string; attempt: number } | null {
  const i = ref.lastIndexOf(".");
  if (i <= 0) return null;
  const attempt = Number(ref.slice(i + 1));
  return Number.isInteger(attempt) && attempt > 0 ? { id: ref.slice(0, i), attempt } : null;
}

export type PrepareResult =
  | { action: "send"; request: DisbursementRequest; disbursementId: string; attempt: number; /** no payout snapshot on the loan (pre-0011): paid to the profile's account */ payoutFallback?: boolean }
  | { action: "skip"; reason: string };

/**
 * Owner side of the `disburse` job, step 1 (one transaction): create the loan's one disbursement row (unique per
 * loan), start an attempt, post the journal moving the net amount from cash into disbursement clearing, and make
 * sure the loan has a repayment VA. Calling it again while an attempt is pending returns the same request (the
 * gateway is idempotent per reference).
 */
export function prepareDisbursement(t: TxContext, loanId: string, now: Date): PrepareResult {
  const loan = loadLoan(t, loanId);
  if (!loan) return { action: "skip", reason: "loan_not_found" };
  if (loan.status !== "disbursing") return { action: "skip", reason: `loan_${loan.status}` };
  const at = now.toISOString();
  let d = t.get<DisbursementRow>("SELECT * FROM disbursements WHERE loan_id = ?", loanId);
  if (!d) {
    const net = loan.disbursed_amount > 0 ? loan.disbursed_amount : loan.principal_amount - loan.upfront_fee_amount;
    const id = `dsb_${randomUUID().replaceAll("-", "")}`;
    t.run(
      "INSERT INTO disbursements (id, loan_id, principal, fee_amount, net_amount, status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
      id,
      loanId,
      loan.principal_amount,
      loan.principal_amount - net,
      net,
      at,
      at,
    );
    d = t.get<DisbursementRow>("SELECT * FROM disbursements WHERE id = ?", id)!;
  }
  if (d.status !== "queued" && d.status !== "pending") return { action: "skip", reason: `disbursement_${d.status}` };
  if (d.status === "queued") {
    const attempt = d.attempts + 1;
    const ref = disbursementReference(d.id, attempt);
    t.run("UPDATE disbursements SET status = 'pending', attempts = ?, requested_at = ?, updated_at = ? WHERE id = ?", attempt, at, at, d.id);
    postJournal(t, {
      kind: "disbursement.sent",
      ref,
      loanId,
      memo: `disbursement attempt ${attempt}`,
      postedAt: at,
      lines: [
        { account: "disbursement_clearing", debit: d.net_amount },
        { account: "cash", credit: d.net_amount },
      ],
    });
    d = { ...d, status: "pending", attempts: attempt };
  }
  if (!t.get("SELECT 1 FROM virtual_accounts WHERE loan_id = ?", loanId)) t.enqueue("issue-virtual-account", { loanId }, { key: `issue-virtual-account:${loanId}` });
  // The payout account is the one snapshotted at submission (checked by fraud) and copied to the loan at acceptance,
  // never the live profile. Loans created before migration 0011 have none: fall back to the profile (flagged, logged).
  const snap = t.get<{ payout_account_json: string | null }>("SELECT payout_account_json FROM loans WHERE id = ?", loanId)?.payout_account_json;
  const payout = snap ? (JSON.parse(snap) as { bankCode: string; accountNumber: string; accountName: string }) : null;
  const bank = payout
    ? { bank_code: payout.bankCode, bank_account_number: payout.accountNumber, bank_account_name: payout.accountName }
    : t.get<{ bank_code: string; bank_account_number: string; bank_account_name: string }>(
        "SELECT bank_code, bank_account_number, bank_account_name FROM borrower_profiles WHERE user_id = ?",
        loan.user_id,
      );
  return {
    action: "send",
    disbursementId: d.id,
    attempt: d.attempts,
    ...(payout ? {} : { payoutFallback: true }),
    request: {
      reference: disbursementReference(d.id, d.attempts),
      loanId,
      amount: d.net_amount,
      bankCode: bank?.bank_code ?? "UNKNOWN",
      accountNumber: bank?.bank_account_number ?? "UNKNOWN",
      accountName: bank?.bank_account_name ?? "UNKNOWN",
    },
  };
}

export function markDisbursementSent(t: Sql, disbursementId: string, attempt: number, gatewayRef: string, provider: string, now: Date) {
  t.run("UPDATE disbursements SET gateway_ref = ?, provider = ?, updated_at = ? WHERE id = ? AND attempts = ?", gatewayRef, provider, now.toISOString(), disbursementId, attempt);
}

export function markDisbursementNeedsAttention(t: Sql, disbursementId: string, reason: string, now: Date) {
  t.run("UPDATE disbursements SET status = 'needs_attention', failure_reason = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'pending')", reason, now.toISOString(), disbursementId);
}

export interface DisbursementResult {
  disbursementId: string | null;
  loanId: string | null;
  status: "applied" | "ignored" | "needs_attention";
  outcome: "succeeded" | "failed";
  reason?: string;
  disbursementStatus?: string;
  loanStatus?: string;
  retryScheduled?: boolean;
}

/** Base retry delay of a failed disbursement, unless the payments settings say otherwise (disburseRetryMs). */
export const DEFAULT_DISBURSE_RETRY_MS = 60_000;

/** Retry delay of a failed disbursement: the base delay, doubling per attempt. */
export function retryDelayMs(attempt: number, baseMs = DEFAULT_DISBURSE_RETRY_MS): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

/**
 * Apply a verified disbursement outcome. Success settles clearing into receivables (principal, interest and fees of
 * the schedule; the upfront fee as income), sets the schedule dates from the disbursement date, activates the loan
 * and applies any money that arrived early. Failure reverses the attempt's journal and retries, then needs_attention.
 * Outcomes that contradict what we know (amount, stale attempt, success after failure) → needs_attention.
 */
export function applyDisbursementOutcome(t: TxContext, notice: DisbursementNotice, now: Date, opts: { retryBaseMs?: number } = {}): DisbursementResult {
  const parsed = parseReference(notice.reference);
  const d = parsed ? t.get<DisbursementRow>("SELECT * FROM disbursements WHERE id = ?", parsed.id) : undefined;
  const base = { disbursementId: d?.id ?? null, loanId: d?.loan_id ?? null, outcome: notice.status };
  if (!d || !parsed) return { ...base, status: "needs_attention", reason: "unknown_disbursement" };
  const at = now.toISOString();
  const attention = (reason: string): DisbursementResult => {
    t.run("UPDATE disbursements SET status = 'needs_attention', failure_reason = ?, updated_at = ? WHERE id = ?", reason, at, d.id);
    return { ...base, status: "needs_attention", reason, disbursementStatus: "needs_attention" };
  };
  if (parsed.attempt !== d.attempts || d.status !== "pending") {
    // A late or repeated outcome. The same outcome again, or a failure of an older attempt, changes nothing.
    const sameOutcome = (d.status === "succeeded" && notice.status === "succeeded" && parsed.attempt === d.attempts) || (notice.status === "failed" && (parsed.attempt < d.attempts || d.status === "failed"));
    if (sameOutcome) return { ...base, status: "ignored", reason: "already_settled", disbursementStatus: d.status };
    if (d.status === "needs_attention") return { ...base, status: "needs_attention", reason: "disbursement_needs_attention", disbursementStatus: d.status };
    return attention(notice.status === "succeeded" ? "success_for_stale_attempt" : "failure_after_success");
  }
  if (notice.amount !== d.net_amount) return attention(`amount_mismatch: expected ${d.net_amount}, got ${notice.amount}`);
  const ref = disbursementReference(d.id, parsed.attempt);
  if (notice.status === "failed") {
    postJournal(t, {
      kind: "disbursement.failed",
      ref,
      loanId: d.loan_id,
      memo: notice.failureCode,
      postedAt: at,
      lines: [
        { account: "cash", debit: d.net_amount },
        { account: "disbursement_clearing", credit: d.net_amount },
      ],
    });
    if (d.attempts < MAX_DISBURSEMENT_ATTEMPTS) {
      t.run("UPDATE disbursements SET status = 'queued', failure_reason = ?, updated_at = ? WHERE id = ?", notice.failureCode ?? "failed", at, d.id);
      t.enqueue("disburse", { loanId: d.loan_id }, { key: `disburse:${d.loan_id}:retry${d.attempts}`, runAt: new Date(now.getTime() + retryDelayMs(d.attempts, opts.retryBaseMs)) });
      return { ...base, status: "applied", disbursementStatus: "queued", retryScheduled: true };
    }
    t.run("UPDATE disbursements SET status = 'needs_attention', failure_reason = ?, updated_at = ? WHERE id = ?", `failed ${d.attempts} times: ${notice.failureCode ?? "failed"}`, at, d.id);
    return { ...base, status: "applied", disbursementStatus: "needs_attention", retryScheduled: false };
  }
  const loan = loadLoan(t, d.loan_id);
  if (!loan || loan.status !== "disbursing") return attention(`loan_${loan?.status ?? "missing"}`);
  // Schedule dates follow the disbursement date (Asia/Jakarta calendar day).
  const start = jakartaDate(notice.completedAt);
  const inst = loadInstalments(t, loan.id);
  let maturity = start;
  for (const i of inst) {
    const due = dueDate(start, i.seq, loan.tenor, loan.tenor_unit);
    t.run("UPDATE installments SET due_date = ? WHERE id = ?", due, i.id);
    if (due > maturity) maturity = due;
  }
  t.run("UPDATE loans SET start_date = ?, maturity_date = ?, updated_at = ? WHERE id = ?", start, maturity, at, loan.id);
  const interest = inst.reduce((s, i) => s + i.interestDue, 0);
  const fees = inst.reduce((s, i) => s + i.feeDue, 0);
  postJournal(t, {
    kind: "disbursement.settled",
    ref,
    loanId: loan.id,
    memo: "loan disbursed: receivables booked, schedule interest and fees unearned",
    postedAt: at,
    // Accrual: only the upfront fee is earned at origination; the schedule's interest and fees are unearned until
    // each instalment falls due (collections sweep) or the loan is paid off (ledger/income.ts).
    lines: [
      { account: "principal_receivable", debit: d.principal },
      { account: "interest_receivable", debit: interest },
      { account: "fee_receivable", debit: fees },
      { account: "disbursement_clearing", credit: d.net_amount },
      { account: "fee_income", credit: d.fee_amount },
      { account: "unearned_fee", credit: fees },
      { account: "unearned_interest", credit: interest },
    ],
  });
  t.run("UPDATE disbursements SET status = 'succeeded', completed_at = ?, failure_reason = NULL, updated_at = ? WHERE id = ?", notice.completedAt, at, d.id);
  transitionLoan(t, { loanId: loan.id, to: "active", actor: ACTOR, reason: `disbursed ${d.net_amount} (${ref})`, at: new Date(notice.completedAt) });
  applyCredit(t, loan.id, `activation:${loan.id}`, now);
  t.run("UPDATE payments SET status = 'applied', updated_at = ? WHERE loan_id = ? AND status = 'pending'", at, loan.id);
  return { ...base, status: "applied", disbursementStatus: "succeeded", loanStatus: loadLoan(t, loan.id)!.status };
}

export function creditBalanceFromLedger(db: Sql, loanId: string) {
  return loanAccountBalance(db, loanId, "borrower_credit");
}
