// The OpenAPI 3.1 document the app serves, from an in-process app with every module and extension: valid for
// swagger-parser with zero errors; every route of the app in it (as a path, or as a `webhooks` entry), but for the
// routes declared outside it (the admin dashboard's files, the queue dashboard, the reference page); one Problem
// schema with errors[] behind every error response; the Idempotency-Key header, 409 and 422 on idempotent routes;
// the problems each declaration implies; the payment webhooks with their payloads and signature headers; and an
// example for every request body and every response body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { testApp, type TestApp } from "./kit/app.ts";

let t: TestApp;
let doc: any;
beforeAll(async () => {
  t = testApp();
  const r = await t.call("GET", "/api/openapi.json");
  expect(r.status).toBe(200);
  doc = r.body;
});
afterAll(() => t?.close());

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
type Op = { where: string; method: string; path: string; op: any };
const operations = (): Op[] =>
  [["paths", doc.paths], ["webhooks", doc.webhooks ?? {}]].flatMap(([where, items]) =>
    Object.entries<any>(items).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ where, method: m, path, op: item[m] }))),
  );
/** A response, its reference (components/responses) followed. */
const response = (r: any) => (typeof r?.$ref === "string" ? doc.components.responses[r.$ref.split("/").pop()] : r);
const label = (o: Op) => `${o.where === "webhooks" ? "webhook " : ""}${o.method.toUpperCase()} ${o.path}`;
const media = (o: Op) => [
  ...Object.entries<any>(o.op.requestBody?.content ?? {}).map(([type, m]) => ({ where: `request ${type}`, status: 0, m })),
  ...Object.entries<any>(o.op.responses ?? {}).flatMap(([status, r]) => Object.entries<any>(response(r).content ?? {}).map(([type, m]) => ({ where: `${status} ${type}`, status: Number(status), m }))),
];

describe("the served OpenAPI document", () => {
  test("swagger-parser validates it with zero errors", async () => {
    await SwaggerParser.validate(structuredClone(doc));
    expect(doc.openapi).toBe("3.1.0");
  });

  test("a broken document does not pass the validator (the check is real)", async () => {
    const broken = structuredClone(doc);
    broken.paths["/api/v1/auth/me"].get.responses["200"].content["application/json"].schema = { $ref: "#/components/schemas/NoSuchSchema" };
    await expect(SwaggerParser.validate(broken)).rejects.toThrow();
  });

  test("every route of the app is in it, as a path or a webhooks entry, unless declared outside it", () => {
    const documented = new Set(operations().filter((o) => o.where === "paths").map((o) => `${o.method.toUpperCase()} ${o.path}`));
    const targets = operations().filter((o) => o.where === "webhooks").map((o) => /`POST ([^`]+)`/.exec(o.op.description)?.[1] ?? "");
    // a delivery names its concrete target (…/payments/snap for …/payments/{provider}, or the SNAP BI paths themselves)
    const webhookTargets = new Set([...targets, ...targets.map((p) => p.replace(/\/[^/]+$/, "/{provider}"))]);
    const outside = /^\/(_\/admin(\/.*)?|api\/docs(\/[^/]+\.js)?)$/;
    const missing: string[] = [];
    for (const r of t.app.routes) {
      if (r.method === "ALL" || r.path.endsWith("*")) continue;
      const path = r.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
      if (outside.test(path)) continue;
      const key = `${r.method} ${path}`;
      if (!documented.has(key) && !(r.method === "POST" && webhookTargets.has(path))) missing.push(key);
    }
    expect(missing).toEqual([]);
    for (const p of ["/healthz", "/readyz", "/metrics", "/.well-known/jwks.json", "/api/openapi.json", "/files/{key}", "/_/admin/queues/login", "/api/v1/admin/queues/session", "/api/v1/auth/login"]) {
      expect(Object.keys(doc.paths), p).toContain(p);
    }
  });

  test("operation ids are unique and every operation has a tag", () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations().filter((o) => !o.op.tags?.length).map(label)).toEqual([]);
    expect(doc.paths["/api/v1/loans/{id}"].get.operationId).toBe("getLoansById");
  });

  test("one Problem schema, with errors[], behind every error response", () => {
    const problem = doc.components.schemas.Problem;
    expect(problem.required).toEqual(["type", "title", "status"]);
    expect(problem.properties.errors.items.properties).toMatchObject({ path: { type: "string" }, message: { type: "string" } });
    expect(Object.keys(doc.components.schemas).filter((n) => /problem/i.test(n))).toEqual(["Problem"]);
    const offenders: string[] = [];
    // SNAP BI calls (the bank's access token, VA inquiry and payment) answer errors as the standard fixes them:
    // application/json {responseCode, responseMessage}; only the platform's own 413/429 stay problems there.
    const snap = (o: Op) => o.where === "webhooks" && o.path.startsWith("snap.");
    for (const o of operations().filter(snap)) {
      for (const status of ["400", "401"]) expect(o.op.responses[status].content["application/json"].schema, `${label(o)} ${status}`).toEqual({ $ref: "#/components/schemas/SnapResponse" });
    }
    for (const o of operations()) {
      for (const [status, r] of Object.entries<any>(o.op.responses)) {
        if (Number(status) < 400 || (snap(o) && !["413", "429"].includes(status))) continue;
        const schema = response(r)?.content?.["application/problem+json"]?.schema;
        if (schema?.$ref !== "#/components/schemas/Problem") offenders.push(`${label(o)} ${status}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test("idempotent routes take the Idempotency-Key header and document 409 and 422", () => {
    const idempotent = operations().filter((o) => (o.op.parameters ?? []).some((p: any) => p.$ref === "#/components/parameters/IdempotencyKey"));
    expect(idempotent.length).toBeGreaterThanOrEqual(10);
    for (const path of ["/api/v1/applications", "/api/v1/applications/{id}/accept", "/api/v1/admin/jobs/{id}/retry"]) expect(idempotent.map((o) => o.path)).toContain(path);
    for (const o of idempotent) expect(Object.keys(o.op.responses), label(o)).toEqual(expect.arrayContaining(["409", "422"]));
    const param = doc.components.parameters.IdempotencyKey;
    expect(param).toMatchObject({ name: "Idempotency-Key", in: "header", required: false });
    const schema = param.schema.$ref ? doc.components.schemas[param.schema.$ref.split("/").pop()] : param.schema;
    expect(schema).toMatchObject({ type: "string", minLength: 1, maxLength: 255 });
  });

  test("the problems a declaration implies: 401 unless public, 403 when role-restricted, 404 with path parameters, 413 with a body, 422 with input, 429 when rate-limited", () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    expect(statuses("/api/v1/admin/products", "post")).toEqual(expect.arrayContaining(["401", "403", "413", "422"]));
    expect(statuses("/api/v1/loans/{id}", "get")).toEqual(expect.arrayContaining(["401", "404", "422"]));
    expect(statuses("/api/v1/auth/me", "get")).toEqual(["200", "401", "429"]);
    expect(statuses("/api/v1/auth/login", "post")).toEqual(expect.arrayContaining(["400", "413", "422", "429"]));
    expect(statuses("/healthz", "get")).toEqual(["200"]);
    expect(doc.paths["/api/v1/auth/login"].post.responses["429"]).toEqual({ $ref: "#/components/responses/RateLimited" });
    expect(doc.components.responses.RateLimited.headers["Retry-After"]).toBeDefined();
    for (const o of operations().filter((o) => o.where === "paths")) {
      const secured = (o.op.security ?? []).length > 0;
      expect(Object.keys(o.op.responses).includes("401") || !secured, label(o)).toBe(true);
    }
  });

  test("the payment webhooks: one entry per kind and provider, with the payload, the signature headers and the answers", () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(["disbursement.snap", "disbursement.standard", "disbursement.xendit", "payment.snap", "payment.standard", "payment.xendit", "sms-status.twilio", "snap.access-token", "snap.va-inquiry", "snap.va-payment"]);
    expect(doc.webhooks["snap.va-payment"].post.description).toContain("POST /snap/v1.0/transfer-va/payment");
    expect(doc.webhooks["snap.va-payment"].post.parameters.map((p: any) => p.name)).toEqual(["Authorization", "X-TIMESTAMP", "X-SIGNATURE", "X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID"]);
    expect(doc.webhooks["snap.access-token"].post.parameters.map((p: any) => p.name)).toEqual(["X-TIMESTAMP", "X-CLIENT-KEY", "X-SIGNATURE"]);
    const standard = doc.webhooks["payment.standard"].post;
    expect(standard.description).toContain("POST /webhooks/payments/standard");
    expect(standard.parameters.filter((p: any) => p.in === "header" && p.required).map((p: any) => p.name).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(standard.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/StandardPaymentEvent" });
    expect(Object.keys(standard.responses).sort()).toEqual(["200", "400", "401", "413", "429", "500"]);
    expect(doc.webhooks["payment.snap"].post.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(["X-TIMESTAMP", "X-SIGNATURE", "X-EXTERNAL-ID"]));
    expect(doc.webhooks["disbursement.xendit"].post.parameters.map((p: any) => p.name)).toEqual(["x-callback-token"]);
  });

  test("an example for every request body and every response body", () => {
    const missing: string[] = [];
    for (const o of operations()) for (const { where, m } of media(o)) if (m.example === undefined && m.examples === undefined) missing.push(`${label(o)} ${where}`);
    expect(missing).toEqual([]);
    // 2xx examples are the declared (or the schema's own) examples, problems get one made from their status
    expect(doc.paths["/api/v1/quotes"].post.responses["200"].content["application/json"].example.installmentAmount).toBe(110_000);
    expect(doc.components.responses.ValidationFailed.content["application/problem+json"].example).toMatchObject({ status: 422, errors: [expect.objectContaining({ path: expect.any(String) })] });
  });
});
