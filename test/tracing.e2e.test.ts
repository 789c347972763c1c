// Tracing across the process boundary, on the built binary: serve and a `kreditku worker` on a Redis of the
// test's own, both exporting over OTLP/HTTP to a receiver started here. An application submitted with a
// traceparent is scored on the worker and decided on the owner: one trace holds the request, the enqueue (its
// context stored on the outbox row), the worker's job, the apply on the owner and the decision that follows, with
// the parent links across the processes; log lines inside carry the trace id. Without an endpoint nothing is
// exported and no line carries a trace id.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { BINARY, spawnUntilLog, startBinary, tempDepot, type Running, type Spawned } from "./kit/binary.ts";
import { Journey } from "./kit/journey.ts";
import { startOwnRedis, type OwnRedis } from "./kit/redis.ts";
import { startOtlpReceiver, type ReceivedSpan } from "./kit/otlp.ts";
import { uniquePrefix } from "./kit/queue.ts";

let redis: OwnRedis;
let rx: ReturnType<typeof startOtlpReceiver>;
let srv: Running;
let worker: Spawned;

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER = "00f067aa0ba902b7";
const UNTRACED = "0af7651916cd43dd8448eb211c80319c";

beforeAll(async () => {
  redis = await startOwnRedis();
  rx = startOtlpReceiver();
  const env = { REDIS_URL: redis.url, KREDITKU_QUEUE_PREFIX: uniquePrefix("tracing-e2e"), KREDITKU_TRUST_PROXY: "true", OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: "100", OTEL_SERVICE_NAME: "" };
  srv = await startBinary({ depot: tempDepot("kreditku-tracing-"), env });
  worker = await spawnUntilLog([BINARY, "worker", "--depot", srv.depot, "--port", "0"], { env, until: '"msg":"worker ready"' });
}, 60_000);

afterAll(async () => {
  if (worker?.proc.exitCode === null) {
    worker.proc.kill("SIGTERM");
    await worker.proc.exited;
  }
  if (srv) {
    await srv.stop();
    srv.cleanup();
  }
  rx?.stop();
  await redis?.close();
});

describe("traced: serve + worker exporting to an OTLP/HTTP receiver", () => {
  test("an application scored on the worker and decided on the owner is one trace with the spans of both processes", async () => {
    const j = new Journey(srv.url, srv.depot, "71");
    const b = await j.readyBorrower();
    const decided = await j.applyAndDecide(b, {}, { traceparent: `00-${TRACE}-${CALLER}-01` });
    expect(decided.id).toBeString();

    const inTrace = (s: ReceivedSpan[]) => s.filter((x) => x.traceId === TRACE);
    const named = (s: ReceivedSpan[], service: string, name: string) => inTrace(s).find((x) => x.service === service && x.name === name);
    // each process exports in its own batches: wait for the worker's span as well as the owner's
    await rx.waitFor((s) => !!named(s, "kreditku-worker", "job score-application") && !!named(s, "kreditku", "apply score-application") && !!named(s, "kreditku", "job decide-application"), 30_000);
    const spans = inTrace(rx.spans);
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    // the request: a server span continuing the caller's traceparent
    const request = named(spans, "kreditku", "POST /api/v1/applications")!;
    expect(request).toBeDefined();
    expect(request.parentSpanId).toBe(CALLER);
    expect(request.attributes["http.response.status_code"]).toBe(201);

    // the job on the worker: child of the enqueue span on the owner, which descends from the request
    const job = named(spans, "kreditku-worker", "job score-application")!;
    expect(job).toBeDefined();
    const enqueue = byId.get(job.parentSpanId!)!;
    expect(enqueue).toMatchObject({ service: "kreditku", name: "enqueue score-application" });
    const ancestors: string[] = [];
    for (let s: ReceivedSpan | undefined = enqueue; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) ancestors.push(s.spanId);
    expect(ancestors).toContain(request.spanId);

    // the apply on the owner: child of the worker's span; the decision it enqueues follows in the same trace
    const apply = named(spans, "kreditku", "apply score-application")!;
    expect(apply.parentSpanId).toBe(job.spanId);
    const decide = named(spans, "kreditku", "job decide-application")!;
    expect(byId.get(byId.get(decide.parentSpanId!)!.parentSpanId!)?.name).toMatch(/^apply (score-application|fraud-check)$/);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["kreditku", "kreditku-worker"]));

    // the trace context is stored on the outbox row
    const db = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    try {
      const row = db.query("SELECT trace_context FROM outbox WHERE name = 'score-application' ORDER BY id DESC LIMIT 1").get() as { trace_context: string };
      expect(row.trace_context).toBe(`00-${TRACE}-${enqueue.spanId}-01`);
    } finally {
      db.close();
    }

    // log lines inside the spans carry the trace id: the request line on serve, the job line on the worker
    const traced = (logs: string[]) => logs.filter((l) => l.includes(`"traceId":"${TRACE}"`)).map((l) => JSON.parse(l));
    expect(traced(srv.logs).some((l) => l.msg === "request" && l.path === "/api/v1/applications" && l.spanId === request.spanId)).toBe(true);
    expect(traced(worker.logs).some((l) => l.msg === "job completed" && l.name === "score-application" && l.spanId === job.spanId)).toBe(true);
  }, 90_000);
});

describe("traced: webhook deliveries", () => {
  test("a delivery is a trace of its own: the webhook span under the delivery's request span", async () => {
    const res = await fetch(`${srv.url}/webhooks/payments/standard`, { method: "POST", headers: { "Content-Type": "application/json", "X-Forwarded-For": "10.9.8.7" }, body: "{}" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const hook = (s: ReceivedSpan[]) => s.find((x) => x.service === "kreditku" && x.name.startsWith("webhook ") && x.attributes["url.path"] === "/webhooks/payments/standard");
    await rx.waitFor((s) => !!hook(s) && s.some((x) => x.spanId === hook(s)!.parentSpanId));
    const span = hook(rx.spans)!;
    const request = rx.spans.find((x) => x.spanId === span.parentSpanId)!;
    expect(request).toMatchObject({ service: "kreditku", traceId: span.traceId, parentSpanId: null, name: "POST /webhooks/payments/:provider" });
    expect(span.traceId).not.toBe(TRACE);
  }, 30_000);
});

describe("untraced (no endpoint)", () => {
  test("nothing is exported and no log line carries a trace id", async () => {
    const off = await startBinary({ depot: tempDepot("kreditku-untraced-"), env: { REDIS_URL: "", KREDITKU_TRUST_PROXY: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "", KREDITKU_OTLP_ENDPOINT: "", OTEL_SERVICE_NAME: "kreditku-untraced" } });
    try {
      const j = new Journey(off.url, off.depot, "72");
      const b = await j.readyBorrower();
      await j.applyAndDecide(b, {}, { traceparent: `00-${UNTRACED}-${CALLER}-01` });
      await Bun.sleep(500);
      expect(off.logs.some((l) => l.includes("traceId"))).toBe(false);
      const db = new Database(join(off.depot, "data/main.db"), { readonly: true });
      try {
        expect(db.query("SELECT count(*) AS n FROM outbox WHERE trace_context IS NOT NULL").get()).toEqual({ n: 0 });
        expect((db.query("SELECT count(*) AS n FROM outbox").get() as { n: number }).n).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    } finally {
      await off.stop();
      off.cleanup();
    }
    // the traced processes keep exporting; none of this server's work is among it
    expect(rx.spans.filter((x) => x.traceId === UNTRACED || x.service === "kreditku-untraced")).toEqual([]);
  }, 60_000);
});
