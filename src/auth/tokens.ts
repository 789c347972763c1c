// Access tokens: JWT signed with EdDSA (Ed25519), claims sub, role, sid, iat, exp, iss, aud; kid in the header.
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import type { AuthUser } from "../http/types.ts";
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

/**
 * Verify signature (EdDSA only: alg none and others are refused), kid, iss, aud and exp against `now`; refuse a token
 * not valid yet (`nbf` after `now`), issued more than MAX_CLOCK_SKEW_SECONDS ahead of `now`, or whose lifetime
 * (exp - iat) is longer than the access-token TTL this server issues: together these bound any accepted token to
 * at most TTL + skew from now, whatever its claims say.
 */
export async function verifyAccessToken(keys: SigningKeys, s: TokenSettings, token: string, now: Date): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = keys.verifier(header.kid);
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      },
      { algorithms: ["EdDSA"], issuer: s.issuer, audience: s.audience, currentDate: now, requiredClaims: ["sub", "exp", "iat", "sid"] },
    );
    const iat = payload.iat!;
    const nowSec = Math.floor(now.getTime() / 1000);
    if (iat > nowSec + MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: "token issued in the future" };
    if (payload.exp! - iat > s.accessTtlSeconds) return { ok: false, reason: "token lifetime too long" };
    const role = payload.role;
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof role !== "string" || !ROLES.has(role)) {
      return { ok: false, reason: "malformed claims" };
    }
    return { ok: true, user: { id: payload.sub, role: role as AuthUser["role"], sessionId: payload.sid }, exp: payload.exp! };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") return { ok: false, reason: "token expired" };
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && (e as { claim?: string }).claim === "nbf") return { ok: false, reason: "token not valid yet" };
    return { ok: false, reason: "invalid token" };
  }
}
