// PUT /api/v1/auth/users/{id}/role: an admin changes a staff user's role; the user's sessions are revoked, and the
// last active admin may not be demoted.
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../http/route.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { audit, metaOf } from "../audit.ts";
import { anotherActiveAdminRemains } from "../staff.ts";
import { publicUser, revokeUserSessions, USER_COLUMNS, type UserRow } from "../sessions.ts";
import { RoleChangeSchema, UserSchema } from "../schemas.ts";

export const roleChangeRoute = declareRoute({
  method: "put",
  path: "/api/v1/auth/users/{id}/role",
  tags: ["auth"],
  summary: "Change a staff user's role (admin); the user's sessions are revoked",
  description: "409 `last-admin` when the change would leave no active admin (the last one may not demote itself).",
  access: ["admin"],
  rateLimit: { name: "auth-admin", key: "user", limit: 30, windowSeconds: 60 },
  request: { params: z.object({ id: z.string().min(1).max(64).openapi({ example: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }) }), body: RoleChangeSchema, example: { role: "finance" } },
  responses: {
    200: { description: "The updated user", schema: UserSchema, example: { id: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", role: "finance", phone: null, email: "finance@kreditku.id", displayName: "Finance", createdAt: "2026-01-05T03:04:05.000Z" } },
    404: { description: "No staff user with this id" },
    409: { description: "The last active admin may not be demoted", example: { type: "https://kreditku.dev/problems/last-admin", title: "Last admin", status: 409, detail: "This is the only active admin; make another user admin first" } },
  },
  handler: (req, platform) => {
    const actor = req.user!;
    const { id } = req.params;
    const { role } = req.body;
    const now = platform.clock.now();
    const row = platform.db.tx((w) => {
      const u = w.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND role != 'borrower'`, id);
      if (!u) throw problems.notFound("Staff user");
      if (u.role === role) return u;
      if (u.role === "admin" && u.status === "active" && !anotherActiveAdminRemains(w, id)) {
        throw new HttpProblem(409, "last-admin", "Last admin", "This is the only active admin; make another user admin first");
      }
      w.run("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", role, now.toISOString(), id);
      const revoked = revokeUserSessions(w, id, "role changed", now);
      audit(w, { event: "role.changed", userId: id, actorId: actor.id, ...metaOf(req), at: now, entity: { type: "staff", id }, details: { from: u.role, to: role, before: { role: u.role }, after: { role }, sessionsRevoked: revoked } });
      return { ...u, role };
    });
    return { status: 200, body: publicUser(row) };
  },
});
