import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { appPerTest } from "../../test/kit/app.ts";
import { authServices } from "./services.ts";
import { cachedTokenCount } from "./tokens.ts";
import { cachedLiveSessions } from "./sessions.ts";
import { CommitWatch, commitWatch } from "./token-cache.ts";

describe("verified-token cache and the session-alive check", () => {
  const t = appPerTest();
  const me = (token: string) => t.get("/api/v1/auth/me", { token });
  const detail = async (r: Response) => ((await r.json()) as any).detail as string;

  test("a token is verified once and remembered; it still expires on time and is then forgotten", async () => {
    const keys = authServices(t.platform).keys;
    const s = await t.signInBorrower("081211120001");
    const before = cachedTokenCount(keys);
    for (let i = 0; i < 3; i++) expect((await me(s.accessToken)).status).toBe(200);
    expect(cachedTokenCount(keys)).toBe(before + 1);
    t.clock.advance(900_000);
    const r = await me(s.accessToken);
    expect(r.status).toBe(401);
    expect(await detail(r)).toContain("expired");
    expect(cachedTokenCount(keys)).toBe(before);
  });

  test("a cached token whose session is revoked by another connection (another process) stops at once", async () => {
    const s = await t.signInBorrower("081211120002");
    expect((await me(s.accessToken)).status).toBe(200);
    expect((await me(s.accessToken)).status).toBe(200);
    const other = new Database(join(t.depot, "data/main.db"));
    try {
      other.run("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = 'admin' WHERE user_id = ?", t.clock.now().toISOString(), s.user.id);
    } finally {
      other.close();
    }
    const r = await me(s.accessToken);
    expect(r.status).toBe(401);
    expect(await detail(r)).toContain("session ended");
  });

  test("a disabled user's cached token stops at once; logout ends a cached token at once", async () => {
    const a = await t.signInBorrower("081211120003");
    const b = await t.signInBorrower("081211120004");
    expect((await me(a.accessToken)).status).toBe(200);
    expect((await me(b.accessToken)).status).toBe(200);
    t.platform.db.tx((w) => w.run("UPDATE users SET status = 'disabled' WHERE id = ?", a.user.id));
    expect((await me(a.accessToken)).status).toBe(401);
    expect((await me(b.accessToken)).status).toBe(200);
    expect((await t.post("/api/v1/auth/logout", undefined, { token: b.accessToken })).status).toBe(204);
    expect((await me(b.accessToken)).status).toBe(401);
  });

  test("a live session stays remembered across writes that cannot end it; a session change anywhere empties it", async () => {
    const s = await t.signInBorrower("081211120005");
    expect((await me(s.accessToken)).status).toBe(200);
    expect(cachedLiveSessions(t.platform)).toBe(1);
    const at = t.clock.now().toISOString();
    t.platform.db.tx((w) => w.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at) VALUES ('bl_x', 'phone', '+6281300000001', 'test', 'admin', ?)", at));
    expect((await me(s.accessToken)).status).toBe(200);
    expect(cachedLiveSessions(t.platform)).toBe(1);
    const other = new Database(join(t.depot, "data/main.db"));
    try {
      other.run("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = 'admin' WHERE user_id = ?", at, s.user.id);
    } finally {
      other.close();
    }
    expect((await me(s.accessToken)).status).toBe(401);
    expect(cachedLiveSessions(t.platform)).toBe(0);
  });

  test("the commit watch sees every commit, from this process or another, and nothing else", () => {
    const watch = commitWatch(t.platform.db)!;
    expect(watch).not.toBeNull();
    const mark = watch.mark();
    t.platform.db.read.get("SELECT count(*) FROM users");
    t.platform.db.writer.get("SELECT n FROM auth_epoch WHERE id = 1");
    expect(watch.unchangedSince(mark)).toBe(true);
    t.platform.db.tx((w) => w.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at) VALUES ('bl_v', 'phone', '+6281300000003', 'test', 'admin', ?)", t.clock.now().toISOString()));
    expect(watch.unchangedSince(mark)).toBe(false);
    const second = watch.mark();
    const other = new Database(join(t.depot, "data/main.db"));
    try {
      expect(watch.unchangedSince(second)).toBe(true);
      other.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at) VALUES ('bl_w', 'phone', '+6281300000002', 'test', 'admin', ?)", [t.clock.now().toISOString()]);
    } finally {
      other.close();
    }
    expect(watch.unchangedSince(second)).toBe(false);
    expect(CommitWatch.open(":memory:")).toBeNull();
    expect(CommitWatch.open(join(t.depot, "data/no-such.db"))).toBeNull();
  });

  test("auth/me answers a changed name or e-mail at once, whichever connection wrote it", async () => {
    const s = await t.signInBorrower("081211120006");
    const name = async () => ((await (await me(s.accessToken)).json()) as any).displayName as string | null;
    expect(await name()).toBeNull();
    expect(await name()).toBeNull();
    t.platform.db.tx((w) => w.run("UPDATE users SET display_name = 'Sari' WHERE id = ?", s.user.id));
    expect(await name()).toBe("Sari");
    const other = new Database(join(t.depot, "data/main.db"));
    try {
      other.run("UPDATE users SET display_name = 'Sari W.' WHERE id = ?", [s.user.id]);
    } finally {
      other.close();
    }
    expect(await name()).toBe("Sari W.");
  });
});
