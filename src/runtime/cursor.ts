// The one page-cursor codec: an opaque token that is base64url of a JSON value (a keyset position: the last row's
// sort value and id). A cursor is client input: it is decoded only when short and made of base64url characters,
// objects keep only their own properties (a name such as `__proto__` or one inherited from a touched
// Object.prototype is never read), and the value must match the caller's schema; anything else is "not a cursor".
import type { z } from "@hono/zod-openapi";
import { problems } from "../http/problem.ts";

/** Longest cursor accepted (characters). */
export const MAX_CURSOR_LENGTH = 2048;

/** JSON values a cursor may carry. */
export type CursorValue = string | number | boolean | null | CursorValue[] | { [key: string]: CursorValue };

export function encodeCursor(value: CursorValue): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/** Objects rebuilt without a prototype, from their own properties only (JSON.parse gives plain objects). */
function ownOnly(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(ownOnly);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(v)) out[key] = ownOnly((v as Record<string, unknown>)[key]);
  return out;
}

/** The value of a cursor this API issued with `schema`'s shape, or null when it is not one. */
export function readCursor<T>(raw: string, schema: z.ZodType<T>): T | null {
  if (raw.length === 0 || raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    return null; // not JSON: not a cursor of this API
  }
  const parsed = schema.safeParse(ownOnly(value));
  return parsed.success ? parsed.data : null;
}

/**
 * The `cursor` query parameter of a list route: undefined when absent or empty, its value when this API issued it,
 * else a 422 validation problem naming `cursor`.
 */
export function decodeCursor<T>(raw: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = readCursor(raw, schema);
  if (value === null) throw problems.validation([{ path: "cursor", message: "not a valid cursor; use the nextCursor of a previous page" }]);
  return value;
}
