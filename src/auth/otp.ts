// Borrower phone OTP: 6-digit codes, valid 5 minutes, 5 attempts then the challenge is dead, stored only as
// HMAC-SHA256 (key in depot/secrets), compared in constant time; 60 s resend cooldown per phone.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type { Platform } from "../http/types.ts";
import { HttpProblem } from "../http/problem.ts";
import { audit } from "./audit.ts";
import { authServices } from "./services.ts";
import type { OtpChannel } from "./sms.ts";
import { startSession, USER_COLUMNS, type Meta, type UserRow } from "./sessions.ts";

export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
export const OTP_COOLDOWN_MS = 60_000;
/** Per phone, across challenges: this many wrong codes within OTP_LOCK_WINDOW_MS lock the phone for that window. */
export const OTP_PHONE_MAX_FAILURES = 10;
export const OTP_LOCK_WINDOW_MS = 60 * 60_000;
/** At most this many codes sent to one phone per rolling day (SMS pumping, brute force). */
export const OTP_MAX_CODES_PER_DAY = 10;

/** Wrong codes for a phone since `sinceIso`, over all its challenges (a used challenge's last attempt was right). */
function phoneFailures(w: { get<T>(sql: string, ...p: any[]): T | undefined }, phone: string, sinceIso: string): number {
  const r = w.get<{ n: number | null }>(
    "SELECT SUM(CASE WHEN status = 'used' THEN attempts - 1 ELSE attempts END) AS n FROM otp_challenges WHERE phone = ? AND created_at > ?",
    phone,
    sinceIso,
  );
  return r?.n ?? 0;
}

/** A uniformly random 6-digit code (crypto.randomInt rejects modulo bias). */
export function generateOtpCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

export function hashOtpCode(key: Buffer, challengeId: string, code: string): string {
  return createHmac("sha256", key).update(`${challengeId}:${code}`).digest("hex");
}

export function codesMatch(key: Buffer, challengeId: string, code: string, storedHex: string): boolean {
  const a = Buffer.from(hashOtpCode(key, challengeId, code), "hex");
  const b = Buffer.from(storedHex, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export type OtpRequestOutcome =
  | { ok: true; challengeId: string; expiresAt: string }
  | { ok: false; reason: "cooldown" | "locked" | "daily-limit"; retryAfterSeconds: number };

/**
 * Create a challenge and send the code by SMS (or WhatsApp, when the borrower chose it and it is configured). A new
 * code supersedes older pending codes for the phone.
 */
export async function requestOtp(p: Platform, phone: string, meta: Meta, channel: OtpChannel = "sms"): Promise<OtpRequestOutcome> {
  const svc = authServices(p);
  const now = p.clock.now();
  const code = generateOtpCode();
  const challengeId = Bun.randomUUIDv7();
  const expiresAt = new Date(now.getTime() + OTP_TTL_MS).toISOString();
  const outcome = p.db.tx((w): OtpRequestOutcome => {
    const last = w.get<{ created_at: string }>("SELECT created_at FROM otp_challenges WHERE phone = ? ORDER BY created_at DESC LIMIT 1", phone);
    if (last) {
      const wait = Date.parse(last.created_at) + OTP_COOLDOWN_MS - now.getTime();
      if (wait > 0) return { ok: false, reason: "cooldown", retryAfterSeconds: Math.ceil(wait / 1000) };
    }
    if (phoneFailures(w, phone, new Date(now.getTime() - OTP_LOCK_WINDOW_MS).toISOString()) >= OTP_PHONE_MAX_FAILURES) {
      audit(w, { event: "otp.locked", ...meta, at: now, details: { phone } });
      return { ok: false, reason: "locked", retryAfterSeconds: OTP_LOCK_WINDOW_MS / 1000 };
    }
    const dayAgo = new Date(now.getTime() - 24 * 3600_000).toISOString();
    const sentToday = w.get<{ n: number }>("SELECT COUNT(*) AS n FROM otp_challenges WHERE phone = ? AND created_at > ?", phone, dayAgo)!.n;
    if (sentToday >= OTP_MAX_CODES_PER_DAY) {
      const oldest = w.get<{ created_at: string }>("SELECT created_at FROM otp_challenges WHERE phone = ? AND created_at > ? ORDER BY created_at LIMIT 1", phone, dayAgo)!;
      return { ok: false, reason: "daily-limit", retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(oldest.created_at) + 24 * 3600_000 - now.getTime()) / 1000)) };
    }
    w.run("UPDATE otp_challenges SET status = 'dead' WHERE phone = ? AND status = 'pending'", phone);
    w.run(
      "INSERT INTO otp_challenges (id, phone, code_hash, ip, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      challengeId,
      phone,
      hashOtpCode(svc.otpKey, challengeId, code),
      meta.ip,
      now.toISOString(),
      expiresAt,
    );
    audit(w, { event: "otp.requested", ...meta, at: now, details: { phone, challengeId } });
    return { ok: true, challengeId, expiresAt };
  });
  if (outcome.ok) {
    try {
      await svc.sms.send({ to: phone, text: `Kode KreditKu Anda: ${code}. Berlaku 5 menit. Jangan berikan kode ini kepada siapa pun.`, channel, code });
    } catch (err) {
      // Not sent: forget the challenge so the cooldown does not block an immediate retry.
      p.db.tx((w) => w.run("DELETE FROM otp_challenges WHERE id = ?", challengeId));
      p.log.error("otp sms failed", { err: err as Error, to: phone, channel });
      throw new HttpProblem(503, "sms-unavailable", "SMS unavailable", "The code could not be sent; try again shortly", {}, { "Retry-After": "5" });
    }
  }
  return outcome;
}

export type OtpVerifyOutcome =
  | { ok: true; user: UserRow; created: boolean; sessionId: string; refreshToken: string }
  | { ok: false; reason: "invalid"; attemptsRemaining: number }
  | { ok: false; reason: "expired" | "not-borrower" | "disabled" }
  | { ok: false; reason: "locked"; retryAfterSeconds: number };

/** Check a code; on success create the borrower on first sign-in and start a session, all in one transaction. */
export function verifyOtp(p: Platform, challengeId: string, code: string, meta: Meta): OtpVerifyOutcome {
  const svc = authServices(p);
  const now = p.clock.now();
  const nowIso = now.toISOString();
  return p.db.tx((w): OtpVerifyOutcome => {
    const ch = w.get<{ phone: string; code_hash: string; attempts: number; status: string; expires_at: string }>(
      "SELECT phone, code_hash, attempts, status, expires_at FROM otp_challenges WHERE id = ?",
      challengeId,
    );
    if (!ch || ch.status !== "pending" || ch.expires_at <= nowIso) {
      audit(w, { event: "otp.failure", ...meta, at: now, details: { challengeId, reason: ch ? (ch.status === "pending" ? "expired" : ch.status) : "unknown" } });
      return { ok: false, reason: "expired" };
    }
    // Too many wrong codes for this phone across its challenges: the phone is locked, whatever this code is.
    if (phoneFailures(w, ch.phone, new Date(now.getTime() - OTP_LOCK_WINDOW_MS).toISOString()) >= OTP_PHONE_MAX_FAILURES) {
      w.run("UPDATE otp_challenges SET status = 'dead' WHERE id = ?", challengeId);
      audit(w, { event: "otp.locked", ...meta, at: now, details: { challengeId, phone: ch.phone } });
      return { ok: false, reason: "locked", retryAfterSeconds: OTP_LOCK_WINDOW_MS / 1000 };
    }
    if (!codesMatch(svc.otpKey, challengeId, code, ch.code_hash)) {
      const attempts = ch.attempts + 1;
      const dead = attempts >= OTP_MAX_ATTEMPTS;
      w.run("UPDATE otp_challenges SET attempts = ?, status = ? WHERE id = ?", attempts, dead ? "dead" : "pending", challengeId);
      const user = w.get<{ id: string }>("SELECT id FROM users WHERE phone = ?", ch.phone);
      audit(w, { event: "otp.failure", userId: user?.id, ...meta, at: now, details: { challengeId, phone: ch.phone, attempts, dead } });
      return { ok: false, reason: "invalid", attemptsRemaining: OTP_MAX_ATTEMPTS - attempts };
    }
    w.run("UPDATE otp_challenges SET status = 'used', attempts = attempts + 1 WHERE id = ?", challengeId);
    let user = w.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE phone = ?`, ch.phone);
    let created = false;
    if (!user) {
      const id = Bun.randomUUIDv7();
      w.run("INSERT INTO users (id, role, phone, status, created_at, updated_at) VALUES (?, 'borrower', ?, 'active', ?, ?)", id, ch.phone, nowIso, nowIso);
      audit(w, { event: "user.created", userId: id, ...meta, at: now, details: { role: "borrower", via: "otp" } });
      user = w.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, id)!;
      created = true;
    }
    if (user.role !== "borrower") {
      audit(w, { event: "login.failure", userId: user.id, ...meta, at: now, details: { method: "otp", reason: "not a borrower" } });
      return { ok: false, reason: "not-borrower" };
    }
    if (user.status !== "active") {
      audit(w, { event: "login.failure", userId: user.id, ...meta, at: now, details: { method: "otp", reason: "disabled" } });
      return { ok: false, reason: "disabled" };
    }
    const s = startSession(w, p, user.id, "otp", meta);
    audit(w, { event: "login.success", userId: user.id, ...meta, at: now, details: { method: "otp", sessionId: s.sessionId, created } });
    return { ok: true, user, created, ...s };
  });
}
