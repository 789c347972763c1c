// The events the loans extension emits (outbox rows for every hook subscribed to them, in the transaction of the
// state change), with their payload schemas and types.
import { defineEvents, type EventPayloadsOf } from "../../src/runtime/index.ts";
import { ApplicationStatusChanged, ApplicationSubmitted } from "../../schemas/applications.ts";
import { LoanStatusChanged } from "../../schemas/loans.ts";

export const LOAN_EVENTS = defineEvents({
  /** A borrower submitted an application (scoring starts its checks). */
  "application.submitted": ApplicationSubmitted,
  "application.status_changed": ApplicationStatusChanged,
  /** `from` is null when the loan is created. */
  "loan.status_changed": LoanStatusChanged,
});

declare module "../../src/runtime/types.ts" {
  interface EventPayloads extends EventPayloadsOf<typeof LOAN_EVENTS> {}
}
