// One-time codes through real provider protocols, against local fakes (test/kit/fakes/sms.ts: Twilio's Messages
// API; test/kit/fakes/whatsapp.ts: the WhatsApp Cloud API): request a code → the fake receives it → verify signs in;
// delivery status by Twilio's signed callback with the price in the cost counter; retries on 5xx/429 with backoff,
// timeouts, refusals surfacing as 503 without a retry; WhatsApp as the borrower's choice; the log adapter refused in
// production and never writing there.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testApp, type TestApp } from "../../../test/kit/app.ts";
import { otpFromText } from "../../../test/kit/otp.ts";
import { FakeTwilio } from "../../../test/kit/fakes/sms.ts";
import { FakeWhatsApp } from "../../../test/kit/fakes/whatsapp.ts";
import { depotPaths, loadConfig } from "../../config.ts";
import { productionProblems } from "../../production.ts";
import { systemClock } from "../../clock.ts";
import { LogSmsAdapter } from "../sms.ts";

const PUBLIC = "https://kreditku.example";
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function twilioApp(o: { retries?: number; timeoutMs?: number; token?: string; whatsapp?: FakeWhatsApp } = {}) {
  let t: TestApp;
  const fake = new FakeTwilio((url, init) => t.request(new URL(url).pathname + new URL(url).search, init)).start();
  open.push({ close: () => fake.stop() });
  const sms: Record<string, unknown> = { adapter: "twilio", retries: o.retries ?? 2, timeoutMs: o.timeoutMs ?? 3000, twilio: { accountSid: fake.accountSid, from: fake.from, baseUrl: fake.url } };
  const env: Record<string, string> = { KREDITKU_TWILIO_AUTH_TOKEN: o.token ?? fake.authToken };
  if (o.whatsapp) {
    sms.whatsapp = { phoneNumberId: o.whatsapp.phoneNumberId, baseUrl: o.whatsapp.url };
    env.KREDITKU_WHATSAPP_TOKEN = o.whatsapp.token;
  }
  t = testApp({ config: { sms, publicUrl: PUBLIC }, env });
  open.push(t);
  return { t, fake };
}

const PHONE = "081234567890";
const E164 = "+6281234567890";
const rows = (t: TestApp) => t.db.read.all<{ provider: string; channel: string; provider_id: string | null; phone: string; status: string; error_code: string | null; price: string | null; attempts: number }>("SELECT * FROM sms_messages ORDER BY created_at");
const metrics = async (t: TestApp) => t.platform.metrics.registry.metrics();

describe("Twilio SMS", () => {
  test("the code reaches the fake provider and signs the borrower in; nothing is written to sms.jsonl", async () => {
    const { t, fake } = twilioApp();
    const r = await t.post("/api/v1/auth/otp/request", { phone: PHONE });
    expect(r.status).toBe(202);
    const { challengeId } = (await r.json()) as any;
    expect(fake.messages).toHaveLength(1);
    const m = fake.messages[0];
    expect(m).toMatchObject({ to: E164, from: fake.from, statusCallback: `${PUBLIC}/api/v1/auth/sms/status/twilio` });
    const code = otpFromText(m.body)!;
    expect(code).toMatch(/^\d{6}$/);
    const v = await t.post("/api/v1/auth/otp/verify", { challengeId, code });
    expect(v.status).toBe(200);
    expect(existsSync(depotPaths(t.depot).smsLog)).toBe(false);
    expect(rows(t)).toEqual([expect.objectContaining({ provider: "twilio", channel: "sms", provider_id: m.sid, phone: "+62812****7890", status: "queued", attempts: 1 })]);
  });

  test("delivery status by the signed callback: stored, counted, the price fetched into the cost counter; a forged callback is refused", async () => {
    const { t, fake } = twilioApp();
    expect((await t.post("/api/v1/auth/otp/request", { phone: PHONE })).status).toBe(202);
    const sid = fake.messages[0].sid;
    const forged = await t.request("/api/v1/auth/sms/status/twilio", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "AAAA" }, body: `MessageSid=${sid}&MessageStatus=failed&AccountSid=${fake.accountSid}` });
    expect(forged.status).toBe(401);
    const res = await fake.deliver(sid);
    expect(res?.status).toBe(204);
    expect(rows(t)[0]).toMatchObject({ status: "delivered", price: "-0.03950" });
    expect(fake.requests.filter((q) => q.method === "GET")).toHaveLength(1);
    const text = await metrics(t);
    expect(text).toContain('kreditku_sms_messages_total{provider="twilio",channel="sms",status="queued"} 1');
    expect(text).toContain('kreditku_sms_messages_total{provider="twilio",channel="sms",status="delivered"} 1');
    expect(text).toContain('kreditku_sms_cost_total{provider="twilio",currency="USD"} 0.0395');
  });

  test("5xx and 429 are retried with backoff until one is accepted", async () => {
    const { t, fake } = twilioApp({ retries: 2 });
    fake.failNext(1, 503);
    fake.failNext(1, 429);
    const started = Date.now();
    expect((await t.post("/api/v1/auth/otp/request", { phone: PHONE })).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550); // 200 ms + 400 ms of backoff (the 429 named no Retry-After)
    expect(fake.requests.map((q) => q.status)).toEqual([503, 429, 201]);
    expect(rows(t)[0]).toMatchObject({ status: "queued", attempts: 3 });
  });

  test("still failing after the retries, or no answer in time: 503 sms-unavailable, recorded failed, and the borrower may ask again at once", async () => {
    const { t, fake } = twilioApp({ retries: 1, timeoutMs: 300 });
    fake.failNext(2, 500);
    const r = await t.post("/api/v1/auth/otp/request", { phone: PHONE });
    expect(r.status).toBe(503);
    expect(((await r.json()) as any).type).toContain("sms-unavailable");
    expect(fake.requests.map((q) => q.status)).toEqual([500, 500]);
    fake.delayMs = 1000;
    expect((await t.post("/api/v1/auth/otp/request", { phone: PHONE })).status).toBe(503);
    fake.delayMs = 0;
    expect((await t.post("/api/v1/auth/otp/request", { phone: PHONE })).status).toBe(202);
    expect(rows(t).map((m) => [m.status, m.error_code])).toEqual([["failed", "http_500"], ["failed", "unavailable"], ["queued", null]]);
    expect(await metrics(t)).toContain('kreditku_sms_messages_total{provider="twilio",channel="sms",status="failed"} 2');
  });

  test("a refusal (wrong credentials: Twilio 401 code 20003) is not retried", async () => {
    const { t, fake } = twilioApp({ token: "not-the-auth-token" });
    expect((await t.post("/api/v1/auth/otp/request", { phone: PHONE })).status).toBe(503);
    expect(fake.requests.map((q) => q.status)).toEqual([401]);
    expect(rows(t)[0]).toMatchObject({ status: "failed", error_code: "20003" });
  });
});

describe("WhatsApp OTP", () => {
  test("the borrower chooses whatsapp: the authentication template carries the code, verify signs in; sms stays the default", async () => {
    const wa = new FakeWhatsApp().start();
    open.push({ close: () => wa.stop() });
    const { t, fake } = twilioApp({ whatsapp: wa });
    const r = await t.post("/api/v1/auth/otp/request", { phone: PHONE, channel: "whatsapp" });
    expect(r.status).toBe(202);
    expect(fake.messages).toHaveLength(0);
    expect(wa.messages).toHaveLength(1);
    expect(wa.messages[0]).toMatchObject({ to: "6281234567890", template: "kreditku_otp", language: "id" });
    const { challengeId } = (await r.json()) as any;
    expect((await t.post("/api/v1/auth/otp/verify", { challengeId, code: wa.messages[0].code })).status).toBe(200);
    expect(rows(t)[0]).toMatchObject({ provider: "whatsapp", channel: "whatsapp", provider_id: wa.messages[0].id, status: "accepted" });
    // another phone, no channel: SMS
    expect((await t.post("/api/v1/auth/otp/request", { phone: "081298765432" })).status).toBe(202);
    expect(fake.messages).toHaveLength(1);
  });

  test("5xx retried; an unknown template is a refusal (Graph error 132001, one call); no WhatsApp configured: 422 channel", async () => {
    const wa = new FakeWhatsApp().start();
    open.push({ close: () => wa.stop() });
    const { t } = twilioApp({ whatsapp: wa });
    wa.failNext(1, 502);
    expect((await t.post("/api/v1/auth/otp/request", { phone: PHONE, channel: "whatsapp" })).status).toBe(202);
    expect(wa.requests.map((q) => q.status)).toEqual([502, 200]);
    wa.templates.clear();
    expect((await t.post("/api/v1/auth/otp/request", { phone: "081298765432", channel: "whatsapp" })).status).toBe(503);
    expect(wa.requests.map((q) => q.status)).toEqual([502, 200, 404]);
    expect(rows(t).at(-1)).toMatchObject({ status: "failed", error_code: "132001" });
    const { t: plain } = twilioApp();
    const r = await plain.post("/api/v1/auth/otp/request", { phone: PHONE, channel: "whatsapp" });
    expect(r.status).toBe(422);
    expect(((await r.json()) as any).errors).toEqual([expect.objectContaining({ path: "channel" })]);
  });
});

describe("the log adapter", () => {
  test("production refuses it at start (one line naming what to set); with twilio it wants the auth token", () => {
    const depot = mkdtempSync(join(tmpdir(), "kreditku-sms-"));
    try {
      const prod = loadConfig({ depot, env: { KREDITKU_ENV: "production" } });
      expect(productionProblems(prod, {}).filter((p) => p.startsWith("sms.adapter is log"))).toHaveLength(1);
      const twilio = loadConfig({ depot, env: { KREDITKU_ENV: "production", KREDITKU_SMS_ADAPTER: "twilio", KREDITKU_TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32), KREDITKU_TWILIO_FROM: "+15005550006" } });
      expect(productionProblems(twilio, {}).filter((p) => /^(sms\.adapter|no Twilio|no WhatsApp)/.test(p))).toEqual(["no Twilio auth token: set KREDITKU_TWILIO_AUTH_TOKEN or depot/secrets/twilio-auth-token"]);
      expect(productionProblems(twilio, { KREDITKU_TWILIO_AUTH_TOKEN: "x".repeat(32) }).filter((p) => /^(sms\.adapter|no Twilio|no WhatsApp)/.test(p))).toEqual([]);
      expect(productionProblems(loadConfig({ depot, env: {} }), {})).toEqual([]);
    } finally {
      rmSync(depot, { recursive: true, force: true });
    }
  });

  test("outside development it writes nothing, even when built directly", async () => {
    const depot = mkdtempSync(join(tmpdir(), "kreditku-sms-"));
    try {
      const file = join(depot, "sms.jsonl");
      await expect(new LogSmsAdapter(file, systemClock, undefined, "production").send({ to: E164, text: "Kode 123456" })).rejects.toThrow(/only runs in development/);
      expect(existsSync(file)).toBe(false);
      await new LogSmsAdapter(file, systemClock, undefined, "development").send({ to: E164, text: "Kode 123456" });
      expect(existsSync(file)).toBe(true);
    } finally {
      rmSync(depot, { recursive: true, force: true });
    }
  });
});
