// The decision waits for both checks: once the fraud check and the score are recorded, queue decide-application.
import type { TxContext } from "../../src/runtime/index.ts";
import { decideApplicationJob } from "../../jobs/decide-application.ts";

/** When both the fraud check and the score are in, queue the decision (keyed: queued once). */
export function enqueueDecisionIfReady(t: TxContext, applicationId: string): boolean {
  const ready = t.get<{ n: number }>(
    "SELECT (SELECT COUNT(*) FROM fraud_checks WHERE application_id = ?) + (SELECT COUNT(*) FROM score_decisions WHERE application_id = ?) AS n",
    applicationId,
    applicationId,
  );
  if ((ready?.n ?? 0) < 2) return false;
  t.enqueue(decideApplicationJob, { applicationId }, { key: `${decideApplicationJob.name}:${applicationId}` });
  return true;
}
