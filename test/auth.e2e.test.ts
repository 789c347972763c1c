// Built-in auth against the built binary: OTP sign-in (codes read from depot/data/sms.jsonl), tokens checked by
// an independent verifier (jose createRemoteJWKSet on the binary's JWKS URL), refresh rotation and reuse,
// concurrent refresh, staff lockout, rate limits (memory and Redis), bad tokens, `keys rotate` on a live server.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import Redis from "ioredis";
import { createRemoteJWKSet, decodeProtectedHeader, decodeJwt, jwtVerify, SignJWT, UnsecuredJWT } from "jose";
import { runCli, startBinary, type Running } from "./kit/binary.ts";
import { freshIp } from "./kit/ip.ts";
import { lastOtp } from "./kit/otp.ts";
import { REDIS_URL } from "./kit/queue.ts";

const UA = "auth-e2e/1.0";

function client(srv: Running) {
  const call = (method: string, path: string, body?: unknown, opts: { token?: string; ip?: string } = {}) =>
    fetch(srv.url + path, {
      method,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": UA,
        "X-Forwarded-For": opts.ip ?? "10.77.0.1",
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const lastCode = (phone: string) => lastOtp(srv.depot, phone);
  const signIn = async (phone: string, ip = freshIp()) => {
    const r = await call("POST", "/api/v1/auth/otp/request", { phone }, { ip });
    expect(r.status).toBe(202);
    const { challengeId } = (await r.json()) as any;
    const v = await call("POST", "/api/v1/auth/otp/verify", { challengeId, code: lastCode(phone) }, { ip });
    expect(v.status).toBe(200);
    return (await v.json()) as any;
  };
  const advanceClock = async (ms: number) => expect((await call("POST", "/_/test/clock", { advanceMs: ms })).status).toBe(200);
  return { call, lastCode, signIn, advanceClock };
}

describe("auth on the binary", () => {
  let srv: Running;
  let c: ReturnType<typeof client>;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const verify = (token: string) => jwtVerify(token, jwks, { issuer: "kreditku", audience: "kreditku-api", algorithms: ["EdDSA"] });
  beforeAll(async () => {
    srv = await startBinary({ env: { KREDITKU_TEST_CLOCK: "1", KREDITKU_TRUST_PROXY: "true" } });
    c = client(srv);
    jwks = createRemoteJWKSet(new URL(`${srv.url}/.well-known/jwks.json`));
  });
  afterAll(() => srv?.cleanup());
  // every test starts at wall-clock time: what one test does to the server's clock never reaches the next
  beforeEach(async () => {
    expect((await c.call("POST", "/_/test/clock", { set: new Date().toISOString() })).status).toBe(200);
  });

  test("borrower OTP sign-in; the access token verifies with an independent JWKS client", async () => {
    const s = await c.signIn("0812 3400 0001");
    expect(s.user).toMatchObject({ role: "borrower", phone: "+6281234000001" });
    const { payload, protectedHeader } = await verify(s.accessToken);
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ sub: s.user.id, role: "borrower", iss: "kreditku", aud: "kreditku-api" });
    expect(payload.exp! - payload.iat!).toBe(900);
    const me = await c.call("GET", "/api/v1/auth/me", undefined, { token: s.accessToken });
    expect(me.status).toBe(200);
    expect(((await me.json()) as any).phone).toBe("+6281234000001");
    // secrets are 0600 files in a 0700 folder
    const secrets = join(srv.depot, "secrets");
    expect(statSync(secrets).mode & 0o777).toBe(0o700);
    expect(statSync(join(secrets, "otp-hmac.key")).mode & 0o777).toBe(0o600);
    for (const f of readdirSync(join(secrets, "jwt"))) expect(statSync(join(secrets, "jwt", f)).mode & 0o777).toBe(0o600);
  });

  test("invalid phone 422, resend cooldown and the per-phone rate limit 429 with Retry-After", async () => {
    expect((await c.call("POST", "/api/v1/auth/otp/request", { phone: "+12025550100" }, { ip: freshIp() })).status).toBe(422);
    const phone = "+6281234000002";
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await c.call("POST", "/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
      statuses.push(r.status);
      if (i === 0) {
        const cool = await c.call("POST", "/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
        expect(cool.status).toBe(429);
        expect(((await cool.json()) as any).type).toEndWith("/otp-cooldown");
        expect(Number(cool.headers.get("retry-after"))).toBeGreaterThan(50);
      }
      if (r.status === 429) {
        expect(r.headers.get("content-type")).toContain("application/problem+json");
        expect(((await r.json()) as any).type).toEndWith("/rate-limited");
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      await c.advanceClock(61_000);
    }
    // 1 cooldown hit + 3 successes fill the window of 3; the next is rate limited
    expect(statuses).toEqual([202, 202, 429, 429]);
  });

  test("alg none, a wrong key, a wrong audience and an expired token are 401; public routes ignore them", async () => {
    const s = await c.signIn("081234000003");
    const kid = decodeProtectedHeader(s.accessToken).kid!;
    const keyFile = JSON.parse(readFileSync(join(srv.depot, "secrets/jwt", `${kid}.json`), "utf8"));
    const realKey = createPrivateKey({ key: keyFile.privateJwk, format: "jwk" });
    const { privateKey: otherKey } = generateKeyPairSync("ed25519");
    const { sid } = decodeJwt(s.accessToken) as any;
    const now = Math.floor(Date.now() / 1000);
    const mint = (key: any, aud: string, exp: number) =>
      new SignJWT({ role: "borrower", sid }).setProtectedHeader({ alg: "EdDSA", kid }).setSubject(s.user.id).setIssuer("kreditku").setAudience(aud).setIssuedAt(now - 10).setExpirationTime(exp).sign(key);
    expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: await mint(realKey, "kreditku-api", now + 300) })).status).toBe(200);
    const bad = {
      algNone: new UnsecuredJWT({ role: "admin", sid }).setSubject(s.user.id).setIssuer("kreditku").setAudience("kreditku-api").setIssuedAt(now).setExpirationTime(now + 300).encode(),
      wrongKey: await mint(otherKey, "kreditku-api", now + 300),
      wrongAudience: await mint(realKey, "another-api", now + 300),
      expired: await mint(realKey, "kreditku-api", now - 5),
    };
    for (const [name, token] of Object.entries(bad)) {
      const r = await c.call("GET", "/api/v1/auth/me", undefined, { token });
      expect({ name, status: r.status, type: r.headers.get("content-type") }).toEqual({ name, status: 401, type: "application/problem+json" });
      const pub = await c.call("GET", "/.well-known/jwks.json", undefined, { token });
      expect(pub.status).toBe(200);
    }
  });

  test("refresh rotation, reuse revokes the family, concurrent refresh has exactly one winner, logout", async () => {
    const s = await c.signIn("081234000004");
    const r1 = await c.call("POST", "/api/v1/auth/refresh", { refreshToken: s.refreshToken });
    expect(r1.status).toBe(200);
    const p1: any = await r1.json();
    await verify(p1.accessToken);
    const reuse = await c.call("POST", "/api/v1/auth/refresh", { refreshToken: s.refreshToken });
    expect(reuse.status).toBe(401);
    expect(((await reuse.json()) as any).type).toEndWith("/refresh-token-reused");
    expect((await c.call("POST", "/api/v1/auth/refresh", { refreshToken: p1.refreshToken })).status).toBe(401);
    expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: p1.accessToken })).status).toBe(401);

    const t = await c.signIn("081234000005");
    const racers = await Promise.all(Array.from({ length: 10 }, () => c.call("POST", "/api/v1/auth/refresh", { refreshToken: t.refreshToken })));
    expect(racers.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(401)]);

    const u = await c.signIn("081234000006");
    expect((await c.call("POST", "/api/v1/auth/logout", undefined, { token: u.accessToken })).status).toBe(204);
    expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: u.accessToken })).status).toBe(401);
    expect((await c.call("POST", "/api/v1/auth/refresh", { refreshToken: u.refreshToken })).status).toBe(401);
  });

  test("staff from `kreditku admin create`: login, lockout 423 + Retry-After, 5/min per IP+email", async () => {
    const made = await runCli(["admin", "create", "--email", "ops@kreditku.id", "--password", "correct horse battery", "--role", "finance", "--depot", srv.depot]);
    expect(made.code).toBe(0);
    const ok = await c.call("POST", "/api/v1/auth/login", { email: "OPS@kreditku.id", password: "correct horse battery" }, { ip: freshIp() });
    expect(ok.status).toBe(200);
    const staff: any = await ok.json();
    expect((await verify(staff.accessToken)).payload.role).toBe("finance");

    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await c.call("POST", "/api/v1/auth/login", { email: "ops@kreditku.id", password: "wrong password" }, { ip })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    const sixth = await c.call("POST", "/api/v1/auth/login", { email: "ops@kreditku.id", password: "correct horse battery" }, { ip });
    expect(sixth.status).toBe(429); // the per IP+email limit (5/min) answers first from the same address
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    const locked = await c.call("POST", "/api/v1/auth/login", { email: "ops@kreditku.id", password: "correct horse battery" }, { ip: freshIp() });
    expect(locked.status).toBe(423);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(890);
    await c.advanceClock(15 * 60_000 + 1000);
    expect((await c.call("POST", "/api/v1/auth/login", { email: "ops@kreditku.id", password: "correct horse battery" }, { ip: freshIp() })).status).toBe(200);
    // a token from before the clock jump is now expired (15 minutes)
    expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: staff.accessToken })).status).toBe(401);
  });

  test("hardening on the binary: private depot files, unknown emails lock like known ones, future tokens, the last admin", async () => {
    const s = await c.signIn("081234000009"); // (an OTP writes the SMS log)
    // the database, its WAL and SHM and the SMS log are readable by the service user only
    for (const f of ["data/main.db", "data/main.db-wal", "data/main.db-shm", "data/sms.jsonl"]) expect({ f, mode: (statSync(join(srv.depot, f)).mode & 0o777).toString(8) }).toEqual({ f, mode: "600" });
    for (const d of ["data", "uploads", "backups", "secrets"]) expect({ d, mode: (statSync(join(srv.depot, d)).mode & 0o777).toString(8) }).toEqual({ d, mode: "700" });

    // an email nobody has answers like a known one: 401 ×4, then 423 with Retry-After
    const statuses: (number | string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await c.call("POST", "/api/v1/auth/login", { email: "nobody-here@kreditku.id", password: "wrong password" }, { ip: freshIp() });
      statuses.push(r.status, r.headers.get("retry-after"));
    }
    expect(statuses).toEqual([401, null, 401, null, 401, null, 401, null, 423, "900"]);

    // a correctly signed token issued an hour ahead of the server's clock is refused
    const kid = decodeProtectedHeader(s.accessToken).kid!;
    const key = createPrivateKey({ key: JSON.parse(readFileSync(join(srv.depot, "secrets/jwt", `${kid}.json`), "utf8")).privateJwk, format: "jwk" });
    const iat = decodeJwt(s.accessToken).iat! + 3600;
    const ahead = await new SignJWT({ role: "borrower", sid: (decodeJwt(s.accessToken) as any).sid }).setProtectedHeader({ alg: "EdDSA", kid }).setSubject(s.user.id).setIssuer("kreditku").setAudience("kreditku-api").setIssuedAt(iat).setExpirationTime(iat + 900).sign(key);
    expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: ahead })).status).toBe(401);
    expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: s.accessToken })).status).toBe(200);

    // the only admin cannot demote itself
    expect((await runCli(["admin", "create", "--email", "boss@kreditku.id", "--password", "correct horse battery", "--role", "admin", "--depot", srv.depot])).code).toBe(0);
    const boss: any = await (await c.call("POST", "/api/v1/auth/login", { email: "boss@kreditku.id", password: "correct horse battery" }, { ip: freshIp() })).json();
    const demote = await fetch(`${srv.url}/api/v1/auth/users/${boss.user.id}/role`, { method: "PUT", headers: { Authorization: `Bearer ${boss.accessToken}`, "Content-Type": "application/json" }, body: JSON.stringify({ role: "analyst" }) });
    expect(demote.status).toBe(409);
    expect(demote.headers.get("content-type")).toBe("application/problem+json");
  });

  test("every auth event is in the audit log with IP and user agent", async () => {
    // the events of this test: a new borrower signs in, reuses a rotated refresh token and logs out; a staff member
    // locks their account with wrong passwords
    const s = await c.signIn("081234000010");
    const rotated = await c.call("POST", "/api/v1/auth/refresh", { refreshToken: s.refreshToken });
    expect(rotated.status).toBe(200);
    expect((await c.call("POST", "/api/v1/auth/refresh", { refreshToken: s.refreshToken })).status).toBe(401);
    const again = await c.signIn("081234000011");
    expect((await c.call("POST", "/api/v1/auth/logout", undefined, { token: again.accessToken })).status).toBe(204);
    expect((await runCli(["admin", "create", "--email", "audit@kreditku.id", "--password", "correct horse battery", "--role", "analyst", "--depot", srv.depot])).code).toBe(0);
    const ip = freshIp();
    for (let i = 0; i < 5; i++) await c.call("POST", "/api/v1/auth/login", { email: "audit@kreditku.id", password: "wrong password" }, { ip });
    expect((await c.call("POST", "/api/v1/auth/login", { email: "audit@kreditku.id", password: "correct horse battery" }, { ip: freshIp() })).status).toBe(423);
    expect((await c.call("POST", "/api/v1/auth/login", { email: "audit@kreditku.id", password: "wrong password" }, { ip: freshIp() })).status).toBe(423);
    const db = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    const events = new Set(db.query("SELECT DISTINCT event FROM audit_log").all().map((r: any) => r.event));
    for (const e of ["login.success", "login.failure", "account.lockout", "login.locked", "token.reuse", "logout", "user.created", "otp.requested"]) expect(events.has(e)).toBe(true);
    const row: any = db.query("SELECT ip, user_agent FROM audit_log WHERE event = 'account.lockout' ORDER BY id DESC LIMIT 1").get(); // this test's
    expect(row.ip).toBe(ip);
    expect(row.user_agent).toBe(UA);
    db.close();
  });

  test("`kreditku keys rotate` on the live depot: new key signs, old tokens keep verifying", async () => {
    // (at wall-clock time, like every test here: the CLI dates the new key by the real clock)
    const before = await c.signIn("081234000007");
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const rot = await runCli(["keys", "rotate", "--depot", srv.depot]);
    expect(rot.code).toBe(0);
    const { kid } = JSON.parse(rot.stdout);
    expect(kid).not.toBe(oldKid);
    await Bun.sleep(1100);
    const after = await c.signIn("081234000008");
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(kid);
    const fresh = createRemoteJWKSet(new URL(`${srv.url}/.well-known/jwks.json`));
    for (const tok of [before.accessToken, after.accessToken]) {
      await jwtVerify(tok, fresh, { issuer: "kreditku", audience: "kreditku-api" });
      expect((await c.call("GET", "/api/v1/auth/me", undefined, { token: tok })).status).toBe(200);
    }
    expect((await runCli(["keys", "nope"])).code).toBe(2);
  });

  test("the OpenAPI document lists the auth routes with bearerAuth where needed", async () => {
    const doc: any = await (await fetch(`${srv.url}/api/openapi.json`)).json();
    for (const p of ["/api/v1/auth/otp/request", "/api/v1/auth/otp/verify", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/me", "/.well-known/jwks.json", "/api/v1/auth/passkeys", "/api/v1/auth/passkeys/{id}", "/api/v1/auth/passkeys/login/verify"]) {
      expect(doc.paths[p]).toBeDefined();
    }
    expect(doc.paths["/api/v1/auth/me"].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths["/api/v1/auth/otp/request"].post.security).toBeUndefined();
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe("bearer");
  });
});

describe("Redis-backed rate limits (REDIS_URL set)", () => {
  const prefix = `kreditku-auth-e2e-${process.pid}-${Date.now()}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const servers: Running[] = [];
  afterAll(async () => {
    for (const s of servers) {
      await s.stop();
      s.cleanup();
    }
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await redis.quit();
  });

  test("two binaries share one window through Redis", async () => {
    const env = { REDIS_URL, KREDITKU_QUEUE_PREFIX: prefix, KREDITKU_TRUST_PROXY: "true", KREDITKU_TEST_CLOCK: "1" };
    servers.push(await startBinary({ env }), await startBinary({ env }));
    const [a, b] = servers.map(client);
    const email = "nobody@kreditku.id";
    const ip = "10.78.0.1";
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? b : a).call("POST", "/api/v1/auth/login", { email, password: "x" }, { ip })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const key = `${prefix}:ratelimit:login-ip-email:${ip}|${email}`;
    expect(Number(await redis.get(key))).toBe(6);
    expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});
