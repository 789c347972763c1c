// A gauge read at scrape time never holds the scrape: a read that hangs or throws serves the gauge's last values and
// sets metrics_collect_stale{metric} to 1; the next good read clears it.
import { expect, test } from "bun:test";
import { Metrics } from "./metrics.ts";

test("a hanging or failing gauge read is bounded, served from its last value and flagged stale", async () => {
  const m = new Metrics({ defaultMetrics: false, collectTimeoutMs: 200 });
  let mode: "ok" | "hang" | "throw" = "ok";
  let value = 7;
  m.gauge("dep_things", "Things from a dependency", ["kind"], async function () {
    if (mode === "hang") await new Promise(() => {});
    if (mode === "throw") throw new Error("dependency down");
    const v = value; // read first, then replace the values
    this.reset();
    this.set({ kind: "a" }, v);
  });
  m.gauge("local_things", "Things from SQLite", [], function () {
    this.set(3);
  });
  expect(await m.text()).toMatch(/^dep_things\{kind="a"\} 7$/m);
  expect(await m.text()).toMatch(/^metrics_collect_stale\{metric="dep_things"\} 0$/m);

  mode = "hang";
  value = 9;
  const t0 = performance.now();
  const hung = await m.text();
  expect(performance.now() - t0).toBeLessThan(600);
  expect(hung).toMatch(/^dep_things\{kind="a"\} 7$/m);
  expect(hung).toMatch(/^metrics_collect_stale\{metric="dep_things"\} 1$/m);
  expect(hung).toMatch(/^local_things 3$/m);
  expect(hung).toMatch(/^metrics_collect_stale\{metric="local_things"\} 0$/m);

  mode = "throw";
  const failed = await m.text(); // the hung read is still the one in flight: bounded again
  expect(failed).toMatch(/^metrics_collect_stale\{metric="dep_things"\} 1$/m);
});

test("a read that throws marks its gauge stale; the next good read clears it", async () => {
  const m = new Metrics({ defaultMetrics: false });
  let fail = true;
  m.gauge("flaky", "Flaky", [], function () {
    if (fail) throw new Error("no");
    this.set(1);
  });
  expect(await m.text()).toMatch(/^metrics_collect_stale\{metric="flaky"\} 1$/m);
  fail = false;
  const ok = await m.text();
  expect(ok).toMatch(/^metrics_collect_stale\{metric="flaky"\} 0$/m);
  expect(ok).toMatch(/^flaky 1$/m);
});
