// Column shorthands for record declarations (src/records/engine.ts): what each kind of column may be filtered,
// sorted and searched by.
import type { ColumnDecl, Role } from "./engine.ts";

export const STAFF: Role[] = ["admin", "analyst", "finance"];
/** Every row, for each of `roles`. */
export const everyRow = (roles: Role[]) => Object.fromEntries(roles.map((r) => [r, true])) as Partial<Record<Role, true>>;

/** A primary key: filter eq/in, sortable. */
export const id: ColumnDecl = { type: "text", filter: ["eq", "in"], sortable: true };
export const txt = (extra: Partial<ColumnDecl> = {}): ColumnDecl => ({ type: "text", ...extra });
export const status: ColumnDecl = { type: "text", filter: ["eq", "in"], sortable: true };
/** A reference to another row: filter eq/in. */
export const ref: ColumnDecl = { type: "text", filter: ["eq", "in"] };
/** An ISO 8601 timestamp or date: filter gte/lte (the value must be one), sortable. */
export const time: ColumnDecl = { type: "text", format: "timestamp", filter: ["gte", "lte"], sortable: true };
export const money: ColumnDecl = { type: "integer", filter: ["eq", "gte", "lte"], sortable: true };
export const int: ColumnDecl = { type: "integer" };
