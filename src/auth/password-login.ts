// Staff sign-in by email + password (Argon2id). After 5 failures within 15 minutes the email is locked for 15
// minutes; while locked, no password is checked. Failures and locks are kept per normalised email whether or not a
// staff user has it, and an unknown email still costs an Argon2id verify, so neither the answers (401, 423 +
// Retry-After) nor their timing tell which emails exist.
import type { Conn } from "../db/database.ts";
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

/** The email's lock, as ms still to run (0 or less: not locked). */
function lockedForMs(c: Pick<Conn, "get">, email: string, now: Date): number {
  const row = c.get<{ locked_until: string }>("SELECT locked_until FROM login_lockouts WHERE email = ?", email);
  return row ? Date.parse(row.locked_until) - now.getTime() : 0;
}

export async function passwordLogin(p: Platform, rawEmail: string, password: string, meta: Meta): Promise<LoginOutcome> {
  const email = normalizeEmail(rawEmail);
  const user = p.db.read.get<StaffRow>(`SELECT ${USER_COLUMNS}, password_hash, locked_until FROM users WHERE email = ? AND role != 'borrower'`, email);
  // Unknown emails are audited with the email (there is no user id); known ones by user id as before.
  const who = user ? { userId: user.id } : {};
  const emailDetail = user ? {} : { email };
  const locked = (w: Conn, ms: number, at: Date): LoginOutcome => {
    audit(w, { event: "login.locked", ...who, ...meta, at, details: { method: "password", ...emailDetail } });
    return { ok: false, reason: "locked", retryAfterSeconds: Math.ceil(ms / 1000) };
  };

  const before = lockedForMs(p.db.read, email, p.clock.now());
  if (before > 0) return p.db.tx((w) => locked(w, before, p.clock.now()));
  const valid = user?.password_hash ? await Bun.password.verify(password, user.password_hash).catch(() => false) : await burnTime(password).then(() => false);

  const now = p.clock.now();
  const nowIso = now.toISOString();
  return p.db.tx((w): LoginOutcome => {
    // Re-read inside the write transaction: a concurrent failure may have locked the email meanwhile.
    const ms = lockedForMs(w, email, now);
    if (ms > 0) return locked(w, ms, now);
    const cur = user ? w.get<{ status: string }>("SELECT status FROM users WHERE id = ?", user.id) : undefined;
    if (!user || !cur || !valid || cur.status !== "active") {
      w.run("INSERT INTO login_failures (email, at) VALUES (?, ?)", email, nowIso);
      const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS).toISOString();
      const { n } = w.get<{ n: number }>("SELECT count(*) AS n FROM login_failures WHERE email = ? AND at > ?", email, since)!;
      const reason = !user || !cur ? "unknown email" : valid ? "disabled" : "wrong password";
      audit(w, { event: "login.failure", ...who, ...meta, at: now, details: { method: "password", ...emailDetail, reason, failures: n } });
      if (n < LOCKOUT_THRESHOLD) return { ok: false, reason: "invalid" };
      const until = new Date(now.getTime() + LOCKOUT_DURATION_MS).toISOString();
      w.run("INSERT INTO login_lockouts (email, locked_until) VALUES (?, ?) ON CONFLICT (email) DO UPDATE SET locked_until = excluded.locked_until", email, until);
      w.run("DELETE FROM login_failures WHERE email = ?", email);
      if (user) w.run("UPDATE users SET locked_until = ?, updated_at = ? WHERE id = ?", until, nowIso, user.id);
      audit(w, { event: "account.lockout", ...who, ...meta, at: now, details: { ...emailDetail, until, failures: n } });
      return { ok: false, reason: "locked", retryAfterSeconds: Math.ceil(LOCKOUT_DURATION_MS / 1000) };
    }
    w.run("DELETE FROM login_failures WHERE email = ?", email);
    w.run("DELETE FROM login_lockouts WHERE email = ?", email);
    if (user.locked_until) w.run("UPDATE users SET locked_until = NULL WHERE id = ?", user.id);
    const s = startSession(w, p, user.id, "password", meta);
    audit(w, { event: "login.success", userId: user.id, ...meta, at: now, details: { method: "password", sessionId: s.sessionId } });
    const { password_hash: _h, locked_until: _l, ...pub } = user;
    return { ok: true, user: pub, ...s };
  });
}
