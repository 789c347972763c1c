// Prometheus metrics (prom-client), one registry per running app so tests can start several. A gauge read at scrape
// time is bounded: a collect that throws or does not finish within collectTimeoutMs (Redis down, a slow query) does
// not hold the scrape — its last values are served and metrics_collect_stale{metric} is 1 until a read succeeds.
import client from "prom-client";

/** Default bound of one gauge's collect at scrape time. */
export const COLLECT_TIMEOUT_MS = 1500;

export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<"method" | "route" | "status">;
  private stale: client.Gauge<"metric">;
  private readers: Array<() => Promise<void>> = [];
  readonly collectTimeoutMs: number;

  constructor(opts: { defaultMetrics?: boolean; collectTimeoutMs?: number } = {}) {
    this.collectTimeoutMs = opts.collectTimeoutMs ?? COLLECT_TIMEOUT_MS;
    this.stale = new client.Gauge({
      name: "metrics_collect_stale",
      help: "1 when a gauge's last read at scrape time failed or timed out (its previous values are served), by metric",
      labelNames: ["metric"],
      registers: [this.registry],
    });
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new client.Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds by method, route template and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []) {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as client.Counter<L>;
    return new client.Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: L[] = [], collect?: (this: client.Gauge<L>) => void | Promise<void>) {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as client.Gauge<L>;
    const g = new client.Gauge<L>({ name, help, labelNames, registers: [this.registry] });
    if (collect) this.readers.push(boundedReader(name, () => collect.call(g), this.stale, this.collectTimeoutMs));
    return g;
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]) {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as client.Histogram<L>;
    return new client.Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** Run every gauge's read (in parallel, each bounded), then render: a scrape never waits longer than the bound. */
  async text() {
    await Promise.all(this.readers.map((r) => r()));
    return this.registry.metrics();
  }

  get contentType() {
    return this.registry.contentType;
  }
}

/**
 * A gauge's read at scrape time, bounded: one read at a time (a scrape while the previous read still hangs waits on
 * that one, bounded again); a read that throws or is late leaves the gauge's last values and marks it stale.
 */
function boundedReader(name: string, read: () => void | Promise<void>, stale: client.Gauge<"metric">, timeoutMs: number) {
  let inflight: Promise<void> | null = null;
  return async () => {
    inflight ??= Promise.resolve()
      .then(read)
      .then(
        () => void stale.set({ metric: name }, 0),
        () => void stale.set({ metric: name }, 1),
      )
      .finally(() => (inflight = null));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((res) => (timer = setTimeout(() => res("late"), timeoutMs)));
    const r = await Promise.race([inflight, late]);
    clearTimeout(timer);
    if (r === "late") stale.set({ metric: name }, 1);
  };
}
