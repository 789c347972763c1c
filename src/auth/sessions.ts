// Sessions and refresh-token families. A refresh token is opaque (32 random bytes), stored as SHA-256,
// valid 7 days and rotated on every use; presenting an already-rotated token revokes the whole family.
import { createHash, randomBytes } from "node:crypto";
import type { Conn } from "../db/database.ts";
import type { AuthUser, Platform } from "../http/types.ts";
import { audit } from "./audit.ts";
import { authServices } from "./services.ts";
import { signAccessToken } from "./tokens.ts";
import { commitWatch } from "./token-cache.ts";

export type SignInMethod = "otp" | "password" | "passkey";

export interface UserRow {
  id: string;
  role: AuthUser["role"];
  phone: string | null;
  email: string | null;
  display_name: string | null;
  status: string;
  created_at: string;
}

export interface PublicUser {
  id: string;
  role: AuthUser["role"];
  phone: string | null;
  email: string | null;
  displayName: string | null;
  createdAt: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  user: PublicUser;
}

export interface Meta {
  ip: string | null;
  userAgent: string | null;
}

export const USER_COLUMNS = "id, role, phone, email, display_name, status, created_at";

export function publicUser(u: UserRow): PublicUser {
  return { id: u.id, role: u.role, phone: u.phone, email: u.email, displayName: u.display_name, createdAt: u.created_at };
}

export function hashRefreshToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

function newRefreshToken() {
  return randomBytes(32).toString("base64url");
}

/** Start a session (a new refresh-token family) inside the caller's transaction. */
export function startSession(w: Conn, p: Platform, userId: string, method: SignInMethod, meta: Meta) {
  const now = p.clock.now();
  const nowIso = now.toISOString();
  const expiresAt = new Date(now.getTime() + p.config.auth.refreshTtlSeconds * 1000).toISOString();
  const sessionId = Bun.randomUUIDv7();
  const refreshToken = newRefreshToken();
  w.run(
    "INSERT INTO auth_sessions (id, user_id, method, ip, user_agent, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    sessionId,
    userId,
    method,
    meta.ip,
    meta.userAgent?.slice(0, 512) ?? null,
    nowIso,
    nowIso,
    expiresAt,
  );
  w.run("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)", hashRefreshToken(refreshToken), sessionId, nowIso, expiresAt);
  return { sessionId, refreshToken };
}

export async function issueTokens(p: Platform, user: UserRow, sessionId: string, refreshToken: string): Promise<TokenPair> {
  const svc = authServices(p);
  const accessToken = await signAccessToken(svc.keys, svc.tokens, { id: user.id, role: user.role, sessionId }, p.clock.now());
  return { accessToken, refreshToken, tokenType: "Bearer", expiresIn: svc.tokens.accessTtlSeconds, user: publicUser(user) };
}

export function revokeSession(w: Pick<Conn, "run">, sessionId: string, reason: string, now: Date) {
  return w.run("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL", now.toISOString(), reason, sessionId).changes > 0;
}

export function revokeUserSessions(w: Pick<Conn, "run">, userId: string, reason: string, now: Date) {
  return w.run("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL", now.toISOString(), reason, userId).changes;
}

export type RefreshOutcome =
  | { ok: true; user: UserRow; sessionId: string; refreshToken: string }
  | { ok: false; reason: "unknown" | "expired" | "revoked" | "reused" };

/**
 * Rotate a refresh token in one write transaction (so of two concurrent uses exactly one wins: the other
 * sees the token rotated). An already-rotated token revokes its family and is audited as token reuse.
 */
export function rotateRefreshToken(p: Platform, token: string, meta: Meta): RefreshOutcome {
  const now = p.clock.now();
  const nowIso = now.toISOString();
  return p.db.tx((w): RefreshOutcome => {
    const row = w.get<{ session_id: string; expires_at: string; rotated_at: string | null; user_id: string; revoked_at: string | null; s_expires: string }>(
      `SELECT t.session_id, t.expires_at, t.rotated_at, s.user_id, s.revoked_at, s.expires_at AS s_expires
         FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = ?`,
      hashRefreshToken(token),
    );
    if (!row) return { ok: false, reason: "unknown" };
    if (row.rotated_at !== null) {
      const revoked = revokeSession(w, row.session_id, "refresh token reuse", now);
      audit(w, { event: "token.reuse", userId: row.user_id, ...meta, at: now, details: { sessionId: row.session_id, familyRevoked: revoked } });
      return { ok: false, reason: "reused" };
    }
    if (row.revoked_at !== null) return { ok: false, reason: "revoked" };
    if (row.expires_at <= nowIso) return { ok: false, reason: "expired" };
    const user = w.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, row.user_id);
    if (!user || user.status !== "active") {
      revokeSession(w, row.session_id, "user disabled", now);
      return { ok: false, reason: "revoked" };
    }
    const claimed = w.run("UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL", nowIso, hashRefreshToken(token));
    if (claimed.changes !== 1) return { ok: false, reason: "reused" };
    const refreshToken = newRefreshToken();
    const expiresAt = new Date(now.getTime() + p.config.auth.refreshTtlSeconds * 1000).toISOString();
    w.run("INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)", hashRefreshToken(refreshToken), row.session_id, nowIso, expiresAt);
    w.run("UPDATE auth_sessions SET last_used_at = ?, expires_at = ? WHERE id = ?", nowIso, expiresAt, row.session_id);
    return { ok: true, user, sessionId: row.session_id, refreshToken };
  });
}

/** How many live sessions are remembered between changes to sessions or users. */
export const LIVE_SESSION_CACHE_SIZE = 10_000;

/**
 * Sessions found live, per database, valid while the auth epoch (migration 0021: a counter the database's triggers
 * move on every session update or delete and every user status/role change or delete, whichever process writes)
 * has not moved. A logout, a revocation or a disabled user moves it, so the next request is checked against the
 * database again: revocation stays immediate. Other writes (an insert, a payment) leave the cache alone. The epoch
 * and the lookups are read on the writer connection: outside a transaction it sees the latest commit, and its page
 * cache survives this process's own commits (a reader's is dropped after every write). The epoch itself is read
 * again only when something committed since it was last read (token-cache.ts: the WAL-index header, no statement),
 * so a request under a read-only load runs no statement for the check at all.
 */
const liveCache = new WeakMap<object, { epoch: number; live: Set<string>; seen: Int32Array | null }>();

/** How many live sessions are remembered for this database (tests). */
export function cachedLiveSessions(p: Platform): number {
  return liveCache.get(p.db)?.live.size ?? 0;
}

/** Is the session of an access token still live (not logged out, not revoked, user active)? */
export function sessionIsLive(p: Platform, sessionId: string, userId: string): boolean {
  if (p.db.inTransaction) return querySessionLive(p.db.read, sessionId, userId);
  const w = p.db.writer;
  const watch = commitWatch(p.db);
  let c = liveCache.get(p.db);
  if (c === undefined || c.seen === null || watch === null || !watch.unchangedSince(c.seen)) {
    // the mark first: a commit between it and the epoch read makes the next request read the epoch again
    const seen = watch?.mark() ?? null;
    const epoch = w.get<{ n: number }>("SELECT n FROM auth_epoch WHERE id = 1")!.n;
    if (c === undefined || c.epoch !== epoch) liveCache.set(p.db, (c = { epoch, live: new Set(), seen }));
    else c.seen = seen;
  }
  const key = `${sessionId} ${userId}`;
  if (c.live.has(key)) return true;
  const live = querySessionLive(w, sessionId, userId);
  if (live) {
    if (c.live.size >= LIVE_SESSION_CACHE_SIZE) c.live.clear();
    c.live.add(key);
  }
  return live;
}

function querySessionLive(conn: Conn, sessionId: string, userId: string): boolean {
  const row = conn.get<{ revoked_at: string | null; status: string }>(
    "SELECT s.revoked_at, u.status FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.user_id = ?",
    sessionId,
    userId,
  );
  return !!row && row.revoked_at === null && row.status === "active";
}
