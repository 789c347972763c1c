// Record APIs over an in-memory database with fixture tables: access rules, masking, filters, sorting,
// cursor pagination, counts, and bad queries answering 400 problems.
import { beforeAll, describe, expect, test } from "bun:test";
import { Db } from "../db/database.ts";
import { newRouter } from "../http/app.ts";
import { createApp } from "../http/app.ts";
import type { AuthUser, Platform } from "../http/types.ts";
import { createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { systemClock } from "../clock.ts";
import { loadConfig } from "../config.ts";
import { maskValue, resolveRecords, type RecordDecl } from "./engine.ts";
import { installedRecords, recordsModule } from "./module.ts";
import { overview } from "./overview.ts";
import { PLATFORM_RECORDS } from "./declarations.ts";
import { definePiiPolicy } from "./mask.ts";
import { migrate } from "../db/migrate.ts";
import { Registry } from "../runtime/registry.ts";
import { parseCsv } from "../../test/kit/csv.ts";

void newRouter;

const DECLS: RecordDecl[] = [
  {
    name: "apps",
    source: "fx_apps",
    columns: {
      id: { type: "text", filter: ["eq", "in"], sortable: true },
      user_id: { type: "text", filter: ["eq"] },
      status: { type: "text", filter: ["eq", "in"], sortable: true },
      amount: { type: "integer", filter: ["eq", "gte", "lte"], sortable: true },
      nik: { type: "text", filter: ["eq"], search: true, pii: { visibleTo: ["admin", "borrower"], mask: "nik" } },
      secret_note: { type: "text", pii: { visibleTo: ["admin"], mask: "hide" } },
      name: { type: "text", search: true },
      decided_at: { type: "text", format: "timestamp", filter: ["gte", "lte"], sortable: true },
      not_there: { type: "text" },
    },
    access: { admin: true, analyst: true, borrower: "r.user_id = $caller.id" },
    defaultSort: { column: "amount", dir: "desc" },
  },
  { name: "ghost", source: "fx_missing", columns: { id: {} }, access: { admin: true } },
  { name: "broken", source: "fx_apps", columns: { id: {} }, access: { admin: "r.nope = 1" } },
];

let db: Db;
const admin: AuthUser = { id: "u-admin", role: "admin" };
const analyst: AuthUser = { id: "u-an", role: "analyst" };
const alice: AuthUser = { id: "u-alice", role: "borrower" };
const finance: AuthUser = { id: "u-fin", role: "finance" };

function platform(): Platform {
  const config = loadConfig({ depot: "/tmp/kreditku-records-unit", env: {} });
  return { config, db, log: createLogger("silent"), metrics: new Metrics(), clock: systemClock, readiness: [], ports: new Map(), onShutdown: [] };
}

function app() {
  const users: Record<string, AuthUser> = { admin, analyst, alice, finance };
  const auth = {
    register(a: any) {
      a.use("/api/*", async (c: any, next: any) => {
        const u = users[c.req.header("x-test-user") ?? ""];
        if (u) c.set("user", u);
        await next();
      });
    },
  };
  return createApp(platform(), [auth, recordsModule(DECLS)]);
}

async function get(path: string, who?: string) {
  const res = await app().request(path, { headers: who ? { "x-test-user": who } : {} });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
}

beforeAll(() => {
  db = new Db(":memory:");
  db.writer.exec(`CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE fx_apps (id TEXT PRIMARY KEY, user_id TEXT, status TEXT, amount INTEGER, nik TEXT, secret_note TEXT, name TEXT, decided_at TEXT)`);
  const ins = db.writer.raw.prepare("INSERT INTO fx_apps VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  for (let i = 1; i <= 30; i++) {
    const user = i % 3 === 0 ? "u-alice" : "u-bob";
    const status = ["approved", "rejected", "manual_review"][i % 3];
    ins.run(`a${String(i).padStart(2, "0")}`, user, status, (i % 10) * 1000, `31740${String(i).padStart(7, "0")}0001`, "internal", `Borrower ${i}`, i % 4 === 0 ? null : `2026-01-${String(i).padStart(2, "0")}`);
  }
});

describe("declarations", () => {
  test("missing sources are skipped, missing columns dropped, broken rules refused", () => {
    const records = resolveRecords(db, DECLS);
    expect([...records.keys()]).toEqual(["apps"]);
    expect(Object.keys(records.get("apps")!.columns)).not.toContain("not_there");
  });

  test("the platform's declarations resolve on an empty schema and reference only declared identifiers", () => {
    const names = PLATFORM_RECORDS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of PLATFORM_RECORDS) {
      for (const c of Object.keys(d.columns)) expect(c).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(d.source).toMatch(/^[a-z_][a-z0-9_]*$/);
    }
    expect(resolveRecords(db, PLATFORM_RECORDS).size).toBe(0);
  });

  test("on the real migrated schema every platform declaration compiles, with no column dropped", () => {
    const real = new Db(":memory:");
    migrate(real);
    const notes: string[] = [];
    const log = { debug: (m: string, f?: any) => notes.push(`${m} ${JSON.stringify(f)}`), warn: (m: string, f?: any) => notes.push(`WARN ${m} ${JSON.stringify(f)}`) };
    const records = resolveRecords(real, PLATFORM_RECORDS, log);
    expect(notes.filter((n) => n.startsWith("WARN") || n.includes("columns missing"))).toEqual([]);
    expect([...records.keys()]).toEqual(PLATFORM_RECORDS.map((d) => d.name));
    for (const [name, api] of records) for (const role of api.roles) expect(api.list(real.read, { id: "x", role }, { count: "true" }).total, name).toBeGreaterThanOrEqual(0);
    real.close();
  });

  test("masking", () => {
    expect(maskValue("nik", "3174012345670001")).toBe("3174********0001");
    expect(maskValue("phone", "+6281234567890")).toBe("+62812*****890");
    expect(maskValue("account", "1234567890")).toBe("******7890");
    expect(maskValue("account", "123")).toBe("***");
    expect(maskValue("email", "siti@example.id")).toBe("s***@example.id");
    expect(maskValue("name", "Siti Aminah")).toBe("S*** A***");
    expect(maskValue("hide", "x")).toBeUndefined();
    expect(maskValue("nik", null)).toBeNull();
  });
});

describe("GET /api/v1/records/{name}", () => {
  test("needs a signed-in caller; roles not listed get 403; unknown record 404", async () => {
    expect((await get("/api/v1/records/apps")).status).toBe(401);
    const f = await get("/api/v1/records/apps", "finance");
    expect(f.status).toBe(403);
    expect(f.type).toContain("application/problem+json");
    expect((await get("/api/v1/records/ghost", "admin")).status).toBe(404);
    expect((await get("/api/v1/records/ghost", "admin")).body.type).toContain("record-not-found");
  });

  test("admin sees PII; analyst gets NIK masked and hidden columns removed", async () => {
    const a = await get("/api/v1/records/apps/a01", "admin");
    expect(a.body).toMatchObject({ id: "a01", nik: "3174000000010001", secret_note: "internal" });
    const n = await get("/api/v1/records/apps/a01", "analyst");
    expect(n.body.nik).toBe("3174********0001");
    expect("secret_note" in n.body).toBe(false);
    expect("not_there" in n.body).toBe(false);
  });

  test("borrowers see only their own rows", async () => {
    const l = await get("/api/v1/records/apps?limit=100&count=true", "alice");
    expect(l.body.total).toBe(10);
    expect(l.body.items.every((r: any) => r.user_id === "u-alice")).toBe(true);
    expect(l.body.items[0].nik).toMatch(/^\d{16}$/);
    expect((await get("/api/v1/records/apps/a01", "alice")).status).toBe(404);
    expect((await get("/api/v1/records/apps/a03", "alice")).status).toBe(200);
  });

  test("filters eq / in / gte / lte and search", async () => {
    const eq = await get("/api/v1/records/apps?filter[status]=approved&count=true", "admin");
    expect(eq.body.total).toBe(10);
    const inn = await get("/api/v1/records/apps?filter[status][in]=approved,rejected&count=true", "admin");
    expect(inn.body.total).toBe(20);
    const range = await get("/api/v1/records/apps?filter[amount][gte]=3000&filter[amount][lte]=5000&limit=100", "admin");
    expect(range.body.items.length).toBe(9);
    expect(range.body.items.every((r: any) => r.amount >= 3000 && r.amount <= 5000)).toBe(true);
    expect("total" in range.body).toBe(false);
    const s = await get("/api/v1/records/apps?q=Borrower%2012", "admin");
    expect(s.body.items.map((r: any) => r.id)).toEqual(["a12"]);
    const like = await get("/api/v1/records/apps?q=%25", "admin");
    expect(like.body.items).toEqual([]);
  });

  test("bad queries are 400 problems, never 500", async () => {
    for (const q of [
      "filter[nope]=1",
      "filter[name]=x",
      "filter[status][like]=a",
      "filter[amount][gte]=abc",
      "filter[status][gte]=a",
      "filterx=1",
      "sort=nope",
      "sort=-name",
      "limit=0",
      "limit=101",
      "limit=abc",
      "cursor=garbage",
      "count=maybe",
      "filter[status][in]=",
    ]) {
      const r = await get(`/api/v1/records/apps?${q}`, "admin");
      expect(r.status, q).toBe(400);
      expect(r.type).toContain("application/problem+json");
    }
    const pii = await get("/api/v1/records/apps?filter[nik]=3174000000010001", "analyst");
    expect(pii.status).toBe(400);
    const first = await get("/api/v1/records/apps?limit=2", "admin");
    expect((await get(`/api/v1/records/apps?limit=2&sort=status&cursor=${first.body.nextCursor}`, "admin")).status).toBe(400);
  });

  test("prototype member names are unknown columns (400 naming them), never keys of Object.prototype", async () => {
    const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "valueOf", "__defineGetter__"];
    const named = names.flatMap((n) => [`filter[${n}]=x`, `filter[${n}][eq]=x`, `filter[${n}][in]=a,b`, `sort=${n}`, `sort=-${n}`].map((q) => [q, n]));
    const other = ["filter[constructor][prototype]=x", "filter[status][__proto__]=x", "filter[status][constructor]=x"].map((q) => [q, ""]);
    for (const [q, col] of [...named, ...other]) {
      const r = await get(`/api/v1/records/apps?${q}`, "alice");
      expect(r.status, q).toBe(400);
      expect(r.type, q).toContain("application/problem+json");
      expect(r.body.type, q).toBe("https://kreditku.dev/problems/bad-record-query");
      if (col) expect(r.body.detail, q).toStartWith(`${col} is not a`);
    }
    // query keys outside filter[...] are not the record's business and change nothing
    expect((await get("/api/v1/records/apps?__proto__[eq]=x&constructor[prototype][eq]=x", "alice")).status).toBe(200);
    // nothing reached the shared prototype, and every other route still answers
    expect(({} as any).eq).toBeUndefined();
    expect(({} as any).in).toBeUndefined();
    for (const k of ["eq", "in", "gte", "lte"]) expect(Object.hasOwn(Object.prototype, k), k).toBe(false);
    const a = app();
    expect((await a.request("/healthz")).status).toBe(200);
    const metrics = await a.request("/metrics");
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("http_request_duration_seconds");
    const ok = await get("/api/v1/records/apps?filter[status]=approved&count=true", "admin");
    expect(ok.status).toBe(200);
    expect(ok.body.total).toBe(10);
  });

  test("a timestamp column is filtered by a date or an ISO 8601 timestamp only: anything else is 400 naming the column", async () => {
    for (const v of ["abc", "99999999999999999999999", "2026-02-30", "2026-13-01", "2026-1-1", "2026-01-01 10:00", "2026-01-01T25:00:00Z"]) {
      const r = await get(`/api/v1/records/apps?filter[decided_at][gte]=${encodeURIComponent(v)}`, "admin");
      expect(r.status, v).toBe(400);
      expect(r.body.type, v).toEndWith("/bad-record-query");
      expect(r.body.detail, v).toContain("decided_at must be a date (YYYY-MM-DD) or an ISO 8601 timestamp");
    }
    for (const v of ["2026-01-01", "2026-01-01T00:00:00Z", "2026-01-01T07:00:00.123+07:00"]) {
      expect((await get(`/api/v1/records/apps?filter[decided_at][lte]=${encodeURIComponent(v)}`, "admin")).status, v).toBe(200);
    }
  });

  test("repeated parameters and forged cursors are 400 problems", async () => {
    for (const q of [
      "filter[status]=approved&filter[status]=rejected",
      "filter[amount][gte]=1&filter[amount][gte]=2",
      "sort=amount&sort=-amount",
      "limit=1&limit=2",
      "cursor=a&cursor=b",
      "q=a&q=b",
      `cursor=${Buffer.from(JSON.stringify({ s: "amount", d: "desc", id: "a01" })).toString("base64url")}`,
      `cursor=${Buffer.from(JSON.stringify({ s: "amount", d: "desc", v: { x: 1 }, id: "a01" })).toString("base64url")}`,
      `cursor=${Buffer.from(JSON.stringify([1, 2])).toString("base64url")}`,
      `cursor=${Buffer.from('{"__proto__":{"v":1,"id":"a01"},"s":"amount","d":"desc"}').toString("base64url")}`,
      `cursor=${"A".repeat(5000)}`,
      "cursor=%00%01",
      "limit=1e1",
      "limit=0x10",
      "limit=-1",
      "limit=2.5",
    ]) {
      const r = await get(`/api/v1/records/apps?${q}`, "admin");
      const keys = [...new URLSearchParams(q).keys()];
      if (new Set(keys).size < keys.length) expect(r.status, q).toBe(400); // a repeated parameter, whichever
      expect(r.status, q).toBeGreaterThanOrEqual(400);
      expect(r.status, q).toBeLessThan(500);
      expect(r.type, q).toContain("application/problem+json");
    }
  });

  async function walk(query: string) {
    const seen: any[] = [];
    let cursor: string | null = "";
    for (let i = 0; i < 50 && cursor !== null; i++) {
      const r = await get(`/api/v1/records/apps?limit=7${query}${cursor ? `&cursor=${cursor}` : ""}`, "admin");
      expect(r.status).toBe(200);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
    }
    return seen;
  }

  test("cursor pagination visits every row once in sort order, including NULL sort values", async () => {
    for (const sort of ["", "&sort=amount", "&sort=-amount", "&sort=decided_at", "&sort=-decided_at", "&sort=id", "&sort=-id"]) {
      const rows = await walk(sort);
      expect(rows.length, sort).toBe(30);
      expect(new Set(rows.map((r) => r.id)).size, sort).toBe(30);
      const col = sort ? sort.replace("&sort=", "").replace("-", "") : "amount";
      const desc = sort ? sort.includes("-") : true;
      const key = (r: any) => [r[col] === null ? (desc ? "\uffff" : "") : String(r[col]).padStart(12, "0"), r.id].join("|");
      const keys = rows.map(key);
      const sorted = [...keys].sort();
      if (desc) sorted.reverse();
      if (col !== "decided_at") expect(keys, sort).toEqual(sorted);
    }
    const filtered = await walk("&filter[status]=rejected&sort=-decided_at");
    expect(filtered.length).toBe(10);
  });

  test("record list describes what the caller may use", async () => {
    const r = await get("/api/v1/records", "analyst");
    const apps = r.body.records.find((x: any) => x.name === "apps");
    const nik = apps.columns.find((c: any) => c.name === "nik");
    expect(nik).toMatchObject({ masked: true, filter: [], sortable: false });
    expect(apps.columns.find((c: any) => c.name === "secret_note")).toBeUndefined();
    expect(r.body.forbidden).not.toContain("apps");
    // finance may read none of them, and is told which exist (so a client says "your role may not" without a 403)
    const finance = (await get("/api/v1/records", "finance")).body;
    expect(finance.records).toEqual([]);
    expect(finance.forbidden).toContain("apps");
  });
});

describe("records of the installed extensions", () => {
  const policy = definePiiPolicy({ "fx.nik": { clearFor: ["admin", "borrower"], mask: "nik" } });
  const fxRecord = (name: string, pii?: RecordDecl["columns"][string]["pii"]): RecordDecl => ({ name, source: "fx_apps", columns: { id: { type: "text" }, nik: { type: "text", pii } }, access: { admin: true } });

  test("come after the platform's, each with its personal-data column naming a registered rule", () => {
    const reg = new Registry([{ name: "fx", records: [fxRecord("fx_apps", policy.column("fx.nik"))], personalData: policy }]);
    expect(installedRecords(reg).map((d) => d.name)).toEqual([...PLATFORM_RECORDS.map((d) => d.name), "fx_apps"]);
    expect(installedRecords(undefined).map((d) => d.name)).toEqual(PLATFORM_RECORDS.map((d) => d.name));
  });

  test("a record name taken twice, or taken from the platform, is refused", () => {
    expect(() => new Registry([{ name: "a", records: [fxRecord("x")] }, { name: "b", records: [fxRecord("x")] }])).toThrow('record "x" of extension "b" is already declared by "a"');
    expect(() => installedRecords(new Registry([{ name: "a", records: [fxRecord("staff")] }]))).toThrow('record "staff" is declared twice');
  });

  test("a personal-data column naming a field no installed extension registers, or masking it otherwise, is refused", () => {
    expect(() => installedRecords(new Registry([{ name: "fx", records: [fxRecord("fx_apps", policy.column("fx.nik"))] }]))).toThrow('personal-data field "fx.nik" is registered by no installed extension');
    const widened = { ...policy.column("fx.nik"), visibleTo: ["admin", "borrower", "analyst"] as const };
    expect(() => installedRecords(new Registry([{ name: "fx", records: [fxRecord("fx_apps", { ...widened, visibleTo: [...widened.visibleTo] })], personalData: policy }]))).toThrow("masking differs");
    expect(() => new Registry([{ name: "a", personalData: policy }, { name: "b", personalData: policy }])).toThrow('personal-data field "fx.nik" of extension "b" is already declared by "a"');
  });

  test("an extension's records are served by the records module of an app on its runtime", async () => {
    const reg = new Registry([{ name: "fx", records: [fxRecord("fx_apps", policy.column("fx.nik"))], personalData: policy }]);
    const users: Record<string, AuthUser> = { admin, analyst };
    const auth = { register: (a: any) => a.use("/api/*", async (c: any, next: any) => (c.set("user", users[c.req.header("x-test-user") ?? ""]), next())) };
    const a = createApp(platform(), [auth, recordsModule(installedRecords(reg))]);
    const r = await a.request("/api/v1/records/fx_apps/a03", { headers: { "x-test-user": "admin" } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).nik).toBe("3174000000030001");
    expect((await a.request("/api/v1/records/fx_apps/a03", { headers: { "x-test-user": "analyst" } })).status).toBe(403);
  });
});

describe("overview", () => {
  const part = (name: string, compute: () => unknown) => ({ name, compute });

  test("the parts the extensions contribute, in order, after the window; a part that throws is null", () => {
    const seen: unknown[] = [];
    const o = overview(
      db.read,
      [
        part("first", () => ({ n: 1 })),
        { name: "window", compute: (_db: unknown, w: unknown) => (seen.push(w), "ok") },
        part("missing", () => {
          throw new Error("no such table: nope");
        }),
      ],
      new Date("2026-02-01T12:00:00Z"),
      7,
    );
    expect(o).toEqual({ since: "2026-01-26", days: 7, first: { n: 1 }, window: "ok", missing: null });
    expect(Object.keys(o)).toEqual(["since", "days", "first", "window", "missing"]);
    expect(seen).toEqual([{ now: new Date("2026-02-01T12:00:00Z"), days: 7, since: "2026-01-26" }]);
  });

  test("GET /api/v1/admin/overview answers the parts (staff only)", async () => {
    const users: Record<string, AuthUser> = { admin, alice };
    const auth = { register: (a: any) => a.use("/api/*", async (c: any, next: any) => (c.set("user", users[c.req.header("x-test-user") ?? ""]), next())) };
    const a = createApp(platform(), [auth, recordsModule([], [part("answer", () => 42)])]);
    const r = await a.request("/api/v1/admin/overview?days=3", { headers: { "x-test-user": "admin" } });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ days: 3, answer: 42 });
    expect((await a.request("/api/v1/admin/overview", { headers: { "x-test-user": "alice" } })).status).toBe(403);
  });
});

describe("GET /api/v1/records/{name}/export.csv", () => {
  async function csv(path: string, who?: string) {
    const res = await app().request(path, { headers: who ? { "x-test-user": who } : {} });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get("content-type"), disposition: res.headers.get("content-disposition"), bytes, text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes) };
  }

  test("the rows of the filtered, sorted list, every page, with a header row and a dated file name", async () => {
    const r = await csv("/api/v1/records/apps/export.csv?filter[status]=approved&sort=id&limit=2&columns=id,status,amount,nik", "admin");
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/csv");
    expect(r.disposition).toMatch(/^attachment; filename="apps-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect([...r.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(r.text);
    const api = await get("/api/v1/records/apps?filter[status]=approved&sort=id&limit=100", "admin");
    expect(rows[0]).toEqual(["id", "status", "amount", "nik"]);
    expect(rows.slice(1)).toEqual(api.body.items.map((x: any) => [x.id, x.status, String(x.amount), x.nik]));
    expect(rows.length - 1).toBe(10);
  });

  test("streams more rows than one page (keyset pages, no row twice)", async () => {
    const { EXPORT_PAGE } = await import("./export.ts");
    const big = new Db(":memory:");
    big.writer.exec("CREATE TABLE fx_apps (id TEXT PRIMARY KEY, user_id TEXT, status TEXT, amount INTEGER, nik TEXT, secret_note TEXT, name TEXT, decided_at TEXT)");
    const n = EXPORT_PAGE * 2 + 7;
    const ins = big.writer.raw.prepare("INSERT INTO fx_apps VALUES (?, 'u', 'approved', ?, '3174000000000001', 'x', 'n', NULL)");
    for (let i = 0; i < n; i++) ins.run(`b${String(i).padStart(5, "0")}`, i % 13);
    const { exportCsv } = await import("./export.ts");
    const api = resolveRecords(big, DECLS).get("apps")!;
    const text = await new Response(exportCsv(api, big.read, analyst, { sort: "-amount" }, "id,amount,nik")).text();
    const rows = parseCsv(text).slice(1);
    expect(rows.length).toBe(n);
    expect(new Set(rows.map((r) => r[0])).size).toBe(n);
    expect(rows.map((r) => Number(r[1]))).toEqual([...rows.map((r) => Number(r[1]))].sort((a, b) => b - a));
    expect(rows.every((r) => r[2] === "3174********0001")).toBe(true);
    big.close();
  });

  test("masked for roles that see personal data masked, hidden columns left out; borrowers get their own rows", async () => {
    const a = parseCsv((await csv("/api/v1/records/apps/export.csv?sort=id", "analyst")).text);
    expect(a[0]).not.toContain("secret_note");
    expect(a[1][a[0].indexOf("nik")]).toBe("3174********0001");
    expect((await csv("/api/v1/records/apps/export.csv?columns=id,secret_note", "analyst")).status).toBe(400);
    const own = parseCsv((await csv("/api/v1/records/apps/export.csv", "alice")).text);
    expect(own.length - 1).toBe(10);
    expect(own.slice(1).every((r) => r[own[0].indexOf("user_id")] === "u-alice")).toBe(true);
  });

  test("wrong role 403, anonymous 401, unknown record 404, bad filters and columns 400 problems (before any byte of CSV)", async () => {
    expect((await csv("/api/v1/records/apps/export.csv")).status).toBe(401);
    const f = await csv("/api/v1/records/apps/export.csv", "finance");
    expect(f.status).toBe(403);
    expect(f.type).toContain("application/problem+json");
    expect((await csv("/api/v1/records/ghost/export.csv", "admin")).status).toBe(404);
    for (const bad of ["filter[nope]=1", "filter[__proto__]=1", "sort=secret", "columns=__proto__", "columns=constructor,id", "filter[nik]=3174000000010001&x=1"]) {
      const r = await csv(`/api/v1/records/apps/export.csv?${bad}`, bad.includes("nik") ? "analyst" : "admin");
      expect(r.status, bad).toBe(400);
      expect(r.type, bad).toContain("application/problem+json");
    }
  });

  test("cells are RFC 4180 quoted and formula-looking text is neutralised", async () => {
    const { csvCell, csvLine } = await import("./export.ts");
    expect(csvCell("=HYPERLINK(\"x\")")).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell("+62812")).toBe("'+62812");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell(-5000)).toBe("-5000");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe("");
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });
});
