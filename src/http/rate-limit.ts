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

let defaultStore: RateLimitStore = new MemoryRateLimitStore();
/** The platform swaps in the Redis store at start when REDIS_URL is set. */
export function setRateLimitStore(store: RateLimitStore) {
  defaultStore = store;
}
export function getRateLimitStore() {
  return defaultStore;
}

export function clientIp(c: Context<AppEnv>): string {
  const p = c.get("platform");
  if (p?.config.trustProxy) {
    const xff = c.req.header("x-forwarded-for");
    if (xff) return xff.split(",")[0].trim();
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

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const store = opts.store ?? defaultStore;
    const k = `${opts.name}:${await opts.key(c)}`;
    const { count, resetMs } = await store.hit(k, opts.windowSeconds * 1000);
    if (count > opts.limit) {
      throw problems.tooMany(Math.max(1, Math.ceil(resetMs / 1000)), `Rate limit for ${opts.name}: at most ${opts.limit} per ${opts.windowSeconds} s`);
    }
    return next();
  };
}
