// Tracing through the embedded runner (no Redis): the job continues the trace stored on its outbox row, the apply
// is a child of the job, hooks of an event emitted there continue it too; a row written outside any span (a
// scheduled job, say) starts a trace of its own.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { defineExtension, defineHook, defineJob, z } from "../runtime/index.ts";
import { queuePlatform, startTestRuntime } from "../../test/kit/queue.ts";
import { startOtlpReceiver, type ReceivedSpan } from "../../test/kit/otlp.ts";
import { startTracing, stopTracing, withSpan } from "../observability/tracing.ts";

const traced = defineJob({
  name: "tt.traced",
  payload: z.object({ n: z.number().int() }),
  runsOn: "owner",
  handler: (p) => ({ n: p.n + 1 }),
  apply(result, _payload, t) {
    t.emit("application.submitted", { applicationId: `a-${result.n}`, userId: "u-traced" });
  },
});
const ext = defineExtension({
  name: "tracing-test",
  jobs: [traced],
  events: { "application.submitted": z.object({ applicationId: z.string(), userId: z.string() }) },
  hooks: [defineHook({ event: "application.submitted", handler() {} })],
});

let rx: ReturnType<typeof startOtlpReceiver>;
let p: ReturnType<typeof queuePlatform>;
let running: Awaited<ReturnType<typeof startTestRuntime>>;

beforeAll(async () => {
  rx = startOtlpReceiver();
  startTracing({ endpoint: rx.url, serviceName: "embedded", simple: true });
  p = queuePlatform("embedded");
  running = await startTestRuntime(p, { extensions: [ext], jobs: [] });
});

afterAll(async () => {
  await running?.stop();
  await stopTracing(1000);
  p?.cleanup();
  rx?.stop();
});

test("embedded runner: request → enqueue → job → apply → emit → hook in one trace; a row written outside a span starts its own", async () => {
  const ctx = running.rt.context();
  let requestTrace = "";
  withSpan("request", {}, (span) => {
    requestTrace = span!.spanContext().traceId;
    ctx.enqueue(traced, { n: 1 }, { key: "in-request" });
  });
  ctx.enqueue(traced, { n: 10 }, { key: "scheduled-like" });

  const find = (s: ReceivedSpan[], name: string, key?: string) => s.find((x) => x.name === name && (key === undefined || x.attributes["kreditku.job.key"] === key));
  await rx.waitFor((s) => s.filter((x) => x.name.startsWith("hook ")).length >= 2);
  const s = rx.spans;
  const byId = new Map(s.map((x) => [x.spanId, x]));
  const parentName = (x: ReceivedSpan | undefined) => (x?.parentSpanId ? byId.get(x.parentSpanId)?.name : undefined);

  const request = find(s, "request")!;
  const enqueue = find(s, "enqueue tt.traced", "in-request")!;
  const job = find(s, "job tt.traced", "in-request")!;
  const apply = find(s, "apply tt.traced", "in-request")!;
  expect(enqueue.parentSpanId).toBe(request.spanId);
  expect(job.parentSpanId).toBe(enqueue.spanId);
  expect(apply.parentSpanId).toBe(job.spanId);
  const hooks = s.filter((x) => x.name.startsWith("hook ") && x.traceId === requestTrace);
  expect(hooks).toHaveLength(1);
  expect(parentName(hooks[0])).toBe("emit application.submitted");
  expect(parentName(byId.get(hooks[0]!.parentSpanId!))).toBe("apply tt.traced");
  expect(new Set([request, enqueue, job, apply, ...hooks].map((x) => x.traceId))).toEqual(new Set([requestTrace]));
  expect(p.db.read.get<{ t: string }>("SELECT trace_context AS t FROM outbox WHERE key = 'in-request'")!.t).toBe(`00-${requestTrace}-${enqueue.spanId}-01`);

  // written outside any span: the enqueue span is a root, the job continues that trace (not the request's)
  const lone = find(s, "enqueue tt.traced", "scheduled-like")!;
  expect(lone.parentSpanId).toBeNull();
  expect(lone.traceId).not.toBe(requestTrace);
  expect(find(s, "job tt.traced", "scheduled-like")!.parentSpanId).toBe(lone.spanId);
});
