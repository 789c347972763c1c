// Payments extension: disbursement, virtual-account and reconciliation jobs (jobs/), the payoff quote, staff views
// (payments, webhook event log with replay, disbursements), resolving payments held in suspense and refunds of credit
// balances; the gateways' webhooks (./webhooks.ts, mounted by the platform as raw-body endpoints), the
// payment-gateway port, its settings and its record APIs. The money flows themselves: repayments.ts, settlement.ts,
// suspense.ts, credit.ts, disbursements.ts, disbursement-outcome.ts, reconciliation.ts.
import { defineExtension } from "./deps.ts";
import { disburseJob } from "../../jobs/disburse.ts";
import { issueVirtualAccountJob } from "../../jobs/issue-virtual-account.ts";
import { reconcilePaymentsJob } from "../../jobs/reconcile-payments.ts";
import { reconcileDisbursementsJob } from "../../jobs/reconcile-disbursements.ts";
import { GATEWAY_PORT } from "./gateway.ts";
import { paymentSettings } from "./settings.ts";
import { createGateway, WEBHOOKS, webhookDeliveriesCounter, weakSecretsPreflight } from "./webhooks.ts";
import { RECORDS } from "./records.ts";
import { listPaymentsRoute, payoffRoute } from "./routes/repayments.ts";
import { refundAction, refundRoute, resolveRoute } from "./routes/suspense.ts";
import { listEventsRoute, replayRoute } from "./routes/webhook-events.ts";
import { listDisbursementsRoute } from "./routes/disbursements.ts";
import { loanAccountRoute } from "./routes/loan-account.ts";
import { SNAP_ROUTES } from "./snap/routes.ts";
import { snapPreflight } from "./snap/credentials.ts";

export default defineExtension({
  name: "payments",
  jobs: [disburseJob, issueVirtualAccountJob, reconcilePaymentsJob, reconcileDisbursementsJob],
  routes: [payoffRoute, listPaymentsRoute, listEventsRoute, replayRoute, refundRoute, resolveRoute, listDisbursementsRoute, loanAccountRoute, ...SNAP_ROUTES],
  webhooks: WEBHOOKS,
  records: RECORDS,
  approvals: [refundAction],
  settings: paymentSettings,
  ports: { [GATEWAY_PORT]: createGateway },
  preflight: (ctx) => [...weakSecretsPreflight(ctx), ...snapPreflight(ctx)],
  init(ctx) {
    webhookDeliveriesCounter(ctx);
    // A disbursement outcome that arrived while the server was down is asked for at the gateway right away (and
    // every five minutes after, by the job's schedule).
    if (ctx.db.get("SELECT 1 AS x FROM disbursements WHERE status = 'pending' LIMIT 1")) {
      ctx.enqueue(reconcileDisbursementsJob, {}, { key: `reconcile-disbursements:start:${ctx.clock.now().toISOString()}` });
    }
    // Business gauges (DESIGN §3): money sent to borrowers, by disbursement status, read at scrape time.
    ctx.metrics.gauge("kreditku_disbursed_amount", "Principal of disbursements by status (rupiah)", ["status"], function () {
      try {
        this.reset();
        for (const r of ctx.db.all<{ status: string; amount: number }>("SELECT status, COALESCE(SUM(principal), 0) AS amount FROM disbursements GROUP BY status")) {
          this.set({ status: r.status }, r.amount);
        }
      } catch {
        /* database closing */
      }
    });
  },
});
