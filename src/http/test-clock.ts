// Test-clock mode (KREDITKU_TEST_CLOCK=1 only): lets end-to-end suites move the server's clock.
// GET /_/test/clock → {now, offsetMs}; POST /_/test/clock {advanceMs} | {set: ISO} → the new time.
// Never mounted unless the platform clock is an OffsetClock, which only that environment variable creates.
import { z } from "@hono/zod-openapi";
import type { AppModule } from "./app.ts";
import { OffsetClock } from "../clock.ts";
import { problems } from "./problem.ts";
import { declareRoute } from "./route.ts";
import { mountPlatformRoutes } from "./mount.ts";

/** Moves stay within ±200 years of the real time (beyond, dates stop being representable). */
const MAX_OFFSET_MS = 200 * 365 * 86_400_000;

const ClockState = z
  .object({ now: z.string().openapi({ example: "2030-01-02T03:04:05.000Z" }), offsetMs: z.number().openapi({ example: 120_000 }) })
  .openapi("TestClock");
const ClockMove = z
  .object({
    advanceMs: z.number().optional().openapi({ description: "Move the clock by this many milliseconds", example: 86_400_000 }),
    set: z.string().optional().openapi({ description: "Set the clock to this ISO-8601 time", example: "2030-01-02T03:04:05Z" }),
  })
  .openapi("TestClockMove");

export const testClockModule: AppModule = {
  register(app, platform) {
    const clock = platform.clock;
    if (!(clock instanceof OffsetClock)) return;
    platform.log.warn("test clock enabled: POST /_/test/clock moves time (never use in production)");
    const state = () => ({ now: clock.now().toISOString(), offsetMs: clock.offsetMs });
    mountPlatformRoutes(app, platform, [
      declareRoute({
        method: "get",
        path: "/_/test/clock",
        tags: ["test"],
        summary: "The server's clock (test-clock mode only)",
        access: "public",
        responses: { 200: { description: "The time and its offset from the real time", schema: ClockState } },
        handler: () => ({ status: 200, body: state() }),
      }),
      declareRoute({
        method: "post",
        path: "/_/test/clock",
        tags: ["test"],
        summary: "Move the server's clock (test-clock mode only)",
        access: "public",
        request: { body: ClockMove, example: { advanceMs: 86_400_000 } },
        responses: { 200: { description: "The new time", schema: ClockState } },
        handler: (req) => {
          const { advanceMs, set } = req.body;
          let offset: number;
          if (advanceMs !== undefined && Number.isFinite(advanceMs)) offset = clock.offsetMs + advanceMs;
          else if (set !== undefined && !Number.isNaN(Date.parse(set))) offset = Date.parse(set) - Date.now();
          else throw problems.validation([{ path: "advanceMs", message: "give {advanceMs: number} or {set: ISO-8601}" }]);
          if (Math.abs(offset) > MAX_OFFSET_MS) throw problems.validation([{ path: advanceMs !== undefined ? "advanceMs" : "set", message: "the clock may move at most 200 years from the real time" }]);
          clock.offsetMs = offset;
          return { status: 200, body: state() };
        },
      }),
    ]);
  },
};
