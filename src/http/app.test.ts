// The HTTP app: probes and request ids, validation and malformed-JSON problems, 404/405, 500 without internals, the
// body limit, the header limit, the access log, the document, and Idempotency-Key — on routes declared the one way
// (declareRoute, mounted by mountPlatformRoutes).
import { describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { SECURE_HEADER_OPTIONS, SECURE_HEADERS, type App, type AppModule } from "./app.ts";
import type { Platform } from "./types.ts";
import { declareRoute } from "./route.ts";
import { mountPlatformRoutes } from "./mount.ts";
import { appPerTest, testApp, type TestAppOptions } from "../../test/kit/app.ts";

/** The HTTP app with only the given modules (no auth, no extensions) on a fresh depot. */
const bare = (modules: AppModule[], config: Record<string, unknown> = {}): TestAppOptions => ({ modules, config: { trustProxy: false, ...config }, extensionRuntime: false, now: "2026-01-01T00:00:00Z" });

let counter = 0;
const Counted = z.object({ n: z.number() }).passthrough();
const echo = {
  register(app: App, platform: Platform) {
    mountPlatformRoutes(app, platform, [
      declareRoute({
        method: "post",
        path: "/api/v1/echo",
        summary: "Echo",
        access: "public",
        request: { body: z.object({ name: z.string().min(2), loan_amount: z.number().int().positive() }) },
        responses: { 201: { description: "echoed", schema: z.object({ n: z.number(), name: z.string() }) } },
        handler: (req) => ({ status: 201, body: { n: ++counter, name: req.body.name } }),
      }),
      declareRoute({
        method: "post",
        path: "/api/v1/slow",
        summary: "Slow",
        access: "public",
        idempotent: true,
        responses: { 201: { description: "done", schema: Counted } },
        handler: async () => {
          await Bun.sleep(50);
          return { status: 201, body: { n: ++counter } };
        },
      }),
      declareRoute({
        method: "post",
        path: "/api/v1/idem",
        summary: "Idempotent",
        access: "public",
        idempotent: true,
        request: { body: z.record(z.string(), z.unknown()) },
        responses: { 201: { description: "done", schema: Counted } },
        handler: (req) => ({ status: 201, body: { n: ++counter, body: req.body } }),
      }),
      declareRoute({
        method: "get",
        path: "/api/v1/boom",
        summary: "Fails",
        access: "public",
        responses: { 200: { description: "never" } },
        handler: () => {
          throw new Error("kaboom");
        },
      }),
    ]);
  },
};

describe("http app", () => {
  const t = appPerTest(bare([echo]));
  const req = (path: string, init?: RequestInit) => t.request(path, init);

  test("healthz and request id echo", async () => {
    const res = await req("/healthz", { headers: { "X-Request-Id": "abc-123" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("a hostile request id is replaced", async () => {
    const res = await req("/healthz", { headers: { "X-Request-Id": "bad id\u0001" } });
    expect(res.headers.get("x-request-id")).not.toBe("bad id\u0001");
  });

  test("validation errors are 422 problem+json listing the fields", async () => {
    const res = await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "x", loan_amount: 1.5 }) });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body: any = await res.json();
    expect(body.type).toEndWith("/validation-error");
    expect(body.errors.map((e: any) => e.path).sort()).toEqual(["loan_amount", "name"]);
  });

  test("malformed JSON is 400 problem+json", async () => {
    const res = await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).type).toEndWith("/malformed-json");
  });

  test("a body in another media type, or without a Content-Type, is 415 problem+json naming the type to send; no body at all is {}", async () => {
    for (const headers of [{ "Content-Type": "text/plain" }, { "Content-Type": "application/x-www-form-urlencoded" }, {} as Record<string, string>]) {
      const res = await req("/api/v1/echo", { method: "POST", headers, body: JSON.stringify({ name: "ana", loan_amount: 1 }) });
      expect(res.status).toBe(415);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const body: any = await res.json();
      expect(body.type).toEndWith("/unsupported-media-type");
      expect(body.detail).toContain("Content-Type: application/json");
    }
    const ok = await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": "application/merge-patch+json; charset=utf-8" }, body: JSON.stringify({ name: "ana", loan_amount: 1 }) });
    expect(ok.status).not.toBe(415);
    for (const type of ["text/plain", "application/json"]) {
      const none = await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": type } });
      expect(none.status).toBe(422); // read as {}: the schema's field errors
      const empty = await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": type, "Content-Length": "0" }, body: "" });
      expect(empty.status).toBe(422);
    }
  });

  test("404 and 405 are problem+json", async () => {
    const a = await req("/api/v1/nothing");
    expect(a.status).toBe(404);
    expect(a.headers.get("content-type")).toContain("problem+json");
    const b = await req("/api/v1/echo", { method: "DELETE" });
    expect(b.status).toBe(405);
    expect(b.headers.get("allow")).toBe("POST");
  });

  test("unhandled errors are a 500 problem without internals", async () => {
    const res = await req("/api/v1/boom");
    expect(res.status).toBe(500);
    const body: any = await res.json();
    expect(JSON.stringify(body)).not.toContain("kaboom");
    expect(body.requestId).toBeString();
  });

  test("body limit answers 413", async () => {
    await using small = testApp(bare([echo], { bodyLimitBytes: 100 }));
    const res = await small.request("/api/v1/echo", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "x".repeat(500), loan_amount: 1 }) });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toContain("problem+json");
  });

  test("an oversized request head is a 431 problem with a stable type", async () => {
    const big = await req("/healthz", { headers: { Authorization: `Bearer ${"a".repeat(20_000)}` } });
    expect(big.status).toBe(431);
    expect(big.headers.get("content-type")).toContain("application/problem+json");
    expect(await big.json()).toMatchObject({ type: "https://kreditku.dev/problems/request-header-too-large", status: 431, limit: 16384 });
    const longUrl = await req(`/api/v1/echo?q=${"x".repeat(17_000)}`);
    expect(longUrl.status).toBe(431);
    expect((await req("/healthz", { headers: { "X-Note": "n".repeat(15_000) } })).status).toBe(200);
  });

  test("every answer carries the security headers Hono's secureHeaders middleware would set, and X-Request-Id", async () => {
    const hono = new Hono();
    hono.use("*", secureHeaders(SECURE_HEADER_OPTIONS as any));
    hono.get("/", (c) => c.text(""));
    const want: [string, string][] = [];
    (await hono.request("/")).headers.forEach((v, k) => k !== "content-type" && want.push([k, v]));
    expect(want.length).toBe(SECURE_HEADERS.length);
    expect(want.find(([k]) => k === "content-security-policy")?.[1]).toContain("frame-ancestors 'none'");
    const answers = [
      await req("/healthz"),
      await req("/nowhere"),
      await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{nope" }),
      await req("/api/v1/boom"),
      await req("/healthz", { headers: { Authorization: `Bearer ${"a".repeat(20_000)}` } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 400, 500, 431]);
    for (const r of answers) {
      for (const [k, v] of want) expect(r.headers.get(k)).toBe(v);
      expect(r.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers.get("x-powered-by")).toBeNull();
    }
  });

  test("the access-log line names the route template, the status and the caller's request id, also for refusals", async () => {
    const before = t.logLines.length;
    await req("/api/v1/echo", { method: "POST", headers: { "Content-Type": "application/json", "X-Request-Id": "rid-1" }, body: JSON.stringify({ name: "x" }) });
    await req("/nowhere", { headers: { "X-Request-Id": "rid-2" } });
    await req("/healthz", { headers: { "X-Request-Id": "rid-3", "X-Note": "n".repeat(17_000) } });
    const lines = t.logLines.slice(before).map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(lines).toEqual([
      expect.objectContaining({ requestId: "rid-1", method: "POST", path: "/api/v1/echo", route: "/api/v1/echo", status: 422, userId: null }),
      expect.objectContaining({ requestId: "rid-2", method: "GET", path: "/nowhere", route: "unmatched", status: 404 }),
      expect.objectContaining({ requestId: "rid-3", route: "unmatched", status: 431 }),
    ]);
  });

  test("one JSON access-log line per request, and the duration histogram by route", async () => {
    const before = t.logLines.length;
    await req("/healthz");
    const line = JSON.parse(t.logLines[before]);
    expect(line).toMatchObject({ msg: "request", method: "GET", route: "/healthz", status: 200 });
    expect(await t.platform.metrics.text()).toContain('http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}');
  });

  test("openapi document is generated from the routes", async () => {
    const doc: any = await (await req("/api/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/api/v1/echo"].post).toBeDefined();
    expect(doc.paths["/api/v1/slow"].post.parameters).toEqual([expect.objectContaining({ $ref: "#/components/parameters/IdempotencyKey" })]);
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: "Idempotency-Key", in: "header", required: false });
    expect(Object.keys(doc.paths["/api/v1/echo"].post.responses).sort()).toEqual(["201", "400", "413", "415", "422"]);
    expect(doc.paths["/api/v1/echo"].post.responses["422"]).toEqual({ $ref: "#/components/responses/ValidationFailed" });
    expect(doc.components.responses.ValidationFailed.content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
    expect(doc.components.schemas.Problem.properties.errors.type).toBe("array");
    const page = await req("/api/docs");
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual([expect.stringMatching(/^\/api\/docs\/scalar-[\d.]+\.js$/), "/api/docs/init.js"]);
    for (const src of scripts) {
      const js = await req(src);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toContain("javascript");
    }
    expect(await (await req("/api/docs/init.js")).text()).toContain('url: "/api/openapi.json"');
  });

  describe("Idempotency-Key", () => {
    const post = (path: string, key: string | null, body: unknown) =>
      req(path, { method: "POST", headers: { "Content-Type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) }, body: JSON.stringify(body) });

    test("same key + same body replays the stored response", async () => {
      const a = await post("/api/v1/idem", "k1", { a: 1 });
      const b = await post("/api/v1/idem", "k1", { a: 1 });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(await b.json()).toEqual(await a.json());
      expect(b.headers.get("idempotent-replayed")).toBe("true");
    });

    test("same key + other body is 422", async () => {
      await post("/api/v1/idem", "k2", { a: 1 });
      const b = await post("/api/v1/idem", "k2", { a: 2 });
      expect(b.status).toBe(422);
    });

    test("still running is 409", async () => {
      const [a, b] = await Promise.all([post("/api/v1/slow", "k3", {}), post("/api/v1/slow", "k3", {})]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
    });

    test("expires after 24 h", async () => {
      const first: any = await (await post("/api/v1/idem", "k4", { a: 1 })).json();
      t.clock.advance(24 * 3600 * 1000 + 1);
      const again: any = await (await post("/api/v1/idem", "k4", { a: 1 })).json();
      expect(again.n).not.toBe(first.n);
    });
  });
});

describe("Idempotency-Key scope and recovery", () => {
  let runs = 0;
  const mod = {
    register(app: App, platform: Platform) {
      mountPlatformRoutes(app, platform, [
        declareRoute({
          method: "post",
          path: "/api/v1/things/{id}/touch",
          summary: "Touch",
          access: "public",
          idempotent: true,
          request: { params: z.object({ id: z.string() }) },
          responses: { 200: { description: "touched", schema: z.object({ id: z.string(), run: z.number() }) } },
          handler: (req) => ({ status: 200, body: { id: req.params.id, run: ++runs } }),
        }),
      ]);
    },
  };
  const t = appPerTest(bare([mod]));
  const touch = (id: string, key: string) => t.request(`/api/v1/things/${id}/touch`, { method: "POST", headers: { "Idempotency-Key": key } });

  test("the same key on another resource is another request (422), never a replay of the first", async () => {
    runs = 0;
    expect((await touch("A", "same")).status).toBe(200);
    const b = await touch("B", "same");
    expect(b.status).toBe(422);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(runs).toBe(1);
  });

  test("a key left running by a dead process is released after the abandon window", async () => {
    t.db.tx((w) =>
      w.run(
        "INSERT INTO idempotency_keys (scope, key, body_hash, state, created_at, expires_at) VALUES (?, 'stuck', 'x', 'running', ?, ?)",
        "anon POST /api/v1/things/:id/touch",
        new Date(t.clock.now().getTime() - 10 * 60 * 1000).toISOString(),
        new Date(t.clock.now().getTime() + 3600 * 1000).toISOString(),
      ),
    );
    const r = await touch("C", "stuck");
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).id).toBe("C");
  });
});

describe("client IP behind trusted proxies", () => {
  test("X-Forwarded-For is read from the right, so a client cannot choose its IP", async () => {
    const { clientIp } = await import("./rate-limit.ts");
    const seen: string[] = [];
    const ipModule = { register: (a: App) => a.get("/ip", (c) => { seen.push(clientIp(c as any)); return c.json({}); }) };
    await using app = testApp(bare([ipModule], { trustProxy: true }));
    await app.request("/ip", { headers: { "X-Forwarded-For": "6.6.6.6, 203.0.113.9" } });
    await app.request("/ip", { headers: { "X-Forwarded-For": "198.51.100.7" } });
    await using two = testApp(bare([ipModule], { trustProxy: true, trustedProxyHops: 2 }));
    await two.request("/ip", { headers: { "X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.2" } });
    expect(seen).toEqual(["203.0.113.9", "198.51.100.7", "203.0.113.9"]);
  });
});
