// The checks of a submitted application: it moves to `checking` and both jobs (fraud-check, score-application) are
// queued with their snapshots, in one transaction.
import type { ExtensionContext } from "../../src/runtime/index.ts";
import { transitionApplication } from "../loans/state.ts";
import { buildFraudSnapshot, loadRuleConfig } from "../fraud/store.ts";
import { fraudCheckJob } from "../../jobs/fraud-check.ts";
import { scoreApplicationJob } from "../../jobs/score-application.ts";
import { CURRENT_MODEL } from "./scorecard.ts";
import { SYSTEM_ACTOR, buildScoreSnapshot } from "./store.ts";

/**
 * Start the checks of a submitted application: move it to `checking` and queue both jobs with their snapshots,
 * in one transaction. Idempotent (keyed jobs; an application past `checking` is left alone).
 */
export function startChecks(ctx: ExtensionContext, applicationId: string): boolean {
  const now = ctx.clock.now();
  return ctx.tx((t) => {
    const app = t.get<{ status: string }>("SELECT status FROM applications WHERE id = ?", applicationId);
    if (!app) return false;
    if (app.status === "submitted") {
      transitionApplication(t, { applicationId, to: "checking", actor: SYSTEM_ACTOR, reason: "fraud checks and scoring started", at: now });
    } else if (app.status !== "checking") return false;
    const rules = loadRuleConfig(t);
    const fraud = buildFraudSnapshot(t, applicationId, rules, now);
    const score = buildScoreSnapshot(t, applicationId, now);
    if (!fraud || !score) return false;
    t.enqueue(fraudCheckJob, { applicationId, snapshot: fraud, rules }, { key: `fraud-check:${applicationId}` });
    t.enqueue(scoreApplicationJob, { applicationId, modelVersion: CURRENT_MODEL.version, snapshot: score }, { key: `score-application:${applicationId}` });
    return true;
  });
}
