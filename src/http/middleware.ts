// Request id, access log + request metrics (run by the app's platform layer, src/http/app.ts), and the
// Idempotency-Key middleware (DESIGN §3).
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Platform } from "./types.ts";
import { HttpProblem } from "./problem.ts";
import { sha256Hex } from "../db/migrate.ts";

const RID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's X-Request-Id when it is a sane token, else a new UUIDv7. */
export function requestIdFor(incoming: string | null | undefined): string {
  return incoming && RID.test(incoming) ? incoming : Bun.randomUUIDv7();
}

type Observer = { observe(value: number): void };
type DurationHistogram = import("prom-client").Histogram<"method" | "route" | "status">;
/** Most label sets cached per histogram (route templates × methods × statuses stay far below this). */
const MAX_CACHED_LABEL_SETS = 4096;
const observers = new WeakMap<DurationHistogram, Map<string, Observer>>();

/** prom-client's per-label-set record inside a histogram (lib/histogram.js: createBaseValues). */
interface LabelSetValues {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * An observer of one label set that adds to prom-client's own record of it directly. prom-client's child
 * `observe` re-validates the labels and rebuilds their hash string on every call; here that was done once, by the
 * first observation through the child, which also made the record. The record is looked up by that hash on every
 * call, so a reset registry (a new record, or none) goes back through the child. `observers.test.ts` in this folder
 * compares the exposition with prom-client's own after the same observations.
 */
export class LabelSetObserver implements Observer {
  private hash: string | null = null;
  private readonly bounds: readonly number[];
  constructor(
    private readonly h: DurationHistogram,
    private readonly child: Observer,
    private readonly labels: Record<string, string>,
  ) {
    this.bounds = (h as unknown as { upperBounds: number[] }).upperBounds;
  }
  private get map(): Record<string, LabelSetValues> {
    return (this.h as unknown as { hashMap: Record<string, LabelSetValues> }).hashMap;
  }
  observe(value: number) {
    const e = this.hash === null ? undefined : this.map[this.hash];
    if (e === undefined || !Number.isFinite(value)) {
      this.child.observe(value);
      this.hash = this.find();
      return;
    }
    e.sum += value;
    e.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        e.bucketValues[bounds[i]] += 1;
        return;
      }
    }
  }
  /** The hash prom-client filed this label set under. */
  private find(): string | null {
    const map = this.map;
    for (const hash in map) {
      const l = map[hash].labels;
      let same = true;
      for (const k in this.labels) if (String(l[k]) !== this.labels[k]) same = false;
      if (same && Object.keys(l).length === Object.keys(this.labels).length) return hash;
    }
    return null;
  }
}

/** The histogram's observer for one label set, made once: no label object or hash per request. */
export function durationObserver(h: DurationHistogram, method: string, route: string, status: number): Observer {
  let m = observers.get(h);
  if (!m) observers.set(h, (m = new Map()));
  const key = `${method} ${status} ${route}`;
  let o = m.get(key);
  if (o === undefined) {
    const code = String(status);
    o = new LabelSetObserver(h, h.labels(method, route, code), { method, route, status: code });
    if (m.size < MAX_CACHED_LABEL_SETS) m.set(key, o);
  }
  return o;
}

/**
 * The route template a request matched, for logs and metrics: what the mounted route recorded (src/http/mount.ts),
 * else Hono's (routes mounted another way), "unmatched" when only the catch-all middleware matched.
 */
export function routeOf(c: Context<AppEnv>): string {
  const mounted = c.get("route");
  if (mounted !== undefined) return mounted;
  const r = c.req.routePath;
  return r && r !== "/*" ? r : "unmatched";
}

/** The access-log line and the http_request_duration_seconds observation of one finished request. */
export function recordRequest(c: Context<AppEnv>, p: Platform, start: number, status: number) {
  const ms = performance.now() - start;
  const route = routeOf(c);
  const method = c.req.method;
  durationObserver(p.metrics.httpDuration, method, route, status).observe(ms / 1000);
  p.log.info("request", {
    requestId: c.get("requestId"),
    method,
    path: c.req.path,
    route,
    status,
    ms: Math.round(ms * 100) / 100,
    userId: c.get("user")?.id ?? null,
  });
}

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** No request runs this long (the server's idle timeout is 60 s): a 'running' key this old is abandoned. */
const RUNNING_ABANDONED_MS = 2 * 60 * 1000;
const REPLAY_HEADERS = ["content-type", "location"];

/**
 * Idempotency-Key for POSTs that create or move things: same key + same body replays the stored response,
 * same key + another body answers 422, a request still running with the key answers 409. Kept 24 h.
 * Responses with status ≥ 500 are not stored, so the client may retry.
 */
export const idempotency = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new HttpProblem(400, "bad-idempotency-key", "Bad Idempotency-Key", "Idempotency-Key must be 1-255 visible ASCII characters");
  }
  const p = c.get("platform");
  const body = await c.req.text();
  // The concrete target is part of the request: the same key on another resource (/items/A vs /items/B) or with
  // another query is "another body" (422), never a replay of the first resource's response.
  const url = new URL(c.req.url);
  const bodyHash = sha256Hex(`${url.pathname}${url.search}\n${body}`);
  const scope = `${c.get("user")?.id ?? "anon"} ${c.req.method} ${c.req.routePath}`;
  const now = p.clock.now();
  const nowIso = now.toISOString();
  const existing = p.db.tx((w) => {
    const row = w.get<{ body_hash: string; state: string; status: number; headers: string; body: string; created_at: string; expires_at: string }>(
      "SELECT body_hash, state, status, headers, body, created_at, expires_at FROM idempotency_keys WHERE scope = ? AND key = ?",
      scope,
      key,
    );
    // A 'running' row older than the longest a request may take was left by a process that died mid-request.
    const abandoned = row?.state === "running" && Date.parse(row.created_at) < now.getTime() - RUNNING_ABANDONED_MS;
    if (row && row.expires_at > nowIso && !abandoned) return row;
    if (row) w.run("DELETE FROM idempotency_keys WHERE scope = ? AND key = ?", scope, key);
    w.run(
      "INSERT INTO idempotency_keys (scope, key, body_hash, state, created_at, expires_at) VALUES (?, ?, ?, 'running', ?, ?)",
      scope,
      key,
      bodyHash,
      nowIso,
      new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString(),
    );
    return null;
  });
  if (existing) {
    if (existing.body_hash !== bodyHash) {
      throw new HttpProblem(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was used with a different request body");
    }
    if (existing.state === "running") {
      throw new HttpProblem(409, "idempotency-key-in-use", "Request in progress", "A request with this Idempotency-Key is still being processed", {}, { "Retry-After": "1" });
    }
    const headers = new Headers(JSON.parse(existing.headers));
    headers.set("Idempotent-Replayed", "true");
    return new Response(existing.body, { status: existing.status, headers }) as any;
  }
  let stored = false;
  try {
    await next();
    const res = c.res;
    if (res.status < 500) {
      const text = await res.clone().text();
      const h: Record<string, string> = {};
      for (const name of REPLAY_HEADERS) {
        const v = res.headers.get(name);
        if (v) h[name] = v;
      }
      p.db.tx((w) =>
        w.run(
          "UPDATE idempotency_keys SET state = 'done', status = ?, headers = ?, body = ? WHERE scope = ? AND key = ?",
          res.status,
          JSON.stringify(h),
          text,
          scope,
          key,
        ),
      );
      stored = true;
    }
  } finally {
    if (!stored) p.db.tx((w) => w.run("DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'running'", scope, key));
  }
};

export function purgeExpiredIdempotencyKeys(db: import("../db/database.ts").Db, now: Date) {
  return db.tx((w) => w.run("DELETE FROM idempotency_keys WHERE expires_at <= ?", now.toISOString()).changes);
}

/** At start the owner has no request in flight: every 'running' key was left by a process that died. */
export function releaseAbandonedIdempotencyKeys(db: import("../db/database.ts").Db) {
  return db.tx((w) => w.run("DELETE FROM idempotency_keys WHERE state = 'running'").changes);
}
