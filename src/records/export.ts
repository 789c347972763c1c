// CSV export of a record API (GET /api/v1/records/{name}/export.csv): the same filters, sort and search as the JSON
// list, the same access rule and the same masking by role (the rows come from RecordApi.list, page by page), so a
// list exported is the list on screen. Streamed: one keyset page of EXPORT_PAGE rows is read per pull, never the
// whole table in memory. RFC 4180 (CRLF line ends, fields with a quote, comma or line break quoted, quotes doubled),
// a UTF-8 byte order mark so spreadsheet programs read Indonesian names right, a header row of column names, and
// CSV-injection safe: a text cell starting with = + - @ tab or carriage return is prefixed with ' (numbers stay numbers).
import type { Conn } from "../db/database.ts";
import type { AuthUser } from "../http/types.ts";
import { badRecordQuery, shownName, type ListQuery } from "./query.ts";
import type { RecordApi } from "./engine.ts";

/** Rows read per page while streaming. */
export const EXPORT_PAGE = 500;
const MAX_COLUMNS = 100;
const BOM = "\uFEFF";

/** One CSV field: text that a spreadsheet would run as a formula is prefixed with ', then RFC 4180 quoting. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  let s = typeof v === "string" ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (values: readonly unknown[]) => `${values.map(csvCell).join(",")}\r\n`;

/**
 * The columns of an export: the ones `columns` names (comma separated, in that order) or every column the caller's
 * role gets. A column the role does not get (hidden personal data, unknown names) is a 400.
 */
export function exportColumns(api: RecordApi, user: AuthUser, columns: string | undefined): string[] {
  const all = api.shownColumns(user.role);
  if (columns === undefined || columns.trim() === "") return all;
  const asked = columns.split(",").map((c) => c.trim()).filter(Boolean);
  if (asked.length > MAX_COLUMNS) throw badRecordQuery(`columns takes at most ${MAX_COLUMNS} names`, { errors: [{ path: "columns", message: "too many columns" }] });
  const unknown = asked.filter((c) => !all.includes(c));
  if (unknown.length) {
    throw badRecordQuery(`${unknown.map(shownName).join(", ")}: not a column of ${api.decl.name} for the ${user.role} role`, {
      errors: unknown.map((c) => ({ path: "columns", message: `unknown column ${shownName(c)}` })),
    });
  }
  return [...new Set(asked)];
}

/**
 * A CSV stream of every row the list query matches. The first page is read before the stream is made, so an
 * unknown filter, sort or column answers 400 (and a wrong role 403) instead of a broken download.
 */
export function exportCsv(api: RecordApi, conn: Conn, user: AuthUser | undefined, query: ListQuery, columns?: string): ReadableStream<Uint8Array> {
  const base: ListQuery = { ...query, limit: undefined, count: undefined, cursor: undefined };
  let page = api.list(conn, user, base, EXPORT_PAGE);
  const cols = exportColumns(api, user!, columns);
  const enc = new TextEncoder();
  let first = true;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        let text = "";
        if (first) {
          text = BOM + csvLine(cols);
          first = false;
        } else page = api.list(conn, user, { ...base, cursor: page.nextCursor! }, EXPORT_PAGE);
        for (const row of page.items) text += csvLine(cols.map((c) => row[c]));
        controller.enqueue(enc.encode(text));
        if (!page.nextCursor) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The download's file name: the record and the WIB date, e.g. `loans-2026-12-01.csv`. */
export function exportFileName(name: string, now: Date): string {
  const wib = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
  return `${name}-${wib}.csv`;
}
