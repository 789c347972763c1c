// The built-in auth module: the `authenticate` middleware (sets c.get("user") from a valid Bearer token),
// the SMS port, the Redis rate-limit store when REDIS_URL is set, and the /api/v1/auth routes + JWKS.
import type Redis from "ioredis";
import type { AppModule } from "../http/app.ts";
import type { Platform } from "../http/types.ts";
import { RedisRateLimitStore, setRateLimitStore } from "../http/rate-limit.ts";
import { authenticate } from "./authenticate.ts";
import { authServices, registerSmsPort } from "./services.ts";
import { AUTH_ROUTES } from "./routes/index.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import { purgeAuthState } from "./purge.ts";

const PURGE_EVERY_MS = 10 * 60_000;

/** Rate limits shared through Redis when REDIS_URL is set (key prefix `<queuePrefix>:ratelimit:`). */
export function installRedisRateLimits(p: Platform) {
  if (!p.config.redisUrl) return null;
  // ioredis is required here, when REDIS_URL is set, so a process without Redis never evaluates it
  const { Redis: RedisClient } = require("ioredis") as { Redis: typeof Redis };
  const redis = new RedisClient(p.config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1000, enableOfflineQueue: true, lazyConnect: false });
  let warned = 0;
  redis.on("error", (err) => {
    if (Date.now() - warned > 30_000) {
      warned = Date.now();
      p.log.warn("rate-limit redis error", { err });
    }
  });
  const store = new RedisRateLimitStore(redis, `${p.config.queuePrefix}:ratelimit:`, (err) => p.log.warn("rate limit fell back to memory", { err: err as Error }));
  setRateLimitStore(store);
  p.onShutdown.push(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return store;
}

export const authModule: AppModule = {
  register(app, platform) {
    registerSmsPort(platform);
    // Only a platform with a depot on disk gets keys (the `openapi` CLI builds the app without one).
    if (platform.db.path !== ":memory:") {
      authServices(platform);
      const timer = setInterval(() => {
        try {
          purgeAuthState(platform.db, platform.clock.now());
        } catch (err) {
          platform.log.warn("auth purge failed", { err: err as Error });
        }
      }, PURGE_EVERY_MS);
      timer.unref?.();
      platform.onShutdown.push(() => clearInterval(timer));
    }
    installRedisRateLimits(platform);
    app.use("*", authenticate());
    mountPlatformRoutes(app, platform, AUTH_ROUTES);
  },
};
