// Repayments (DESIGN §4 "Allocation"): a verified payment, from a webhook or the reconciliation, applied exactly once
// per (provider, provider payment id) in the caller's transaction: booked to its loan (./settlement.ts), held in
// suspense when it cannot be applied, recorded as a conflict when the gateway reports it again with other facts.
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import { postJournal } from "../ledger/ledger.ts";
import { ACTOR, loadLoan, summary } from "./loan-balance.ts";
import { CONFLICTING_RESEND, PAYABLE, settleToLoan } from "./settlement.ts";
import { resolvePayment } from "./suspense.ts";
import { payments, type PaymentRow } from "./rows.ts";
import type { PaymentNotice, Provider } from "./verify.ts";
import type { PaymentConflict, PaymentResult } from "../../schemas/payments.ts";

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

/** needs_attention reasons that a later delivery of the same payment (redelivery, reconcile) may clear. */
function retryable(reason: string | null): boolean {
  return reason === "unknown_virtual_account" || !!reason?.startsWith("apply_failed") || !!reason?.startsWith("invalid_gateway_row");
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
  const id = `pay_${Bun.randomUUIDv7()}`;
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
    if (loan) Object.assign(result, summary(t, loan.id, input.now));
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
  return t.get<PaymentRow>(`${payments.select()} WHERE provider = ? AND provider_payment_id = ? AND conflict_of IS NULL`, provider, providerPaymentId);
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
  const seen = t.get<PaymentRow>(`${payments.select()} WHERE conflict_of = ? AND amount = ? AND va_number = ?`, original.id, notice.amount, notice.vaNumber);
  if (seen) return { ...(JSON.parse(seen.allocation) as PaymentResult), duplicate: true };
  const id = `pay_${Bun.randomUUIDv7()}`;
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
  const result: PaymentResult = { paymentId: `pay_${Bun.randomUUIDv7()}`, providerPaymentId: pid, status: "needs_attention", loanId: null, amount, reason: input.reason };
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
