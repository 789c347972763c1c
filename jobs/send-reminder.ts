// send-reminder: one reminder SMS, queued by the daily sweep for its send time. Stateless (everything it needs is in
// the payload, so it may run on a worker); the owner records the outcome.
import { defineJob } from "../src/runtime/index.ts";
import { ReminderPayload, type ReminderResult } from "../schemas/collections.ts";
import { deliverReminder, recordReminderOutcome } from "../extensions/collections/reminder-delivery.ts";

export const sendReminderJob = defineJob<ReminderPayload, ReminderResult>({
  name: "send-reminder",
  payload: ReminderPayload,
  runsOn: "any",
  attempts: 3,
  backoff: { type: "exponential", delayMs: 30_000 },
  handler: (p, ctx) => deliverReminder(ctx, p),
  apply(r, p, t) {
    recordReminderOutcome(t, p, r);
  },
});
