import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { normalizePhone } from "./phone.ts";
import { generateOtpCode, hashOtpCode } from "./otp.ts";
import { appPerTest, freshIp, KIT_USER_AGENT, testApp } from "../../test/kit/app.ts";
import { MemoryRateLimitStore, setRateLimitStore } from "../http/rate-limit.ts";

describe("phone numbers", () => {
  test("08…, 628…, +628… normalise to E.164", () => {
    for (const raw of ["081234567890", "6281234567890", "+6281234567890", "+62 812-3456-7890", "0812 3456 7890"]) expect(normalizePhone(raw)).toBe("+6281234567890");
    expect(normalizePhone("0812345678")).toBe("+62812345678");
  });
  test("anything else is refused", () => {
    for (const raw of ["", "12345", "+6221234567", "0212345678", "+6512345678", "08123", "0812345678901234", "08abc4567890", "+62812345678901234", "62 21 555 1234"]) {
      expect(normalizePhone(raw)).toBeNull();
    }
  });
});

test("codes are 6 digits and spread over the whole range", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const c = generateOtpCode();
    expect(c).toMatch(/^\d{6}$/);
    seen.add(c[0]);
  }
  expect(seen.size).toBe(10);
});

describe("borrower OTP sign-in", () => {
  const t = appPerTest();

  test("request → SMS → verify creates the borrower with an E.164 phone", async () => {
    const r = await t.post("/api/v1/auth/otp/request", { phone: "081200000001" });
    expect(r.status).toBe(202);
    const { challengeId, expiresAt } = (await r.json()) as any;
    expect(Date.parse(expiresAt) - t.clock.now().getTime()).toBe(5 * 60_000);
    const code = t.lastCode("+6281200000001");
    const stored = t.platform.db.read.get<any>("SELECT code_hash FROM otp_challenges WHERE id = ?", challengeId);
    expect(stored.code_hash).not.toContain(code);
    expect(stored.code_hash).toMatch(/^[0-9a-f]{64}$/);
    const key = join(t.depot, "secrets/otp-hmac.key");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(stored.code_hash).toBe(hashOtpCode(Buffer.from(readFileSync(key, "utf8").trim(), "base64url"), challengeId, code));

    const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code });
    expect(v.status).toBe(200);
    const body: any = await v.json();
    expect(body).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { role: "borrower", phone: "+6281200000001" } });
    expect(body.accessToken.split(".")).toHaveLength(3);
    const me = await t.get("/api/v1/auth/me", { token: body.accessToken });
    expect(me.status).toBe(200);
    expect(((await me.json()) as any).id).toBe(body.user.id);
    // The code works once.
    const again = await t.post("/api/v1/auth/otp/verify", { challengeId, code });
    expect(again.status).toBe(401);
    expect(((await again.json()) as any).type).toEndWith("/otp-expired");
    // Signing in again (after the cooldown) finds the same borrower; the 628… form is the same phone.
    t.clock.advance(61_000);
    const second = await t.signInBorrower("6281200000001");
    expect(second.user.id).toBe(body.user.id);
    expect(t.platform.db.read.get<any>("SELECT count(*) AS n FROM users WHERE phone = '+6281200000001'").n).toBe(1);
    const events = t.platform.db.read.all<any>("SELECT event, ip, user_agent FROM audit_log WHERE user_id = ? ORDER BY id", body.user.id);
    expect(events.map((e) => e.event)).toEqual(["user.created", "login.success", "login.success"]);
    expect(events[1]).toMatchObject({ user_agent: KIT_USER_AGENT });
    expect(events[1].ip).toBe(t.ip);
  });

  test("a phone that is not Indonesian mobile is 422 naming the field", async () => {
    for (const phone of ["+14155550100", "0212345678", "hello"]) {
      const r = await t.post("/api/v1/auth/otp/request", { phone });
      expect(r.status).toBe(422);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      expect(((await r.json()) as any).errors[0].path).toBe("phone");
    }
    const bad = await t.post("/api/v1/auth/otp/verify", { challengeId: "x", code: "12ab56" });
    expect(bad.status).toBe(422);
  });

  test("5 wrong codes kill the challenge; the right code is then refused", async () => {
    const r = await t.post("/api/v1/auth/otp/request", { phone: "+6281200000002" });
    const { challengeId } = (await r.json()) as any;
    const code = t.lastCode("+6281200000002");
    const wrong = code === "000000" ? "111111" : "000000";
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code: wrong });
      expect(v.status).toBe(401);
      const b: any = await v.json();
      expect(b.type).toEndWith("/otp-invalid");
      remaining.push(b.attemptsRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code });
    expect(v.status).toBe(401);
    expect(((await v.json()) as any).type).toEndWith("/otp-expired");
    expect(t.platform.db.read.get<any>("SELECT status FROM otp_challenges WHERE id = ?", challengeId).status).toBe("dead");
  });

  test("a code expires after 5 minutes", async () => {
    const r = await t.post("/api/v1/auth/otp/request", { phone: "+6281200000003" });
    const { challengeId } = (await r.json()) as any;
    t.clock.advance(5 * 60_000 + 1);
    const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code: t.lastCode("+6281200000003") });
    expect(v.status).toBe(401);
    expect(((await v.json()) as any).type).toEndWith("/otp-expired");
  });

  test("60 s resend cooldown per phone, and a new code supersedes the old one", async () => {
    const phone = "+6281200000004";
    const first = (await (await t.post("/api/v1/auth/otp/request", { phone }, { ip: freshIp() })).json()) as any;
    const oldCode = t.lastCode(phone);
    t.clock.advance(30_000);
    const r = await t.post("/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("30");
    expect(((await r.json()) as any).type).toEndWith("/otp-cooldown");
    t.clock.advance(30_000);
    const second = await t.post("/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
    expect(second.status).toBe(202);
    const old = await t.post("/api/v1/auth/otp/verify", { challengeId: first.challengeId, code: oldCode });
    expect(old.status).toBe(401);
  });

  test("at most 3 OTP requests per phone per minute (429 with Retry-After), 10 per IP", async () => {
    const phone = "+6281200000005";
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.post("/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(((await r.json()) as any).type).toEndWith("/rate-limited");
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      t.clock.advance(61_000); // past the resend cooldown; the rate-limit window is wall-clock
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    const ip = freshIp();
    const perIp: number[] = [];
    for (let i = 0; i < 11; i++) perIp.push((await t.post("/api/v1/auth/otp/request", { phone: `+62813000001${String(i).padStart(2, "0")}` }, { ip })).status);
    expect(perIp.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(perIp[10]).toBe(429);
  });

  test("the SMS port is registered for other features and writes JSON lines", async () => {
    const sms = t.platform.ports.get("sms") as any;
    expect(sms.kind).toBe("log");
    await sms.send({ to: "+6281299999999", text: "halo" });
    const last = readFileSync(join(t.depot, "data/sms.jsonl"), "utf8").trim().split("\n").at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ to: "+6281299999999", text: "halo" });
    expect(JSON.parse(last).at).toBe(t.clock.now().toISOString());
  });
});

test("an SMS that cannot be sent is a 503 problem and does not start the cooldown", async () => {
  const failing = { kind: "broken", send: async () => { throw new Error("provider down"); } };
  const t = testApp();
  try {
    // swap a broken adapter in for the log adapter the auth module registered
    t.platform.ports.set("sms", failing);
    const { authServices } = await import("./services.ts");
    authServices(t.platform).sms = failing;
    const r = await t.post("/api/v1/auth/otp/request", { phone: "081200000077" });
    expect(r.status).toBe(503);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(t.platform.db.read.get<any>("SELECT count(*) AS n FROM otp_challenges").n).toBe(0);
  } finally {
    await t.close();
  }
});

describe("OTP lockout per phone, across challenges", () => {
  test("10 wrong codes in an hour lock the phone (423): new codes refused and a right code no longer signs in", async () => {
    await using t = testApp();
    setRateLimitStore(new MemoryRateLimitStore(() => t.clock.now().getTime()));
    const phone = "081277776666";
    const e164 = "+6281277776666";
    let challengeId = "";
    for (let round = 0; round < 2; round++) {
      const ip = freshIp();
      const r = await t.post("/api/v1/auth/otp/request", { phone }, { ip });
      expect(r.status).toBe(202);
      challengeId = ((await r.json()) as any).challengeId;
      const real = t.lastCode(e164);
      for (let k = 0; k < 5; k++) {
        const guess = String((Number(real) + 1 + k) % 1_000_000).padStart(6, "0");
        expect((await t.post("/api/v1/auth/otp/verify", { challengeId, code: guess }, { ip })).status).toBe(401);
      }
      t.clock.set(new Date(t.clock.now().getTime() + 61_000));
    }
    const locked = await t.post("/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
    expect(locked.status).toBe(423);
    expect(locked.headers.get("retry-after")).toBe("3600");
    // an hour later the window has passed: a code is sent and signs in
    t.clock.set(new Date(t.clock.now().getTime() + 3600_000));
    const ok = await t.post("/api/v1/auth/otp/request", { phone }, { ip: freshIp() });
    expect(ok.status).toBe(202);
    const id = ((await ok.json()) as any).challengeId;
    expect((await t.post("/api/v1/auth/otp/verify", { challengeId: id, code: t.lastCode(e164) }, { ip: freshIp() })).status).toBe(200);
  });

  test("at most 10 codes per phone per day (429)", async () => {
    await using t = testApp();
    setRateLimitStore(new MemoryRateLimitStore(() => t.clock.now().getTime()));
    for (let i = 0; i < 10; i++) {
      expect((await t.post("/api/v1/auth/otp/request", { phone: "081255554444" }, { ip: freshIp() })).status).toBe(202);
      t.clock.set(new Date(t.clock.now().getTime() + 61_000));
    }
    const r = await t.post("/api/v1/auth/otp/request", { phone: "081255554444" }, { ip: freshIp() });
    expect(r.status).toBe(429);
    expect(((await r.json()) as any).type).toEndWith("/otp-daily-limit");
  });
});
