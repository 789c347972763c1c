import { afterAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { Hono } from "hono";
import { MemoryRateLimitStore, RedisRateLimitStore, rateLimit, type RateLimitStore } from "./rate-limit.ts";
import { problemResponse, HttpProblem } from "./problem.ts";

const REDIS_URL = process.env.KREDITKU_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function behavesAsFixedWindow(store: RateLimitStore) {
  const a = [];
  for (let i = 0; i < 4; i++) a.push(await store.hit("k1", 300));
  expect(a.map((x) => x.count)).toEqual([1, 2, 3, 4]);
  expect(a[3].resetMs).toBeGreaterThan(0);
  expect(a[3].resetMs).toBeLessThanOrEqual(300);
  expect((await store.hit("k2", 300)).count).toBe(1);
  await Bun.sleep(350);
  expect((await store.hit("k1", 300)).count).toBe(1);
  await store.hit("k3", 60_000);
  await store.reset("k3");
  expect((await store.hit("k3", 60_000)).count).toBe(1);
}

describe("rate-limit stores", () => {
  const prefix = `kreditku-test:${process.pid}:${Date.now()}:ratelimit:`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 200);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await redis.quit();
  });

  test("memory store: fixed windows", () => behavesAsFixedWindow(new MemoryRateLimitStore()));

  test("Redis store against real Redis (own key prefix): same behaviour, shared across instances", async () => {
    const store = new RedisRateLimitStore(redis, prefix);
    await behavesAsFixedWindow(store);
    const other = new RedisRateLimitStore(redis, prefix);
    await store.hit("shared", 60_000);
    expect((await other.hit("shared", 60_000)).count).toBe(2);
    expect(await redis.exists(`${prefix}shared`)).toBe(1);
    const ttl = await redis.pttl(`${prefix}shared`);
    expect(ttl).toBeGreaterThan(50_000);
  });

  test("Redis down: falls back to memory, still limiting, and reports the error", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on("error", () => {});
    const errors: unknown[] = [];
    const store = new RedisRateLimitStore(dead, prefix, (e) => errors.push(e));
    expect((await store.hit("x", 60_000)).count).toBe(1);
    expect((await store.hit("x", 60_000)).count).toBe(2);
    expect(errors.length).toBe(2);
    dead.disconnect();
  });

  test("middleware answers 429 problem+json with Retry-After over the limit", async () => {
    const app = new Hono<any>();
    app.onError((err, c) => problemResponse(c, err as HttpProblem));
    app.use("*", rateLimit({ name: "t", limit: 2, windowSeconds: 30, key: () => "same", store: new RedisRateLimitStore(redis, prefix) }));
    app.get("/", (c) => c.text("ok"));
    const s = [];
    for (let i = 0; i < 3; i++) s.push(await app.request("/"));
    expect(s.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(s[2].headers.get("content-type")).toContain("application/problem+json");
    expect(Number(s[2].headers.get("retry-after"))).toBeGreaterThanOrEqual(29);
  });
});
