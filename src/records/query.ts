// The list query of a record API, parsed from the URL: `filter[col]=v` (eq), `filter[col][op]=v`, limit, cursor,
// sort, count, q. Column names come from the client, so they are only ever held in Maps and compared against the
// declaration with own-property lookups: a name such as `__proto__`, `constructor` or `toString` is just an unknown
// column (400 naming it), never a key that reaches Object.prototype.
import { HttpProblem } from "../http/problem.ts";

export type FilterOp = "eq" | "in" | "gte" | "lte";
export const FILTER_OPS: readonly FilterOp[] = ["eq", "in", "gte", "lte"];

/** column → operator → raw value */
export type Filters = ReadonlyMap<string, ReadonlyMap<FilterOp, string>>;

export interface ListQuery {
  limit?: string;
  cursor?: string;
  sort?: string;
  count?: string;
  q?: string;
  filters?: Filters;
}

export const badRecordQuery = (detail: string, extra: Record<string, unknown> = {}) =>
  new HttpProblem(400, "bad-record-query", "Bad record query", detail, extra);

/** A client-supplied name as it appears in a problem detail: bounded, control and bidi characters escaped. */
export function shownName(name: string): string {
  const cut = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const isFilterOp = (op: string): op is FilterOp => (FILTER_OPS as readonly string[]).includes(op);
const FILTER_KEY = /^filter\[([^\]]+)\](?:\[([^\]]+)\])?$/;
const SINGLE = ["limit", "cursor", "sort", "count", "q"] as const;

/** Parse `filter[col]=v` (eq) and `filter[col][op]=v` from a URL's search params. */
export function parseListQuery(url: URL): ListQuery {
  const filters = new Map<string, Map<FilterOp, string>>();
  const sp = url.searchParams;
  for (const [key, value] of sp) {
    if (!key.startsWith("filter")) continue;
    const m = FILTER_KEY.exec(key);
    if (!m) throw badRecordQuery(`bad filter parameter ${shownName(key)}; use filter[column]=value or filter[column][op]=value`, { errors: [{ path: shownName(key), message: "bad filter parameter" }] });
    const col = m[1];
    const op = m[2] ?? "eq";
    if (!isFilterOp(op)) throw badRecordQuery(`unknown filter operator ${shownName(op)} (eq, in, gte, lte)`, { errors: [{ path: shownName(key), message: "unknown operator" }] });
    let ops = filters.get(col);
    if (!ops) filters.set(col, (ops = new Map()));
    if (ops.has(op)) throw badRecordQuery(`filter[${shownName(col)}][${op}] is given more than once`, { errors: [{ path: `filter[${shownName(col)}][${op}]`, message: "given more than once" }] });
    ops.set(op, value);
  }
  const out: ListQuery = { filters };
  for (const name of SINGLE) {
    const all = sp.getAll(name);
    if (all.length > 1) throw badRecordQuery(`${name} is given more than once`, { errors: [{ path: name, message: "given more than once" }] });
    if (all.length === 1) out[name] = all[0];
  }
  return out;
}
