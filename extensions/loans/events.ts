// The events the loans extension emits (outbox rows for every hook subscribed to them, in the transaction of the
// state change), with their payload schemas and types.
import { defineEvents, z, type EventPayloadsOf } from "../../src/runtime/index.ts";

export const LOAN_EVENTS = defineEvents({
  /** A borrower submitted an application (scoring starts its checks). */
  "application.submitted": z.object({ applicationId: z.string(), userId: z.string() }),
  "application.status_changed": z.object({ applicationId: z.string(), userId: z.string(), from: z.string(), to: z.string() }),
  /** `from` is null when the loan is created. */
  "loan.status_changed": z.object({ loanId: z.string(), userId: z.string(), from: z.string().nullable(), to: z.string() }),
});

declare module "../../src/runtime/types.ts" {
  interface EventPayloads extends EventPayloadsOf<typeof LOAN_EVENTS> {}
}
