// The embedded dashboard route: 503 problem before a build, hashed assets immutable, index.html no-cache,
// client-side routes fall back to index.html, missing assets 404.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../http/app.ts";
import { Db } from "../db/database.ts";
import { loadConfig } from "../config.ts";
import { createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { systemClock } from "../clock.ts";
import type { Platform } from "../http/types.ts";
import { adminAssetsModule, isHashedAsset } from "./module.ts";

const dir = mkdtempSync(join(tmpdir(), "admin-assets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "index.html"), "<!doctype html><div id=root></div>");
writeFileSync(join(dir, "app.js"), "console.log('app')");
writeFileSync(join(dir, "favicon.svg"), "<svg/>");

const platform = (): Platform => ({
  config: loadConfig({ depot: join(dir, "depot"), env: {} }),
  db: new Db(":memory:"),
  log: createLogger("silent"),
  metrics: new Metrics(),
  clock: systemClock,
  readiness: [],
  ports: new Map(),
  onShutdown: [],
});

describe("admin assets", () => {
  test("without a build: 503 problem telling how to build", async () => {
    const app = createApp(platform(), [adminAssetsModule({ assets: null })]);
    const res = await app.request("/_/admin/");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await res.json()) as any).detail).toContain("npm run build");
  });

  test("serves files, SPA fallback, cache headers", async () => {
    const assets = { "index.html": join(dir, "index.html"), "assets/index-AbC123xy.js": join(dir, "app.js"), "favicon.svg": join(dir, "favicon.svg") };
    const app = createApp(platform(), [adminAssetsModule({ assets })]);
    const redirect = await app.request("/_/admin");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/_/admin/");
    for (const path of ["/_/admin/", "/_/admin/applications/abc", "/_/admin/index.html"]) {
      const r = await app.request(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(r.headers.get("cache-control")).toBe("no-cache");
      expect(await r.text()).toContain("id=root");
    }
    const js = await app.request("/_/admin/assets/index-AbC123xy.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-security-policy")).toContain("script-src 'self'");
    const svg = await app.request("/_/admin/favicon.svg");
    expect(svg.headers.get("cache-control")).toBe("no-cache");
    const missing = await app.request("/_/admin/assets/nope-12345678.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    expect((await app.request("/_/admin/x", { method: "POST" })).status).toBe(405);
    expect((await app.request("/_/admin/%E0%A4%A")).status).toBe(400);
  });

  test("paths naming Object.prototype members are client-side routes or 404s, never files", async () => {
    const assets = { "index.html": join(dir, "index.html") };
    const app = createApp(platform(), [adminAssetsModule({ assets })]);
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const route = await app.request(`/_/admin/${name}`);
      expect(route.status, name).toBe(200);
      expect(await route.text()).toContain("id=root");
      const asset = await app.request(`/_/admin/assets/${name}`);
      expect(asset.status, name).toBe(404);
      expect(asset.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  test("hashed asset names", () => {
    expect(isHashedAsset("assets/index-B1x2y3z4.js")).toBe(true);
    expect(isHashedAsset("index.html")).toBe(false);
    expect(isHashedAsset("assets/logo.svg")).toBe(false);
  });
});
