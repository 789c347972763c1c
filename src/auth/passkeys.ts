// Passkeys (WebAuthn, @simplewebauthn/server): register for a signed-in user, sign in without a password
// (discoverable credentials), list and delete one's own. Challenges are single use and live 5 minutes.
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { AuthUser, Platform } from "../http/types.ts";
import { audit } from "./audit.ts";
import { startSession, USER_COLUMNS, type Meta, type UserRow } from "./sessions.ts";

export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60_000;

// @simplewebauthn/server (with @peculiar/x509 and its ASN.1 schemas: the largest part of serve's start-up when it was
// imported eagerly) is imported on the first passkey ceremony. reflect-metadata is required first: in the compiled
// binary a lazily imported module evaluates its CommonJS imports after its ESM ones, so the library's own
// `import "reflect-metadata"` would run after tsyringe (under @peculiar/x509), which refuses to load without it.
let webauthnModule: Promise<typeof import("@simplewebauthn/server")> | undefined;
const webauthn = () => (webauthnModule ??= (require("reflect-metadata"), import("@simplewebauthn/server")));

export interface PasskeyInfo {
  id: string;
  deviceName: string;
  transports: string[];
  deviceType: string | null;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: Uint8Array;
  counter: number;
  transports: string;
  device_name: string;
  device_type: string | null;
  backed_up: number;
  created_at: string;
  last_used_at: string | null;
}

export class PasskeyError extends Error {}

function toInfo(r: PasskeyRow): PasskeyInfo {
  return {
    id: r.id,
    deviceName: r.device_name,
    transports: JSON.parse(r.transports),
    deviceType: r.device_type,
    backedUp: r.backed_up === 1,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  };
}

function storeChallenge(p: Platform, kind: "register" | "login", userId: string | null, challenge: string) {
  const now = p.clock.now();
  const id = Bun.randomUUIDv7();
  p.db.tx((w) => {
    w.run("DELETE FROM webauthn_challenges WHERE expires_at <= ?", now.toISOString());
    w.run(
      "INSERT INTO webauthn_challenges (id, kind, user_id, challenge, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      kind,
      userId,
      challenge,
      now.toISOString(),
      new Date(now.getTime() + WEBAUTHN_CHALLENGE_TTL_MS).toISOString(),
    );
  });
  return id;
}

/** Take (and delete) a pending challenge: single use even when verification fails. */
function takeChallenge(p: Platform, id: string, kind: "register" | "login", userId: string | null): string {
  const row = p.db.tx((w) =>
    w.get<{ challenge: string; user_id: string | null; expires_at: string }>("DELETE FROM webauthn_challenges WHERE id = ? AND kind = ? RETURNING challenge, user_id, expires_at", id, kind),
  );
  if (!row || row.expires_at <= p.clock.now().toISOString() || row.user_id !== userId) throw new PasskeyError("unknown or expired challenge");
  return row.challenge;
}

export function listPasskeys(p: Platform, userId: string): PasskeyInfo[] {
  return p.db.read.all<PasskeyRow>("SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at", userId).map(toInfo);
}

export async function registrationOptions(p: Platform, user: AuthUser): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const row = p.db.read.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, user.id);
  if (!row) throw new PasskeyError("unknown user");
  const existing = p.db.read.all<{ id: string; transports: string }>("SELECT id, transports FROM passkeys WHERE user_id = ?", user.id);
  const name = row.email ?? row.phone ?? row.id;
  const options = await (await webauthn()).generateRegistrationOptions({
    rpName: p.config.auth.rpName,
    rpID: p.config.auth.rpId,
    userName: name,
    userDisplayName: row.display_name ?? name,
    userID: new TextEncoder().encode(row.id),
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: JSON.parse(c.transports) })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    timeout: WEBAUTHN_CHALLENGE_TTL_MS,
  });
  return { challengeId: storeChallenge(p, "register", user.id, options.challenge), options };
}

export async function verifyRegistration(p: Platform, user: AuthUser, challengeId: string, response: RegistrationResponseJSON, deviceName: string, meta: Meta): Promise<PasskeyInfo> {
  const expectedChallenge = takeChallenge(p, challengeId, "register", user.id);
  let result;
  try {
    result = await (await webauthn()).verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: p.config.auth.origins,
      expectedRPID: p.config.auth.rpId,
      requireUserVerification: true,
    });
  } catch (e) {
    throw new PasskeyError((e as Error).message);
  }
  if (!result.verified) throw new PasskeyError("registration could not be verified");
  const info = result.registrationInfo;
  const cred = info.credential;
  const now = p.clock.now().toISOString();
  return p.db.tx((w) => {
    if (w.get("SELECT 1 FROM passkeys WHERE id = ?", cred.id)) throw new PasskeyError("this passkey is already registered");
    w.run(
      "INSERT INTO passkeys (id, user_id, public_key, counter, transports, device_name, device_type, backed_up, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      cred.id,
      user.id,
      cred.publicKey,
      cred.counter,
      JSON.stringify(cred.transports ?? response.response.transports ?? []),
      deviceName,
      info.credentialDeviceType,
      info.credentialBackedUp ? 1 : 0,
      now,
    );
    audit(w, { event: "passkey.registered", userId: user.id, ...meta, at: now, details: { credentialId: cred.id, deviceName } });
    return toInfo(w.get<PasskeyRow>("SELECT * FROM passkeys WHERE id = ?", cred.id)!);
  });
}

export async function loginOptions(p: Platform): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  const options = await (await webauthn()).generateAuthenticationOptions({ rpID: p.config.auth.rpId, userVerification: "required", timeout: WEBAUTHN_CHALLENGE_TTL_MS });
  return { challengeId: storeChallenge(p, "login", null, options.challenge), options };
}

export type PasskeyLoginOutcome = { ok: true; user: UserRow; sessionId: string; refreshToken: string } | { ok: false; reason: string };

export async function verifyLogin(p: Platform, challengeId: string, response: AuthenticationResponseJSON, meta: Meta): Promise<PasskeyLoginOutcome> {
  const fail = (reason: string, userId?: string): PasskeyLoginOutcome => {
    p.db.tx((w) => audit(w, { event: "login.failure", userId, ...meta, at: p.clock.now(), details: { method: "passkey", reason, credentialId: response.id } }));
    return { ok: false, reason };
  };
  let expectedChallenge: string;
  try {
    expectedChallenge = takeChallenge(p, challengeId, "login", null);
  } catch (e) {
    return fail((e as Error).message);
  }
  const pk = p.db.read.get<PasskeyRow>("SELECT * FROM passkeys WHERE id = ?", response.id);
  if (!pk) return fail("unknown passkey");
  if (response.response.userHandle) {
    const handle = Buffer.from(response.response.userHandle, "base64url").toString("utf8");
    if (handle !== pk.user_id) return fail("user handle does not match the passkey", pk.user_id);
  }
  let result;
  try {
    result = await (await webauthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: p.config.auth.origins,
      expectedRPID: p.config.auth.rpId,
      credential: { id: pk.id, publicKey: new Uint8Array(pk.public_key), counter: pk.counter, transports: JSON.parse(pk.transports) as AuthenticatorTransport[] },
      requireUserVerification: true,
    });
  } catch (e) {
    return fail((e as Error).message, pk.user_id);
  }
  if (!result.verified) return fail("assertion could not be verified", pk.user_id);
  const now = p.clock.now();
  const out = p.db.tx((w): PasskeyLoginOutcome => {
    const user = w.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, pk.user_id);
    if (!user || user.status !== "active") return { ok: false, reason: "user disabled" };
    w.run("UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ?", result.authenticationInfo.newCounter, now.toISOString(), pk.id);
    const s = startSession(w, p, user.id, "passkey", meta);
    audit(w, { event: "login.success", userId: user.id, ...meta, at: now, details: { method: "passkey", credentialId: pk.id, sessionId: s.sessionId } });
    return { ok: true, user, ...s };
  });
  return out.ok ? out : fail(out.reason, pk.user_id);
}

/** Delete one of the user's own passkeys; false when it does not exist or belongs to someone else. */
export function deletePasskey(p: Platform, userId: string, id: string, meta: Meta): boolean {
  return p.db.tx((w) => {
    const gone = w.run("DELETE FROM passkeys WHERE id = ? AND user_id = ?", id, userId).changes > 0;
    if (gone) audit(w, { event: "passkey.deleted", userId, ...meta, at: p.clock.now(), details: { credentialId: id } });
    return gone;
  });
}
