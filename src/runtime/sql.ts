// Small SQL helpers for handlers: `IN` lists and typed reads of one table's rows. Table and column names come from
// code (row types), never from a request; values are always bound parameters.
import type { SQLQueryBindings } from "bun:sqlite";
import type { Conn } from "../db/database.ts";

/** What a typed read needs of a connection (the runtime's Sql; named here so the records engine may use this module). */
type Sql = Pick<Conn, "get">;

/** A value a statement parameter binds. */
export type SqlValue = SQLQueryBindings;

/**
 * An `IN (...)` list: `sqlIn(["a", "b"])` → `{ sql: "(?, ?)", params: ["a", "b"] }`. An empty list gives `(NULL)`,
 * which matches nothing (SQLite refuses `IN ()` in some positions; `x IN (NULL)` is never true).
 */
export function sqlIn(values: readonly SqlValue[]): { sql: string; params: SqlValue[] } {
  if (values.length === 0) return { sql: "(NULL)", params: [] };
  return { sql: `(${values.map(() => "?").join(", ")})`, params: [...values] };
}

/**
 * Typed reads of one table: `rowsOf<LoanRow>("loans")` declares the row type once (in the extension that owns the
 * table) and every reader picks the columns it needs, typed from it.
 */
export interface TableRows<R> {
  readonly table: string;
  readonly key: keyof R & string;
  /** The row whose key is `id`, with `columns` (default every column), or undefined. */
  get(db: Sql, id: SqlValue): R | undefined;
  get<K extends keyof R & string>(db: Sql, id: SqlValue, columns: readonly K[]): Pick<R, K> | undefined;
  /** `SELECT <columns> FROM <table>` for a query of one's own (add WHERE/ORDER BY). */
  select(columns?: readonly (keyof R & string)[]): string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

export function rowsOf<R>(table: string, key: keyof R & string = "id" as keyof R & string): TableRows<R> {
  if (!IDENT.test(table) || !IDENT.test(key)) throw new Error(`rowsOf: "${table}"."${key}" is not a plain SQL identifier`);
  const select = (columns?: readonly (keyof R & string)[]) => {
    for (const c of columns ?? []) if (!IDENT.test(c)) throw new Error(`rowsOf: column "${c}" of ${table} is not a plain SQL identifier`);
    return `SELECT ${columns && columns.length > 0 ? columns.join(", ") : "*"} FROM ${table}`;
  };
  return {
    table,
    key,
    select,
    get(db: Sql, id: SqlValue, columns?: readonly (keyof R & string)[]) {
      return db.get<R>(`${select(columns)} WHERE ${key} = ?`, id);
    },
  } as TableRows<R>;
}
