import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rowsOf, sqlIn } from "./sql.ts";
import type { Sql } from "./types.ts";

interface ThingRow {
  id: string;
  status: string;
  amount: number;
}

function db(): Sql {
  const d = new Database(":memory:");
  d.run("CREATE TABLE things (id TEXT PRIMARY KEY, status TEXT NOT NULL, amount INTEGER NOT NULL)");
  d.run("INSERT INTO things VALUES ('a', 'active', 10), ('b', 'paid_off', 20), ('c', 'active', 30)");
  return {
    all: (sql, ...p) => d.query(sql).all(...p) as never,
    get: (sql, ...p) => (d.query(sql).get(...p) ?? undefined) as never,
    run: (sql, ...p) => d.run(sql, p) as never,
  } as Sql;
}

describe("sql helpers", () => {
  test("sqlIn: one placeholder per value; an empty list matches nothing", () => {
    const s = db();
    const two = sqlIn(["a", "c"]);
    expect(two.sql).toBe("(?, ?)");
    expect(s.all<{ id: string }>(`SELECT id FROM things WHERE id IN ${two.sql} ORDER BY id`, ...two.params).map((r) => r.id)).toEqual(["a", "c"]);
    const none = sqlIn([]);
    expect(s.all(`SELECT id FROM things WHERE id IN ${none.sql}`, ...none.params)).toEqual([]);
  });

  test("rowsOf: typed reads of the columns asked for, every column by default", () => {
    const things = rowsOf<ThingRow>("things");
    const s = db();
    expect(things.get(s, "b")).toEqual({ id: "b", status: "paid_off", amount: 20 });
    const picked = things.get(s, "c", ["status"]);
    expect(picked).toEqual({ status: "active" });
    expect(things.get(s, "zzz")).toBeUndefined();
    expect(things.select(["id", "amount"])).toBe("SELECT id, amount FROM things");
  });

  test("rowsOf refuses names that are not plain identifiers", () => {
    expect(() => rowsOf<ThingRow>("things; DROP TABLE x")).toThrow("plain SQL identifier");
    expect(() => rowsOf<ThingRow>("things").select(["id", "amount) FROM x --" as "id"])).toThrow("plain SQL identifier");
  });
});
