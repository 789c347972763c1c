// Fixed-window rate limits with a pluggable store: in memory by default, Redis when REDIS_URL is set
// (same interface). Over the limit: 429 problem+json with Retry-After.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./types.ts";
import { problems } from "./problem.ts";

export interface RateLimitStore {
  /** Count one hit for key in the window; returns the count so far and ms until the window resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  reset(key: string): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private windows = new Map<string, { count: number; resetAt: number }>();
  constructor(private now: () => number = Date.now) {}
  async hit(key: string, windowMs: number) {
    return this.hitNow(key, windowMs);
  }
  /** The same count without a promise (enforceRateLimit uses it: no await on a request's path). */
  hitNow(key: string, windowMs: number) {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowMs };
      this.windows.set(key, w);
      if (this.windows.size > 50_000) this.sweep(t);
    }
    w.count++;
    return { count: w.count, resetMs: w.resetAt - t };
  }
  async reset(key: string) {
    this.windows.delete(key);
  }
  private sweep(t: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= t) this.windows.delete(k);
  }
}

/** The subset of an ioredis client the Redis store needs. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
}

// INCR the window's counter, start its expiry on the first hit, and return [count, ms left].
const HIT_SCRIPT = `local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local t = redis.call('PTTL', KEYS[1])
if t < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); t = tonumber(ARGV[1]) end
return {c, t}`;

/**
 * Fixed windows shared by every process through Redis (one key per window, expiring with it). When Redis
 * fails, hits fall back to a per-process memory window (limits stay on, only less exact) and a warning is logged.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private fallback = new MemoryRateLimitStore();
  constructor(
    private redis: RedisLike,
    readonly prefix: string,
    private onError: (err: unknown) => void = () => {},
  ) {}
  async hit(key: string, windowMs: number) {
    try {
      const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, this.prefix + key, windowMs)) as [number, number];
      return { count: Number(count), resetMs: Number(ttl) };
    } catch (err) {
      this.onError(err);
      return this.fallback.hit(key, windowMs);
    }
  }
  async reset(key: string) {
    await this.fallback.reset(key);
    try {
      await this.redis.del(this.prefix + key);
    } catch (err) {
      this.onError(err);
    }
  }
}

let defaultStore: RateLimitStore = new MemoryRateLimitStore();
/** The platform swaps in the Redis store at start when REDIS_URL is set. */
export function setRateLimitStore(store: RateLimitStore) {
  defaultStore = store;
}
export function getRateLimitStore() {
  return defaultStore;
}

/**
 * The caller's IP. Behind trusted proxies (trustProxy) it is read from X-Forwarded-For counting `trustedProxyHops`
 * entries from the RIGHT: each proxy appends the address it saw, so the left part is whatever the client sent and
 * must never be trusted.
 */
export function clientIp(c: Context<AppEnv>): string {
  const p = c.get("platform");
  if (p?.config.trustProxy) {
    const xff = c.req.header("x-forwarded-for");
    if (xff) {
      const hops = xff.split(",").map((s) => s.trim()).filter(Boolean);
      const pick = hops[hops.length - Math.max(1, p.config.trustedProxyHops)] ?? hops[0];
      if (pick) return pick;
    }
  }
  const info = (c.env as any)?.ip as { address?: string } | undefined;
  return info?.address ?? "unknown";
}

export interface RateLimitOptions {
  name: string;
  limit: number;
  windowSeconds: number;
  key: (c: Context<AppEnv>) => string | Promise<string>;
  store?: RateLimitStore;
}

/**
 * Count one hit for an explicit key (e.g. a phone number parsed from the body); throws 429 over the limit. With the
 * in-memory store the count is made at once and nothing is returned (no promise on the request's path); with a
 * store that answers later (Redis) the returned promise rejects over the limit.
 */
export function enforceRateLimit(opts: Omit<RateLimitOptions, "key">, key: string): void | Promise<void> {
  const store = opts.store ?? defaultStore;
  const k = `${opts.name}:${key}`;
  const windowMs = opts.windowSeconds * 1000;
  if (store instanceof MemoryRateLimitStore) return overLimit(opts, store.hitNow(k, windowMs));
  return store.hit(k, windowMs).then((r) => overLimit(opts, r));
}

function overLimit(opts: Omit<RateLimitOptions, "key">, { count, resetMs }: { count: number; resetMs: number }) {
  if (count > opts.limit) {
    throw problems.tooMany(Math.max(1, Math.ceil(resetMs / 1000)), `Rate limit for ${opts.name}: at most ${opts.limit} per ${opts.windowSeconds} s`);
  }
}

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await enforceRateLimit(opts, await opts.key(c));
    return next();
  };
}
