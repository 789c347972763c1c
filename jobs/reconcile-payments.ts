// reconcile-payments: every ten minutes on the owner, compare the gateway's payments over the window with ours and
// apply the ones whose webhook never arrived (through the same idempotent path as a webhook).
import { defineJob } from "../src/runtime/index.ts";
import { ReconcilePayload, type ReconcileResult } from "../schemas/payments.ts";
import { reconcilePayments } from "../extensions/payments/reconciliation.ts";

export const reconcilePaymentsJob = defineJob<ReconcilePayload, ReconcileResult>({
  name: "reconcile-payments",
  payload: ReconcilePayload,
  runsOn: "owner",
  schedule: "*/10 * * * *",
  attempts: 3,
  handler: (p, ctx) => reconcilePayments(ctx, p),
});
