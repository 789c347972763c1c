// Staff sign-in by email + password (Argon2id). After 5 failures within 15 minutes the account is locked
// for 15 minutes; while locked, no password is checked.
import type { Platform } from "../http/types.ts";
import { audit } from "./audit.ts";
import { normalizeEmail } from "./staff.ts";
import { startSession, USER_COLUMNS, type Meta, type UserRow } from "./sessions.ts";

export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60_000;
export const LOCKOUT_DURATION_MS = 15 * 60_000;

let dummyHash: Promise<string> | null = null;
/** Verify against a throwaway hash when the email is unknown, so timing does not reveal which emails exist. */
function burnTime(password: string) {
  dummyHash ??= Bun.password.hash("kreditku-timing-equaliser", { algorithm: "argon2id" });
  return dummyHash.then((h) => Bun.password.verify(password, h)).catch(() => false);
}

export type LoginOutcome =
  | { ok: true; user: UserRow; sessionId: string; refreshToken: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; retryAfterSeconds: number };

type StaffRow = UserRow & { password_hash: string | null; locked_until: string | null };

export async function passwordLogin(p: Platform, rawEmail: string, password: string, meta: Meta): Promise<LoginOutcome> {
  const email = normalizeEmail(rawEmail);
  const user = p.db.read.get<StaffRow>(`SELECT ${USER_COLUMNS}, password_hash, locked_until FROM users WHERE email = ? AND role != 'borrower'`, email);
  const lockedFor = (u: { locked_until: string | null }) => (u.locked_until ? Date.parse(u.locked_until) - p.clock.now().getTime() : 0);

  if (user && lockedFor(user) > 0) {
    p.db.tx((w) => audit(w, { event: "login.locked", userId: user.id, ...meta, at: p.clock.now(), details: { method: "password" } }));
    return { ok: false, reason: "locked", retryAfterSeconds: Math.ceil(lockedFor(user) / 1000) };
  }
  const valid = user?.password_hash ? await Bun.password.verify(password, user.password_hash).catch(() => false) : await burnTime(password).then(() => false);

  const now = p.clock.now();
  const nowIso = now.toISOString();
  return p.db.tx((w): LoginOutcome => {
    if (!user) {
      audit(w, { event: "login.failure", ...meta, at: now, details: { method: "password", email, reason: "unknown email" } });
      return { ok: false, reason: "invalid" };
    }
    // Re-read inside the write transaction: a concurrent failure may have locked the account meanwhile.
    const cur = w.get<{ locked_until: string | null; status: string }>("SELECT locked_until, status FROM users WHERE id = ?", user.id)!;
    if (lockedFor(cur) > 0) {
      audit(w, { event: "login.locked", userId: user.id, ...meta, at: now, details: { method: "password" } });
      return { ok: false, reason: "locked", retryAfterSeconds: Math.ceil(lockedFor(cur) / 1000) };
    }
    if (!valid || cur.status !== "active") {
      w.run("INSERT INTO login_failures (user_id, at) VALUES (?, ?)", user.id, nowIso);
      const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS).toISOString();
      const { n } = w.get<{ n: number }>("SELECT count(*) AS n FROM login_failures WHERE user_id = ? AND at > ?", user.id, since)!;
      audit(w, { event: "login.failure", userId: user.id, ...meta, at: now, details: { method: "password", reason: valid ? "disabled" : "wrong password", failures: n } });
      if (n >= LOCKOUT_THRESHOLD) {
        const until = new Date(now.getTime() + LOCKOUT_DURATION_MS);
        w.run("UPDATE users SET locked_until = ?, updated_at = ? WHERE id = ?", until.toISOString(), nowIso, user.id);
        w.run("DELETE FROM login_failures WHERE user_id = ?", user.id);
        audit(w, { event: "account.lockout", userId: user.id, ...meta, at: now, details: { until: until.toISOString(), failures: n } });
        return { ok: false, reason: "locked", retryAfterSeconds: Math.ceil(LOCKOUT_DURATION_MS / 1000) };
      }
      return { ok: false, reason: "invalid" };
    }
    w.run("DELETE FROM login_failures WHERE user_id = ?", user.id);
    if (cur.locked_until) w.run("UPDATE users SET locked_until = NULL WHERE id = ?", user.id);
    const s = startSession(w, p, user.id, "password", meta);
    audit(w, { event: "login.success", userId: user.id, ...meta, at: now, details: { method: "password", sessionId: s.sessionId } });
    return { ok: true, user, ...s };
  });
}
