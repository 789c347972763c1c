import { afterEach, describe, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { activeTraceIds, contextFromTraceparent, currentTraceparent, startTracing, stopTracing, tracingEnabled, withSpan } from "./tracing.ts";
import { createLogger } from "./logger.ts";
import { startOtlpReceiver } from "../../test/kit/otlp.ts";

const TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

afterEach(() => stopTracing(1000));

describe("tracing off (no endpoint)", () => {
  test("spans are not made, nothing is propagated, log lines carry no trace id", async () => {
    expect(startTracing({ endpoint: undefined, serviceName: "t" })).toBe(false);
    expect(tracingEnabled()).toBe(false);
    const lines: string[] = [];
    const log = createLogger("info", {}, (l) => lines.push(l));
    const out = await withSpan("x", {}, async (span) => {
      expect(span).toBeUndefined();
      expect(currentTraceparent()).toBeNull();
      expect(activeTraceIds()).toBeNull();
      log.info("inside");
      return 7;
    });
    expect(out).toBe(7);
    expect(JSON.parse(lines[0]!)).not.toHaveProperty("traceId");
  });
});

describe("tracing on", () => {
  test("traceparent round trip: a span continued from a stored context is its child, in the same trace, exported over OTLP/HTTP", async () => {
    const rx = startOtlpReceiver();
    try {
      expect(startTracing({ endpoint: rx.url, serviceName: "unit", simple: true })).toBe(true);
      const lines: string[] = [];
      const log = createLogger("info", {}, (l) => lines.push(l));
      let stored: string | null = null;
      let parentIds: { traceId: string; spanId: string } | null = null;
      withSpan("request", { a: 1 }, () => {
        parentIds = activeTraceIds();
        withSpan("enqueue", {}, () => {
          stored = currentTraceparent();
        });
        log.info("in request");
      });
      expect(stored).toMatch(TP);
      // elsewhere (another process): no active span, the stored context is the parent
      expect(activeTraceIds()).toBeNull();
      await withSpan("job", {}, async () => {
        await Bun.sleep(1);
        const ids = activeTraceIds()!;
        expect(ids.traceId).toBe(parentIds!.traceId);
        log.info("in job");
      }, { parent: stored });
      // a root span starts a new trace even inside another
      withSpan("outer", {}, () => withSpan("sweep", {}, () => expect(activeTraceIds()!.traceId).not.toBe(parentIds!.traceId), { parent: null }));
      // an error is recorded and rethrown
      expect(() => withSpan("fails", {}, () => { throw new Error("boom"); })).toThrow("boom");
      // an invalid traceparent starts a new trace
      expect(trace.getSpanContext(contextFromTraceparent("garbage"))).toBeUndefined();

      const logged = lines.map((l) => JSON.parse(l));
      expect(logged[0].traceId).toBe(parentIds!.traceId);
      expect(logged[0].spanId).toBe(parentIds!.spanId);
      expect(logged[1].traceId).toBe(parentIds!.traceId);

      await rx.waitFor((s) => s.length >= 6);
      const byName = Object.fromEntries(rx.spans.map((s) => [s.name, s]));
      expect(byName.request!.parentSpanId).toBeNull();
      expect(byName.request!.attributes.a).toBe(1);
      expect(byName.request!.service).toBe("unit");
      expect(byName.enqueue!.parentSpanId).toBe(byName.request!.spanId);
      expect(byName.job!.parentSpanId).toBe(byName.enqueue!.spanId);
      expect(byName.job!.traceId).toBe(byName.request!.traceId);
      expect(byName.sweep!.parentSpanId).toBeNull();
      expect(byName.sweep!.traceId).not.toBe(byName.outer!.traceId);
      expect(stored!.split("-")[2]).toBe(byName.enqueue!.spanId);
    } finally {
      rx.stop();
    }
  });
});
