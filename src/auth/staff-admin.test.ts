// Staff management routes: list, create, disable/enable (sessions end, last admin protected), end sessions; every
// role; bad input; every change audited with the admin as actor and before/after.
import { expect } from "bun:test";
import { scenario, scenarios } from "../../test/kit/scenario.ts";
import type { TestApp, TestUser } from "../../test/kit/app.ts";

const NEW_STAFF = { email: "Siti@KreditKu.id", displayName: "Siti Rahma", role: "analyst", password: "correct horse battery" };
const auditRows = (app: TestApp, event: string) =>
  app.db.read.all<{ actor_id: string; user_id: string; details: string; entity_type: string; entity_id: string }>("SELECT actor_id, user_id, details, entity_type, entity_id FROM audit_log WHERE event = ? ORDER BY id", event);
const meStatus = async (app: TestApp, u: TestUser) => (await app.call("GET", "/api/v1/auth/me", { as: u })).status;

scenarios("staff management", [
  { name: "list: anonymous", method: "GET", url: "/api/v1/auth/users", expectedStatus: 401 },
  { name: "list: borrower", method: "GET", url: "/api/v1/auth/users", asUser: "borrower", expectedStatus: 403 },
  { name: "list: analyst", method: "GET", url: "/api/v1/auth/users", asUser: "analyst", expectedStatus: 403 },
  { name: "list: finance", method: "GET", url: "/api/v1/auth/users", asUser: "finance", expectedStatus: 403 },
  scenario({
    name: "list: admin sees staff with sessions, never borrowers",
    method: "GET",
    url: "/api/v1/auth/users",
    asUser: "admin",
    beforeTest: ({ app }) => ({ finance: app.staff("finance", { email: "fin@kreditku.id" }), borrower: app.borrower() }),
    expectedStatus: 200,
    afterTest: ({ res, data, user }) => {
      const items = res.body.items as any[];
      expect(items.map((i) => i.email).sort()).toEqual([user!.email, "fin@kreditku.id"].sort());
      expect(items.find((i) => i.id === data.finance.id)).toMatchObject({ role: "finance", status: "active", activeSessions: 1 });
      expect(items.some((i) => i.id === data.borrower.id)).toBe(false);
    },
  }),
  { name: "create: analyst", method: "POST", url: "/api/v1/auth/users", asUser: "analyst", body: NEW_STAFF, expectedStatus: 403 },
  { name: "create: finance", method: "POST", url: "/api/v1/auth/users", asUser: "finance", body: NEW_STAFF, expectedStatus: 403 },
  { name: "create: borrower", method: "POST", url: "/api/v1/auth/users", asUser: "borrower", body: NEW_STAFF, expectedStatus: 403 },
  { name: "create: anonymous", method: "POST", url: "/api/v1/auth/users", body: NEW_STAFF, expectedStatus: 401 },
  scenario({
    name: "create: admin; the new account signs in; audited",
    timeout: 60_000,
    method: "POST",
    url: "/api/v1/auth/users",
    asUser: "admin",
    body: NEW_STAFF,
    expectedStatus: 201,
    expectedContent: { email: "siti@kreditku.id", displayName: "Siti Rahma", role: "analyst", status: "active", activeSessions: 0 },
    notExpectedContent: ["password", "argon2"],
    afterTest: async ({ app, res, user }) => {
      const pair = await app.login("siti@kreditku.id", "correct horse battery");
      expect(pair.user.role).toBe("analyst");
      const [row] = auditRows(app, "user.created");
      expect(row).toMatchObject({ actor_id: user!.id, user_id: res.body.id, entity_type: "staff", entity_id: res.body.id });
      expect(JSON.parse(row!.details)).toEqual({ before: null, after: { email: "siti@kreditku.id", displayName: "Siti Rahma", role: "analyst", status: "active" } });
    },
  }),
  {
    name: "create: taken email (any case) is 409",
    timeout: 60_000,
    method: "POST",
    url: "/api/v1/auth/users",
    asUser: "admin",
    beforeTest: ({ app }) => app.createStaff("finance", { email: "siti@kreditku.id" }),
    body: NEW_STAFF,
    expectedStatus: 409,
    expectedContent: ["email-taken"],
  },
  {
    name: "create: field errors for every bad field",
    method: "POST",
    url: "/api/v1/auth/users",
    asUser: "admin",
    body: { email: "not-an-email", displayName: "   ", role: "borrower", password: "short" },
    expectedStatus: 422,
    expectedContent: ['"email"', '"displayName"', '"role"', '"password"'],
  },
  {
    name: "create: unknown keys (__proto__) refused",
    method: "POST",
    url: "/api/v1/auth/users",
    asUser: "admin",
    body: JSON.parse(`{"email":"a@kreditku.id","displayName":"A","role":"admin","password":"correct horse battery","__proto__":{"role":"admin"},"status":"disabled"}`),
    expectedStatus: 422,
  },
  {
    name: "create: a huge name is 422",
    method: "POST",
    url: "/api/v1/auth/users",
    asUser: "admin",
    body: { ...NEW_STAFF, displayName: "x".repeat(100_000) },
    expectedStatus: 422,
  },
  scenario({
    name: "create: the same Idempotency-Key twice makes one account",
    timeout: 60_000,
    method: "POST",
    url: "/api/v1/auth/users",
    asUser: "admin",
    headers: { "Idempotency-Key": "staff-create-1" },
    body: NEW_STAFF,
    expectedStatus: 201,
    afterTest: async ({ app, user, res }) => {
      const again = await app.call("POST", "/api/v1/auth/users", { as: user, body: NEW_STAFF, headers: { "Idempotency-Key": "staff-create-1" } });
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(res.body.id);
      expect(app.db.read.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE email = 'siti@kreditku.id'")!.n).toBe(1);
    },
  }),
  scenario({
    name: "disable: admin disables an analyst; its sessions end at once; audited; enable again",
    method: "PUT",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/status`,
    asUser: "admin",
    beforeTest: ({ app }) => app.staff("analyst"),
    body: { status: "disabled", reason: "Left the company" },
    expectedStatus: 200,
    expectedContent: { status: "disabled", activeSessions: 0 },
    afterTest: async ({ app, data, user }) => {
      expect(await meStatus(app, data)).toBe(401);
      const [row] = auditRows(app, "staff.disabled");
      expect(row).toMatchObject({ actor_id: user!.id, user_id: data.id, entity_type: "staff" });
      expect(JSON.parse(row!.details)).toEqual({ before: { status: "active" }, after: { status: "disabled" }, reason: "Left the company", sessionsRevoked: 1 });
      const on = await app.call("PUT", `/api/v1/auth/users/${data.id}/status`, { as: user, body: { status: "active" } });
      expect(on.status).toBe(200);
      expect(on.body.status).toBe("active");
      expect(auditRows(app, "staff.enabled")).toHaveLength(1);
    },
  }),
  {
    name: "disable: the only active admin cannot disable itself (409)",
    method: "PUT",
    url: ({ user }) => `/api/v1/auth/users/${user!.id}/status`,
    asUser: "admin",
    body: { status: "disabled" },
    expectedStatus: 409,
    expectedContent: ["last-admin"],
  },
  scenario({
    name: "disable: another admin may be disabled while one remains",
    method: "PUT",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/status`,
    asUser: "admin",
    beforeTest: ({ app }) => app.staff("admin"),
    body: { status: "disabled" },
    expectedStatus: 200,
  }),
  { name: "disable: unknown id is 404", method: "PUT", url: "/api/v1/auth/users/nope/status", asUser: "admin", body: { status: "disabled" }, expectedStatus: 404 },
  scenario({
    name: "disable: a borrower is not staff (404)",
    method: "PUT",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/status`,
    asUser: "admin",
    beforeTest: ({ app }) => app.borrower(),
    body: { status: "disabled" },
    expectedStatus: 404,
  }),
  { name: "disable: bad status is 422", method: "PUT", url: ({ user }) => `/api/v1/auth/users/${user!.id}/status`, asUser: "admin", body: { status: "gone" }, expectedStatus: 422, expectedContent: ['"status"'] },
  scenario({
    name: "disable: analyst is 403",
    method: "PUT",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/status`,
    asUser: "analyst",
    beforeTest: ({ app }) => app.staff("finance"),
    body: { status: "disabled" },
    expectedStatus: 403,
  }),
  scenario({
    name: "disable: finance is 403",
    method: "PUT",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/status`,
    asUser: "finance",
    beforeTest: ({ app }) => app.staff("analyst"),
    body: { status: "disabled" },
    expectedStatus: 403,
  }),
  scenario({
    name: "end sessions: admin ends a finance user's sessions; audited; the account stays active",
    method: "POST",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/sessions/revoke`,
    asUser: "admin",
    beforeTest: ({ app }) => app.staff("finance"),
    body: { reason: "Laptop lost" },
    expectedStatus: 200,
    expectedContent: { sessionsRevoked: 1 },
    afterTest: async ({ app, data, user }) => {
      expect(await meStatus(app, data)).toBe(401);
      expect(app.db.read.get<{ status: string }>("SELECT status FROM users WHERE id = ?", data.id)!.status).toBe("active");
      const [row] = auditRows(app, "staff.sessions_ended");
      expect(row).toMatchObject({ actor_id: user!.id, user_id: data.id });
      expect(JSON.parse(row!.details)).toEqual({ reason: "Laptop lost", sessionsRevoked: 1 });
    },
  }),
  { name: "end sessions: unknown id is 404", method: "POST", url: "/api/v1/auth/users/nope/sessions/revoke", asUser: "admin", body: {}, expectedStatus: 404 },
  scenario({
    name: "end sessions: analyst is 403",
    method: "POST",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/sessions/revoke`,
    asUser: "analyst",
    beforeTest: ({ app }) => app.staff("finance"),
    body: {},
    expectedStatus: 403,
  }),
  scenario({
    name: "role change: audited with before/after on the staff record",
    method: "PUT",
    url: ({ data }) => `/api/v1/auth/users/${data.id}/role`,
    asUser: "admin",
    beforeTest: ({ app }) => app.staff("analyst"),
    body: { role: "finance" },
    expectedStatus: 200,
    afterTest: ({ app, data, user }) => {
      const [row] = auditRows(app, "role.changed");
      expect(row).toMatchObject({ actor_id: user!.id, entity_type: "staff", entity_id: data.id });
      expect(JSON.parse(row!.details)).toMatchObject({ before: { role: "analyst" }, after: { role: "finance" } });
    },
  }),
]);
