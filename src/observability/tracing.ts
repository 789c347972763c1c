// OpenTelemetry tracing, off unless an OTLP endpoint is configured. Manual spans only (no auto-instrumentation):
// the HTTP request, the outbox row (its trace context stored on the row and carried in the BullMQ job), the job
// handler (a child of the request that wrote the row, in whichever process runs it) and the apply on the owner
// (a child of the handler's span, whose context travels with the result). Spans leave over OTLP/HTTP as JSON.
// When off every helper here runs the given function as it is: no context, no span, no allocation beyond a check.
import { AsyncLocalStorage } from "node:async_hooks";
import { context, propagation, trace, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type ContextManager, type Span, type Tracer } from "@opentelemetry/api";
import type { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

// The SDK (provider, processors, OTLP exporter, resources: ~1 MB of modules with semantic-conventions) is required
// when tracing starts, so a process without an OTLP endpoint never evaluates it. require() keeps startTracing
// synchronous; `bun build --compile` bundles each required package and evaluates it on that first call.
const sdk = () => ({
  ...(require("@opentelemetry/sdk-trace-base") as typeof import("@opentelemetry/sdk-trace-base")),
  ...(require("@opentelemetry/resources") as typeof import("@opentelemetry/resources")),
  ...(require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http")),
});

/** Context manager on AsyncLocalStorage: the active span follows awaits and callbacks. */
class AlsContextManager implements ContextManager {
  private als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = (...args: unknown[]) => this.als.run(ctx, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }
  enable() {
    return this;
  }
  disable() {
    this.als.disable();
    return this;
  }
}

/** The OTLP/HTTP traces URL of an endpoint: `<endpoint>/v1/traces` unless the endpoint already names that path. */
export function tracesUrl(endpoint: string): string {
  const e = endpoint.replace(/\/+$/, "");
  return e.endsWith("/v1/traces") ? e : `${e}/v1/traces`;
}

export interface TracingOptions {
  endpoint: string;
  serviceName: string;
  /** Export each span as it ends (tests); batched otherwise. */
  simple?: boolean;
}

let provider: BasicTracerProvider | null = null;
let tracer: Tracer | null = null;
let w3c: W3CTraceContextPropagator | undefined;
const propagator = () => (w3c ??= new (require("@opentelemetry/core") as typeof import("@opentelemetry/core")).W3CTraceContextPropagator());

/** Start tracing when an endpoint is given (config `tracing.otlpEndpoint`); a no-op otherwise. Returns whether tracing is on. */
export function startTracing(o: Omit<TracingOptions, "endpoint"> & { endpoint?: string }): boolean {
  if (!o.endpoint || provider) return provider !== null;
  const { OTLPTraceExporter, SimpleSpanProcessor, BatchSpanProcessor, BasicTracerProvider, resourceFromAttributes } = sdk();
  const exporter = new OTLPTraceExporter({ url: tracesUrl(o.endpoint), timeoutMillis: 5000 }); // OTLP/HTTP, JSON bodies
  const delay = Number(process.env.OTEL_BSP_SCHEDULE_DELAY ?? 1000);
  const processor = o.simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, { scheduledDelayMillis: Number.isFinite(delay) && delay >= 0 ? delay : 1000 });
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": o.serviceName }),
    spanProcessors: [processor],
  });
  context.setGlobalContextManager(new AlsContextManager());
  propagation.setGlobalPropagator(propagator());
  trace.setGlobalTracerProvider(provider);
  tracer = provider.getTracer("kreditku");
  return true;
}

/** Flush what is pending (bounded by timeoutMs) and turn tracing off. */
export async function stopTracing(timeoutMs = 3000) {
  const p = provider;
  if (!p) return;
  provider = null;
  tracer = null;
  await Promise.race([p.shutdown().catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs).unref?.())]);
  trace.disable();
  propagation.disable();
  context.disable();
}

export function tracingEnabled(): boolean {
  return tracer !== null;
}

/** The trace and span id of the active span (for log lines); null when tracing is off or no span is active. */
export function activeTraceIds(): { traceId: string; spanId: string } | null {
  if (!tracer) return null;
  const s = trace.getActiveSpan();
  if (!s) return null;
  const c = s.spanContext();
  return { traceId: c.traceId, spanId: c.spanId };
}

/** W3C traceparent of the active span (what is stored on an outbox row or sent along); null when none. */
export function currentTraceparent(ctx?: Context): string | null {
  if (!tracer) return null;
  const carrier: Record<string, string> = {};
  propagator().inject(ctx ?? context.active(), carrier, { set: (c, k, v) => (c[k] = v) });
  return carrier.traceparent ?? null;
}

/** A context whose parent is the span named by a W3C traceparent (the root context when absent or invalid). */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagator().extract(ROOT_CONTEXT, { traceparent }, { get: (c, k) => c[k as "traceparent"], keys: (c) => Object.keys(c) });
}

/** Run fn with the span named by a traceparent active (no new span): log lines about that span's work carry its ids. */
export function withTraceContext<T>(traceparent: string | null | undefined, fn: () => T): T {
  if (!tracer || !traceparent) return fn();
  return context.with(contextFromTraceparent(traceparent), fn);
}

export interface SpanOptions {
  /** Parent from a stored/received traceparent; `null` starts a root span (a new trace). Absent: the active span. */
  parent?: string | null;
  kind?: SpanKind;
}

/**
 * Run fn inside a span (ended when fn settles; an error is recorded and rethrown). When tracing is off fn runs
 * as it is. fn receives the span (undefined when off) to add attributes.
 */
export function withSpan<T>(name: string, attrs: Attributes, fn: (span?: Span) => T, opts: SpanOptions = {}): T {
  const t = tracer;
  if (!t) return fn();
  const parent = opts.parent === undefined ? context.active() : contextFromTraceparent(opts.parent);
  const span = t.startSpan(name, { attributes: attrs, kind: opts.kind ?? SpanKind.INTERNAL, root: opts.parent === null }, parent);
  const fail = (err: unknown) => {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    span.end();
  };
  return context.with(trace.setSpan(parent, span), () => {
    let out: T;
    try {
      out = fn(span);
    } catch (err) {
      fail(err);
      throw err;
    }
    if (out instanceof Promise) {
      return out.then(
        (v) => {
          span.end();
          return v;
        },
        (err) => {
          fail(err);
          throw err;
        },
      ) as T;
    }
    span.end();
    return out;
  });
}

/**
 * The server span of one HTTP request: parent from an incoming `traceparent` header, named by the route template
 * once known, with the status. Runs next() as it is when tracing is off.
 */
export async function traceRequest(req: { method: string; path: string; traceparent?: string; route: () => string | undefined; status: () => number }, next: () => Promise<void>) {
  if (!tracer) return next();
  return withSpan(
    `${req.method} ${req.path}`,
    { "http.request.method": req.method, "url.path": req.path },
    async (span) => {
      await next();
      const route = req.route();
      const status = req.status();
      if (route && route !== "/*") {
        span?.updateName(`${req.method} ${route}`);
        span?.setAttribute("http.route", route);
      }
      span?.setAttribute("http.response.status_code", status);
      if (status >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
    },
    { parent: req.traceparent ?? null, kind: SpanKind.SERVER },
  );
}

export { SpanKind };
