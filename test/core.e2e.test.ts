// The built binary on an empty depot: health, readiness, metrics, problem+json, migrations once, SIGTERM.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";

describe("kreditku binary", () => {
  const depot = tempDepot();
  let srv: Running;
  afterAll(() => srv?.cleanup());

  test("serves on an empty folder and creates the depot", async () => {
    srv = await startBinary({ depot: join(depot, "fresh") });
    expect(existsSync(join(srv.depot, "data/main.db"))).toBe(true);
    expect(statSync(join(srv.depot, "secrets")).mode & 0o777).toBe(0o700);
    const h = await fetch(`${srv.url}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${srv.url}/readyz`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).checks).toMatchObject({ database: true, migrations: true });
  });

  test("metrics in Prometheus text", async () => {
    await fetch(`${srv.url}/healthz`);
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toContain("http_request_duration_seconds_bucket");
    expect(m).toContain("process_cpu_user_seconds_total");
  });

  test("bad input gets problem+json, never a 500", async () => {
    for (const [path, init, status] of [
      ["/nope", {}, 404],
      ["/healthz", { method: "POST" }, 405],
    ] as const) {
      const res = await fetch(srv.url + path, init);
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
  });

  test("openapi document and docs page", async () => {
    const doc: any = await (await fetch(`${srv.url}/api/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    const docs = await fetch(`${srv.url}/api/docs`);
    expect(docs.headers.get("content-type")).toContain("text/html");
  });

  test("access log: one JSON line per request", async () => {
    await fetch(`${srv.url}/healthz`, { headers: { "X-Request-Id": "e2e-log-1" } });
    await Bun.sleep(50);
    const line = srv.logs.find((l) => l.includes("e2e-log-1"));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ msg: "request", route: "/healthz", status: 200 });
  });

  test("SIGTERM exits 0 with the database intact; restart applies no migration twice", async () => {
    const code = await srv.stop("SIGTERM");
    expect(code).toBe(0);
    expect(srv.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    const db = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    expect((db.query("PRAGMA integrity_check").get() as any).integrity_check).toBe("ok");
    const applied = (db.query("SELECT count(*) AS n FROM _migrations").get() as any).n;
    db.close();
    srv = await startBinary({ depot: srv.depot });
    expect(srv.logs.some((l) => l.includes("applied migration"))).toBe(false);
    const db2 = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    expect((db2.query("SELECT count(*) AS n FROM _migrations").get() as any).n).toBe(applied);
    db2.close();
  });

  test("CLI: version, unknown command, bad flag, migrate, admin create", async () => {
    expect((await runCli(["version"])).stdout).toContain("kreditku");
    expect((await runCli(["frobnicate"])).code).toBe(2);
    const bad = await runCli(["serve", "--port", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--port");
    const d = join(depot, "cli");
    const m = await runCli(["migrate", "--depot", d]);
    expect(m.code).toBe(0);
    expect((await runCli(["migrate", "--depot", d])).stdout).toContain("0 migration(s) applied");
    const a = await runCli(["admin", "create", "--email", "Boss@Example.com", "--password", "correct horse battery", "--depot", d]);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ created: true, email: "boss@example.com", role: "admin" });
    const dup = await runCli(["admin", "create", "--email", "boss@example.com", "--password", "correct horse battery", "--depot", d]);
    expect(dup.code).toBe(1);
    expect((await runCli(["admin", "create", "--email", "x@y.z", "--depot", d])).code).toBe(2);
  });

  test("openapi CLI prints the document", async () => {
    const o = await runCli(["openapi"]);
    expect(o.code).toBe(0);
    expect(JSON.parse(o.stdout).openapi).toBe("3.1.0");
  });

  test("an invalid setting stops start-up with one line naming it", async () => {
    const r = await runCli(["serve", "--depot", join(depot, "badcfg")], { KREDITKU_LOG_LEVEL: "shouty" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("logLevel (KREDITKU_LOG_LEVEL)");
  });
});

describe("test clock", () => {
  test("only in KREDITKU_TEST_CLOCK=1 mode, and it moves time", async () => {
    const plain = await startBinary();
    try {
      expect((await fetch(`${plain.url}/_/test/clock`)).status).toBe(404);
    } finally {
      await plain.stop();
      plain.cleanup();
    }
    const srv = await startBinary({ env: { KREDITKU_TEST_CLOCK: "1" } });
    try {
      const r = await fetch(`${srv.url}/_/test/clock`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ set: "2030-01-02T03:04:05Z" }) });
      expect(r.status).toBe(200);
      expect(((await r.json()) as any).now.slice(0, 16)).toBe("2030-01-02T03:04");
      const bad = await fetch(`${srv.url}/_/test/clock`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      expect(bad.status).toBe(422);
    } finally {
      await srv.stop();
      srv.cleanup();
    }
  });
});
