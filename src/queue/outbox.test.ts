// The outbox lag measures lag to completion: a row handed to BullMQ (dispatched) or running counts until it
// completes, like a pending one; rows not yet due, completed or dead do not.
import { expect, test } from "bun:test";
import { testPlatform } from "../../test/kit/app.ts";
import { insertOutbox, outboxLagMs } from "./outbox.ts";

test("outbox lag: the oldest due row not completed — pending, running or dispatched", () => {
  const p = testPlatform({ clock: "system", logLevel: "silent", prefix: "kreditku-outbox-" });
  try {
    const now = 1_800_000_000_000;
    const row = (key: string, runAt: number, state: string) =>
      p.db.tx((c) => {
        insertOutbox(c, { key, kind: "job", name: "x", queue: "x", payload: {}, maxAttempts: 1, runAt, now: runAt });
        c.run("UPDATE outbox SET state = ? WHERE key = ?", state, key);
      });
    expect(outboxLagMs(p.db, now)).toBe(0);
    row("future", now + 60_000, "pending");
    row("done", now - 600_000, "completed");
    row("dead", now - 500_000, "dead");
    expect(outboxLagMs(p.db, now)).toBe(0);
    row("pending", now - 5_000, "pending");
    expect(outboxLagMs(p.db, now)).toBe(5_000);
    row("running", now - 20_000, "running");
    expect(outboxLagMs(p.db, now)).toBe(20_000);
    row("dispatched", now - 90_000, "dispatched"); // handed to BullMQ, never completed (no worker, or lost)
    expect(outboxLagMs(p.db, now)).toBe(90_000);
  } finally {
    p.close();
  }
});

test("a BullMQ job id decodes back to its outbox key", async () => {
  const { jobIdOf, keyOfJobId } = await import("./job-id.ts");
  for (const key of ["issue-virtual-account:loan-1", "100", "a%3Ab:c%", "%d12", "plain"]) expect(keyOfJobId(jobIdOf(key))).toBe(key);
});
