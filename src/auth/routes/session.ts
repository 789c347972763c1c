// Staff login, refresh, logout, me, the JWKS and the admin role change.
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../../http/app.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { clientIp, enforceRateLimit } from "../../http/rate-limit.ts";
import { perUserLimit, requireAccess } from "../guard.ts";
import { audit, requestMeta } from "../audit.ts";
import { passwordLogin } from "../password-login.ts";
import { anotherActiveAdminRemains, normalizeEmail } from "../staff.ts";
import { authServices } from "../services.ts";
import { issueTokens, publicUser, revokeSession, revokeUserSessions, rotateRefreshToken, USER_COLUMNS, type UserRow } from "../sessions.ts";
import { body, json, JwksSchema, LoginSchema, problemResponses, RefreshSchema, RoleChangeSchema, TokenPairSchema, UserSchema } from "../schemas.ts";

const bearer = [{ bearerAuth: [] }];

export function registerSessionRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/.well-known/jwks.json",
      tags: ["auth"],
      summary: "Public keys that verify access tokens (JWKS)",
      middleware: [requireAccess("public")],
      responses: { 200: json(JwksSchema, "The key set") },
    }),
    (c) => {
      c.header("Cache-Control", "public, max-age=60");
      return c.json(authServices(c.get("platform")).keys.jwks(), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/login",
      tags: ["auth"],
      summary: "Staff sign-in with email and password",
      description: "Public. 5 attempts/min per IP+email. 5 failures within 15 minutes lock the account for 15 minutes (423).",
      middleware: [requireAccess("public")],
      request: body(LoginSchema),
      responses: { 200: json(TokenPairSchema, "Signed in"), ...problemResponses(401, 422, 423, 429) },
    }),
    async (c) => {
      const p = c.get("platform");
      const { email, password } = c.req.valid("json");
      const ip = clientIp(c);
      await enforceRateLimit({ name: "login-ip", limit: 30, windowSeconds: 60 }, ip);
      await enforceRateLimit({ name: "login-ip-email", limit: 5, windowSeconds: 60 }, `${ip}|${normalizeEmail(email)}`);
      const out = await passwordLogin(p, email, password, requestMeta(c));
      if (!out.ok) {
        if (out.reason === "locked") {
          throw new HttpProblem(423, "account-locked", "Account locked", `Too many failed sign-ins; try again in ${out.retryAfterSeconds} s`, { retryAfter: out.retryAfterSeconds }, { "Retry-After": String(out.retryAfterSeconds) });
        }
        throw new HttpProblem(401, "invalid-credentials", "Invalid credentials", "Email or password is wrong");
      }
      return c.json(await issueTokens(p, out.user, out.sessionId, out.refreshToken), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/refresh",
      tags: ["auth"],
      summary: "Rotate a refresh token for a new token pair",
      description: "Public. Every refresh token works once; presenting a rotated one again revokes the whole session (401).",
      middleware: [requireAccess("public")],
      request: body(RefreshSchema),
      responses: { 200: json(TokenPairSchema, "New tokens"), ...problemResponses(401, 422, 429) },
    }),
    async (c) => {
      const p = c.get("platform");
      await enforceRateLimit({ name: "refresh-ip", limit: 60, windowSeconds: 60 }, clientIp(c));
      const out = rotateRefreshToken(p, c.req.valid("json").refreshToken, requestMeta(c));
      if (!out.ok) {
        if (out.reason === "reused") throw new HttpProblem(401, "refresh-token-reused", "Refresh token reused", "This refresh token was already used; the session has been revoked");
        throw new HttpProblem(401, "refresh-token-invalid", "Refresh token refused", `The refresh token is ${out.reason}`);
      }
      return c.json(await issueTokens(p, out.user, out.sessionId, out.refreshToken), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/logout",
      tags: ["auth"],
      summary: "End the current session (its access and refresh tokens stop working)",
      security: bearer,
      middleware: [requireAccess("authenticated"), perUserLimit("auth-user")],
      responses: { 204: { description: "Signed out" }, ...problemResponses(401) },
    }),
    (c) => {
      const p = c.get("platform");
      const user = c.get("user")!;
      p.db.tx((w) => {
        revokeSession(w, user.sessionId!, "logout", p.clock.now());
        audit(w, { event: "logout", userId: user.id, ...requestMeta(c), at: p.clock.now(), details: { sessionId: user.sessionId } });
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/auth/me",
      tags: ["auth"],
      summary: "The signed-in user",
      security: bearer,
      middleware: [requireAccess("authenticated"), perUserLimit("auth-user")],
      responses: { 200: json(UserSchema, "The user"), ...problemResponses(401) },
    }),
    (c) => {
      const p = c.get("platform");
      const row = p.db.read.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, c.get("user")!.id);
      if (!row) throw problems.unauthorized();
      return c.json(publicUser(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/auth/users/{id}/role",
      tags: ["auth"],
      summary: "Change a staff user's role (admin); the user's sessions are revoked",
      description: "409 `last-admin` when the change would leave no active admin (the last one may not demote itself).",
      security: bearer,
      middleware: [requireAccess(["admin"]), perUserLimit("auth-admin", 30)],
      request: { params: z.object({ id: z.string().min(1).max(64) }), ...body(RoleChangeSchema) },
      responses: { 200: json(UserSchema, "The updated user"), ...problemResponses(401, 403, 404, 409, 422) },
    }),
    (c) => {
      const p = c.get("platform");
      const actor = c.get("user")!;
      const { id } = c.req.valid("param");
      const { role } = c.req.valid("json");
      const now = p.clock.now();
      const row = p.db.tx((w) => {
        const u = w.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ? AND role != 'borrower'`, id);
        if (!u) throw problems.notFound("Staff user");
        if (u.role === role) return u;
        if (u.role === "admin" && u.status === "active" && !anotherActiveAdminRemains(w, id)) {
          throw new HttpProblem(409, "last-admin", "Last admin", "This is the only active admin; make another user admin first");
        }
        w.run("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", role, now.toISOString(), id);
        const revoked = revokeUserSessions(w, id, "role changed", now);
        audit(w, { event: "role.changed", userId: id, actorId: actor.id, ...requestMeta(c), at: now, details: { from: u.role, to: role, sessionsRevoked: revoked } });
        return { ...u, role };
      });
      return c.json(publicUser(row), 200);
    },
  );
}
