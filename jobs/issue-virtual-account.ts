// issue-virtual-account: give a loan its repayment virtual account — at the gateway, or numbered here as a SNAP BI
// direct VA (settings vaIssuer) — on the owner (queued with the disbursement). Idempotent per loan.
import { defineJob } from "../src/runtime/index.ts";
import { LoanJobPayload } from "../schemas/payments.ts";
import { issueVirtualAccount } from "../extensions/payments/virtual-accounts.ts";

export const issueVirtualAccountJob = defineJob<LoanJobPayload, { vaNumber: string | null }>({
  name: "issue-virtual-account",
  payload: LoanJobPayload,
  runsOn: "owner",
  attempts: 5,
  handler: ({ loanId }, ctx) => issueVirtualAccount(ctx, loanId),
});
