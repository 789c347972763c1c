// fraud-check: the decision pipeline's fraud step. Runs anywhere (the payload carries the snapshot and the rule
// config, evaluated by the fraud extension's rules); the owner records the result and, once the score is in too,
// queues the decision.
import { defineJob } from "../src/runtime/index.ts";
import { FraudCheckPayload, FraudCheckResult } from "../schemas/fraud.ts";
import { evaluateRules } from "../extensions/fraud/rules.ts";
import { recordFraudResult } from "../extensions/fraud/store.ts";
import { fraudHitCounter } from "../extensions/fraud/metrics.ts";
import { enqueueDecisionIfReady } from "../extensions/scoring/decision-queue.ts";

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
    const r = FraudCheckResult.parse(result);
    if (recordFraudResult(t, p.snapshot, r.evaluations, ctx.clock.now())) {
      const counter = fraudHitCounter(ctx.metrics);
      for (const h of r.evaluations.filter((e) => e.hit)) counter.inc({ rule: h.ruleId, severity: h.severity });
    }
    enqueueDecisionIfReady(t, p.applicationId);
  },
});
