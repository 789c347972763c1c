// Test-clock mode (KREDITKU_TEST_CLOCK=1 only): lets end-to-end suites move the server's clock.
// GET /_/test/clock → {now, offsetMs}; POST /_/test/clock {advanceMs} | {set: ISO} → the new time.
// Never mounted unless the platform clock is an OffsetClock, which only that environment variable creates.
import type { AppModule } from "./app.ts";
import { OffsetClock } from "../clock.ts";
import { problems } from "./problem.ts";

export const testClockModule: AppModule = {
  register(app, platform) {
    const clock = platform.clock;
    if (!(clock instanceof OffsetClock)) return;
    platform.log.warn("test clock enabled: POST /_/test/clock moves time (never use in production)");
    app.get("/_/test/clock", (c) => c.json({ now: clock.now().toISOString(), offsetMs: clock.offsetMs }));
    app.post("/_/test/clock", async (c) => {
      const body = (await c.req.json().catch(() => null)) as { advanceMs?: unknown; set?: unknown } | null;
      if (body && typeof body.advanceMs === "number" && Number.isFinite(body.advanceMs)) clock.offsetMs += body.advanceMs;
      else if (body && typeof body.set === "string" && !Number.isNaN(Date.parse(body.set))) clock.offsetMs = Date.parse(body.set) - Date.now();
      else throw problems.validation([{ path: "advanceMs", message: "give {advanceMs: number} or {set: ISO-8601}" }]);
      return c.json({ now: clock.now().toISOString(), offsetMs: clock.offsetMs });
    });
  },
};
