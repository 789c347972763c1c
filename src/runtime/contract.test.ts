// The extension contract: one tiny extension that contributes every kind of thing defineExtension takes — a route,
// a webhook, a record API with a personal-data column, a check, an overview part, an event with a hook, settings, a
// port, a start-up refusal — is mounted by the platform, which names none of it. Emitting an event no installed
// extension declares fails.
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { defineCheck, defineEvents, defineExtension, defineRoute, defineSettings, defineWebhook, definePiiPolicy, HttpProblem, recordColumns, z, type EventPayloadsOf, type ExtensionDefinition } from "./index.ts";
import { getRuntime } from "./runtime.ts";
import { buildOpenApiDocument } from "../http/app.ts";
import { ConfigError } from "../config.ts";
import { runCli } from "../cli/run.ts";
import { commandsFor } from "../cli/commands.ts";
import { testApp, freshIp, type TestApp } from "../../test/kit/app.ts";

const TINY_EVENTS = defineEvents({ "tiny.noted": z.object({ noteId: z.string() }) });
declare module "./types.ts" {
  interface EventPayloads extends EventPayloadsOf<typeof TINY_EVENTS> {}
}

const tinySettings = defineSettings({
  schema: z.object({ greeting: z.string().min(2).default("halo"), limit: z.coerce.number().int().positive().default(3) }),
  env: { TINY_GREETING: "greeting", TINY_LIMIT: "limit" },
});
const PII = definePiiPolicy({ "tiny.secret": { clearFor: ["admin"], mask: "hide" } });
const { id, txt } = recordColumns;
const hooked: string[] = [];
let portsBuilt = 0;
let refusal: string[] = [];

function tiny(over: Partial<ExtensionDefinition> = {}): ExtensionDefinition {
  return defineExtension({
    name: "tiny",
    routes: [
      defineRoute({
        method: "get",
        path: "/api/v1/tiny/greeting",
        summary: "The greeting from the settings",
        access: "public",
        responses: { 200: { description: "Greeting", schema: z.object({ greeting: z.string(), from: z.string() }) } },
        handler: (_req, ctx) => ({ status: 200, body: { greeting: ctx.settings(tinySettings).greeting, from: ctx.port<{ who(): string }>("tiny.who").who() } }),
      }),
      defineRoute({
        method: "post",
        path: "/api/v1/tiny/notes",
        summary: "Note something (emits tiny.noted)",
        access: "public",
        request: { body: z.object({ text: z.string() }) },
        responses: { 201: { description: "Noted", schema: z.object({ noteId: z.string() }) } },
        handler(req, ctx) {
          const noteId = `n${Date.now()}`;
          ctx.tx((t) => {
            t.run("INSERT INTO tiny_notes (id, text, secret) VALUES (?, ?, 'kept')", noteId, req.body.text);
            t.emit("tiny.noted", { noteId });
          });
          return { status: 201, body: { noteId } };
        },
      }),
      defineRoute({
        method: "post",
        path: "/api/v1/tiny/uploads",
        summary: "A multipart upload",
        access: "public",
        request: { multipart: true },
        responses: { 200: { description: "Size", schema: z.object({ size: z.number() }) } },
        handler: async (req) => ({ status: 200, body: { size: ((await req.formData()).get("file") as File).size } }),
      }),
    ],
    webhooks: [
      defineWebhook({
        path: "/webhooks/tiny/{source}",
        summary: "A tiny callback",
        bodyLimitBytes: 1024,
        deliveries: [
          {
            name: "tiny.gw",
            summary: "A callback from the tiny gateway",
            params: { source: "gw" },
            headers: { "x-tiny-token": { description: "The shared token", example: "let-me-in" } },
            payload: z.object({ hello: z.string() }),
            example: { hello: "world" },
          },
        ],
        responses: { 200: { description: "Received", schema: z.object({ source: z.string(), rawBody: z.string(), greeting: z.string() }) }, 401: { description: "Bad token" } },
        async handler(req, ctx) {
          if (req.headers.get("x-tiny-token") !== "let-me-in") {
            await req.rejected({ source: req.params.source });
            throw new HttpProblem(401, "tiny-unauthorized", "Not verified", "bad token");
          }
          return { status: 200, body: { source: req.params.source, rawBody: req.rawBody, greeting: ctx.settings(tinySettings).greeting } };
        },
      }),
    ],
    // over a table every depot has, so it exists when the app resolves its records
    records: [{ name: "tiny_meta", label: "Tiny meta", source: "_meta", idColumn: "key", columns: { key: id, value: txt({ pii: PII.column("tiny.secret") }) }, access: { admin: true, analyst: true } }],
    personalData: PII,
    events: TINY_EVENTS,
    hooks: [{ event: "tiny.noted", handler: (p) => void hooked.push(p.noteId) }],
    checks: [
      defineCheck({
        name: "tiny",
        description: "prove there is at most one note",
        run(db) {
          const has = db.get("SELECT 1 FROM sqlite_schema WHERE name = 'tiny_notes'");
          const n = has ? db.get<{ n: number }>("SELECT count(*) AS n FROM tiny_notes")!.n : 0;
          return n <= 1 ? { ok: true, summary: `${n} note(s)`, discrepancies: [], figures: { notes: n } } : { ok: false, summary: "", discrepancies: [{ detail: `${n} notes` }, { detail: "second" }], figures: { notes: n } };
        },
      }),
    ],
    overview: [{ name: "tiny", compute: (db) => db.get<{ n: number }>("SELECT count(*) AS n FROM tiny_notes")!.n }],
    settings: tinySettings,
    ports: {
      "tiny.who": (ctx) => {
        portsBuilt++;
        return { who: () => `tiny on ${ctx.config.queuePrefix}` };
      },
    },
    preflight: () => refusal,
    init(ctx) {
      ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS tiny_notes (id TEXT PRIMARY KEY, text TEXT NOT NULL, secret TEXT NOT NULL) STRICT"));
    },
    ...over,
  });
}

const open: TestApp[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  hooked.length = 0;
  portsBuilt = 0;
  refusal = [];
});
/** An app on a runtime with only the tiny extension; the tiny table exists before the app resolves its records. */
function tinyApp(opts: Parameters<typeof testApp>[0] = {}) {
  const t = testApp({ extensions: [tiny()], jobs: [], runtime: { embedded: { pollMs: 20 } }, ...opts });
  open.push(t);
  return t;
}

describe("an extension's contributions, mounted by the platform", () => {
  test("its route answers and is an OpenAPI operation; its webhook is a `webhooks` entry, not a path", async () => {
    const t = tinyApp({ env: { TINY_GREETING: "selamat pagi" } });
    const r = await t.call("GET", "/api/v1/tiny/greeting");
    expect(r).toMatchObject({ status: 200, body: { greeting: "selamat pagi", from: "tiny on kreditku" } });
    const doc = buildOpenApiDocument(t.app) as any;
    expect(doc.paths["/api/v1/tiny/greeting"].get.operationId).toBe("getTinyGreeting");
    expect(doc.paths["/api/v1/tiny/greeting"].get.tags).toEqual(["tiny"]);
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/webhooks/"))).toBe(false);
    const hook = doc.webhooks["tiny.gw"].post;
    expect(hook.description).toStartWith("Delivered to `POST /webhooks/tiny/gw`.");
    expect(hook.parameters).toContainEqual(expect.objectContaining({ name: "x-tiny-token", in: "header", required: true }));
    expect(hook.requestBody.content["application/json"].example).toEqual({ hello: "world" });
    expect(Object.keys(hook.responses).sort()).toEqual(["200", "400", "401", "413", "429"]);
  });

  test("its webhook gets the raw body; oversized bodies 413, non-UTF-8 400, rejected deliveries counted per client IP (then 429 before the body is read)", async () => {
    const t = tinyApp({ config: { webhookRejectLimit: 2 } });
    const ip = freshIp();
    const post = (body: BodyInit, token = "let-me-in", from = ip) => t.request("/webhooks/tiny/gw", { method: "POST", headers: { "x-tiny-token": token, "X-Forwarded-For": from, "content-type": "application/json" }, body });
    const raw = '{ "a" :1,\n"b": "é" }';
    const ok = await post(raw);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ source: "gw", rawBody: raw, greeting: "halo" });
    expect((await post("x".repeat(1025))).status).toBe(413);
    const bad = await post(new Uint8Array([0xff, 0xfe]));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).type).toEndWith("/malformed-webhook");
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await post("{}", "forged")).status);
    expect(codes).toEqual([401, 401, 429, 429]);
    // blocked: even a verified delivery from that IP waits; another IP is not affected
    expect((await post("{}")).status).toBe(429);
    expect((await post("{}", "let-me-in", freshIp())).status).toBe(200);
    expect(t.logs().some((l) => l.msg === "webhook deliveries rate-limited" && l.fields.source === "gw")).toBe(true);
  });

  test("its record API is listed and served, its personal-data column masked by its registered rule; its overview part appears", async () => {
    const t = tinyApp();
    await t.start();
    expect((await t.call("POST", "/api/v1/tiny/notes", { body: { text: "first" } })).status).toBe(201);
    const admin = t.staff("admin");
    const analyst = t.staff("analyst");
    const list = await t.call("GET", "/api/v1/records", { as: admin });
    expect(list.body.records.map((r: any) => r.name)).toEqual(["staff", "audit_log", "jobs", "tiny_meta"]);
    const key = t.db.read.get<{ key: string }>("SELECT key FROM _meta LIMIT 1")!.key;
    const row = (as: typeof admin) => t.call("GET", `/api/v1/records/tiny_meta/${encodeURIComponent(key)}`, { as });
    expect((await row(admin)).body).toHaveProperty("value");
    expect((await row(analyst)).body).not.toHaveProperty("value");
    expect((await t.call("GET", "/api/v1/records/tiny_meta", { as: t.borrower() })).status).toBe(403);
    const overview = await t.call("GET", "/api/v1/admin/overview", { as: admin });
    expect(overview.status).toBe(200);
    expect(overview.body).toMatchObject({ days: 30, tiny: 1 });
    // without the extension there is neither the record nor the part
    const bare = testApp({ extensions: [], jobs: [] });
    open.push(bare);
    expect((await bare.call("GET", "/api/v1/records/tiny_meta", { as: bare.staff("admin") })).status).toBe(404);
    expect((await bare.call("GET", "/api/v1/admin/overview", { as: bare.staff("admin") })).body).not.toHaveProperty("tiny");
  });

  test("its check is a CLI command (`kreditku tiny check`, --json, exit 1 with the first discrepancy)", async () => {
    const installed = { extensions: [tiny()], jobs: [] };
    expect(commandsFor(installed).map((c) => c.name)).toContain("tiny");
    const t = tinyApp();
    await t.start();
    const out: string[] = [];
    const err: string[] = [];
    const log = spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    const error = spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
    try {
      expect(await runCli(["tiny", "check", "--depot", t.depot], installed)).toBe(0);
      expect(out.pop()).toMatch(/^tiny ok: 0 note\(s\) \(\d+ ms\)$/);
      t.db.tx((w) => w.run("INSERT INTO tiny_notes VALUES ('a', 'a', 's'), ('b', 'b', 's')"));
      expect(await runCli(["tiny", "check", "--depot", t.depot], installed)).toBe(1);
      expect(err).toEqual(["tiny check FAILED: 2 notes", "(1 more discrepancy)"]);
      expect(await runCli(["tiny", "check", "--depot", t.depot, "--json"], installed)).toBe(1);
      expect(JSON.parse(out.pop()!)).toMatchObject({ ok: false, notes: 2, discrepancies: [{ detail: "2 notes" }, { detail: "second" }] });
      expect(await runCli(["--help"], installed)).toBe(0);
      expect(out.pop()).toContain("tiny     Tiny tools: tiny check (prove there is at most one note)");
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});

describe("events, settings, ports and start-up refusals", () => {
  test("a declared event reaches its hook after commit; an undeclared event, or a payload its schema refuses, throws and rolls back", async () => {
    const t = tinyApp();
    await t.start();
    const r = await t.call("POST", "/api/v1/tiny/notes", { body: { text: "x" } });
    expect(r.status).toBe(201);
    for (let i = 0; i < 100 && hooked.length === 0; i++) await Bun.sleep(20);
    expect(hooked).toEqual([r.body.noteId]);
    const ctx = t.context();
    expect(() => ctx.tx((tx) => (tx.run("INSERT INTO tiny_notes VALUES ('u', 'u', 's')"), tx.emit("tiny.unheard" as any, { noteId: "u" })))).toThrow('undeclared event "tiny.unheard"');
    expect(() => ctx.emit("tiny.noted", { noteId: 7 } as any)).toThrow('event "tiny.noted": invalid payload: noteId');
    expect(t.db.read.get("SELECT 1 FROM tiny_notes WHERE id = 'u'")).toBeFalsy();
    expect(() => ctx.emit("application.submitted" as any, { applicationId: "a", userId: "u" })).toThrow("undeclared event");
  });

  test("settings: config.json extensions.<name>, overridden by the declared variables; an invalid value stops the runtime naming it", () => {
    const fromFile = tinyApp({ config: { "extensions.tiny.greeting": "dari berkas", "extensions.tiny.limit": 5 }, env: { TINY_LIMIT: "9" } });
    expect(fromFile.context().settings(tinySettings)).toEqual({ greeting: "dari berkas", limit: 9 });
    let err: unknown;
    try {
      testApp({ extensions: [tiny()], jobs: [], env: { TINY_LIMIT: "-1" } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe("config: invalid setting extensions.tiny.limit (TINY_LIMIT): Too small: expected number to be >0");
    const unregistered = defineSettings({ schema: z.object({}) });
    expect(() => fromFile.context().settings(unregistered)).toThrow("belong to no installed extension");
    // a mistyped key or extension name in config.json would keep a default: refused, naming what is known
    expect(() => tinyApp({ config: { "extensions.tiny.limt": 5 } })).toThrow("config: unknown setting in config.json: extensions.tiny.limt (known: greeting, limit)");
    expect(() => tinyApp({ config: { "extensions.tinny.limit": 5 } })).toThrow("config: unknown setting in config.json: extensions.tinny (settings of: tiny)");
  });

  test("a provided port is built once, on first lookup; a port the platform registered first wins", async () => {
    const t = tinyApp();
    expect(portsBuilt).toBe(0);
    await t.call("GET", "/api/v1/tiny/greeting");
    await t.call("GET", "/api/v1/tiny/greeting");
    expect(portsBuilt).toBe(1);
    const other = tinyApp();
    other.platform.ports.set("tiny.who", { who: () => "a stand-in" });
    expect((await other.call("GET", "/api/v1/tiny/greeting")).body.from).toBe("a stand-in");
    expect(portsBuilt).toBe(1);
    expect(() => t.context().port("tiny.nothing")).toThrow('port "tiny.nothing" is not registered');
  });

  test("start-up refusals stop the runtime with one ConfigError before any init", async () => {
    const t = tinyApp();
    refusal = ["weak tiny secret in TINY_SECRET"];
    const err = await getRuntime(t.platform).start().catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe("refusing to start: weak tiny secret in TINY_SECRET");
    expect(t.db.read.get("SELECT 1 FROM sqlite_schema WHERE name = 'tiny_notes'")).toBeFalsy();
  });

  test("a multipart route takes bodies up to the document limit; others keep the body limit", async () => {
    const t = tinyApp({ config: { bodyLimitBytes: 1024, documentLimitBytes: 64 * 1024 } });
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(8 * 1024)]), "f.bin");
    expect(await t.call("POST", "/api/v1/tiny/uploads", { body: form })).toMatchObject({ status: 200, body: { size: 8 * 1024 } });
    expect((await t.call("POST", "/api/v1/tiny/notes", { body: { text: "x".repeat(4096) } })).status).toBe(413);
  });
});
