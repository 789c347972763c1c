import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { backoffDelay, JobTimeoutError, withTimeout, type Canceller } from "./executor.ts";
import { jobIdOf } from "./bullmq.ts";

describe("job execution helpers", () => {
  test("exponential backoff doubles per attempt within ±20 % jitter; fixed stays put", () => {
    const b = { type: "exponential" as const, delayMs: 1000 };
    expect(backoffDelay(b, 1, () => 0.5)).toBe(1000);
    expect(backoffDelay(b, 3, () => 0.5)).toBe(4000);
    expect(backoffDelay(b, 3, () => 0)).toBe(3200);
    expect(backoffDelay(b, 3, () => 0.999999)).toBe(4800);
    expect(backoffDelay({ type: "fixed", delayMs: 250 }, 7, () => 0.5)).toBe(250);
  });

  test("withTimeout aborts the signal and rejects at the deadline; an outer abort stops it too", async () => {
    let aborted = false;
    const p = withTimeout(30, (signal) => new Promise<void>((res) => signal.addEventListener("abort", () => ((aborted = true), res()))));
    await expect(p).rejects.toBeInstanceOf(JobTimeoutError);
    expect(aborted).toBe(true);
    expect(await withTimeout(1000, () => 42)).toBe(42);
    const outer = new AbortController();
    const q = withTimeout(5000, () => new Promise(() => {}), outer.signal);
    outer.abort(new Error("shutting down"));
    await expect(q).rejects.toThrow("shutting down");
  });

  test("withTimeout with a Canceller: cancel aborts the run's signal and rejects; it is cleared once the run settles", async () => {
    const c: Canceller = {};
    let reason: unknown;
    const q = withTimeout(5000, (signal) => new Promise(() => signal.addEventListener("abort", () => (reason = signal.reason))), c);
    expect(typeof c.cancel).toBe("function");
    c.cancel!(new Error("shutting down"));
    await expect(q).rejects.toThrow("shutting down");
    expect(String(reason)).toContain("shutting down");
    expect(c.cancel).toBeUndefined();
    const d: Canceller = {};
    expect(await withTimeout(1000, async () => 7, d)).toBe(7);
    expect(d.cancel).toBeUndefined();
    const e: Canceller = {};
    await expect(withTimeout(20, () => new Promise(() => {}), e)).rejects.toBeInstanceOf(JobTimeoutError);
    expect(e.cancel).toBeUndefined();
  });

  test("outbox key → BullMQ job id is injective, never integer, never contains ':'", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const ia = jobIdOf(a);
        expect(ia).not.toContain(":");
        expect(/^\d+$/.test(ia)).toBe(false);
        if (a !== b) expect(jobIdOf(b)).not.toBe(ia);
      }),
      { numRuns: 2000 },
    );
    expect(jobIdOf("123")).not.toBe(jobIdOf("%d123"));
    expect(jobIdOf("schedule:x:2026")).toBe("schedule%3Ax%3A2026");
  });
});
