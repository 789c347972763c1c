// score-application: the decision pipeline's scoring step. Runs anywhere (the payload carries the snapshot and the
// model version); the owner records the score and, once the fraud check is in too, queues the decision.
import { defineJob } from "../src/runtime/index.ts";
import { ScorePayload, ScoreResult } from "../schemas/scoring.ts";
import { MODELS, scoreSnapshot } from "../extensions/scoring/scorecard.ts";
import { recordScoreResult } from "../extensions/scoring/store.ts";
import { scoreHistogram } from "../extensions/scoring/metrics.ts";
import { enqueueDecisionIfReady } from "../extensions/scoring/decision-queue.ts";

export const scoreApplicationJob = defineJob<ScorePayload, ScoreResult>({
  name: "score-application",
  runsOn: "any",
  payload: ScorePayload,
  attempts: 5,
  backoff: { type: "exponential", delayMs: 1000 },
  timeoutMs: 10_000,
  handler(p) {
    const model = MODELS[p.modelVersion];
    if (!model) throw new Error(`unknown scorecard model ${p.modelVersion}`);
    return scoreSnapshot(p.snapshot, model);
  },
  apply(result, p, t, ctx) {
    // A result crossing the results queue is data: validate before it touches the database.
    const r = ScoreResult.parse(result);
    if (recordScoreResult(t, p.snapshot, r, ctx.clock.now())) scoreHistogram(ctx.metrics).observe({ model: r.modelVersion }, r.score);
    enqueueDecisionIfReady(t, p.applicationId);
  },
});
