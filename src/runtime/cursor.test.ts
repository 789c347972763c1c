import { describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { HttpProblem } from "../http/problem.ts";
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH, readCursor } from "./cursor.ts";

const Position = z.object({ at: z.string(), id: z.string() });
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url");

describe("cursor codec", () => {
  test("round trip of a keyset position, a tuple and a plain id", () => {
    expect(readCursor(encodeCursor({ at: "2026-03-02T03:00:00.000Z", id: "pay_1" }), Position)).toEqual({ at: "2026-03-02T03:00:00.000Z", id: "pay_1" });
    expect(readCursor(encodeCursor([12, "L1"]), z.tuple([z.number().int(), z.string()]))).toEqual([12, "L1"]);
    expect(readCursor(encodeCursor("0193a1b2-0000-7000-8000-0000000000a1"), z.string())).toBe("0193a1b2-0000-7000-8000-0000000000a1");
  });

  test("not a cursor: empty, too long, not base64url, not JSON, or not the caller's shape", () => {
    expect(readCursor("", Position)).toBeNull();
    expect(readCursor("A".repeat(MAX_CURSOR_LENGTH + 1), Position)).toBeNull();
    expect(readCursor("abc+/=", Position)).toBeNull();
    expect(readCursor(b64("{not json"), Position)).toBeNull();
    expect(readCursor(encodeCursor({ at: 1, id: "x" }), Position)).toBeNull();
    expect(readCursor(encodeCursor([1, 2]), Position)).toBeNull();
  });

  test("only own properties are read: an inherited or __proto__ field is absent", () => {
    expect(readCursor(b64('{"__proto__":{"at":"x","id":"y"}}'), Position)).toBeNull();
    const proto = Object.prototype as Record<string, unknown>;
    proto.at = "polluted";
    try {
      expect(readCursor(encodeCursor({ id: "y" }), Position)).toBeNull();
    } finally {
      delete proto.at;
    }
  });

  test("decodeCursor: absent → undefined; bad → 422 naming cursor", () => {
    expect(decodeCursor(undefined, Position)).toBeUndefined();
    expect(decodeCursor("", Position)).toBeUndefined();
    let err: unknown;
    try {
      decodeCursor("%%%", Position);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(422);
    expect(JSON.stringify((err as HttpProblem).extra)).toContain("cursor");
  });
});
