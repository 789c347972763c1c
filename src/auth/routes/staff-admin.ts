// Staff management (admin): list staff, create a staff account, disable/enable one (disabling ends its sessions),
// end all sessions of one. Every change is audited in its own transaction (actor, before/after, reason); the last
// active admin may not be disabled (checked inside the write transaction, like the role change).
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../http/route.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { audit, metaOf } from "../audit.ts";
import { anotherActiveAdminRemains, hashPassword, normalizeEmail } from "../staff.ts";
import { revokeUserSessions } from "../sessions.ts";
import { normaliseText, unsafeTextIssue } from "../../text/safe-text.ts";

const ID_EXAMPLE = "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b";

export const StaffMemberSchema = z
  .object({
    id: z.string().openapi({ example: ID_EXAMPLE }),
    email: z.string().openapi({ example: "analyst@kreditku.id" }),
    displayName: z.string().nullable().openapi({ example: "Siti Rahma" }),
    role: z.enum(["admin", "analyst", "finance"]),
    status: z.enum(["active", "disabled"]),
    lockedUntil: z.string().nullable().openapi({ description: "Sign-in locked after repeated failures until then", example: null }),
    activeSessions: z.number().int().openapi({ description: "Sessions not revoked and not expired", example: 1 }),
    lastSignInAt: z.string().nullable().openapi({ example: "2026-03-02T03:00:00.000Z" }),
    createdAt: z.string().openapi({ example: "2026-01-05T03:04:05.000Z" }),
  })
  .openapi("StaffMember");

const STAFF_EXAMPLE = {
  id: ID_EXAMPLE,
  email: "analyst@kreditku.id",
  displayName: "Siti Rahma",
  role: "analyst",
  status: "active",
  lockedUntil: null,
  activeSessions: 1,
  lastSignInAt: "2026-03-02T03:00:00.000Z",
  createdAt: "2026-01-05T03:04:05.000Z",
};

const reasonField = z
  .string()
  .max(500)
  .refine((s) => !unsafeTextIssue(normaliseText(s)), "must be plain text")
  .optional()
  .openapi({ description: "Why (kept in the audit trail)", example: "Left the company" });

export const StaffCreateSchema = z
  .object({
    email: z
      .string()
      .min(3)
      .max(254)
      .refine((s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalizeEmail(s)) && !unsafeTextIssue(s), "must be an email address")
      .openapi({ example: "siti@kreditku.id" }),
    displayName: z
      .string()
      .min(1)
      .max(120)
      .refine((s) => normaliseText(s).length > 0 && !unsafeTextIssue(normaliseText(s)), "must be plain text")
      .openapi({ example: "Siti Rahma" }),
    role: z.enum(["admin", "analyst", "finance"]).openapi({ example: "analyst" }),
    password: z.string().min(10, "must be at least 10 characters").max(1024).openapi({ description: "The initial password (at least 10 characters); tell it to the person out of band", example: "correct horse battery" }),
  })
  .strict()
  .openapi("StaffCreate");

export const StaffStatusSchema = z
  .object({ status: z.enum(["active", "disabled"]).openapi({ example: "disabled" }), reason: reasonField })
  .strict()
  .openapi("StaffStatusChange");

export const EndSessionsSchema = z.object({ reason: reasonField }).strict().openapi("StaffEndSessions");

interface StaffRow {
  id: string;
  email: string;
  display_name: string | null;
  role: "admin" | "analyst" | "finance";
  status: "active" | "disabled";
  locked_until: string | null;
  active_sessions: number;
  last_sign_in_at: string | null;
  created_at: string;
}

const STAFF_SELECT = `SELECT u.id, u.email, u.display_name, u.role, u.status, u.locked_until, u.created_at,
  (SELECT count(*) FROM auth_sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > ?) AS active_sessions,
  (SELECT max(s.created_at) FROM auth_sessions s WHERE s.user_id = u.id) AS last_sign_in_at
  FROM users u WHERE u.role != 'borrower'`;

const toMember = (r: StaffRow) => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  status: r.status,
  lockedUntil: r.locked_until,
  activeSessions: r.active_sessions,
  lastSignInAt: r.last_sign_in_at,
  createdAt: r.created_at,
});

const idParams = z.object({ id: z.string().min(1).max(64).openapi({ example: ID_EXAMPLE }) });
const reasonOf = (r: string | undefined) => (r === undefined ? null : normaliseText(r) || null);
const notFound = { description: "No staff user with this id" };

export const listStaffRoute = declareRoute({
  method: "get",
  path: "/api/v1/auth/users",
  tags: ["auth"],
  summary: "List staff accounts (admin): role, status, open sessions, last sign-in",
  access: ["admin"],
  rateLimit: { name: "auth-admin-read", key: "user", limit: 120, windowSeconds: 60 },
  responses: { 200: { description: "Every staff account, oldest first", schema: z.object({ items: z.array(StaffMemberSchema) }), example: { items: [STAFF_EXAMPLE] } } },
  handler: (_req, platform) => {
    const now = platform.clock.now().toISOString();
    const rows = platform.db.read.all<StaffRow>(`${STAFF_SELECT} ORDER BY u.created_at, u.id LIMIT 1000`, now);
    return { status: 200, body: { items: rows.map(toMember) } };
  },
});

export const createStaffRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/users",
  tags: ["auth"],
  summary: "Create a staff account (admin) with an initial password",
  description: "409 `email-taken` when a user with this email exists. The creation is audited (`user.created`, with the admin as actor).",
  access: ["admin"],
  idempotent: true,
  rateLimit: { name: "auth-admin", key: "user", limit: 30, windowSeconds: 60 },
  request: { body: StaffCreateSchema, example: { email: "siti@kreditku.id", displayName: "Siti Rahma", role: "analyst", password: "correct horse battery" } },
  responses: {
    201: { description: "The new staff account", schema: StaffMemberSchema, example: { ...STAFF_EXAMPLE, email: "siti@kreditku.id", activeSessions: 0, lastSignInAt: null } },
    409: { description: "The email is taken", example: { type: "https://kreditku.dev/problems/email-taken", title: "Email taken", status: 409, detail: "A user with email siti@kreditku.id exists" } },
  },
  handler: async (req, platform) => {
    const email = normalizeEmail(req.body.email);
    const name = normaliseText(req.body.displayName);
    const hash = await hashPassword(req.body.password);
    const id = Bun.randomUUIDv7();
    const now = platform.clock.now();
    const iso = now.toISOString();
    const row = platform.db.tx((w) => {
      if (w.get("SELECT 1 FROM users WHERE email = ?", email)) throw new HttpProblem(409, "email-taken", "Email taken", `A user with email ${email} exists`);
      w.run(
        "INSERT INTO users (id, role, email, password_hash, display_name, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
        id,
        req.body.role,
        email,
        hash,
        name,
        iso,
        iso,
      );
      const after = { email, displayName: name, role: req.body.role, status: "active" };
      audit(w, { event: "user.created", userId: id, actorId: req.user!.id, ...metaOf(req), at: now, entity: { type: "staff", id }, details: { before: null, after } });
      return w.get<StaffRow>(`${STAFF_SELECT} AND u.id = ?`, iso, id)!;
    });
    return { status: 201, body: toMember(row) };
  },
});

export const staffStatusRoute = declareRoute({
  method: "put",
  path: "/api/v1/auth/users/{id}/status",
  tags: ["auth"],
  summary: "Disable or enable a staff account (admin); disabling ends all its sessions",
  description: "409 `last-admin` when disabling would leave no active admin.",
  access: ["admin"],
  rateLimit: { name: "auth-admin", key: "user", limit: 30, windowSeconds: 60 },
  request: { params: idParams, body: StaffStatusSchema, example: { status: "disabled", reason: "Left the company" } },
  responses: {
    200: { description: "The staff account after the change", schema: StaffMemberSchema, example: { ...STAFF_EXAMPLE, status: "disabled", activeSessions: 0 } },
    404: notFound,
    409: { description: "The last active admin may not be disabled", example: { type: "https://kreditku.dev/problems/last-admin", title: "Last admin", status: 409, detail: "This is the only active admin; make another user admin first" } },
  },
  handler: (req, platform) => {
    const { id } = req.params;
    const { status } = req.body;
    const now = platform.clock.now();
    const iso = now.toISOString();
    const row = platform.db.tx((w) => {
      const u = w.get<StaffRow>(`${STAFF_SELECT} AND u.id = ?`, iso, id);
      if (!u) throw problems.notFound("Staff user");
      if (u.status === status) return u;
      if (status === "disabled" && u.role === "admin" && !anotherActiveAdminRemains(w, id)) {
        throw new HttpProblem(409, "last-admin", "Last admin", "This is the only active admin; make another user admin first");
      }
      w.run("UPDATE users SET status = ?, updated_at = ? WHERE id = ?", status, iso, id);
      const revoked = status === "disabled" ? revokeUserSessions(w, id, "user disabled", now) : 0;
      audit(w, {
        event: status === "disabled" ? "staff.disabled" : "staff.enabled",
        userId: id,
        actorId: req.user!.id,
        ...metaOf(req),
        at: now,
        entity: { type: "staff", id },
        details: { before: { status: u.status }, after: { status }, reason: reasonOf(req.body.reason), sessionsRevoked: revoked },
      });
      return w.get<StaffRow>(`${STAFF_SELECT} AND u.id = ?`, iso, id)!;
    });
    return { status: 200, body: toMember(row) };
  },
});

export const endStaffSessionsRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/users/{id}/sessions/revoke",
  tags: ["auth"],
  summary: "End every session of a staff account (admin): its refresh tokens stop working and its access tokens are refused",
  access: ["admin"],
  rateLimit: { name: "auth-admin", key: "user", limit: 30, windowSeconds: 60 },
  request: { params: idParams, body: EndSessionsSchema, example: { reason: "Laptop lost" } },
  responses: {
    200: { description: "How many sessions were ended", schema: z.object({ sessionsRevoked: z.number().int() }), example: { sessionsRevoked: 2 } },
    404: notFound,
  },
  handler: (req, platform) => {
    const { id } = req.params;
    const now = platform.clock.now();
    const revoked = platform.db.tx((w) => {
      const u = w.get<{ id: string }>("SELECT id FROM users WHERE id = ? AND role != 'borrower'", id);
      if (!u) throw problems.notFound("Staff user");
      const n = revokeUserSessions(w, id, "ended by admin", now);
      audit(w, { event: "staff.sessions_ended", userId: id, actorId: req.user!.id, ...metaOf(req), at: now, entity: { type: "staff", id }, details: { reason: reasonOf(req.body.reason), sessionsRevoked: n } });
      return n;
    });
    return { status: 200, body: { sessionsRevoked: revoked } };
  },
});
