// Unit tests of the operations helpers: retention plan, ISO weeks, the registered checks on a backup, the serve pid file.
import { describe, expect, test, afterAll } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { isoWeek, planRetention } from "./retention.ts";
import { runChecks } from "./restore.ts";
import type { CheckDefinition } from "../runtime/types.ts";
import { removeServePid, runningServer, writeServePid, pidFileOf } from "./pidfile.ts";
import { backupId, ID_RE } from "./manifest.ts";

const dir = mkdtempSync(join(tmpdir(), "kreditku-ops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("retention", () => {
  const b = (iso: string) => ({ id: backupId(new Date(iso)), createdAt: iso });
  test("ISO weeks", () => {
    expect(isoWeek(new Date("2026-01-01T00:00:00Z"))).toBe("2026-W01");
    expect(isoWeek(new Date("2024-12-30T00:00:00Z"))).toBe("2025-W01");
    expect(isoWeek(new Date("2027-01-03T23:00:00Z"))).toBe("2026-W53");
  });
  test("keeps every backup younger than N days (several a day) and the newest per ISO week for M weeks", () => {
    const all = [
      b("2026-03-20T23:00:00.000Z"), // Fri W12
      b("2026-03-20T01:00:00.000Z"),
      b("2026-03-19T12:00:00.000Z"), // Thu W12
      b("2026-03-18T12:00:00.000Z"), // Wed W12
      b("2026-03-15T12:00:00.000Z"), // Sun W11
      b("2026-03-10T12:00:00.000Z"), // Tue W11
      b("2026-03-06T12:00:00.000Z"), // Fri W10
      b("2026-02-27T12:00:00.000Z"), // Fri W09
      b("2026-02-20T12:00:00.000Z"), // Fri W08
    ];
    const now = new Date("2026-03-21T00:00:00.000Z");
    const { keep, drop } = planRetention(all, 2, 3, now);
    // both of the 20th (an ad-hoc backup beside the nightly one) and the 19th: younger than 2 days
    expect(keep.map((k) => k.createdAt)).toEqual(["2026-03-20T23:00:00.000Z", "2026-03-20T01:00:00.000Z", "2026-03-19T12:00:00.000Z", "2026-03-15T12:00:00.000Z", "2026-03-06T12:00:00.000Z"]);
    expect(drop.length).toBe(all.length - 5);
    // a second backup the same day is never deleted for being the same day
    expect(planRetention([b("2026-03-20T23:00:00.000Z"), b("2026-03-20T22:59:00.000Z")], 1, 0, now).drop).toEqual([]);
    expect(planRetention(all, 0, 0, now).keep.length).toBe(1); // the newest is always kept
    expect(planRetention([], 7, 4, now)).toEqual({ keep: [], drop: [] });
  });
  test("backup ids sort by time and match the id pattern", () => {
    const a = backupId(new Date("2026-03-20T01:02:03.004Z"));
    expect(a).toBe("kreditku-20260320T010203004Z");
    expect(ID_RE.test(a)).toBe(true);
    expect(backupId(new Date("2026-03-20T01:02:03.005Z")) > a).toBe(true);
  });
});

describe("registered checks on a backup", () => {
  const balanced: CheckDefinition = {
    name: "balance",
    description: "prove the postings balance",
    run(db, opts) {
      const bad = db.all<{ journal_id: number }>("SELECT journal_id FROM postings GROUP BY journal_id HAVING sum(debit) <> sum(credit) LIMIT ?", opts.limit ?? 50);
      return { ok: bad.length === 0, summary: "every journal balances", discrepancies: bad.map((b) => ({ detail: `journal ${b.journal_id} is unbalanced` })) };
    },
  };

  test("each check runs read-only on the copy: its summary when it holds, its discrepancies (at most 10) when not", () => {
    const db = new Database(":memory:", { strict: true });
    db.exec("CREATE TABLE postings (journal_id INTEGER, debit INTEGER, credit INTEGER)");
    db.exec("INSERT INTO postings VALUES (1, 100, 0), (1, 0, 100)");
    const limits: (number | undefined)[] = [];
    const spy: CheckDefinition = { name: "spy", description: "x", run: (_db, o) => (limits.push(o.limit), { ok: true, summary: "seen", discrepancies: [] }) };
    expect(runChecks(db, [balanced, spy])).toEqual({ balance: { ok: true, detail: "every journal balances" }, spy: { ok: true, detail: "seen" } });
    expect(limits).toEqual([10]);
    db.exec("INSERT INTO postings VALUES (2, 50, 0), (2, 0, 40), (3, 1, 0)");
    expect(runChecks(db, [balanced])).toEqual({ balance: { ok: false, detail: "journal 2 is unbalanced; journal 3 is unbalanced" } });
    expect(runChecks(db, [])).toEqual({});
  });
});

describe("serve pid file", () => {
  test("written, detected while alive, ignored when stale, removed only by its owner", () => {
    const depot = join(dir, "d");
    mkdirSync(join(depot, "data"), { recursive: true });
    expect(runningServer(depot)).toBeNull();
    writeServePid(depot, { port: 1234 });
    expect(runningServer(depot)).toBeNull(); // our own pid is never "another server"
    const child = Bun.spawn(["sleep", "5"]);
    writeFileSync(pidFileOf(depot), JSON.stringify({ pid: child.pid, host: hostname(), startedAt: "x" }));
    expect(runningServer(depot)).toBeNull(); // alive, but not a serve process
    writeFileSync(pidFileOf(depot), JSON.stringify({ pid: child.pid, host: "other-host", startedAt: "x" }));
    expect(runningServer(depot)?.host).toBe("other-host"); // cannot check another machine: assume running
    child.kill();
    writeFileSync(pidFileOf(depot), JSON.stringify({ pid: 2147480, host: hostname(), startedAt: "x" }));
    expect(runningServer(depot)).toBeNull();
    removeServePid(depot); // not ours: left alone
    expect(Bun.file(pidFileOf(depot)).size).toBeGreaterThan(0);
  });
});
