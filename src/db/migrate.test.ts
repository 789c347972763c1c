import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Db } from "./database.ts";
import { migrate, MigrationError, pendingMigrations } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.ts";

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
