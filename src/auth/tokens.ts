// Access tokens: JWT signed with EdDSA (Ed25519), claims sub, role, sid, iat, exp, iss, aud; kid in the header.
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import type { AuthUser } from "../http/types.ts";
import type { KeyObject } from "node:crypto";
import type { SigningKeys } from "./signing-keys.ts";

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
}

export async function signAccessToken(keys: SigningKeys, s: TokenSettings, user: Required<AuthUser>, now: Date): Promise<string> {
  const { kid, key } = keys.signer();
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ role: user.role, sid: user.sessionId })
    .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
    .setSubject(user.id)
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + s.accessTtlSeconds)
    .sign(key);
}

const ROLES = new Set(["borrower", "analyst", "finance", "admin"]);

/** How far ahead of this server's clock a token's `iat` may be (another instance's clock running slightly fast). */
export const MAX_CLOCK_SKEW_SECONDS = 60;

export type VerifyResult = { ok: true; user: Required<AuthUser>; exp: number } | { ok: false; reason: string };

/** How many verified tokens each key set remembers (the least recently used half is dropped first, oldest first). */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

interface Verified {
  settings: TokenSettings;
  kid: string;
  key: KeyObject;
  iat: number;
  exp: number;
  nbf: number | undefined;
  user: Required<AuthUser>;
  /** Recency stamp (tokenUses when last put at the young end of the map). */
  used: number;
}

/**
 * A counter of cache hits and inserts: an entry is moved to the young end of its map (delete + set, two more hash
 * lookups of a ~400-character key) only once it has aged past half the cache, so a hot token is not moved on every
 * request yet is never the least recently used one evicted.
 */
let tokenUses = 0;

/**
 * Signatures already verified, per key set, keyed by the exact token string. Only the signature and the claims'
 * shape are remembered: every hit re-checks the time claims against `now` and that its key is still a verifier
 * (a retired or pruned key stops its tokens at once); the session-alive check (sessions.ts) runs on every request.
 */
const verifiedCache = new WeakMap<SigningKeys, Map<string, Verified>>();

/** How many verified tokens the cache holds for this key set. */
export function cachedTokenCount(keys: SigningKeys): number {
  return verifiedCache.get(keys)?.size ?? 0;
}

function cacheOf(keys: SigningKeys) {
  let m = verifiedCache.get(keys);
  if (!m) verifiedCache.set(keys, (m = new Map()));
  return m;
}

/** The time checks every acceptance makes, on a fresh verification and on a cache hit alike. */
function timeCheck(s: TokenSettings, v: { iat: number; exp: number; nbf: number | undefined }, now: Date): VerifyResult | null {
  const nowSec = Math.floor(now.getTime() / 1000);
  if (v.exp <= nowSec) return { ok: false, reason: "token expired" };
  if (v.nbf !== undefined && v.nbf > nowSec) return { ok: false, reason: "token not valid yet" };
  if (v.iat > nowSec + MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: "token issued in the future" };
  if (v.exp - v.iat > s.accessTtlSeconds) return { ok: false, reason: "token lifetime too long" };
  return null;
}

/**
 * Verify signature (EdDSA only: alg none and others are refused), kid, iss, aud and exp against `now`; refuse a token
 * not valid yet (`nbf` after `now`), issued more than MAX_CLOCK_SKEW_SECONDS ahead of `now`, or whose lifetime
 * (exp - iat) is longer than the access-token TTL this server issues: together these bound any accepted token to
 * at most TTL + skew from now, whatever its claims say. A token verified before is answered from the cache above.
 */
export function verifyAccessToken(keys: SigningKeys, s: TokenSettings, token: string, now: Date): Promise<VerifyResult> {
  return Promise.resolve(verifyCachedAccessToken(keys, s, token, now) ?? verifyAndRemember(keys, s, token, now));
}

/**
 * The answer from the verified-token cache without a promise (the request path's usual case), or undefined when the
 * token was not verified before (or no longer counts as verified): then verifyAccessToken verifies it.
 */
export function verifyCachedAccessToken(keys: SigningKeys, s: TokenSettings, token: string, now: Date): VerifyResult | undefined {
  const cache = cacheOf(keys);
  const hit = cache.get(token);
  if (hit === undefined) return undefined;
  if (hit.settings !== s || keys.verifier(hit.kid) !== hit.key) {
    cache.delete(token);
    return undefined;
  }
  const refused = timeCheck(s, hit, now);
  if (refused) {
    cache.delete(token);
    return refused;
  }
  if (++tokenUses - hit.used > VERIFIED_TOKEN_CACHE_SIZE / 2) {
    hit.used = tokenUses;
    cache.delete(token);
    cache.set(token, hit);
  }
  return { ok: true, user: { ...hit.user }, exp: hit.exp };
}

/** Verify a token not in the cache (signature and claims) and remember it when it is good. */
export async function verifyAndRemember(keys: SigningKeys, s: TokenSettings, token: string, now: Date): Promise<VerifyResult> {
  const r = await verifyUncached(keys, s, token, now);
  if (r.ok) {
    const cache = cacheOf(keys);
    if (cache.size >= VERIFIED_TOKEN_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    r.entry.used = ++tokenUses;
    cache.set(token, r.entry);
    return { ok: true, user: { ...r.entry.user }, exp: r.entry.exp };
  }
  return r;
}

async function verifyUncached(keys: SigningKeys, s: TokenSettings, token: string, now: Date): Promise<{ ok: true; entry: Verified } | { ok: false; reason: string }> {
  let kid = "";
  let key: KeyObject | null = null;
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        key = keys.verifier(header.kid);
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        kid = header.kid!;
        return key;
      },
      { algorithms: ["EdDSA"], issuer: s.issuer, audience: s.audience, currentDate: now, requiredClaims: ["sub", "exp", "iat", "sid"] },
    );
    const refused = timeCheck(s, { iat: payload.iat!, exp: payload.exp!, nbf: payload.nbf }, now);
    if (refused) return refused as { ok: false; reason: string };
    const role = payload.role;
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof role !== "string" || !ROLES.has(role)) {
      return { ok: false, reason: "malformed claims" };
    }
    const user = { id: payload.sub, role: role as AuthUser["role"], sessionId: payload.sid };
    return { ok: true, entry: { settings: s, kid, key: key!, iat: payload.iat!, exp: payload.exp!, nbf: payload.nbf, user, used: 0 } };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") return { ok: false, reason: "token expired" };
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && (e as { claim?: string }).claim === "nbf") return { ok: false, reason: "token not valid yet" };
    return { ok: false, reason: "invalid token" };
  }
}
