// reconcile-disbursements: every five minutes on the owner, ask the gateway for disbursements still pending some
// minutes after they were sent and apply the outcome whose webhook never arrived (the same path as the webhook).
import { defineJob } from "../src/runtime/index.ts";
import { ReconcileDisbursementsPayload, type ReconcileDisbursementsResult } from "../schemas/payments.ts";
import { reconcileDisbursements } from "../extensions/payments/disbursement-reconciliation.ts";

export const reconcileDisbursementsJob = defineJob<ReconcileDisbursementsPayload, ReconcileDisbursementsResult>({
  name: "reconcile-disbursements",
  payload: ReconcileDisbursementsPayload,
  runsOn: "owner",
  schedule: "*/5 * * * *",
  attempts: 3,
  handler: (p, ctx) => reconcileDisbursements(ctx, p),
});
