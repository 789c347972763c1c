// Prometheus metrics (prom-client), one registry per running app so tests can start several.
import client from "prom-client";

export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<"method" | "route" | "status">;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
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
    return new client.Gauge<L>({ name, help, labelNames, registers: [this.registry], collect });
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]) {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as client.Histogram<L>;
    return new client.Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  async text() {
    return this.registry.metrics();
  }

  get contentType() {
    return this.registry.contentType;
  }
}
