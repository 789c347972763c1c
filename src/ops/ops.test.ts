// Unit tests of the operations helpers: retention plan, ISO weeks, the generic ledger check, the serve pid file.
import { describe, expect, test, afterAll } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { isoWeek, planRetention } from "./retention.ts";
import { checkLedgerTables } from "./ledger-check.ts";
import { checkLedger } from "./restore.ts";
import { removeServePid, runningServer, writeServePid, pidFileOf } from "./pidfile.ts";
import { backupId, ID_RE } from "./manifest.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";

const dir = mkdtempSync(join(tmpdir(), "kreditku-ops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("retention", () => {
  const b = (iso: string) => ({ id: backupId(new Date(iso)), createdAt: iso });
  test("ISO weeks", () => {
    expect(isoWeek(new Date("2026-01-01T00:00:00Z"))).toBe("2026-W01");
    expect(isoWeek(new Date("2024-12-30T00:00:00Z"))).toBe("2025-W01");
    expect(isoWeek(new Date("2027-01-03T23:00:00Z"))).toBe("2026-W53");
  });
  test("keeps the newest per day for N days and per ISO week for M weeks", () => {
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
    const { keep, drop } = planRetention(all, 2, 3);
    expect(keep.map((k) => k.createdAt)).toEqual(["2026-03-20T23:00:00.000Z", "2026-03-19T12:00:00.000Z", "2026-03-15T12:00:00.000Z", "2026-03-06T12:00:00.000Z"]);
    expect(drop.length).toBe(all.length - 4);
    expect(planRetention(all, 0, 0).keep.length).toBe(1); // the newest is always kept
    expect(planRetention([], 7, 4)).toEqual({ keep: [], drop: [] });
  });
  test("backup ids sort by time and match the id pattern", () => {
    const a = backupId(new Date("2026-03-20T01:02:03.004Z"));
    expect(a).toBe("kreditku-20260320T010203004Z");
    expect(ID_RE.test(a)).toBe(true);
    expect(backupId(new Date("2026-03-20T01:02:03.005Z")) > a).toBe(true);
  });
});

describe("ledger checks", () => {
  test("generic check finds unbalanced journals; ledger extension check is used when its tables exist", () => {
    const db = new Database(":memory:", { strict: true });
    db.exec("CREATE TABLE gl_postings (id INTEGER PRIMARY KEY, journal_id INTEGER, amount INTEGER, side TEXT)");
    expect(checkLedgerTables(db).checked).toBe(true);
    db.exec("INSERT INTO gl_postings (journal_id, amount, side) VALUES (1, 100, 'debit'), (1, 100, 'credit'), (2, 50, 'debit'), (2, 40, 'credit')");
    const r = checkLedgerTables(db);
    expect(r.ok).toBe(false);
    expect(r.unbalanced?.[0]).toMatchObject({ journal: 2, debit: 50, credit: 40 });
    const none = new Database(":memory:");
    expect(checkLedgerTables(none)).toMatchObject({ checked: false, ok: true });
    const mdb = new Db(":memory:");
    migrate(mdb);
    const led = mdb.writer.raw;
    led.exec(`INSERT INTO ledger_journals (id, kind, ref, total, posted_at) VALUES (1, 'funding', 'f1', 1000, '2026-01-01T00:00:00Z');
      INSERT INTO ledger_lines (journal_id, account, debit, credit) VALUES (1, 'cash', 1000, 0), (1, 'funding', 0, 1000);`);
    expect(checkLedger(led)).toMatchObject({ checked: true, ok: true, journals: 1 });
    led.exec("UPDATE ledger_lines SET credit = 900 WHERE account = 'funding'");
    const bad = checkLedger(led);
    expect(bad.ok).toBe(false);
    expect(bad.detail).toContain("journal 1");
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
