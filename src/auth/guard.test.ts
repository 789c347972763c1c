import { afterAll, describe, expect, test } from "bun:test";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppModule } from "../http/app.ts";
import { HttpProblem } from "../http/problem.ts";
import { canAccessOwned, ownerScope, requireAccess, requireOwned } from "./guard.ts";
import { createStaffUser } from "./staff.ts";
import { freshIp, testAuth } from "./test-support.ts";

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

describe("guards and owner checks", () => {
  const t = testAuth([notesModule]);
  afterAll(() => t.close());

  test("a borrower reads their own row; another borrower's row is 404 like a missing one", async () => {
    const a = await t.signInBorrower("081255550001");
    const b = await t.signInBorrower("081255550002");
    notes.set("n1", { id: "n1", user_id: a.user.id, text: "A's note" });
    expect((await t.get("/api/v1/test-notes/n1", { token: a.accessToken })).status).toBe(200);
    const other = await t.get("/api/v1/test-notes/n1", { token: b.accessToken });
    const missing = await t.get("/api/v1/test-notes/n404", { token: b.accessToken });
    expect([other.status, missing.status]).toEqual([404, 404]);
    const [o, m]: any[] = [await other.json(), await missing.json()];
    expect(o.detail).toBe(m.detail);
    expect((await t.get("/api/v1/test-notes/n1")).status).toBe(401);
  });

  test("staff pass the owner check; roles not listed get 403", async () => {
    await createStaffUser(t.p.db, { email: "an@kreditku.id", password: "correct horse battery", role: "analyst" });
    const s: any = await (await t.post("/api/v1/auth/login", { email: "an@kreditku.id", password: "correct horse battery" }, { ip: freshIp() })).json();
    expect((await t.get("/api/v1/test-notes/n1", { token: s.accessToken })).status).toBe(200);
    expect((await t.get("/api/v1/test-finance", { token: s.accessToken })).status).toBe(403);
    // a bad token on a public route is ignored, a good one is seen
    expect(await (await t.get("/api/v1/test-public", { token: "garbage" })).json()).toEqual({ user: null });
    expect(await (await t.get("/api/v1/test-public", { token: s.accessToken })).json()).toEqual({ user: s.user.id });
  });

  test("signed-in auth routes are limited per subject (60/min per user), whatever the IP", async () => {
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

  test("an admin changes a staff role: audited, the user's sessions end; others may not", async () => {
    await createStaffUser(t.p.db, { email: "boss@kreditku.id", password: "correct horse battery", role: "admin" });
    const target = await createStaffUser(t.p.db, { email: "fin@kreditku.id", password: "correct horse battery", role: "finance" });
    const boss: any = await (await t.post("/api/v1/auth/login", { email: "boss@kreditku.id", password: "correct horse battery" }, { ip: freshIp() })).json();
    const fin: any = await (await t.post("/api/v1/auth/login", { email: "fin@kreditku.id", password: "correct horse battery" }, { ip: freshIp() })).json();
    expect((await t.app.request(`/api/v1/auth/users/${target.id}/role`, { method: "PUT", headers: { Authorization: `Bearer ${fin.accessToken}`, "Content-Type": "application/json" }, body: JSON.stringify({ role: "admin" }) })).status).toBe(403);
    const r = await t.app.request(`/api/v1/auth/users/${target.id}/role`, { method: "PUT", headers: { Authorization: `Bearer ${boss.accessToken}`, "Content-Type": "application/json", "User-Agent": "ua-x" }, body: JSON.stringify({ role: "analyst" }) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).role).toBe("analyst");
    expect((await t.get("/api/v1/auth/me", { token: fin.accessToken })).status).toBe(401);
    const ev = t.p.db.read.get<any>("SELECT * FROM audit_log WHERE event = 'role.changed' AND user_id = ?", target.id);
    expect(ev).toMatchObject({ actor_id: boss.user.id, user_agent: "ua-x" });
    expect(JSON.parse(ev.details)).toMatchObject({ from: "finance", to: "analyst", sessionsRevoked: 1 });
    const borrower = await t.signInBorrower("081255550003");
    const nf = await t.app.request(`/api/v1/auth/users/${borrower.user.id}/role`, { method: "PUT", headers: { Authorization: `Bearer ${boss.accessToken}`, "Content-Type": "application/json" }, body: JSON.stringify({ role: "admin" }) });
    expect(nf.status).toBe(404);
  });
});
