// An OTLP/HTTP trace receiver (JSON bodies) on 127.0.0.1: collects every span POSTed to /v1/traces with the
// service name of the resource it came with.
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
}
const valueOf = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));
const attrs = (list: { key: string; value: OtlpValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

export function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  let requests = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method !== "POST" || path !== "/v1/traces") return new Response("not found", { status: 404 });
      if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return new Response("JSON only", { status: 415 });
      requests++;
      const body = (await req.json()) as {
        resourceSpans?: { resource?: { attributes?: { key: string; value: OtlpValue }[] }; scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: { key: string; value: OtlpValue }[] }[] }[] }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const service = String(attrs(rs.resource?.attributes)["service.name"] ?? "");
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || null, name: s.name, attributes: attrs(s.attributes) });
          }
        }
      }
      return Response.json({});
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    spans,
    get requests() {
      return requests;
    },
    /** Wait until pred holds over the spans received (polling), or fail after timeoutMs. */
    async waitFor(pred: (spans: ReceivedSpan[]) => boolean, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!pred(spans)) {
        if (Date.now() > until) throw new Error(`OTLP receiver: condition not met in ${timeoutMs} ms; got ${spans.map((s) => `${s.service}:${s.name}`).join(", ")}`);
        await Bun.sleep(100);
      }
    },
    stop: () => server.stop(true),
  };
}
