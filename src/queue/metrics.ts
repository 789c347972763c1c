// Job metrics: counters per queue, a duration histogram, outbox lag and queue depth gauges.
import type { Metrics } from "../observability/metrics.ts";

export class JobMetrics {
  readonly completed;
  readonly failed;
  readonly retried;
  readonly duration;

  constructor(m: Metrics) {
    this.completed = m.counter("jobs_completed_total", "Jobs completed, by queue", ["queue"]);
    this.failed = m.counter("jobs_failed_total", "Jobs that failed their last attempt (dead), by queue", ["queue"]);
    this.retried = m.counter("jobs_retried_total", "Job attempts that failed and were scheduled again, by queue", ["queue"]);
    this.duration = m.histogram("job_duration_seconds", "Job handler duration in seconds, by queue and outcome", ["queue", "outcome"], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300]);
  }

  /** Gauges read when /metrics is scraped. */
  static gauges(m: Metrics, lagSeconds: () => number | Promise<number>, depth: () => Promise<{ queue: string; n: number }[]> | { queue: string; n: number }[]) {
    m.gauge("outbox_lag_seconds", "Age of the oldest due outbox row not yet run or dispatched", [], async function () {
      this.set(await lagSeconds());
    });
    m.gauge("queue_depth", "Jobs waiting or running, by queue", ["queue"], async function () {
      this.reset();
      for (const d of await depth()) this.set({ queue: d.queue }, d.n);
    });
  }
}
