import { expect, test } from "bun:test";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppModule } from "../http/app.ts";
import { HttpProblem } from "../http/problem.ts";
import { canAccessOwned, ownerScope, requireAccess, requireOwned } from "./guard.ts";
import { freshIp, testApp, type TestApp, type TestUser } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";

// A tiny feature as other modules write it: borrower-owned notes behind the guards and the owner helper.
const notes = new Map<string, { id: string; user_id: string; text: string }>();
const notesModule: AppModule = {
  register(app) {
    app.openapi(
      createRoute({
        method: "get",
        path: "/api/v1/test-notes/{id}",
        middleware: [requireAccess(["borrower", "analyst", "admin"])],
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: { description: "note", content: { "application/json": { schema: z.object({ id: z.string(), text: z.string() }) } } } },
      }),
      (c) => {
        const n = requireOwned(c.get("user"), notes.get(c.req.valid("param").id), "Note");
        return c.json({ id: n.id, text: n.text }, 200);
      },
    );
    app.get("/api/v1/test-finance", requireAccess(["finance"]), (c) => c.json({ ok: true }));
    app.get("/api/v1/test-public", requireAccess("public"), (c) => c.json({ user: c.get("user")?.id ?? null }));
  },
};

/** A note n1 owned by a borrower of the app (another than the caller). */
const noteOfAnother = ({ app }: { app: TestApp }) => {
  const owner = app.borrower();
  notes.set("n1", { id: "n1", user_id: owner.id, text: "A's note" });
  return owner;
};
const ownNote = ({ user }: { user: TestUser | null }) => void notes.set("n1", { id: "n1", user_id: user!.id, text: "A's note" });

scenarios(
  "guards and owner checks",
  [
    { name: "a borrower reads their own row", method: "GET", url: "/api/v1/test-notes/n1", asUser: "borrower", beforeTest: ownNote, expectedStatus: 200, expectedContent: { id: "n1", text: "A's note" } },
    {
      name: "another borrower's row is 404 like a missing one",
      method: "GET",
      url: "/api/v1/test-notes/n1",
      asUser: "borrower",
      beforeTest: noteOfAnother,
      expectedStatus: 404,
      async afterTest({ app, user, res }) {
        const missing = await app.call("GET", "/api/v1/test-notes/n404", { as: user });
        expect([res.status, missing.status]).toEqual([404, 404]);
        expect(res.body.detail).toBe(missing.body.detail);
      },
    },
    { name: "signed out: 401", method: "GET", url: "/api/v1/test-notes/n1", beforeTest: noteOfAnother, expectedStatus: 401 },
    { name: "staff pass the owner check", method: "GET", url: "/api/v1/test-notes/n1", asUser: "analyst", beforeTest: noteOfAnother, expectedStatus: 200 },
    { name: "a role not listed gets 403", method: "GET", url: "/api/v1/test-finance", asUser: "analyst", expectedStatus: 403, expectedContent: { type: "https://kreditku.dev/problems/forbidden" } },
    { name: "the listed role passes", method: "GET", url: "/api/v1/test-finance", asUser: "finance", expectedStatus: 200, expectedContent: { ok: true } },
    { name: "a bad token on a public route is ignored", method: "GET", url: "/api/v1/test-public", headers: { Authorization: "Bearer garbage" }, expectedStatus: 200, expectedContent: { user: null } },
    { name: "a good token on a public route is seen", method: "GET", url: "/api/v1/test-public", asUser: "analyst", expectedStatus: 200, afterTest: ({ res, user }) => expect(res.body).toEqual({ user: user!.id }) },
  ],
  { extraModules: [notesModule] },
);

test("signed-in auth routes are limited per subject (60/min per user), whatever the IP", async () => {
  await using t = testApp();
  const a = await t.signInBorrower("081255550009");
  const statuses: number[] = [];
  for (let i = 0; i < 61; i++) statuses.push((await t.get("/api/v1/auth/me", { token: a.accessToken, ip: freshIp() })).status);
  expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
  expect(statuses[60]).toBe(429);
});

test("helper semantics", () => {
  const borrower = { id: "u1", role: "borrower" as const };
  const admin = { id: "s1", role: "admin" as const };
  expect(canAccessOwned(borrower, "u1")).toBe(true);
  expect(canAccessOwned(borrower, "u2")).toBe(false);
  expect(canAccessOwned(borrower, null)).toBe(false);
  expect(canAccessOwned(undefined, "u1")).toBe(false);
  expect(canAccessOwned(admin, "u2")).toBe(true);
  expect(() => requireOwned(borrower, { user_id: "u2" })).toThrow(HttpProblem);
  expect(() => requireOwned(borrower, undefined)).toThrow(HttpProblem);
  expect(requireOwned(borrower, { borrower: "u1" }, "Loan", (r) => r.borrower)).toEqual({ borrower: "u1" });
  expect(ownerScope(borrower)).toBe("u1");
  expect(ownerScope(admin)).toBeNull();
});

scenarios("staff role changes", [
  {
    name: "an admin changes a staff role: audited, the user's sessions end",
    method: "PUT",
    asUser: "admin",
    beforeTest: ({ app }) => app.staff("finance"),
    url: ({ data }) => `/api/v1/auth/users/${data.id}/role`,
    headers: { "User-Agent": "ua-x" },
    body: { role: "analyst" },
    expectedStatus: 200,
    expectedContent: { role: "analyst" },
    async afterTest({ app, user, data: target }) {
      expect((await app.call("GET", "/api/v1/auth/me", { as: target })).status).toBe(401);
      const ev = app.db.read.get<any>("SELECT * FROM audit_log WHERE event = 'role.changed' AND user_id = ?", target.id);
      expect(ev).toMatchObject({ actor_id: user!.id, user_agent: "ua-x" });
      expect(JSON.parse(ev.details)).toMatchObject({ from: "finance", to: "analyst", sessionsRevoked: 1 });
    },
  },
  { name: "other staff may not", method: "PUT", asUser: "finance", beforeTest: ({ app }) => app.staff("finance"), url: ({ data }) => `/api/v1/auth/users/${data.id}/role`, body: { role: "admin" }, expectedStatus: 403 },
  { name: "a borrower is not staff: 404", method: "PUT", asUser: "admin", beforeTest: ({ app }) => app.borrower(), url: ({ data }) => `/api/v1/auth/users/${data.id}/role`, body: { role: "admin" }, expectedStatus: 404 },
]);
