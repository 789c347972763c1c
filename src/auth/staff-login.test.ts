import { describe, expect, test } from "bun:test";
import { createStaffUser } from "./staff.ts";
import { appPerTest, freshIp } from "../../test/kit/app.ts";

describe("staff password sign-in", () => {
  const t = appPerTest();
  const login = (email: string, password: string, ip = freshIp()) => t.post("/api/v1/auth/login", { email, password }, { ip });

  test("email + Argon2id password; wrong password or unknown email is 401 without telling which", async () => {
    const u = await createStaffUser(t.db, { email: "Analyst@KreditKu.id", password: "correct horse battery", role: "analyst" });
    expect(t.db.read.get<any>("SELECT password_hash FROM users WHERE id = ?", u.id).password_hash).toStartWith("$argon2id$");
    const ok = await login("analyst@kreditku.id", "correct horse battery");
    expect(ok.status).toBe(200);
    const body: any = await ok.json();
    expect(body.user).toMatchObject({ role: "analyst", email: "analyst@kreditku.id" });
    const wrong = await login("analyst@kreditku.id", "nope nope nope");
    const unknown = await login("ghost@kreditku.id", "nope nope nope");
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    const [a, b]: any[] = [await wrong.json(), await unknown.json()];
    expect(a.type).toBe(b.type);
    expect(a.detail).toBe(b.detail);
    expect((await login("analyst@kreditku.id", "")).status).toBe(422);
  });

  test("5 failures in 15 minutes lock the account for 15 minutes (423 + Retry-After), all audited", async () => {
    const u = await createStaffUser(t.db, { email: "finance@kreditku.id", password: "correct horse battery", role: "finance" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login("finance@kreditku.id", `wrong-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    const locked = await login("finance@kreditku.id", "correct horse battery");
    expect(locked.status).toBe(423);
    expect(locked.headers.get("retry-after")).toBe("900");
    expect(((await locked.json()) as any).type).toEndWith("/account-locked");
    t.clock.advance(10 * 60_000);
    const still = await login("finance@kreditku.id", "correct horse battery");
    expect(still.status).toBe(423);
    expect(still.headers.get("retry-after")).toBe("300");
    t.clock.advance(5 * 60_000 + 1000);
    expect((await login("finance@kreditku.id", "correct horse battery")).status).toBe(200);
    const events = t.db.read.all<any>("SELECT event FROM audit_log WHERE user_id = ? ORDER BY id", u.id).map((e) => e.event);
    expect(events).toEqual(["login.failure", "login.failure", "login.failure", "login.failure", "login.failure", "account.lockout", "login.locked", "login.locked", "login.success"]);
  });

  test("an unknown email answers exactly like a known one: 401s, then locked (423 + Retry-After), then 401 again", async () => {
    await createStaffUser(t.db, { email: "known@kreditku.id", password: "correct horse battery", role: "analyst" });
    const ms: Record<string, number[]> = {};
    const run = async (email: string) => {
      const out: { status: number; retryAfter: string | null; type: string; detail: string }[] = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const r = await login(email, `wrong-${i}`);
        if (i < 4) (ms[email] ??= []).push(performance.now() - t0);
        const b: any = await r.json();
        out.push({ status: r.status, retryAfter: r.headers.get("retry-after"), type: b.type, detail: b.detail });
      }
      return out;
    };
    // the counter is per normalised email: case and spaces do not give an attacker fresh tries
    const unknown = await run(" Nobody@KreditKu.id");
    const known = await run("KNOWN@kreditku.id ");
    expect(unknown).toEqual(known);
    // and a wrong password for an unknown email costs an Argon2id verify like a known one (medians, loosely)
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    expect(median(ms[" Nobody@KreditKu.id"])).toBeGreaterThan(median(ms["KNOWN@kreditku.id "]) * 0.3);
    expect(unknown.map((o) => o.status)).toEqual([401, 401, 401, 401, 423, 423, 423]);
    expect(unknown[4].retryAfter).toBe("900");
    t.clock.advance(15 * 60_000 + 1000);
    expect((await login("nobody@kreditku.id", "again")).status).toBe(401);
    expect((await login("known@kreditku.id", "correct horse battery")).status).toBe(200);
    // unknown emails are audited without a user id
    const lockouts = t.db.read.all<any>("SELECT user_id, details FROM audit_log WHERE event = 'account.lockout' AND details LIKE '%nobody@kreditku.id%'");
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0].user_id).toBeNull();
  });

  test("failure and lockout rows for unknown emails are pruned once they no longer matter", async () => {
    const { purgeAuthState } = await import("./purge.ts");
    for (let i = 0; i < 5; i++) await login("spray-locked@kreditku.id", "x");
    for (let i = 0; i < 30; i++) await login(`spray-${i}@kreditku.id`, "x");
    const count = () => t.db.read.get<any>("SELECT (SELECT count(*) FROM login_failures) + (SELECT count(*) FROM login_lockouts) AS n").n;
    expect(count()).toBeGreaterThanOrEqual(31);
    t.clock.advance(15 * 60_000 + 1000);
    purgeAuthState(t.db, t.clock.now());
    expect(count()).toBe(0);
  });

  test("failures spread over more than 15 minutes do not lock", async () => {
    await createStaffUser(t.db, { email: "slow@kreditku.id", password: "correct horse battery", role: "analyst" });
    for (let i = 0; i < 8; i++) {
      expect((await login("slow@kreditku.id", "wrong")).status).toBe(401);
      t.clock.advance(4 * 60_000);
    }
    expect((await login("slow@kreditku.id", "correct horse battery")).status).toBe(200);
  });

  test("at most 5 sign-ins per minute per IP + email (429 with Retry-After)", async () => {
    await createStaffUser(t.db, { email: "busy@kreditku.id", password: "correct horse battery", role: "admin" });
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login("busy@kreditku.id", "correct horse battery", ip)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const r = await login("busy@kreditku.id", "correct horse battery", ip);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    // another IP, or another email from this IP, has its own window
    expect((await login("busy@kreditku.id", "correct horse battery")).status).toBe(200);
    expect((await login("other@kreditku.id", "x", ip)).status).toBe(401);
  });

  test("borrowers cannot use password login", async () => {
    const b = await t.signInBorrower("081277770001");
    expect(b.user.role).toBe("borrower");
    expect((await login("+6281277770001", "whatever")).status).toBe(401);
  });
});
