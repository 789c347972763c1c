// Hostile requests for what the OpenAPI document does not describe: payment-gateway webhooks (signed with the
// server's standard secret, so hostile payloads reach the payment and disbursement effects), the embedded dashboards,
// the platform routes, and methods no route declares.
import fc from "fast-check";
import { signStandard } from "../../extensions/payments/verify.ts";
import { type Case, type GenContext, HOSTILE_STRINGS, PROTO_KEYS, conforming, fromSchema, junkJson, mutatedOnce, segment } from "./arbitraries.ts";
import { jsonText, poisonEverywhere } from "./json.ts";
import type { Operation, Schema } from "./openapi.ts";

const TIME = { type: "string", pattern: "^20\\d\\d-0[1-9]-[0-2]\\dT[01]\\d:[0-5]\\d:[0-5]\\dZ$" };
const event = (types: string[], data: Record<string, Schema>): Schema => ({
  type: "object",
  required: ["type", "data"],
  properties: { type: { enum: types }, data: { type: "object", required: Object.keys(data), properties: data } },
});
/** The Standard Webhooks payloads the server understands, as schemas the generators can follow. */
const STANDARD_EVENTS: Record<"payments" | "disbursements", Schema> = {
  payments: event(["payment.succeeded"], {
    payment_id: { type: "string", minLength: 1, maxLength: 64 },
    va_number: { type: "string", pattern: "^\\d{10,16}$" },
    amount: { type: "integer", minimum: 1, maximum: 10_000_000 },
    currency: { enum: ["IDR"] },
    paid_at: TIME,
  }),
  disbursements: event(["disbursement.succeeded", "disbursement.failed"], {
    reference: { type: "string", minLength: 1, maxLength: 64 },
    amount: { type: "integer", minimum: 1, maximum: 10_000_000 },
    completed_at: TIME,
    failure_code: { type: "string", maxLength: 40 },
  }),
};

export interface SignedDelivery {
  path: string;
  id: string;
  body: string;
}

/** Signed standard deliveries with hostile payloads: each is verified, then parsed and applied by the server. */
export function signedDeliveries(ctx: GenContext, seed: number, runs: number): SignedDelivery[] {
  const body = (schema: Schema) =>
    fc.oneof(
      { weight: 3, arbitrary: conforming(schema, ctx) },
      { weight: 4, arbitrary: mutatedOnce(schema, ctx) },
      { weight: 2, arbitrary: fromSchema(schema, ctx) },
      { weight: 1, arbitrary: conforming(schema, ctx).map(poisonEverywhere) },
      { weight: 1, arbitrary: junkJson },
    );
  const arb = fc
    .constantFrom("payments" as const, "disbursements" as const)
    .chain((kind) => fc.record({ kind: fc.constant(kind), body: body(STANDARD_EVENTS[kind]).map(jsonText), repeat: fc.nat(9) }));
  return fc.sample(arb, { seed, numRuns: runs }).map((d, i) => ({
    path: `/webhooks/${d.kind}/standard`,
    // one in ten reuses an earlier event id: a duplicate delivery with another body
    id: `evt_fuzz_${seed}_${d.repeat === 0 && i > 0 ? i - 1 : i}`,
    body: d.body,
  }));
}

export function signedHeaders(secret: string, d: SignedDelivery, nowSeconds: number): Record<string, string> {
  return { "Content-Type": "application/json", "webhook-id": d.id, "webhook-timestamp": String(nowSeconds), "webhook-signature": signStandard(secret, d.id, nowSeconds, d.body) };
}

const junk = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 16 }));
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, "?").slice(0, 2000);

/** Unsigned or badly signed deliveries to every provider (and to providers that do not exist). */
export function forgedDeliveries(seed: number, runs: number): { method: string; c: Case }[] {
  const arb = fc.record({
    kind: fc.constantFrom("payments", "disbursements"),
    provider: fc.oneof(fc.constantFrom("standard", "snap", "xendit"), fc.constantFrom(...PROTO_KEYS), junk.filter((s) => s !== "")),
    headers: fc.dictionary(
      fc.constantFrom("webhook-id", "webhook-timestamp", "webhook-signature", "X-TIMESTAMP", "X-SIGNATURE", "X-EXTERNAL-ID", "x-callback-token", "Content-Type"),
      junk.map(headerSafe),
      { maxKeys: 5, noNullPrototype: true },
    ),
    body: fc.oneof(junkJson.map(jsonText), fc.constantFrom("", "{", "x".repeat(70_000))),
  });
  return fc.sample(arb, { seed, numRuns: runs }).map((d) => ({ method: "POST", c: { path: `/webhooks/${d.kind}/${segment(d.provider)}`, query: [], headers: { ...d.headers }, body: { text: d.body } } }));
}

/** Dashboard files, platform routes with junk queries, and methods no route declares on documented paths. */
export function otherRequests(ops: Operation[], seed: number, runs: number): { method: string; c: Case }[] {
  const out: { method: string; c: Case }[] = [];
  const names = [...PROTO_KEYS, "index.html", "assets/__proto__", "assets/constructor", "queues/constructor", "queues/static/__proto__", "..%2f..%2fetc%2fpasswd", "%E0%A4%A"];
  for (const n of names) out.push({ method: "GET", c: { path: `/_/admin/${n}`, query: [], headers: {} } });
  for (const path of ["/healthz", "/readyz", "/metrics", "/api/openapi.json", "/api/docs", "/.well-known/jwks.json"]) {
    out.push({ method: "GET", c: { path, query: [["__proto__", "x"], ["constructor[prototype][eq]", "1"], ["filter[__proto__]", "x"]], headers: {} } });
    out.push({ method: "POST", c: { path, query: [], headers: { "Content-Type": "application/json" }, body: { text: '{"__proto__":{"eq":1}}' } } });
  }
  const paths = [...new Set(ops.map((o) => o.path))];
  const arb = fc.record({ path: fc.constantFrom(...paths), method: fc.constantFrom("PUT", "PATCH", "DELETE", "POST", "OPTIONS", "HEAD"), q: fc.array(fc.tuple(junk, junk), { maxLength: 2 }) });
  for (const r of fc.sample(arb, { seed, numRuns: runs })) {
    const path = r.path.replace(/\{[^}]+\}/g, "x");
    if (ops.some((o) => o.path === r.path && o.method === r.method)) continue;
    out.push({ method: r.method, c: { path, query: r.q, headers: {}, body: r.method === "HEAD" || r.method === "OPTIONS" ? undefined : { text: "{}" } } });
  }
  return out;
}
