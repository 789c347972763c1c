// Maintenance: forget completed outbox rows (and their applied-result records) after seven days. Daily, on the owner.
import { defineJob, purgeCompletedOutbox } from "../src/runtime/index.ts";
import { OutboxPurgePayload } from "../schemas/jobs.ts";

export const RETAIN_COMPLETED_MS = 7 * 24 * 3600 * 1000;

export const outboxPurgeJob = defineJob({
  name: "outbox.purge",
  payload: OutboxPurgePayload,
  runsOn: "owner",
  schedule: "17 3 * * *",
  attempts: 3,
  handler(_p, ctx) {
    const before = ctx.clock.now().getTime() - RETAIN_COMPLETED_MS;
    const n = ctx.tx((t) => purgeCompletedOutbox(t, before));
    ctx.log.info("outbox purged", { rows: n });
  },
});
