// The audit log: every sign-in, failure, lockout, token reuse, passkey change and role change, with IP and
// user agent; and the business audit trail: every staff decision, product/blocklist/settings change, write-off,
// refund, payment resolution, approval and personal-data view, naming the record it is about (entity type + id)
// with before/after and the reason in its details. Call `audit(w, …)` (or `auditChange` from a route) inside the
// transaction that made the change, so both commit together.
import type { Context } from "hono";
import type { Conn } from "../db/database.ts";
import type { AppEnv } from "../http/types.ts";
import { clientIp } from "../http/rate-limit.ts";
import type { RouteRequest } from "../http/route.ts";

export type AuditEvent =
  | "login.success"
  | "login.failure"
  | "login.locked"
  | "account.lockout"
  | "otp.requested"
  | "otp.failure"
  | "token.refresh"
  | "token.reuse"
  | "logout"
  | "user.created"
  | "passkey.registered"
  | "passkey.deleted"
  | "role.changed"
  | (string & {});

export interface AuditEntry {
  event: AuditEvent;
  /** The user the event is about. */
  userId?: string | null;
  /** Who did it, when not the user themself (an admin changing a role). */
  actorId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
  /** The record the entry is about (a record's history is every entry naming it). */
  entity?: { type: string; id: string } | null;
  at?: Date | string;
}

/** A staff action on a record, as extensions write it (ip, user agent and actor come from the request). */
export interface ChangeEntry {
  event: AuditEvent;
  entity: { type: string; id: string };
  /** The record before the change (null when it is new). */
  before?: unknown;
  /** The record after the change (null when it is gone). */
  after?: unknown;
  reason?: string | null;
  /** More facts (amounts, approval id, fields shown…). */
  details?: Record<string, unknown>;
  /** The user the record belongs to, when it is a person's (a borrower whose data was viewed). */
  userId?: string | null;
  /** When (default now): the server's clock of the change. */
  at?: Date | string;
}

/** Who made a change: the signed-in staff member of a request, with its IP and user agent. */
export interface Actor {
  user?: { id: string } | null;
  ip?: string | null;
  headers?: Headers;
  userAgent?: string | null;
}

/**
 * Record a staff change to a record in the audit trail, in the caller's transaction: actor, IP and user agent of
 * the request, and {before, after, reason} in the details (only the keys given).
 */
export function auditChange(w: Pick<Conn, "run">, by: Actor, e: ChangeEntry) {
  const details: Record<string, unknown> = {};
  if (e.before !== undefined) details.before = e.before;
  if (e.after !== undefined) details.after = e.after;
  if (e.reason !== undefined && e.reason !== null && e.reason !== "") details.reason = e.reason;
  Object.assign(details, e.details ?? {});
  audit(w, {
    event: e.event,
    userId: e.userId ?? null,
    actorId: by.user?.id ?? null,
    ip: by.ip ?? null,
    userAgent: by.userAgent ?? by.headers?.get("user-agent") ?? null,
    details,
    entity: e.entity,
    at: e.at,
  });
}

export function audit(w: Pick<Conn, "run">, e: AuditEntry) {
  const at = e.at === undefined ? new Date().toISOString() : typeof e.at === "string" ? e.at : e.at.toISOString();
  w.run(
    "INSERT INTO audit_log (at, event, user_id, actor_id, ip, user_agent, details, entity_type, entity_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    at,
    e.event,
    e.userId ?? null,
    e.actorId ?? null,
    e.ip ?? null,
    e.userAgent?.slice(0, 512) ?? null,
    JSON.stringify(e.details ?? {}),
    e.entity?.type ?? null,
    e.entity?.id ?? null,
  );
}

/** IP and user agent of a request, for audit entries. */
export function requestMeta(c: Context<AppEnv>) {
  return { ip: clientIp(c), userAgent: c.req.header("user-agent") ?? null };
}

/** IP and user agent of a declared route's request, for audit entries. */
export function metaOf(req: Pick<RouteRequest, "ip" | "headers">) {
  return { ip: req.ip, userAgent: req.headers.get("user-agent") };
}
