// fraud-check, the decision pipeline's fraud step: runs anywhere (the payload carries the snapshot and the rule
// config, evaluated by the fraud extension's rules); the owner records the result and, once the score is in too,
// queues the decision.
import { defineJob, z } from "../../src/runtime/index.ts";
import { evaluateRules, FraudSnapshotSchema, RuleConfigSchema, RuleEvaluationSchema, type RuleEvaluation } from "../fraud/rules.ts";
import { recordFraudResult } from "../fraud/store.ts";
import { fraudHitCounter } from "../fraud/metrics.ts";
import { enqueueDecisionIfReady } from "./store.ts";

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
