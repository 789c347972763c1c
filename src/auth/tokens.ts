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

export type VerifyResult = { ok: true; user: Required<AuthUser>; exp: number } | { ok: false; reason: string };

/** Verify signature (EdDSA only: alg none and others are refused), kid, iss, aud and exp against `now`. */
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
    const role = payload.role;
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof role !== "string" || !ROLES.has(role)) {
      return { ok: false, reason: "malformed claims" };
    }
    return { ok: true, user: { id: payload.sub, role: role as AuthUser["role"], sessionId: payload.sid }, exp: payload.exp! };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { ok: false, reason: code === "ERR_JWT_EXPIRED" ? "token expired" : "invalid token" };
  }
}
