// decide-application: on the owner, once both checks are in, decide the application (approved | rejected |
// manual_review) and move it, in one transaction. Idempotent: a decided application is left alone.
import { defineJob } from "../src/runtime/index.ts";
import { DecidePayload } from "../schemas/scoring.ts";
import { decideApplication } from "../extensions/scoring/store.ts";
import { decisionCounter } from "../extensions/scoring/metrics.ts";

export const decideApplicationJob = defineJob<DecidePayload, void>({
  name: "decide-application",
  runsOn: "owner",
  payload: DecidePayload,
  attempts: 5,
  backoff: { type: "exponential", delayMs: 2000 },
  handler(p, ctx) {
    const d = ctx.tx((t) => decideApplication(t, p.applicationId, ctx.clock.now()));
    if (d) {
      decisionCounter(ctx.metrics).inc({ outcome: d.decision });
      ctx.log.info("application decided", { applicationId: p.applicationId, decision: d.decision, score: d.score });
    }
  },
});
