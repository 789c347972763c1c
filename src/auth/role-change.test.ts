import { describe, expect, test } from "bun:test";
import { getRateLimitStore, setRateLimitStore } from "../http/rate-limit.ts";
import { appPerTest, freshIp } from "../../test/kit/app.ts";

describe("role changes never leave the deployment without an active admin", () => {
  const t = appPerTest();
  const signIn = async (email: string, role: "admin" | "analyst" | "finance") => {
    const u = await t.createStaff(role, { email });
    return { id: u.id, token: (await t.login(email)).accessToken as string };
  };
  const setRole = (token: string, id: string, role: string) =>
    t.app.request(`/api/v1/auth/users/${id}/role`, { method: "PUT", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "X-Forwarded-For": freshIp() }, body: JSON.stringify({ role }) });
  const activeAdmins = () => t.db.read.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE role = 'admin' AND status = 'active'")!.n;

  test("the only admin cannot demote itself (409 problem+json); nothing changes", async () => {
    const boss = await signIn("only-admin@kreditku.id", "admin");
    for (const role of ["analyst", "finance"]) {
      const r = await setRole(boss.token, boss.id, role);
      expect(r.status).toBe(409);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(((await r.json()) as any).type).toEndWith("/last-admin");
    }
    expect(t.db.read.get<any>("SELECT role FROM users WHERE id = ?", boss.id).role).toBe("admin");
    // the session survived the refused change
    expect((await t.get("/api/v1/auth/me", { token: boss.token })).status).toBe(200);
    // with a second admin, demoting the first works; the new last admin is then protected in turn
    const second = await signIn("second-admin@kreditku.id", "admin");
    expect((await setRole(boss.token, boss.id, "analyst")).status).toBe(200);
    expect((await setRole(second.token, second.id, "finance")).status).toBe(409);
    expect(activeAdmins()).toBe(1);
    t.db.tx((w) => w.run("UPDATE users SET role = 'analyst' WHERE id = ?", second.id));
  });

  test("a disabled admin does not count: the last active admin stays protected", async () => {
    const active = await signIn("active-admin@kreditku.id", "admin");
    const disabled = await t.createStaff("admin", { email: "disabled-admin@kreditku.id" });
    t.db.tx((w) => w.run("UPDATE users SET status = 'disabled' WHERE id = ?", disabled.id));
    expect((await setRole(active.token, active.id, "analyst")).status).toBe(409);
    expect(activeAdmins()).toBe(1);
    t.db.tx((w) => w.run("UPDATE users SET role = 'analyst' WHERE id IN (?, ?)", active.id, disabled.id));
  });

  test("two admins demoting each other at the same moment: one wins, one admin remains", async () => {
    // Hold both requests after authentication and the role guard (at the per-user limit, the last step before the
    // handler) until both have got there: each was an admin when it was authorised.
    const inner = getRateLimitStore();
    let waiting: (() => void)[] = [];
    setRateLimitStore({
      reset: (k) => inner.reset(k),
      async hit(key, windowMs) {
        if (key.startsWith("auth-admin:")) {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === 2) {
              for (const go of waiting) go();
              waiting = [];
            }
          });
        }
        return inner.hit(key, windowMs);
      },
    });
    try {
      for (let round = 0; round < 3; round++) {
        const a = await signIn(`race-a${round}@kreditku.id`, "admin");
        const b = await signIn(`race-b${round}@kreditku.id`, "admin");
        const [ra, rb] = await Promise.all([setRole(a.token, b.id, "analyst"), setRole(b.token, a.id, "analyst")]);
        expect([ra.status, rb.status].sort()).toEqual([200, 409]);
        const loser = ra.status === 200 ? rb : ra;
        expect(loser.headers.get("content-type")).toContain("application/problem+json");
        expect(activeAdmins()).toBe(1);
        t.db.tx((w) => w.run("UPDATE users SET role = 'analyst' WHERE id IN (?, ?)", a.id, b.id));
      }
    } finally {
      setRateLimitStore(inner);
    }
  });
});
