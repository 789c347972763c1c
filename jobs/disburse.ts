// disburse: send a loan's disbursement to the payment gateway, on the owner. The gateway is idempotent per
// reference, so the runner retries with backoff; the last attempt first asks for a person (needs_attention).
import { defineJob } from "../src/runtime/index.ts";
import { LoanJobPayload } from "../schemas/payments.ts";
import { sendDisbursement, type DisburseOutcome } from "../extensions/payments/disbursements.ts";

const ATTEMPTS = 5;

export const disburseJob = defineJob<LoanJobPayload, DisburseOutcome>({
  name: "disburse",
  payload: LoanJobPayload,
  runsOn: "owner",
  attempts: ATTEMPTS,
  backoff: { type: "exponential", delayMs: 2000 },
  handler: ({ loanId }, ctx) => sendDisbursement(ctx, loanId, { lastAttempt: ctx.attempt >= ATTEMPTS }),
});
