import { describe, expect, test } from "bun:test";
import client from "prom-client";
import { durationObserver } from "./middleware.ts";

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
function histogram() {
  const registry = new client.Registry();
  const h = new client.Histogram({ name: "http_request_duration_seconds", help: "x", labelNames: ["method", "route", "status"], buckets: BUCKETS, registers: [registry] });
  return { registry, h };
}
const VALUES = [0.0004, 0.001, 0.0011, 0.003, 0.02, 0.7, 3, 11, 0.049, 0, 0.0025];
const SETS: [string, string, number][] = [
  ["GET", "/api/v1/auth/me", 200],
  ["GET", "/api/v1/loans/:id", 200],
  ["GET", "/api/v1/loans/:id", 404],
  ["POST", "/api/v1/admin/blocklist", 201],
];

describe("durationObserver", () => {
  test("exposes exactly what prom-client's own observe does after the same observations", async () => {
    const fast = histogram();
    const slow = histogram();
    for (let round = 0; round < 3; round++) {
      for (const [m, r, s] of SETS) {
        for (const v of VALUES) {
          durationObserver(fast.h, m, r, s).observe(v);
          slow.h.labels(m, r, String(s)).observe(v);
        }
      }
    }
    expect(await fast.registry.metrics()).toBe(await slow.registry.metrics());
  });

  test("after the registry is reset the next observations are counted afresh", async () => {
    const fast = histogram();
    const slow = histogram();
    durationObserver(fast.h, "GET", "/x", 200).observe(0.002);
    fast.registry.resetMetrics();
    for (const v of VALUES) {
      durationObserver(fast.h, "GET", "/x", 200).observe(v);
      slow.h.labels("GET", "/x", "200").observe(v);
    }
    expect(await fast.registry.metrics()).toBe(await slow.registry.metrics());
  });

  test("a value that is not a finite number is refused as prom-client refuses it", () => {
    const { h } = histogram();
    durationObserver(h, "GET", "/y", 200).observe(0.001);
    expect(() => durationObserver(h, "GET", "/y", 200).observe(Number.NaN)).toThrow(/not a valid number/);
  });
});
