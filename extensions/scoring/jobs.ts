// score-application (runs anywhere; snapshot in the payload, result applied by the owner) and
// decide-application (owner: moves the application in one transaction once both checks are in).
import { defineJob, z, type JobContext } from "../../src/runtime/index.ts";
import { MODELS, ScoreSnapshotSchema, scoreSnapshot, type ScoreResult } from "./scorecard.ts";
import { DECIDE_JOB, decideApplication, enqueueDecisionIfReady, recordScoreResult } from "./store.ts";

export const ScorePayload = z.object({
  applicationId: z.string(),
  modelVersion: z.string(),
  snapshot: ScoreSnapshotSchema,
});
export type ScorePayload = z.infer<typeof ScorePayload>;

const ScoreResultSchema = z.object({
  modelVersion: z.string(),
  score: z.number().int(),
  pd: z.number().min(0).max(1),
  features: z.array(
    z.object({
      feature: z.string(),
      label: z.string(),
      value: z.union([z.number(), z.string(), z.null()]),
      bin: z.string(),
      points: z.number().int(),
      maxPoints: z.number().int(),
      reason: z.object({ code: z.string(), id: z.string(), en: z.string() }),
    }),
  ),
  reasons: z.array(z.object({ code: z.string(), feature: z.string(), pointsLost: z.number(), id: z.string(), en: z.string() })).max(4),
});

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
    const r = ScoreResultSchema.parse(result) as ScoreResult;
    if (recordScoreResult(t, p.snapshot, r, ctx.clock.now())) {
      scoreHistogram(ctx.metrics).observe({ model: r.modelVersion }, r.score);
    }
    enqueueDecisionIfReady(t, p.applicationId);
  },
});

export const DecidePayload = z.object({ applicationId: z.string() });
export type DecidePayload = z.infer<typeof DecidePayload>;

export const decideApplicationJob = defineJob<DecidePayload, void>({
  name: DECIDE_JOB,
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

type MetricsLike = JobContext["metrics"];
/** The scoring metrics, registered at start (init) so they are exported before the first job runs. */
export const scoreHistogram = (m: MetricsLike) =>
  m.histogram("kreditku_application_score", "Scores of applications", ["model"], [450, 500, 540, 560, 580, 600, 610, 620, 640, 660, 700]);
export const decisionCounter = (m: MetricsLike) => m.counter("kreditku_application_decisions_total", "Automated decisions by outcome", ["outcome"]);
