// Embedded schedules (no Redis): croner fires each scheduled job's cron and enqueues it through the outbox with a
// key derived from the fire time, so a fire is enqueued once even if the callback runs twice.
import { Cron } from "croner";
import type { Logger } from "../observability/logger.ts";
import type { InstalledJob } from "../runtime/types.ts";

export function startEmbeddedSchedules(jobs: InstalledJob[], enqueue: (def: InstalledJob, key: string) => void, log: Logger): () => void {
  const crons = jobs.map(
    (def) =>
      new Cron(def.schedule!, { timezone: def.tz, protect: true, unref: true, name: `schedule-${def.name}` }, (self: Cron) => {
        const at = self.currentRun() ?? new Date();
        at.setMilliseconds(0);
        try {
          enqueue(def, `schedule:${def.name}:${at.toISOString()}`);
        } catch (err) {
          log.error("scheduled job could not be enqueued", { job: def.name, err: err as Error });
        }
      }),
  );
  return () => crons.forEach((c) => c.stop());
}
