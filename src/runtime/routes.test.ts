// Extension routes mounted on the real app with the real auth module: validation (422), access (401/403),
// Idempotency-Key, rate limits, SSE, multipart, OpenAPI; ctx.tx with emit/enqueue → hook and job after commit.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defineEvents, defineExtension, defineHook, defineJob, defineRoute, problems, z, type EventPayloadsOf } from "./index.ts";
import { getRuntime, type Runtime } from "./runtime.ts";
import { mountExtensions } from "./routes.ts";
import { buildOpenApiDocument } from "../http/app.ts";
import { testAuth, type TestAuth } from "../../test/kit/app.ts";
import { waitFor } from "../../test/kit/wait.ts";

const ran: string[] = [];
const noteJob = defineJob({
  name: "routes.note",
  payload: z.object({ itemId: z.string() }),
  runsOn: "owner",
  handler(p, ctx) {
    ctx.tx((t) => t.run("UPDATE r_items SET noted = 1 WHERE id = ?", p.itemId));
    ran.push(`job:${p.itemId}`);
  },
});

// The test extension's own event, declared like an extension declares its events.
const ITEM_EVENTS = defineEvents({ "routes-test.item_created": z.object({ itemId: z.string(), userId: z.string() }) });
declare module "./types.ts" {
  interface EventPayloads extends EventPayloadsOf<typeof ITEM_EVENTS> {}
}

const Item = z.object({ id: z.string(), name: z.string(), amount: z.number().int() }).openapi("TestItem");

const ext = defineExtension({
  name: "routes-test",
  init(ctx) {
    ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS r_items (id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, amount INTEGER NOT NULL, noted INTEGER NOT NULL DEFAULT 0, hooked INTEGER NOT NULL DEFAULT 0) STRICT"));
    ran.push("init");
  },
  jobs: [noteJob],
  events: ITEM_EVENTS,
  hooks: [
    defineHook({
      event: "routes-test.item_created",
      handler(p, ctx) {
        ctx.tx((t) => t.run("UPDATE r_items SET hooked = hooked + 1 WHERE id = ?", p.itemId));
      },
    }),
  ],
  routes: [
    defineRoute({
      method: "post",
      path: "/api/v1/test-items",
      summary: "Create an item",
      access: ["borrower"],
      idempotent: true,
      request: { body: z.object({ name: z.string().min(1), amount_amount: z.number().int().positive() }) },
      responses: { 201: { description: "Created", schema: Item, example: { id: "i1", name: "x", amount: 5 } } },
      handler(req, ctx) {
        const id = `i${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
        ctx.tx((t) => {
          t.run("INSERT INTO r_items (id, owner, name, amount) VALUES (?, ?, ?, ?)", id, req.user!.id, req.body.name, req.body.amount_amount);
          t.emit("routes-test.item_created", { itemId: id, userId: req.user!.id });
          t.enqueue(noteJob, { itemId: id });
        });
        return { status: 201, body: { id, name: req.body.name, amount: req.body.amount_amount } };
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/v1/test-items/{id}",
      summary: "Read an item",
      access: "public",
      request: { params: z.object({ id: z.string().regex(/^i[a-z0-9]+$/) }), query: z.object({ verbose: z.enum(["0", "1"]).optional() }) },
      responses: { 200: { description: "The item", schema: Item }, 404: { description: "No such item" } },
      handler(req, ctx) {
        const row = ctx.db.get<any>("SELECT id, name, amount FROM r_items WHERE id = ?", req.params.id);
        if (!row) throw problems.notFound("Item");
        return { status: 200, body: { ...row, ...(req.query.verbose === "1" ? { verbose: true } : {}) }, headers: { "X-Test": "yes" } };
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/v1/test-admin",
      summary: "Admins only",
      access: ["admin"],
      responses: { 204: { description: "ok" } },
      handler: () => ({ status: 204 }),
    }),
    defineRoute({
      method: "get",
      path: "/api/v1/test-limited",
      summary: "Rate limited",
      access: "public",
      rateLimit: { key: "ip", limit: 2, windowSeconds: 60 },
      responses: { 200: { description: "ok", schema: z.object({ ip: z.string() }) } },
      handler: (req) => ({ status: 200, body: { ip: req.ip } }),
    }),
    defineRoute({
      method: "get",
      path: "/api/v1/test-events",
      summary: "Server-sent events",
      access: "authenticated",
      responses: { 200: { description: "SSE", contentType: "text/event-stream" } },
      handler: () => ({
        status: 200,
        stream: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("data: hello\n\n"));
            c.close();
          },
        }),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/api/v1/test-upload",
      summary: "Multipart",
      access: "public",
      request: { multipart: true },
      responses: { 200: { description: "ok", schema: z.object({ note: z.unknown(), size: z.number(), portError: z.string() }) } },
      async handler(req, ctx) {
        const form = await req.formData();
        const file = form.get("file") as File;
        let portError = "";
        try {
          ctx.port("no-such-port");
        } catch (e) {
          portError = (e as Error).message;
        }
        return { status: 200, body: { note: form.get("note"), size: file.size, portError } };
      },
    }),
  ],
});

describe("extension routes", () => {
  let t: TestAuth;
  let rt: Runtime;
  let token: string;
  beforeAll(async () => {
    t = testAuth();
    rt = getRuntime(t.p, { extensions: [ext], jobs: [], embedded: { pollMs: 200 } });
    mountExtensions(t.app, rt);
    await rt.start();
    token = (await t.signInBorrower("081234567890")).accessToken;
  });
  afterAll(async () => {
    await rt.stop(2000);
    t.close();
  });

  test("init ran at start", () => {
    expect(ran).toContain("init");
  });

  test("POST validates the body, needs a borrower token, and runs hook + job after commit", async () => {
    expect((await t.post("/api/v1/test-items", { name: "a", amount_amount: 5 })).status).toBe(401);
    const bad = await t.post("/api/v1/test-items", { name: "", amount_amount: -1 }, { token });
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const problem: any = await bad.json();
    expect(problem.errors.map((e: any) => e.path).sort()).toEqual(["amount_amount", "name"]);
    const ok = await t.post("/api/v1/test-items", { name: "kulkas", amount_amount: 1500000 }, { token });
    expect(ok.status).toBe(201);
    const item: any = await ok.json();
    expect(item).toMatchObject({ name: "kulkas", amount: 1500000 });
    await waitFor(() => t.p.db.read.get<any>("SELECT noted, hooked FROM r_items WHERE id = ?", item.id)?.hooked === 1, 3000, "hook");
    await waitFor(() => t.p.db.read.get<any>("SELECT noted FROM r_items WHERE id = ?", item.id)?.noted === 1, 3000, "job");
    expect(ran).toContain(`job:${item.id}`);
  });

  test("Idempotency-Key replays the stored response", async () => {
    const h = { "Idempotency-Key": "test-items-1" };
    const a = await t.post("/api/v1/test-items", { name: "tv", amount_amount: 10 }, { token, headers: h });
    const b = await t.post("/api/v1/test-items", { name: "tv", amount_amount: 10 }, { token, headers: h });
    expect(a.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    expect((await t.post("/api/v1/test-items", { name: "radio", amount_amount: 10 }, { token, headers: h })).status).toBe(422);
  });

  test("GET with path params and query, validated; 404 problem from the handler", async () => {
    const created: any = await (await t.post("/api/v1/test-items", { name: "hp", amount_amount: 7 }, { token })).json();
    const r = await t.get(`/api/v1/test-items/${created.id}?verbose=1`);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-test")).toBe("yes");
    expect(await r.json()).toEqual({ id: created.id, name: "hp", amount: 7, verbose: true });
    expect((await t.get("/api/v1/test-items/NOPE")).status).toBe(422);
    expect((await t.get(`/api/v1/test-items/${created.id}?verbose=2`)).status).toBe(422);
    const nf = await t.get("/api/v1/test-items/izzz");
    expect(nf.status).toBe(404);
    expect(nf.headers.get("content-type")).toContain("application/problem+json");
  });

  test("roles: a borrower may not call an admin route", async () => {
    expect((await t.get("/api/v1/test-admin")).status).toBe(401);
    expect((await t.get("/api/v1/test-admin", { token })).status).toBe(403);
  });

  test("per-route rate limit answers 429 with Retry-After", async () => {
    const ip = "10.77.0.1";
    expect((await t.get("/api/v1/test-limited", { ip })).status).toBe(200);
    expect((await t.get("/api/v1/test-limited", { ip })).status).toBe(200);
    const r = await t.get("/api/v1/test-limited", { ip });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBeTruthy();
  });

  test("SSE stream and multipart form", async () => {
    const s = await t.get("/api/v1/test-events", { token });
    expect(s.headers.get("content-type")).toContain("text/event-stream");
    expect(await s.text()).toBe("data: hello\n\n");
    const form = new FormData();
    form.set("note", "ktp");
    form.set("file", new File([new Uint8Array(1234)], "ktp.jpg", { type: "image/jpeg" }));
    const u = await t.app.request("/api/v1/test-upload", { method: "POST", body: form });
    expect(u.status).toBe(200);
    const body: any = await u.json();
    expect(body).toMatchObject({ note: "ktp", size: 1234 });
    expect(body.portError).toContain('port "no-such-port" is not registered');
  });

  test("OpenAPI: {id} paths, schemas, examples, bearerAuth on non-public routes", () => {
    const doc: any = buildOpenApiDocument(t.app);
    const post = doc.paths["/api/v1/test-items"].post;
    expect(post.security).toEqual([{ bearerAuth: [] }]);
    expect(post.requestBody.content["application/json"].schema).toBeDefined();
    expect(post.responses["201"].content["application/json"].example).toEqual({ id: "i1", name: "x", amount: 5 });
    expect(post.responses["422"]).toBeDefined();
    const get = doc.paths["/api/v1/test-items/{id}"].get;
    expect(get.security).toBeUndefined();
    expect(get.parameters.map((p: any) => p.name).sort()).toEqual(["id", "verbose"]);
    expect(doc.paths["/api/v1/test-upload"].post.requestBody.content["multipart/form-data"]).toBeDefined();
  });
});
