// fraud-check: runs anywhere (the payload carries the snapshot and the rule config); the owner applies the result.
import { defineJob, z, type JobContext } from "../../src/runtime/index.ts";
import { evaluateRules, FraudSnapshotSchema, RuleConfigSchema, RuleEvaluationSchema, type RuleEvaluation } from "./rules.ts";
import { recordFraudResult } from "./store.ts";
import { enqueueDecisionIfReady } from "../scoring/store.ts";

export const FraudCheckPayload = z.object({
  applicationId: z.string(),
  snapshot: FraudSnapshotSchema,
  rules: z.array(RuleConfigSchema),
});
export type FraudCheckPayload = z.infer<typeof FraudCheckPayload>;

export interface FraudCheckResult {
  evaluations: RuleEvaluation[];
}
const FraudCheckResultSchema = z.object({ evaluations: z.array(RuleEvaluationSchema) });

export const fraudCheckJob = defineJob<FraudCheckPayload, FraudCheckResult>({
  name: "fraud-check",
  runsOn: "any",
  payload: FraudCheckPayload,
  attempts: 5,
  backoff: { type: "exponential", delayMs: 1000 },
  timeoutMs: 10_000,
  handler(p) {
    return { evaluations: evaluateRules(p.snapshot, p.rules) };
  },
  apply(result, p, t, ctx) {
    // A result crossing the results queue is data: validate before it touches the database.
    const r = FraudCheckResultSchema.parse(result) as FraudCheckResult;
    const recorded = recordFraudResult(t, p.snapshot, r.evaluations, ctx.clock.now());
    if (recorded) {
      const hits = r.evaluations.filter((e) => e.hit);
      const counter = fraudHitCounter(ctx.metrics);
      for (const h of hits) counter.inc({ rule: h.ruleId, severity: h.severity });
    }
    enqueueDecisionIfReady(t, p.applicationId);
  },
});

/** Registered at start (init) too, so the metric is exported before the first check runs. */
export const fraudHitCounter = (m: JobContext["metrics"]) => m.counter("kreditku_fraud_hits_total", "Fraud rule hits by rule and severity", ["rule", "severity"]);
