// Suspense: payments that need attention (unknown VA, a loan that cannot take payments, a foreign currency, a
// conflicting report) wait, their rupiah in unapplied_cash, until finance resolves them — applied to a loan or
// refunded by bank transfer — in one transaction with the journal.
import type { TxContext } from "../../src/runtime/index.ts";
import { postJournal } from "../ledger/ledger.ts";
import { ACTOR, loadLoan } from "./loan-balance.ts";
import { PAYABLE, settleToLoan } from "./settlement.ts";
import { payments } from "./rows.ts";
import type { PaymentResult } from "../../schemas/payments.ts";

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
  const p = payments.get(t, input.paymentId);
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
