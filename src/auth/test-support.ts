// Test helpers for the auth suites: an in-process app with the auth module on a temporary depot and a
// manual clock, plus small request helpers. Used only by *.test.ts files.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type App, type AppModule } from "../http/app.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { depotPaths, loadConfig } from "../config.ts";
import { createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { ManualClock } from "../clock.ts";
import { ensureDepot } from "../platform.ts";
import type { Platform } from "../http/types.ts";
import { MemoryRateLimitStore, setRateLimitStore } from "../http/rate-limit.ts";
import { authModule } from "./module.ts";

export interface TestAuth {
  p: Platform;
  app: App;
  clock: ManualClock;
  depot: string;
  post(path: string, body?: unknown, opts?: { token?: string; ip?: string; headers?: Record<string, string> }): Promise<Response>;
  get(path: string, opts?: { token?: string; ip?: string }): Promise<Response>;
  lastCode(phone: string): string;
  signInBorrower(phone: string, ip?: string): Promise<any>;
  close(): void;
}

let ipSeq = 0;
/** A fresh client IP, so one test's rate-limit windows never touch another's. */
export const freshIp = () => `10.9.${(++ipSeq >> 8) & 255}.${ipSeq & 255}`;

export function testAuth(extraModules: AppModule[] = [], overrides: Record<string, unknown> = {}): TestAuth {
  const depot = mkdtempSync(join(tmpdir(), "kreditku-auth-"));
  const config = loadConfig({ depot, env: {}, overrides: { trustProxy: true, ...overrides } });
  ensureDepot(config);
  const db = new Db(depotPaths(depot).db, 1);
  migrate(db);
  const clock = new ManualClock("2026-03-02T03:00:00Z");
  const p: Platform = { config, db, log: createLogger("silent"), metrics: new Metrics({ defaultMetrics: false }), clock, readiness: [], ports: new Map(), onShutdown: [] };
  setRateLimitStore(new MemoryRateLimitStore());
  const app = createApp(p, [authModule, ...extraModules]);
  const defaultIp = freshIp();
  const headers = (opts: { token?: string; ip?: string; headers?: Record<string, string> } = {}) => ({
    "Content-Type": "application/json",
    "User-Agent": "auth-test/1.0",
    "X-Forwarded-For": opts.ip ?? defaultIp,
    ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
  });
  const t: TestAuth = {
    p,
    app,
    clock,
    depot,
    post: (path, body, opts) => Promise.resolve(app.request(path, { method: "POST", headers: headers(opts), body: body === undefined ? undefined : JSON.stringify(body) })),
    get: (path, opts) => Promise.resolve(app.request(path, { headers: headers(opts) })),
    lastCode(phone) {
      const lines = readFileSync(depotPaths(depot).smsLog, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      const msg = lines.filter((l) => l.to === phone).at(-1);
      if (!msg) throw new Error(`no SMS to ${phone}`);
      return /(\d{6})/.exec(msg.text)![1];
    },
    async signInBorrower(phone, ip) {
      const r = await t.post("/api/v1/auth/otp/request", { phone }, { ip });
      if (r.status !== 202) throw new Error(`otp request ${r.status}: ${await r.text()}`);
      const { challengeId } = (await r.json()) as any;
      const e164 = phone.startsWith("+") ? phone : phone.startsWith("0") ? "+62" + phone.slice(1) : "+" + phone;
      const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code: t.lastCode(e164) }, { ip });
      if (v.status !== 200) throw new Error(`otp verify ${v.status}: ${await v.text()}`);
      return v.json();
    },
    close() {
      db.close();
      rmSync(depot, { recursive: true, force: true });
    },
  };
  return t;
}
