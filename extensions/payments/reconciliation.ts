// Reconciliation (the `reconcile-payments` job, jobs/reconcile-payments.ts): the gateway's list of payments over a
// window, each row validated like a webhook payload and applied through the same idempotent path, so a webhook
// that never arrived is caught; a row that cannot be used is recorded as needs_attention and the batch goes on.
import type { ExtensionContext } from "../../src/runtime/index.ts";
import type { ReconcilePayload, ReconcileResult } from "../../schemas/payments.ts";
import { GATEWAY_PORT, type GatewayPayment, type PaymentGateway } from "./gateway.ts";
import { applyPayment, recordUnusablePayment } from "./repayments.ts";
import { CONFLICTING_RESEND } from "./settlement.ts";
import { paymentSettings } from "./settings.ts";
import { PayloadError, parsePaymentNotice, type PaymentNotice, type Provider } from "./verify.ts";

/** A gateway row as received: nothing about it is trusted until parsed. */
export type GatewayRow = Partial<Record<keyof GatewayPayment, unknown>> | null;

/** A reconciliation row, validated by the same parser as a webhook payload (throws PayloadError). */
export function parseGatewayPayment(_provider: Provider, row: GatewayRow): PaymentNotice {
  if (typeof row !== "object" || row === null) throw new PayloadError("gateway row is not an object");
  const currency = row.currency;
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) throw new PayloadError(`currency ${JSON.stringify(currency)} is not an ISO-4217 code`);
  return parsePaymentNotice("standard", {
    type: "payment.succeeded",
    data: { payment_id: row.paymentId, va_number: row.vaNumber, amount: row.amount, currency, paid_at: row.paidAt },
  });
}

/** Reconcile the window [from, to) (default: the settings' reconcileWindowHours up to now). */
export async function reconcilePayments(ctx: ExtensionContext, p: ReconcilePayload): Promise<ReconcileResult> {
  const now = ctx.clock.now();
  const to = p.to ? new Date(p.to) : now;
  // Window of the scheduled run: the last reconcileWindowHours (default 48) of the payments settings.
  const from = p.from ? new Date(p.from) : new Date(to.getTime() - ctx.settings(paymentSettings).reconcileWindowHours * 3600_000);
  const gw = ctx.port<PaymentGateway>(GATEWAY_PORT);
  const list: unknown = await gw.listPayments({ from, to });
  if (!Array.isArray(list)) throw new Error("gateway listPayments did not answer a list");
  let applied = 0;
  let needsAttention = 0;
  for (const row of list) {
    // Each row is validated like a webhook payload, and applied on its own: a bad row is recorded as
    // needs_attention (once per payment id) and the batch goes on.
    const pm = row as GatewayRow;
    try {
      const notice = parseGatewayPayment(gw.provider, pm);
      const r = ctx.tx((t) => applyPayment(t, { provider: gw.provider, notice, source: "reconcile", now: ctx.clock.now() }));
      if (!r.duplicate) {
        if (r.status === "needs_attention") needsAttention++;
        else applied++;
        if (r.reason === CONFLICTING_RESEND) ctx.log.warn("reconciliation: the gateway reports a payment with other facts than first reported", { paymentId: notice.paymentId, conflict: r.conflict });
        else ctx.log.warn("reconciliation applied a payment whose webhook never arrived", { paymentId: notice.paymentId, status: r.status });
      }
    } catch (err) {
      needsAttention++;
      const reason = `${err instanceof PayloadError ? "invalid_gateway_row" : "apply_failed"}: ${(err as Error).message}`.slice(0, 300);
      ctx.log.error("reconciliation could not apply a gateway payment", { paymentId: typeof pm?.paymentId === "string" ? pm.paymentId.slice(0, 200) : null, reason });
      try {
        ctx.tx((t) => recordUnusablePayment(t, { provider: gw.provider, row: pm, reason, now: ctx.clock.now() }));
      } catch (e2) {
        ctx.log.error("reconciliation could not record the payment", { err: e2 as Error });
      }
    }
  }
  return { seen: list.length, applied, needsAttention };
}
