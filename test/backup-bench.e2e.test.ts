// bench/backup.ts itself, on a small depot: it fills the depot, backs it up under write load on the built binary,
// and reports backup time, /healthz and write latencies before, during and after, and the WAL size.
import { expect, test } from "bun:test";
import { run } from "../bench/backup.ts";

test("bench/backup reports backup time, stall figures and the WAL on a small depot", async () => {
  const r = await run({ bytes: 24 * 1024 * 1024 });
  expect(r.dbBytes).toBeGreaterThanOrEqual(24 * 1024 * 1024);
  expect(r.backupSeconds).toBeGreaterThan(0);
  expect(r.gzBytes).toBeGreaterThan(0);
  for (const p of ["before", "during", "after"] as const) {
    expect(r.healthz[p].requests).toBeGreaterThan(0);
    expect(r.healthz[p].errors).toBe(0);
    expect(r.writes[p].requests).toBeGreaterThan(0);
    expect(r.writes[p].errors).toBe(0);
    expect(r.healthz[p].p99ms).toBeGreaterThan(0);
  }
  expect(Number.isFinite(r.walBytesAtEnd)).toBe(true); // kreditku_wal_bytes is exported
  expect(r.walBytesAfter).toBeLessThanOrEqual(16 * 1024 * 1024);
}, 120000);
