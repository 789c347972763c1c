import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Db } from "./database.ts";
import { migrate, MigrationError, pendingMigrations, sha256Hex } from "./migrate.ts";
import { knownMigrationNames, MIGRATIONS } from "./migrations.ts";

describe("migrations", () => {
  test("every .sql file in traildepot/migrations is embedded, in order", () => {
    const files = readdirSync(join(import.meta.dir, "../../traildepot/migrations")).filter((f) => f.endsWith(".sql")).sort();
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
  });

  test("applies once and is idempotent", () => {
    const db = new Db(":memory:");
    const first = migrate(db);
    expect(first.applied.length).toBe(MIGRATIONS.length);
    expect(migrate(db).applied).toEqual([]);
    expect(pendingMigrations(db)).toEqual([]);
    db.close();
  });

  test("refuses a changed applied migration", () => {
    const db = new Db(":memory:");
    migrate(db, [{ name: "a.sql", sql: "CREATE TABLE a (x INTEGER) STRICT;" }]);
    expect(() => migrate(db, [{ name: "a.sql", sql: "CREATE TABLE a (y INTEGER) STRICT;" }])).toThrow(MigrationError);
    db.close();
  });

  test("a failing migration rolls back entirely and is not recorded", () => {
    const db = new Db(":memory:");
    expect(() => migrate(db, [{ name: "bad.sql", sql: "CREATE TABLE ok (x INTEGER); SELECT * FROM nope;" }])).toThrow();
    expect(db.read.get("SELECT name FROM sqlite_master WHERE name = 'ok'")).toBeUndefined();
    expect(db.read.all("SELECT * FROM _migrations")).toEqual([]);
    db.close();
  });
});

describe("migrations recorded under an earlier name or text", () => {
  const v1 = { name: "0001_first_draft.sql", sql: "-- first draft\nCREATE TABLE a (x INTEGER) STRICT;" };
  const v2 = { name: "0001_create_a.sql", sql: "-- creates a\nCREATE TABLE a (x INTEGER) STRICT;", formerly: [{ name: v1.name, checksum: sha256Hex(v1.sql) }] };

  test("a record under a former name and checksum is adopted, not re-applied", () => {
    const db = new Db(":memory:");
    migrate(db, [v1]);
    const logs: string[] = [];
    expect(migrate(db, [v2], (m) => logs.push(m)).applied).toEqual([]);
    expect(db.read.all("SELECT name, checksum FROM _migrations")).toEqual([{ name: v2.name, checksum: sha256Hex(v2.sql) }]);
    expect(logs.join("\n")).toContain("now recorded as 0001_create_a.sql");
    expect(pendingMigrations(db, [v2])).toEqual([]);
    db.close();
  });

  test("a former name with text that matches no known version still refuses start-up", () => {
    const db = new Db(":memory:");
    migrate(db, [{ name: v1.name, sql: "CREATE TABLE a (y INTEGER) STRICT;" }]);
    expect(() => migrate(db, [v2])).toThrow(MigrationError);
    db.close();
  });

  test("every shipped former record maps to a current migration and is known to restore", () => {
    const names = knownMigrationNames();
    for (const m of MIGRATIONS) for (const f of m.formerly ?? []) expect(names.has(f.name)).toBe(true);
    expect(names.has("0011_offer_payout.sql")).toBe(true);
  });

  test("no migration file or comment names a tracker entry", () => {
    for (const m of MIGRATIONS) {
      expect(m.name).not.toMatch(/fix|review|issue/i);
      expect(m.sql).not.toMatch(/\b(issue\s*#?\d|review (fix|finding)|#\d+\b)/i);
    }
  });
});
