// Browser access to bull-board (/_/admin/queues). A browser navigating there cannot send the dashboard's Bearer
// token, so an admin exchanges it for a one-time ticket (60 s, kept hashed in the memory of the serve process, the
// only process that serves /_/admin/queues) and opening the ticket URL sets a cookie holding a short-lived token
// signed with HMAC-SHA256 (key depot/secrets/queues-cookie.key). Every request re-checks the cookie's signature and
// expiry, and that its session is still live and its user still an active admin.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const TICKET_TTL_MS = 60_000;
export const COOKIE_TTL_SECONDS = 15 * 60;
const MAX_OUTSTANDING_TICKETS = 10_000;

export interface TicketClaims {
  userId: string;
  sessionId: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** One-time tickets: only the SHA-256 of each ticket is kept; consuming one deletes it, so it works once. */
export class TicketStore {
  private tickets = new Map<string, TicketClaims & { expiresAt: number }>();

  issue(claims: TicketClaims, nowMs: number): { ticket: string; expiresAt: number } {
    this.prune(nowMs);
    if (this.tickets.size >= MAX_OUTSTANDING_TICKETS) {
      // never grow without bound: drop the oldest (Map keeps insertion order)
      const oldest = this.tickets.keys().next().value;
      if (oldest !== undefined) this.tickets.delete(oldest);
    }
    const ticket = randomBytes(32).toString("base64url");
    const expiresAt = nowMs + TICKET_TTL_MS;
    this.tickets.set(sha256(ticket), { ...claims, expiresAt });
    return { ticket, expiresAt };
  }

  /** The claims of a valid ticket, which is used up; null when unknown, already used or expired. */
  consume(ticket: string, nowMs: number): TicketClaims | null {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return null;
    const key = sha256(ticket);
    const t = this.tickets.get(key);
    if (!t) return null;
    this.tickets.delete(key);
    if (t.expiresAt <= nowMs) return null;
    return { userId: t.userId, sessionId: t.sessionId };
  }

  prune(nowMs: number) {
    for (const [k, t] of this.tickets) if (t.expiresAt <= nowMs) this.tickets.delete(k);
  }

  get size() {
    return this.tickets.size;
  }
}

interface CookiePayload {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
  /** Purpose, so a token of another HMAC use can never pass here. */
  aud: "queues";
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** `<base64url JSON payload>.<base64url HMAC-SHA256(payload part)>` */
export function signQueuesCookie(key: Buffer, claims: TicketClaims, nowMs: number, ttlSeconds = COOKIE_TTL_SECONDS): { value: string; exp: number } {
  const iat = Math.floor(nowMs / 1000);
  const payload: CookiePayload = { sub: claims.userId, sid: claims.sessionId, iat, exp: iat + ttlSeconds, aud: "queues" };
  const body = b64(JSON.stringify(payload));
  const mac = createHmac("sha256", key).update(body).digest();
  return { value: `${body}.${b64(mac)}`, exp: payload.exp };
}

export type CookieCheck = { ok: true; claims: TicketClaims; exp: number } | { ok: false; reason: "malformed" | "bad signature" | "expired" };

export function verifyQueuesCookie(key: Buffer, value: string, nowMs: number): CookieCheck {
  const m = /^([A-Za-z0-9_-]{10,2048})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return { ok: false, reason: "malformed" };
  const expected = createHmac("sha256", key).update(m[1]).digest();
  const given = Buffer.from(m[2], "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
  let p: Partial<CookiePayload>;
  try {
    p = JSON.parse(Buffer.from(m[1], "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (p.aud !== "queues" || typeof p.sub !== "string" || typeof p.sid !== "string" || typeof p.exp !== "number") return { ok: false, reason: "malformed" };
  if (p.exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
  return { ok: true, claims: { userId: p.sub, sessionId: p.sid }, exp: p.exp };
}
