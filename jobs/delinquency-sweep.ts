// delinquency-sweep: daily on the owner at 07:00 Asia/Jakarta (the reminders it queues go out from 08:00): income
// recognition, late fees, DPD and status, reminders, snapshots. Resumable: a retry continues from the checkpoint.
import { defineJob } from "../src/runtime/index.ts";
import { SweepPayload } from "../schemas/collections.ts";
import { runSweep, type SweepResult } from "../extensions/collections/sweep.ts";

export const delinquencySweepJob = defineJob<SweepPayload, SweepResult>({
  name: "delinquency-sweep",
  payload: SweepPayload,
  runsOn: "owner",
  schedule: "0 7 * * *",
  tz: "Asia/Jakarta",
  attempts: 5,
  backoff: { type: "exponential", delayMs: 60_000 },
  timeoutMs: 30 * 60_000,
  async handler(_p, ctx) {
    const r = await runSweep(ctx, { signal: ctx.signal });
    if (r.status === "interrupted") throw new Error(`delinquency sweep interrupted at ${r.loans} loans; the retry resumes from the checkpoint`);
    return r;
  },
});
