// Job metrics: counters per queue, a duration histogram, outbox lag and queue depth gauges.
import type { Metrics } from "../observability/metrics.ts";

export class JobMetrics {
  readonly completed;
  readonly failed;
  readonly retried;
  readonly duration;
  readonly redispatched;
  readonly stalled;
  readonly husks;
  readonly abandoned;

  constructor(m: Metrics) {
    this.completed = m.counter("jobs_completed_total", "Jobs completed, by queue", ["queue"]);
    this.failed = m.counter("jobs_failed_total", "Jobs that failed their last attempt (dead), by queue", ["queue"]);
    this.retried = m.counter("jobs_retried_total", "Job attempts that failed and were scheduled again, by queue", ["queue"]);
    this.duration = m.histogram("job_duration_seconds", "Job handler duration in seconds, by queue and outcome", ["queue", "outcome"], [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300]);
    this.redispatched = m.counter("jobs_redispatched_total", "Outbox rows handed to BullMQ again, by queue and reason (lost: the job vanished from Redis)", ["queue", "reason"]);
    this.husks = m.counter("jobs_husks_total", "BullMQ jobs that reached a worker without their data (Redis lost part of them): skipped, and their rows dispatched again by the lost-job check, by queue", ["queue"]);
    this.stalled = m.counter("jobs_stalled_total", "BullMQ jobs found stalled (their worker stopped renewing the lock) and put back to run again, by queue", ["queue"]);
    this.abandoned = m.counter("jobs_abandoned_total", "Jobs still running when the shutdown timeout passed (they run again at the next start), by queue", ["queue"]);
  }

  /** Gauges read when /metrics is scraped. */
  static gauges(
    m: Metrics,
    lagSeconds: () => number | Promise<number>,
    depth: () => Promise<{ queue: string; n: number }[]> | { queue: string; n: number }[],
    redisUp?: () => Promise<boolean>,
    workers?: () => Promise<{ queue: string; n: number }[]>,
  ) {
    if (workers) {
      m.gauge("queue_workers", "BullMQ worker connections consuming each queue (0: no worker runs its jobs)", ["queue"], async function () {
        const rows = await workers();
        this.reset();
        for (const w of rows) this.set({ queue: w.queue }, w.n);
      });
    }
    if (redisUp) {
      m.gauge("redis_up", "1 when Redis (the BullMQ backend) answers a PING, 0 otherwise", [], async function () {
        this.set((await redisUp()) ? 1 : 0);
      });
    }
    m.gauge("outbox_lag_seconds", "Age of the oldest due outbox row not yet completed (pending, running, or handed to BullMQ)", [], async function () {
      this.set(await lagSeconds());
    });
    m.gauge("queue_depth", "Jobs waiting or running, by queue", ["queue"], async function () {
      const rows = await depth(); // read first: when Redis does not answer, the last values stay (metrics_collect_stale)
      this.reset();
      for (const d of rows) this.set({ queue: d.queue }, d.n);
    });
  }
}
