import { describe, expect, test } from "bun:test";
import { createLogger } from "./logger.ts";

/** The line the general path makes: every field merged over time, level and msg, errors flattened. */
function merged(level: string, msg: string, fields?: Record<string, unknown>) {
  const out: Record<string, unknown> = { level, msg };
  for (const [k, v] of Object.entries(fields ?? {})) out[k] = v instanceof Error ? { name: v.name, message: v.message } : v;
  return JSON.parse(JSON.stringify(out));
}

describe("log lines", () => {
  const cases: [string, Record<string, unknown> | undefined][] = [
    ["no fields", undefined],
    ["empty fields", {}],
    ["an access-log line", { requestId: "01a2", method: "GET", path: '/api/v1/"x"\n\u2028é', route: "/api/v1/x", status: 200, ms: 1.25, userId: null }],
    ["undefined values are left out", { a: undefined, b: 1 }],
    ["nested values", { a: { b: [1, "two", null] }, when: new Date("2026-12-01T00:00:00Z") }],
    ["a field named like the line's own keys replaces it", { msg: "other", level: "x", n: 1 }],
    ["an error is flattened", { err: new Error("boom"), id: 3 }],
  ];
  for (const [name, fields] of cases) {
    test(name, () => {
      const lines: string[] = [];
      const log = createLogger("debug", {}, (l) => lines.push(l));
      log.info("request done", fields);
      const got = JSON.parse(lines[0]);
      expect(typeof got.time).toBe("string");
      delete got.time;
      if (got.err) delete got.err.stack;
      expect(got).toEqual(merged("info", "request done", fields));
      if (fields && "msg" in fields) expect(lines[0].match(/"msg"/g)).toHaveLength(1);
    });
  }

  test("a child logger's base fields come before the line's fields, which win", () => {
    const lines: string[] = [];
    const log = createLogger("info", {}, (l) => lines.push(l)).child({ component: "jobs", n: 1 });
    log.warn("x", { n: 2 });
    const got = JSON.parse(lines[0]);
    expect(got).toMatchObject({ level: "warn", msg: "x", component: "jobs", n: 2 });
  });

  test("below the level nothing is written", () => {
    const lines: string[] = [];
    createLogger("warn", {}, (l) => lines.push(l)).info("x", { a: 1 });
    expect(lines).toHaveLength(0);
  });
});
