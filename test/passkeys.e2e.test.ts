// Passkeys end to end: a real Chromium (headless) with the DevTools virtual authenticator (CTAP2, internal,
// resident keys, user verification) runs navigator.credentials.create/get on a page of the binary's origin
// (http://localhost:<port>, rpId "localhost"). No hand-made attestation: the browser and the authenticator
// produce it, the binary verifies it with @simplewebauthn/server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { startBinary, type Running } from "./kit/binary.ts";
import { lastOtp } from "./kit/otp.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

describe("passkeys in Chromium with a virtual authenticator", () => {
  let srv: Running;
  let origin: string;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  let borrower: any;

  const api = (method: string, path: string, body?: unknown, token?: string) =>
    fetch(srv.url + path, {
      method,
      headers: { "Content-Type": "application/json", "User-Agent": "passkey-e2e", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function signIn(phone: string) {
    const { challengeId } = (await (await api("POST", "/api/v1/auth/otp/request", { phone })).json()) as any;
    const code = lastOtp(srv.depot, phone);
    const r = await api("POST", "/api/v1/auth/otp/verify", { challengeId, code });
    expect(r.status).toBe(200);
    return (await r.json()) as any;
  }

  /** navigator.credentials.create in the page, from the server's options JSON; returns credential.toJSON(). */
  const browserCreate = (options: unknown) =>
    page.evaluate(async (opts: any) => {
      try {
        const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(opts);
        const cred = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
        return { ok: true as const, json: (cred as any).toJSON() };
      } catch (e) {
        return { ok: false as const, error: `${(e as Error).name}: ${(e as Error).message}` };
      }
    }, options);

  const browserGet = (options: unknown) =>
    page.evaluate(async (opts: any) => {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(opts);
      const cred = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
      return (cred as any).toJSON();
    }, options);

  beforeAll(async () => {
    const port = freePort();
    origin = `http://localhost:${port}`;
    srv = await startBinary({ args: ["--port", String(port)], env: { KREDITKU_RP_ID: "localhost", KREDITKU_RP_ORIGINS: origin, KREDITKU_RP_NAME: "KreditKu E2E" } });
    profile = mkdtempSync(join(tmpdir(), "kreditku-chromium-"));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(`${origin}/healthz`);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    borrower = await signIn("+6281277000001");
  }, 30_000);

  afterAll(async () => {
    await ctx?.close().catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
    srv?.cleanup();
  });

  let credentialId: string;

  test("register a passkey for the signed-in borrower", async () => {
    expect((await api("POST", "/api/v1/auth/passkeys/register/options")).status).toBe(401);
    const o = await api("POST", "/api/v1/auth/passkeys/register/options", undefined, borrower.accessToken);
    expect(o.status).toBe(200);
    const { challengeId, options } = (await o.json()) as any;
    expect(options.rp).toEqual({ name: "KreditKu E2E", id: "localhost" });
    const created = await browserCreate(options);
    expect(created.ok).toBe(true);
    const v = await api("POST", "/api/v1/auth/passkeys/register/verify", { challengeId, response: created.json, deviceName: "Chromium virtual" }, borrower.accessToken);
    expect(v.status).toBe(201);
    const pk: any = await v.json();
    expect(pk).toMatchObject({ id: created.json.id, deviceName: "Chromium virtual" });
    expect(pk.transports).toContain("internal");
    credentialId = pk.id;
    // the challenge was single use
    const again = await api("POST", "/api/v1/auth/passkeys/register/verify", { challengeId, response: created.json }, borrower.accessToken);
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).type).toEndWith("/passkey-invalid");
    // the authenticator refuses a second registration of the same account (excludeCredentials)
    const o2: any = await (await api("POST", "/api/v1/auth/passkeys/register/options", undefined, borrower.accessToken)).json();
    expect(o2.options.excludeCredentials.map((c: any) => c.id)).toEqual([credentialId]);
    const dup = await browserCreate(o2.options);
    expect(dup.ok).toBe(false);
    const list: any = await (await api("GET", "/api/v1/auth/passkeys", undefined, borrower.accessToken)).json();
    expect(list.items.map((p: any) => p.id)).toEqual([credentialId]);
  }, 30_000);

  test("sign in with the passkey, no password; the token verifies against the JWKS", async () => {
    for (let round = 0; round < 2; round++) {
      const o = await api("POST", "/api/v1/auth/passkeys/login/options");
      expect(o.status).toBe(200);
      const { challengeId, options } = (await o.json()) as any;
      expect(options.rpId).toBe("localhost");
      const assertion = await browserGet(options);
      expect(assertion.id).toBe(credentialId);
      const v = await api("POST", "/api/v1/auth/passkeys/login/verify", { challengeId, response: assertion });
      expect(v.status).toBe(200);
      const s: any = await v.json();
      expect(s.user.id).toBe(borrower.user.id);
      const { payload } = await jwtVerify(s.accessToken, createRemoteJWKSet(new URL(`${srv.url}/.well-known/jwks.json`)), { issuer: "kreditku", audience: "kreditku-api" });
      expect(payload.sub).toBe(borrower.user.id);
      expect((await api("GET", "/api/v1/auth/me", undefined, s.accessToken)).status).toBe(200);
      // replaying the same assertion fails: its challenge is gone
      const replay = await api("POST", "/api/v1/auth/passkeys/login/verify", { challengeId, response: assertion });
      expect(replay.status).toBe(401);
      // and an assertion for one challenge does not fit another
      const other: any = await (await api("POST", "/api/v1/auth/passkeys/login/options")).json();
      expect((await api("POST", "/api/v1/auth/passkeys/login/verify", { challengeId: other.challengeId, response: assertion })).status).toBe(401);
    }
    const db = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    const row: any = db.query("SELECT counter, last_used_at, length(public_key) AS n FROM passkeys WHERE id = ?").get(credentialId);
    expect(row.n).toBeGreaterThan(30);
    expect(row.last_used_at).toBeTruthy();
    db.close();
  }, 30_000);

  test("only the owner can delete a passkey; a deleted passkey no longer signs in", async () => {
    const other = await signIn("+6281277000002");
    const foreign = await api("DELETE", `/api/v1/auth/passkeys/${credentialId}`, undefined, other.accessToken);
    expect(foreign.status).toBe(404);
    expect(((await (await api("GET", "/api/v1/auth/passkeys", undefined, other.accessToken)).json()) as any).items).toEqual([]);
    const { challengeId, options } = (await (await api("POST", "/api/v1/auth/passkeys/login/options")).json()) as any;
    const assertion = await browserGet(options);
    expect((await api("DELETE", `/api/v1/auth/passkeys/${credentialId}`, undefined, borrower.accessToken)).status).toBe(204);
    const v = await api("POST", "/api/v1/auth/passkeys/login/verify", { challengeId, response: assertion });
    expect(v.status).toBe(401);
    const db = new Database(join(srv.depot, "data/main.db"), { readonly: true });
    const events = db.query("SELECT event, user_agent FROM audit_log WHERE user_id = ? AND event LIKE 'passkey.%' ORDER BY id").all(borrower.user.id) as any[];
    expect(events.map((e) => e.event)).toEqual(["passkey.registered", "passkey.deleted"]);
    expect(events[0].user_agent).toBe("passkey-e2e");
    expect((db.query("SELECT count(*) AS n FROM audit_log WHERE event = 'login.success' AND details LIKE '%passkey%'").get() as any).n).toBe(2);
    db.close();
  }, 30_000);
});
