// Housekeeping: drop auth state nobody can use any more. Rotated refresh tokens are kept until they expire,
// so reuse detection keeps working for their whole lifetime; staff login failures and locks (kept per email, known or
// not) go once they no longer count; the audit log is never purged here.
import type { Db } from "../db/database.ts";
import { LOCKOUT_WINDOW_MS } from "./password-login.ts";

const DAY_MS = 24 * 3600_000;

export function purgeAuthState(db: Db, now: Date) {
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString();
  return db.tx((w) => ({
    otpChallenges: w.run("DELETE FROM otp_challenges WHERE expires_at <= ?", iso(DAY_MS)).changes,
    webauthnChallenges: w.run("DELETE FROM webauthn_challenges WHERE expires_at <= ?", iso(0)).changes,
    refreshTokens: w.run("DELETE FROM refresh_tokens WHERE expires_at <= ?", iso(0)).changes,
    sessions: w.run("DELETE FROM auth_sessions WHERE expires_at <= ? OR (revoked_at IS NOT NULL AND revoked_at <= ?)", iso(30 * DAY_MS), iso(30 * DAY_MS)).changes,
    loginFailures: w.run("DELETE FROM login_failures WHERE at <= ?", iso(LOCKOUT_WINDOW_MS)).changes,
    loginLockouts: w.run("DELETE FROM login_lockouts WHERE locked_until <= ?", iso(0)).changes,
  }));
}
