// The record APIs the shipped extensions declare, with the platform's: unique names, plain identifiers, every
// personal-data column naming a rule an extension registers, and every declaration compiling on the migrated schema
// with no column dropped.
import { describe, expect, test } from "bun:test";
import { Db } from "../src/db/database.ts";
import { migrate } from "../src/db/migrate.ts";
import { resolveRecords } from "../src/records/engine.ts";
import { installedRecords } from "../src/records/module.ts";
import { Registry } from "../src/runtime/registry.ts";
import { EXTENSIONS } from "./index.ts";

describe("shipped record declarations", () => {
  const decls = installedRecords(new Registry(EXTENSIONS));

  test("names are unique, identifiers plain, and nothing resolves on an empty schema", () => {
    const names = decls.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of decls) {
      for (const c of Object.keys(d.columns)) expect(c).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(d.source).toMatch(/^[a-z_][a-z0-9_]*$/);
    }
    const empty = new Db(":memory:");
    expect(resolveRecords(empty, decls).size).toBe(0);
    empty.close();
  });

  test("on the real migrated schema every declaration compiles, with no column dropped, and answers each role it declares", () => {
    const real = new Db(":memory:");
    migrate(real);
    const tables = new Set(real.writer.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table','view')").map((r) => r.name));
    const notes: string[] = [];
    const log = { debug: (m: string, f?: any) => notes.push(`${m} ${JSON.stringify(f)}`), warn: (m: string, f?: any) => notes.push(`WARN ${m} ${JSON.stringify(f)}`) };
    const records = resolveRecords(real, decls, log);
    expect(notes.filter((n) => n.startsWith("WARN") || n.includes("columns missing"))).toEqual([]);
    for (const d of decls) expect(records.has(d.name), d.name).toBe(tables.has(d.source));
    for (const [name, api] of records) for (const role of api.roles) expect(api.list(real.read, { id: "x", role }, { count: "true" }).total, name).toBeGreaterThanOrEqual(0);
    real.close();
  });

  test("each personal-data column names a field its extension (or another installed one) registers", () => {
    const reg = new Registry(EXTENSIONS);
    const named = decls.flatMap((d) => Object.values(d.columns).flatMap((c) => (c.pii ? [c.pii.field] : [])));
    expect(named.length).toBeGreaterThan(0);
    for (const f of named) expect(reg.personalData.has(f!), String(f)).toBe(true);
  });
});
