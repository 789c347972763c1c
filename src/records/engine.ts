// Record APIs (TrailBase-style): declared, read-mostly list/get endpoints over tables and views.
// Every identifier in generated SQL comes from a declaration (never from the request); every value is bound.
import type { Conn, Db } from "../db/database.ts";
import type { AuthUser } from "../http/types.ts";
import type { Logger } from "../observability/logger.ts";
import { HttpProblem } from "../http/problem.ts";
import { maskValue, type MaskKind } from "./mask.ts";
import { badRecordQuery, shownName, type FilterOp, type ListQuery } from "./query.ts";
import { z } from "@hono/zod-openapi";
import { encodeCursor, readCursor } from "../runtime/cursor.ts";
import { sqlIn, type SqlValue } from "../runtime/sql.ts";

export type Role = AuthUser["role"];
export type ColumnType = "text" | "integer" | "real";
export type { MaskKind };
export { badRecordQuery, parseListQuery, type FilterOp, type Filters, type ListQuery } from "./query.ts";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
/** An ISO 8601 date or timestamp that names a real instant (2026-02-30 does not). */
function isTimestamp(v: string): boolean {
  if (!TIMESTAMP.test(v)) return false;
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isFinite(t) && (v.length !== 10 || new Date(t).toISOString().slice(0, 10) === v);
}

export interface ColumnDecl {
  type?: ColumnType;
  /** A text column holding an ISO 8601 date or timestamp: filter values must be one (compared as text). */
  format?: "timestamp";
  /** Filter operators allowed on this column (none: not filterable). */
  filter?: FilterOp[];
  sortable?: boolean;
  /** Included in the `?q=` text search (LIKE). */
  search?: boolean;
  /**
   * Personal data: roles outside `visibleTo` get the value masked (or removed for `hide`), and may not filter/sort/search
   * on it. `field` names the personal-data rule it comes from (PiiPolicy.column), which an installed extension must register.
   */
  pii?: { visibleTo: Role[]; mask: MaskKind; field?: string };
}

export interface RecordDecl {
  /** API name: /api/v1/records/{name} */
  name: string;
  /** Table or view it reads. */
  source: string;
  label?: string;
  /** Unique column used by /{id} and as the pagination tie-breaker. Default "id". */
  idColumn?: string;
  columns: Record<string, ColumnDecl>;
  /**
   * Access rule per role: `true` = every row, or an SQL expression over the row (alias `r`, e.g. `r.user_id`) and
   * the caller (`$caller.id`, `$caller.role`, bound as parameters). A role not listed gets 403.
   */
  access: Partial<Record<Role, true | string>>;
  /** Fixed condition every query carries (e.g. `r.role = 'borrower'`). */
  where?: string;
  defaultSort?: { column: string; dir: "asc" | "desc" };
}

export interface ListResult {
  items: Record<string, unknown>[];
  nextCursor: string | null;
  total?: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

const q = (ident: string) => {
  if (!IDENT.test(ident)) throw new Error(`records: bad identifier ${ident}`);
  return `"${ident}"`;
};

// ---------------------------------------------------------------- masking (src/records/mask.ts)
export { maskValue };

// ---------------------------------------------------------------- cursor
// The shared codec (src/runtime/cursor.ts: length, base64url, own properties only) with the record cursor's shape.
const Scalar = z.union([z.null(), z.string(), z.number()]);
const RecordCursor = z.object({ s: z.string(), d: z.enum(["asc", "desc"]), v: Scalar, id: Scalar });
type Cursor = z.infer<typeof RecordCursor>;
/** A column value as a cursor carries it (integers beyond the safe range and blobs as text). */
const cursorScalar = (v: unknown): string | number | null => (v === null || v === undefined ? null : typeof v === "number" || typeof v === "string" ? v : String(v));
function decodeCursor(raw: string): Cursor {
  const c = readCursor(raw, RecordCursor);
  if (c) return c;
  throw badRecordQuery("cursor is not valid; use the nextCursor of a previous page", { errors: [{ path: "cursor", message: "not a cursor of this API" }] });
}
const bindable = (v: unknown): SqlValue => (v === null || typeof v === "string" || typeof v === "number" ? v : String(v));

// ---------------------------------------------------------------- compiled record
interface Rule {
  sql: string;
  params: ("id" | "role")[];
}
function compileRule(expr: string): Rule {
  const params: ("id" | "role")[] = [];
  const sql = expr.replace(/\$caller\.(id|role)\b/g, (_m, k) => {
    params.push(k);
    return "?";
  });
  return { sql, params };
}

export class RecordApi {
  readonly idColumn: string;
  /** Declared columns the source has; a null-prototype object, read only through column(). */
  readonly columns: Readonly<Record<string, ColumnDecl>>;
  readonly defaultSort: { column: string; dir: "asc" | "desc" };
  private rules = new Map<Role, Rule | true>();

  constructor(readonly decl: RecordDecl, available: Set<string>) {
    this.idColumn = decl.idColumn ?? "id";
    const columns: Record<string, ColumnDecl> = Object.create(null);
    for (const [c, d] of Object.entries(decl.columns)) if (available.has(c)) columns[c] = d;
    this.columns = columns;
    const ds = decl.defaultSort;
    this.defaultSort = ds && (ds.column === this.idColumn || this.column(ds.column)) ? ds : { column: this.idColumn, dir: "desc" };
    for (const [role, rule] of Object.entries(decl.access) as [Role, true | string][]) {
      this.rules.set(role, rule === true ? true : compileRule(rule));
    }
  }

  get roles(): Role[] {
    return [...this.rules.keys()];
  }

  /** The declaration of a column by a (possibly client-supplied) name: own properties only. */
  column(name: string): ColumnDecl | undefined {
    return Object.hasOwn(this.columns, name) ? this.columns[name] : undefined;
  }

  private visible(col: string, role: Role) {
    const pii = this.column(col)?.pii;
    return !pii || pii.visibleTo.includes(role);
  }

  /** The record API's name (its path segment). */
  get name() {
    return this.decl.name;
  }

  /** The declaration as the caller sees it (for the dashboard to build tables and filters). */
  describe(role: Role) {
    return {
      name: this.decl.name,
      label: this.decl.label ?? this.decl.name,
      idColumn: this.idColumn,
      defaultSort: this.defaultSort,
      columns: Object.entries(this.columns)
        .filter(([c, d]) => this.visible(c, role) || d.pii?.mask !== "hide")
        .map(([name, c]) => {
          const open = this.visible(name, role);
          return {
            name,
            type: c.type ?? "text",
            filter: open ? c.filter ?? [] : [],
            sortable: open && !!c.sortable,
            search: open && !!c.search,
            masked: !open,
          };
        }),
    };
  }

  private access(user: AuthUser | undefined): { sql: string; params: SqlValue[] } {
    if (!user) throw new HttpProblem(401, "unauthorized", "Unauthorized", "Authentication required", {}, { "WWW-Authenticate": 'Bearer realm="kreditku"' });
    const rule = this.rules.get(user.role);
    if (rule === undefined) throw new HttpProblem(403, "forbidden", "Forbidden", `The ${this.decl.name} records are not available to the ${user.role} role`);
    const parts: string[] = [];
    const params: SqlValue[] = [];
    if (this.decl.where) parts.push(`(${this.decl.where})`);
    if (rule !== true) {
      parts.push(`(${rule.sql})`);
      for (const p of rule.params) params.push(p === "id" ? user.id : user.role);
    }
    return { sql: parts.join(" AND "), params };
  }

  private selectList() {
    const cols = Object.keys(this.columns);
    if (!cols.includes(this.idColumn)) cols.unshift(this.idColumn);
    return cols.map((c) => `r.${q(c)}`).join(", ");
  }

  private shape(row: Record<string, unknown>, role: Role) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      const pii = this.column(k)?.pii;
      if (pii && !pii.visibleTo.includes(role)) {
        const m = maskValue(pii.mask, v);
        if (m !== undefined) out[k] = m;
      } else out[k] = v;
    }
    return out;
  }

  private coerce(col: string, raw: string): string | number {
    const decl = this.column(col);
    const t = decl?.type ?? "text";
    if (decl?.format === "timestamp" && !isTimestamp(raw)) {
      throw badRecordQuery(`filter value for ${col} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp`, { errors: [{ path: `filter[${col}]`, message: "not a date or timestamp" }] });
    }
    if (t === "text") return raw;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || (t === "integer" && !Number.isInteger(n))) {
      throw badRecordQuery(`filter value for ${col} must be ${t === "integer" ? "an integer" : "a number"}`, { errors: [{ path: `filter[${col}]`, message: "not a number" }] });
    }
    return n;
  }

  /**
   * The columns `role` gets in a row, in declaration order (hidden personal data left out): the CSV export's header.
   */
  shownColumns(role: Role): string[] {
    const cols = Object.keys(this.columns).filter((c) => this.visible(c, role) || this.column(c)!.pii?.mask !== "hide");
    return cols.includes(this.idColumn) ? cols : [this.idColumn, ...cols];
  }

  /** `pageSize` (internal callers such as the CSV export) replaces the client's `limit`. */
  list(conn: Conn, user: AuthUser | undefined, query: ListQuery, pageSize?: number): ListResult {
    const acc = this.access(user);
    const role = user!.role;
    const where: string[] = acc.sql ? [acc.sql] : [];
    const params: SqlValue[] = [...acc.params];

    // limit
    let limit = DEFAULT_LIMIT;
    if (query.limit !== undefined) {
      limit = /^[0-9]{1,3}$/.test(query.limit) ? Number(query.limit) : NaN;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRecordQuery(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    if (pageSize !== undefined) limit = pageSize;

    // filters
    for (const [col, ops] of query.filters ?? []) {
      const decl = this.column(col);
      if (!decl || !decl.filter?.length) {
        throw badRecordQuery(`${shownName(col)} is not a filterable column of ${this.decl.name}`, { errors: [{ path: `filter[${shownName(col)}]`, message: "unknown filter column" }] });
      }
      if (!this.visible(col, role)) throw badRecordQuery(`${col} may not be filtered on by the ${role} role`);
      for (const [op, raw] of ops as ReadonlyMap<FilterOp, string>) {
        if (!decl.filter.includes(op)) throw badRecordQuery(`operator ${op} is not allowed on ${col} (allowed: ${decl.filter.join(", ")})`, { errors: [{ path: `filter[${col}][${op}]`, message: "operator not allowed" }] });
        if (op === "in") {
          const vals = raw.split(",").filter((s) => s !== "");
          if (vals.length === 0 || vals.length > 50) throw badRecordQuery(`filter[${col}][in] takes 1 to 50 comma-separated values`);
          const list = sqlIn(vals.map((v) => this.coerce(col, v)));
          where.push(`r.${q(col)} IN ${list.sql}`);
          params.push(...list.params);
        } else {
          where.push(`r.${q(col)} ${op === "eq" ? "=" : op === "gte" ? ">=" : "<="} ?`);
          params.push(this.coerce(col, raw));
        }
      }
    }

    // search
    if (query.q !== undefined && query.q.trim() !== "") {
      const cols = Object.entries(this.columns).filter(([c, d]) => d.search && this.visible(c, role)).map(([c]) => c);
      if (cols.length === 0) throw badRecordQuery(`${this.decl.name} has no searchable columns`);
      const term = `%${query.q.trim().replace(/[\\%_]/g, (m) => "\\" + m)}%`;
      where.push(`(${cols.map((c) => `r.${q(c)} LIKE ? ESCAPE '\\'`).join(" OR ")})`);
      params.push(...cols.map(() => term));
    }

    // sort
    const def = this.defaultSort;
    let sortCol = def.column;
    let dir: "asc" | "desc" = def.dir;
    if (query.sort !== undefined && query.sort !== "") {
      dir = query.sort.startsWith("-") ? "desc" : "asc";
      sortCol = query.sort.replace(/^[-+]/, "");
      const decl = this.column(sortCol);
      if (sortCol !== this.idColumn && (!decl || !decl.sortable)) throw badRecordQuery(`${shownName(sortCol)} is not a sortable column of ${this.decl.name}`, { errors: [{ path: "sort", message: "unknown sort column" }] });
      if (!this.visible(sortCol, role)) throw badRecordQuery(`${sortCol} may not be sorted on by the ${role} role`);
    }

    let total: number | undefined;
    const whereSql = () => (where.length ? ` WHERE ${where.join(" AND ")}` : "");
    const from = `FROM ${q(this.decl.source)} AS r`;
    if (query.count === "true" || query.count === "1") {
      total = (conn.get<{ n: number }>(`SELECT count(*) AS n ${from}${whereSql()}`, ...params)?.n ?? 0);
    } else if (query.count !== undefined && query.count !== "false" && query.count !== "0") {
      throw badRecordQuery("count must be true or false");
    }

    // keyset cursor on (sort column, id); SQLite orders NULLs first ascending, last descending
    const id = `r.${q(this.idColumn)}`;
    const s = `r.${q(sortCol)}`;
    const same = sortCol === this.idColumn;
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      if (c.s !== sortCol || c.d !== dir) throw badRecordQuery("cursor belongs to another sort order");
      const gt = dir === "asc" ? ">" : "<";
      if (same) {
        where.push(`${id} ${gt} ?`);
        params.push(bindable(c.id));
      } else if (c.v === null) {
        where.push(dir === "asc" ? `((${s} IS NULL AND ${id} > ?) OR ${s} IS NOT NULL)` : `(${s} IS NULL AND ${id} < ?)`);
        params.push(bindable(c.id));
      } else {
        where.push(`(${s} ${gt} ? OR (${s} = ? AND ${id} ${gt} ?)${dir === "desc" ? ` OR ${s} IS NULL` : ""})`);
        params.push(bindable(c.v), bindable(c.v), bindable(c.id));
      }
    }
    const order = same ? `${id} ${dir.toUpperCase()}` : `${s} ${dir.toUpperCase()}, ${id} ${dir.toUpperCase()}`;
    const sql = `SELECT ${this.selectList()}${same ? "" : `, ${s} AS __sort`} ${from}${whereSql()} ORDER BY ${order} LIMIT ?`;
    const rows = conn.all<Record<string, unknown>>(sql, ...params, limit + 1);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = more && last ? encodeCursor({ s: sortCol, d: dir, v: same ? null : cursorScalar(last.__sort), id: cursorScalar(last[this.idColumn]) }) : null;
    const items = page.map((r) => {
      delete r.__sort;
      return this.shape(r, role);
    });
    return total === undefined ? { items, nextCursor } : { items, nextCursor, total };
  }

  get(conn: Conn, user: AuthUser | undefined, idValue: string): Record<string, unknown> {
    const acc = this.access(user);
    const where = [...(acc.sql ? [acc.sql] : []), `r.${q(this.idColumn)} = ?`];
    const idParam = this.column(this.idColumn)?.type === "integer" && /^-?\d+$/.test(idValue) ? Number(idValue) : idValue;
    const row = conn.get<Record<string, unknown>>(`SELECT ${this.selectList()} FROM ${q(this.decl.source)} AS r WHERE ${where.join(" AND ")}`, ...acc.params, idParam);
    if (!row) throw new HttpProblem(404, "not-found", "Not found", `${this.decl.name} ${idValue} not found`);
    return this.shape(row, user!.role);
  }

  /** Prepare every query shape once so a bad declaration fails at start, not on a request. */
  probe(conn: Conn) {
    const from = `FROM ${q(this.decl.source)} AS r`;
    for (const [role, rule] of this.rules) {
      const parts = [this.decl.where, rule === true ? undefined : rule.sql].filter(Boolean).map((x) => `(${x})`);
      conn.raw.prepare(`SELECT ${this.selectList()} ${from}${parts.length ? ` WHERE ${parts.join(" AND ")}` : ""} LIMIT 0`).finalize();
      void role;
    }
  }
}

/** Resolve declarations against the database: skip records whose source does not exist (yet), drop missing columns. */
export function resolveRecords(db: Db | Conn, decls: RecordDecl[], log?: Pick<Logger, "debug" | "warn">): Map<string, RecordApi> {
  const conn = "writer" in db ? db.writer : db;
  const out = new Map<string, RecordApi>();
  const objects = new Set(conn.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").map((r) => r.name));
  for (const decl of decls) {
    if (!objects.has(decl.source)) {
      log?.debug("records: source missing, record skipped", { record: decl.name, source: decl.source });
      continue;
    }
    const cols = new Set(conn.all<{ name: string }>(`SELECT name FROM pragma_table_info(?)`, decl.source).map((r) => r.name));
    const idColumn = decl.idColumn ?? "id";
    if (!cols.has(idColumn)) {
      log?.warn("records: id column missing, record skipped", { record: decl.name, source: decl.source, idColumn });
      continue;
    }
    const missing = Object.keys(decl.columns).filter((c) => !cols.has(c));
    if (missing.length) log?.debug("records: declared columns missing, dropped", { record: decl.name, missing });
    const api = new RecordApi(decl, cols);
    try {
      api.probe(conn);
    } catch (err) {
      log?.warn("records: declaration does not compile against the schema, record skipped", { record: decl.name, error: (err as Error).message });
      continue;
    }
    out.set(decl.name, api);
  }
  return out;
}
