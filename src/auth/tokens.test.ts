import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, decodeProtectedHeader, createLocalJWKSet, jwtVerify, UnsecuredJWT } from "jose";
import { keysDir, rotateSigningKey, SigningKeys } from "./signing-keys.ts";
import { appPerTest } from "../../test/kit/app.ts";
import { freshIp } from "../../test/kit/ip.ts";

describe("access tokens and refresh rotation", () => {
  const t = appPerTest();
  const me = (token: string) => t.get("/api/v1/auth/me", { token });

  test("claims, header and the JWKS; the signing key is a 0600 file", async () => {
    const s = await t.signInBorrower("081211110001");
    const header = decodeProtectedHeader(s.accessToken);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    const jwks: any = await (await t.get("/.well-known/jwks.json")).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", kid: header.kid });
    expect(jwks.keys[0].d).toBeUndefined();
    const { payload } = await jwtVerify(s.accessToken, createLocalJWKSet(jwks), { issuer: "kreditku", audience: "kreditku-api", currentDate: t.clock.now() });
    expect(payload).toMatchObject({ sub: s.user.id, role: "borrower", iss: "kreditku", aud: "kreditku-api" });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(typeof payload.sid).toBe("string");
    const dir = keysDir(t.depot);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.depot, "secrets")).mode & 0o777).toBe(0o700);
  });

  test("alg none, a wrong key, a wrong audience, a wrong issuer, expired, garbage: 401; public routes ignore them", async () => {
    const s = await t.signInBorrower("081211110002");
    const kid = decodeProtectedHeader(s.accessToken).kid!;
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const claims = { role: "borrower", sid: JSON.parse(atob(s.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sid };
    const none = new UnsecuredJWT(claims).setSubject(s.user.id).setIssuer("kreditku").setAudience("kreditku-api").setIssuedAt(now).setExpirationTime(now + 600).encode();
    const { privateKey: other } = generateKeyPairSync("ed25519");
    const sign = (key: any, aud = "kreditku-api", iss = "kreditku", exp = now + 600) =>
      new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid }).setSubject(s.user.id).setIssuer(iss).setAudience(aud).setIssuedAt(now).setExpirationTime(exp).sign(key);
    const keys = new SigningKeys(t.depot, 900).load();
    const realKey = keys.signer().key;
    // sanity: the real key with the right claims works
    expect((await me(await sign(realKey))).status).toBe(200);
    const bad = {
      none,
      wrongKey: await sign(other),
      wrongAud: await sign(realKey, "someone-else"),
      wrongIss: await sign(realKey, "kreditku-api", "evil"),
      expired: await sign(realKey, "kreditku-api", "kreditku", now - 1),
      garbage: "not.a.jwt",
    };
    for (const [name, token] of Object.entries(bad)) {
      const r = await me(token);
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(r.headers.get("www-authenticate")).toContain("Bearer");
      expect((await t.get("/.well-known/jwks.json", { token })).status).toBe(200);
    }
    const noAuth = await t.get("/api/v1/auth/me");
    expect(noAuth.status).toBe(401);
    // a good token ages out after 15 minutes
    t.clock.advance(15 * 60_000 + 1000);
    const expired = await me(s.accessToken);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as any).detail).toContain("expired");
  });

  test("a token issued in the future, not yet valid, or living longer than the access TTL is refused", async () => {
    const s = await t.signInBorrower("081211110009");
    const kid = decodeProtectedHeader(s.accessToken).kid!;
    const sid = JSON.parse(atob(s.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sid;
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const key = new SigningKeys(t.depot, 900).load().signer().key;
    const sign = (c: { iat: number; exp: number; nbf?: number }) => {
      const j = new SignJWT({ role: "borrower", sid }).setProtectedHeader({ alg: "EdDSA", kid }).setSubject(s.user.id).setIssuer("kreditku").setAudience("kreditku-api").setIssuedAt(c.iat).setExpirationTime(c.exp);
      if (c.nbf !== undefined) j.setNotBefore(c.nbf);
      return j.sign(key);
    };
    const status = async (c: { iat: number; exp: number; nbf?: number }) => (await me(await sign(c))).status;
    // within the allowed clock skew (60 s) a token from a server slightly ahead is fine
    expect(await status({ iat: now + 60, exp: now + 60 + 900 })).toBe(200);
    expect(await status({ iat: now - 100, exp: now + 800, nbf: now })).toBe(200);
    // issued too far ahead: refused even though exp is in the future
    expect(await status({ iat: now + 61, exp: now + 61 + 900 })).toBe(401);
    expect(await status({ iat: now + 3600, exp: now + 3600 + 900 })).toBe(401);
    // not valid before a future time
    expect(await status({ iat: now, exp: now + 900, nbf: now + 1 })).toBe(401);
    expect(await status({ iat: now, exp: now + 900, nbf: now + 3600 })).toBe(401);
    // a lifetime longer than any access token this server issues (15 minutes)
    expect(await status({ iat: now - 10, exp: now + 7 * 24 * 3600 })).toBe(401);
    const r = await me(await sign({ iat: now + 3600, exp: now + 3600 + 900 }));
    expect(r.headers.get("content-type")).toContain("application/problem+json");
  });

  test("refresh rotates; reusing a rotated token revokes the whole family", async () => {
    const s = await t.signInBorrower("081211110003");
    const r1 = await t.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
    expect(r1.status).toBe(200);
    const p1: any = await r1.json();
    expect(p1.refreshToken).not.toBe(s.refreshToken);
    expect(p1.user.id).toBe(s.user.id);
    const r2 = await t.post("/api/v1/auth/refresh", { refreshToken: p1.refreshToken });
    expect(r2.status).toBe(200);
    const p2: any = await r2.json();
    // replay the first (already rotated) token
    const reuse = await t.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
    expect(reuse.status).toBe(401);
    expect(((await reuse.json()) as any).type).toEndWith("/refresh-token-reused");
    // the family is gone: the newest refresh token and the session's access tokens too
    expect((await t.post("/api/v1/auth/refresh", { refreshToken: p2.refreshToken })).status).toBe(401);
    expect((await me(p2.accessToken)).status).toBe(401);
    const ev = t.db.read.get<any>("SELECT * FROM audit_log WHERE event = 'token.reuse' AND user_id = ?", s.user.id);
    expect(ev).toBeDefined();
    expect(JSON.parse(ev.details).familyRevoked).toBe(true);
    expect((await t.post("/api/v1/auth/refresh", { refreshToken: "never-issued" })).status).toBe(401);
    // stored hashed
    expect(t.db.read.get("SELECT 1 FROM refresh_tokens WHERE token_hash = ?", p2.refreshToken)).toBeUndefined();
  });

  test("concurrent refresh of one token: exactly one wins", async () => {
    const s = await t.signInBorrower("081211110004");
    const results = await Promise.all(Array.from({ length: 8 }, () => t.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(7);
    expect(t.db.read.get<any>("SELECT count(*) AS n FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE s.user_id = ?", s.user.id).n).toBe(2);
  });

  test("refresh tokens expire after 7 days", async () => {
    const s = await t.signInBorrower("081211110005");
    t.clock.advance(7 * 24 * 3600_000 + 1000);
    const r = await t.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken });
    expect(r.status).toBe(401);
    expect(((await r.json()) as any).detail).toContain("expired");
  });

  test("logout ends the session", async () => {
    const s = await t.signInBorrower("081211110006");
    expect((await t.post("/api/v1/auth/logout", undefined, { token: s.accessToken })).status).toBe(204);
    expect((await me(s.accessToken)).status).toBe(401);
    expect((await t.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })).status).toBe(401);
    expect((await t.post("/api/v1/auth/logout")).status).toBe(401);
  });

  test("key rotation: the new key signs, the old one verifies until its tokens expire", async () => {
    const before = await t.signInBorrower("081211110007");
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    // keys are ordered by creation time (kid breaks ties): the new key is made a second later, as any rotation is
    t.clock.advance(1000);
    const { kid } = rotateSigningKey(t.depot, 900, t.clock.now());
    // the folder change is noticed within a second (checked at most once a second); allow a loaded machine a few
    let after = await t.signInBorrower("081211110008");
    for (let i = 0; i < 20 && decodeProtectedHeader(after.accessToken).kid !== kid; i++) {
      await Bun.sleep(250);
      after = await t.signInBorrower(`08121111008${i % 10}`, freshIp());
    }
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(kid);
    expect((await me(before.accessToken)).status).toBe(200);
    const jwks: any = await (await t.get("/.well-known/jwks.json")).json();
    expect(jwks.keys.map((k: any) => k.kid).sort()).toEqual([oldKid, kid].sort());
    // once every token of the old key has expired, it leaves the JWKS and is pruned on the next rotation
    t.clock.advance(900_000 + 61_000);
    const later: any = await (await t.get("/.well-known/jwks.json")).json();
    expect(later.keys.map((k: any) => k.kid)).toEqual([kid]);
    const { pruned } = rotateSigningKey(t.depot, 900, t.clock.now());
    expect(pruned).toContain(oldKid!);
    expect(existsSync(join(keysDir(t.depot), `${oldKid}.json`))).toBe(false);
  });
});

describe("housekeeping", () => {
  const t = appPerTest();
  test("purge drops expired challenges and tokens but keeps live ones (and rotated ones until they expire)", async () => {
    const { purgeAuthState } = await import("./purge.ts");
    const s = await t.signInBorrower("081233330001");
    const r: any = await (await t.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })).json();
    const count = (table: string) => t.db.read.get<any>(`SELECT count(*) AS n FROM ${table}`).n;
    expect(purgeAuthState(t.db, t.clock.now())).toMatchObject({ refreshTokens: 0, sessions: 0 });
    expect(count("refresh_tokens")).toBe(2);
    t.clock.advance(2 * 24 * 3600_000);
    expect(purgeAuthState(t.db, t.clock.now()).otpChallenges).toBe(1);
    expect((await t.post("/api/v1/auth/refresh", { refreshToken: r.refreshToken })).status).toBe(200);
    t.clock.advance(8 * 24 * 3600_000);
    expect(purgeAuthState(t.db, t.clock.now()).refreshTokens).toBe(3);
    t.clock.advance(31 * 24 * 3600_000);
    expect(purgeAuthState(t.db, t.clock.now()).sessions).toBe(1);
    expect(count("audit_log")).toBeGreaterThan(0);
  });
});
