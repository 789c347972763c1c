// The audit log: every sign-in, failure, lockout, token reuse, passkey change and role change, with IP and
// user agent. Call `audit(w, …)` inside the transaction that made the change, so both commit together.
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
  at?: Date | string;
}

export function audit(w: Pick<Conn, "run">, e: AuditEntry) {
  const at = e.at === undefined ? new Date().toISOString() : typeof e.at === "string" ? e.at : e.at.toISOString();
  w.run(
    "INSERT INTO audit_log (at, event, user_id, actor_id, ip, user_agent, details) VALUES (?, ?, ?, ?, ?, ?, ?)",
    at,
    e.event,
    e.userId ?? null,
    e.actorId ?? null,
    e.ip ?? null,
    e.userAgent?.slice(0, 512) ?? null,
    JSON.stringify(e.details ?? {}),
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
