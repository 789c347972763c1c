// Webhook signatures: Standard Webhooks secrets must be whsec_ + strict base64 of at least 24 bytes (never an empty
// HMAC key), weak secrets are named at start; SNAP signatures are checked over the minified body with every token's
// text kept.
import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { testApp } from "../../test/kit/app.ts";
import { webhookSecretProblems, webhookSecrets } from "./webhooks.ts";
import { minifyJson, parseStandardSecret, signStandard, verifyWebhook, webhookSecretProblem } from "./verify.ts";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

describe("webhook secrets", () => {
  const now = new Date("2026-03-02T03:00:00Z");
  const id = "msg_forged";
  const ts = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify({ type: "payment.succeeded", data: { payment_id: "x", va_number: "8808111", amount: 999999999, currency: "IDR", paid_at: now.toISOString() } });

  test("a secret that is not whsec_ + strict base64 of ≥ 24 bytes is never an HMAC key (no forgery with an empty key)", () => {
    const forged = createHmac("sha256", Buffer.alloc(0)).update(`${id}.${ts}.${body}`).digest("base64");
    for (const secret of ["!!!!!!!!!!!!!!!!", "whsec_!!!!!!!!!!", "secret", "whsec_c2VjcmV0", "whsec_" + Buffer.alloc(16, 1).toString("base64")]) {
      const r = verifyWebhook({ provider: "standard", method: "POST", path: "/webhooks/payments/standard", headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${forged}` }, rawBody: body, secrets: [secret], now });
      expect(r).toMatchObject({ ok: false, reason: "no_secret" });
    }
    expect(() => signStandard("whsec_!!!!", id, ts, body)).toThrow();
    // a good secret, padded or not, still verifies
    const key = Buffer.alloc(24, 7).toString("base64"); // 32 chars, no padding needed
    expect(parseStandardSecret(`whsec_${key}`)?.length).toBe(24);
    expect(parseStandardSecret(SECRET)?.length).toBe(32);
    expect(parseStandardSecret("whsec_" + Buffer.alloc(25, 7).toString("base64"))?.length).toBe(25);
    expect(parseStandardSecret("whsec_" + Buffer.alloc(25, 7).toString("base64").replace(/=+$/, ""))?.length).toBe(25);
    expect(parseStandardSecret("whsec_" + key.slice(0, -1) + "!")).toBeNull();
    const sig = signStandard(SECRET, id, ts, body);
    expect(verifyWebhook({ provider: "standard", method: "POST", path: "/", headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig }, rawBody: body, secrets: ["whsec_bad", SECRET], now }).ok).toBe(true);
  });

  test("a Standard Webhooks signature matches only exactly: truncated, extended, non-ASCII or another secret's are refused without throwing; any of several given ones, under either rotated secret", () => {
    const other = "whsec_" + Buffer.from("fedcba9876543210fedcba9876543210").toString("base64");
    const good = signStandard(SECRET, id, ts, body).slice(3);
    const verify = (signature: string, secrets = [SECRET]) =>
      verifyWebhook({ provider: "standard", method: "POST", path: "/", headers: { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signature }, rawBody: body, secrets, now });
    expect(verify(`v1,${good}`).ok).toBe(true);
    for (const bad of [good.slice(0, -1), `${good}=`, `${good.slice(0, -2)}é=`, `${good.slice(0, -1)}\u{1F600}`, "", signStandard(other, id, ts, body).slice(3), good.toLowerCase()]) {
      expect(verify(`v1,${bad}`)).toMatchObject({ ok: false, reason: "bad_signature" });
    }
    expect(verify(`v1,${good}`, [other])).toMatchObject({ ok: false, reason: "bad_signature" });
    // several signatures (key rotation on the sender's side), and both of ours during rotation (new first, old second)
    expect(verify(`v1,AAAA v1,${good} v2,${good}`).ok).toBe(true);
    expect(verify(`v1,${good}`, [other, SECRET]).ok).toBe(true);
    // the same secret again (read once per 30 s by the handler) gives the same answer
    for (let i = 0; i < 3; i++) expect(verify(`v1,${good}`).ok).toBe(true);
  });

  test("minimum lengths for snap and xendit; weak secrets are named at start (never the secret itself)", async () => {
    expect(webhookSecretProblem("snap", "short")).toContain("at least 16");
    expect(webhookSecretProblem("xendit", "x".repeat(16))).toBeNull();
    expect(webhookSecretProblem("standard", SECRET)).toBeNull();
    await using t = testApp();
    {
      const env = { KREDITKU_WEBHOOK_SECRET_STANDARD: `${SECRET},whsec_short`, KREDITKU_WEBHOOK_SECRET_XENDIT: "tok" };
      const problems = webhookSecretProblems(t.platform, env);
      expect(problems).toHaveLength(2);
      expect(problems.join(" ")).toContain("KREDITKU_WEBHOOK_SECRET_STANDARD: standard secret #2");
      expect(problems.join(" ")).not.toContain("whsec_short");
      expect(webhookSecrets(t.platform, "standard", env)).toEqual([SECRET]);
      expect(webhookSecrets(t.platform, "xendit", env)).toEqual([]);
      // the generated depot secret is valid
      expect(webhookSecretProblems(t.platform, {})).toEqual([]);
      expect(webhookSecrets(t.platform, "standard", {})).toHaveLength(1);
    }
  });
});

describe("SNAP minify keeps every token's text", () => {
  test("a body already minified by the sender, with escaped slashes and a 2-decimal number, verifies", () => {
    const secret = "snap-secret-0123456789";
    const now = new Date("2026-03-02T03:00:00Z");
    const ts = "2026-03-02T10:00:00+07:00";
    const path = "/webhooks/payments/snap";
    const raw = `{"paymentRequestId":"p-1","virtualAccountNo":"8808111","paidAmount":{"value":"110000.00","currency":"IDR"},"trxDateTime":"2026-03-02T10:00:00+07:00","additionalInfo":{"note":"a\\/b","n":110000.00,"e":"\\u00e9"}}`;
    const sign = (body: string) => createHmac("sha512", secret).update(`POST:${path}:${createHash("sha256").update(body).digest("hex")}:${ts}`).digest("base64");
    const headers = (sig: string) => ({ "x-timestamp": ts, "x-signature": sig, "x-external-id": "1" });
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(raw)), rawBody: raw, secrets: [secret], now }).ok).toBe(true);
    // pretty-printed on the wire, signed over the minified text
    const pretty = raw.replace(/,"/g, ',\n  "').replace("{", "{ ").replace(/}$/, "\n}");
    expect(minifyJson(pretty)).toBe(raw);
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(raw)), rawBody: pretty, secrets: [secret], now }).ok).toBe(true);
    // …or signed over the body exactly as received
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(pretty)), rawBody: pretty, secrets: [secret], now }).ok).toBe(true);
    expect(verifyWebhook({ provider: "snap", method: "POST", path, headers: headers(sign(raw + " ")), rawBody: pretty, secrets: [secret], now }).ok).toBe(false);
  });

  test("whitespace inside strings (and escaped quotes) is kept", () => {
    expect(minifyJson(`{ "a" : "x  y\\" z" ,\n\t"b": [ 1 , 2.50 ] }`)).toBe(`{"a":"x  y\\" z","b":[1,2.50]}`);
    expect(() => minifyJson("{nope")).toThrow();
  });
});
