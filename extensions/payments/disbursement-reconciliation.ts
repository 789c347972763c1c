// Disbursement reconciliation (the `reconcile-disbursements` job, jobs/reconcile-disbursements.ts): a disbursement
// still `pending` some minutes after it was sent is asked for at the gateway (its status query, by our reference).
// An outcome the gateway reports is applied exactly as its webhook would be (applyDisbursementOutcome, in one
// transaction with its journal): a webhook lost while the server restarted no longer leaves the loan disbursing
// forever, and a webhook that still arrives later is ignored as already settled. Each disbursement on its own: a
// gateway error is logged and counted, and the run goes on.
import type { ExtensionContext } from "../../src/runtime/index.ts";
import type { ReconcileDisbursementsPayload, ReconcileDisbursementsResult } from "../../schemas/payments.ts";
import { applyDisbursementOutcome } from "./disbursement-outcome.ts";
import { disbursementReference, markDisbursementNeedsAttention } from "./disbursements.ts";
import { GATEWAY_PORT, type PaymentGateway } from "./gateway.ts";
import { paymentSettings } from "./settings.ts";

const BATCH = 200;

export async function reconcileDisbursements(ctx: ExtensionContext, p: ReconcileDisbursementsPayload): Promise<ReconcileDisbursementsResult> {
  const settings = ctx.settings(paymentSettings);
  const minutes = p.olderThanMinutes ?? settings.reconcileDisbursementsAfterMinutes;
  const cutoff = new Date(ctx.clock.now().getTime() - minutes * 60_000).toISOString();
  const rows = ctx.db.all<{ id: string; attempts: number; net_amount: number; gateway_ref: string | null }>(
    "SELECT id, attempts, net_amount, gateway_ref FROM disbursements WHERE status = 'pending' AND requested_at IS NOT NULL AND requested_at <= ? ORDER BY requested_at LIMIT ?",
    cutoff,
    BATCH,
  );
  const out: ReconcileDisbursementsResult = { seen: rows.length, settled: 0, failed: 0, stillPending: 0, needsAttention: 0, errors: 0 };
  if (rows.length === 0) return out;
  const gw = ctx.port<PaymentGateway>(GATEWAY_PORT);
  for (const d of rows) {
    const reference = disbursementReference(d.id, d.attempts);
    try {
      const g = await gw.getDisbursement(reference);
      if (g.status === "pending") {
        out.stillPending++;
        continue;
      }
      if (g.status === "unknown") {
        // Accepted before (it has the gateway's reference) and now unknown: a person must look. Never sent (the
        // disburse job is still retrying or gave up, which it reports itself): left to the job.
        if (d.gateway_ref) {
          ctx.tx((t) => markDisbursementNeedsAttention(t, d.id, `gateway has no record of ${reference}`, ctx.clock.now()));
          out.needsAttention++;
          ctx.log.error("disbursement reconciliation: the gateway does not know a disbursement it accepted", { disbursementId: d.id, reference });
        } else out.stillPending++;
        continue;
      }
      const notice = { reference, status: g.status, amount: g.amount ?? d.net_amount, completedAt: g.completedAt ?? ctx.clock.now().toISOString(), failureCode: g.failureCode };
      const r = ctx.tx((t) => applyDisbursementOutcome(t, notice, ctx.clock.now(), { retryBaseMs: settings.disburseRetryMs }));
      if (r.status === "needs_attention") out.needsAttention++;
      else if (r.status === "applied") {
        if (g.status === "succeeded") out.settled++;
        else out.failed++;
      }
      ctx.log.warn("disbursement reconciliation applied an outcome whose webhook never arrived", { disbursementId: d.id, reference, outcome: g.status, result: r.status, reason: r.reason });
    } catch (err) {
      out.errors++;
      ctx.log.error("disbursement reconciliation could not ask the gateway", { disbursementId: d.id, reference, err: err as Error });
    }
  }
  return out;
}
