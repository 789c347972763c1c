// Production mode on the built binary: `serve` with KREDITKU_ENV=production refuses each unsafe setting, one line per
// problem, exit 1 — and generates no secret while refusing. With every secret supplied and a real gateway
// configured it starts.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { removeDepot, runCli, startBinary, tempDepot } from "./kit/binary.ts";
import { productionDepot } from "./kit/production-depot.ts";

const depots: string[] = [];
afterAll(() => depots.forEach(removeDepot));

function depot() {
  const d = join(tempDepot("kreditku-prod-"), "depot");
  depots.push(d);
  return d;
}

/** A depot whose platform secrets the operator supplied (JWT key by `keys rotate`, the symmetric keys by hand). */
const suppliedSecrets = (d: string) => productionDepot(d);

/** A production SMS sender (the `log` adapter is refused too; its own tests cover that). */
const SMS = { KREDITKU_SMS_ADAPTER: "twilio", KREDITKU_TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`, KREDITKU_TWILIO_FROM: "+15005550006", KREDITKU_TWILIO_AUTH_TOKEN: "t".repeat(32) };
const serve = (d: string, env: Record<string, string>) => runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--depot", d], { KREDITKU_ENV: "production", KREDITKU_LOG_LEVEL: "warn", ...SMS, ...env });

describe("production mode", () => {
  test("a fresh depot: every secret it would generate and the gateway's refusals are named in one go, one line each, and none is generated", async () => {
    const d = depot();
    const r = await serve(d, {});
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe("kreditku: refusing to start:");
    expect(lines.filter((l) => l.startsWith("  - ")).length).toBe(6);
    expect(r.stderr).toContain("  - payments gateway is the in-process sandbox (KREDITKU_GATEWAY=sandbox, the default): set KREDITKU_GATEWAY=xendit");
    expect(r.stderr).toContain("  - no standard webhook secret: set KREDITKU_WEBHOOK_SECRET_STANDARD (or depot/secrets/webhook-standard)");
    expect(r.stderr).toMatch(/  - no JWT signing key in .*secrets\/jwt: create one with `kreditku migrate` then `kreditku keys rotate`/);
    expect(r.stderr).toMatch(/  - .*secrets\/otp-hmac\.key is missing and would be generated: supply it/);
    expect(r.stderr).toMatch(/  - .*secrets\/queues-cookie\.key is missing and would be generated/);
    expect(r.stderr).toMatch(/  - .*secrets\/files-url\.key is missing and would be generated/);
    const secrets = join(d, "secrets");
    expect(existsSync(secrets) ? readdirSync(secrets) : []).toEqual([]);
  }, 60_000);

  test("the test clock is refused", async () => {
    const d = depot();
    await suppliedSecrets(d);
    const r = await serve(d, { KREDITKU_TEST_CLOCK: "1", KREDITKU_GATEWAY: "xendit", KREDITKU_XENDIT_SECRET_KEY: "xnd_development_" + "k".repeat(40), KREDITKU_WEBHOOK_SECRET_XENDIT: "t".repeat(32) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("kreditku: refusing to start: KREDITKU_TEST_CLOCK=1 (the test clock) is set: unset it");
  }, 60_000);

  test("the sandbox gateway (the default) is refused, with the webhook secret it would generate", async () => {
    const d = depot();
    await suppliedSecrets(d);
    const r = await serve(d, {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("  - payments gateway is the in-process sandbox (KREDITKU_GATEWAY=sandbox, the default): set KREDITKU_GATEWAY=xendit");
    expect(r.stderr).toContain("  - no standard webhook secret: set KREDITKU_WEBHOOK_SECRET_STANDARD (or depot/secrets/webhook-standard)");
    expect(existsSync(join(d, "secrets", "webhook-standard"))).toBe(false);
  }, 60_000);

  test("the HTTP gateway simulator is refused", async () => {
    const d = depot();
    await suppliedSecrets(d);
    const r = await serve(d, { KREDITKU_GATEWAY: "http", KREDITKU_GATEWAY_URL: "http://127.0.0.1:9", KREDITKU_WEBHOOK_SECRET_STANDARD: `whsec_${randomBytes(32).toString("base64")}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("kreditku: refusing to start: payments gateway is the HTTP gateway simulator (KREDITKU_GATEWAY=http): set KREDITKU_GATEWAY=xendit");
  }, 60_000);

  test("the xendit gateway without its keys is refused, naming what to set", async () => {
    const d = depot();
    await suppliedSecrets(d);
    const r = await serve(d, { KREDITKU_GATEWAY: "xendit" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("  - no Xendit secret key: set KREDITKU_XENDIT_SECRET_KEY (or depot/secrets/xendit-secret-key)");
    expect(r.stderr).toContain("  - no xendit webhook secret: set KREDITKU_WEBHOOK_SECRET_XENDIT (or depot/secrets/webhook-xendit)");
  }, 60_000);

  test("every secret supplied and the xendit gateway: it starts", async () => {
    const d = depot();
    await suppliedSecrets(d);
    const srv = await startBinary({
      depot: d,
      env: { ...SMS, KREDITKU_ENV: "production", KREDITKU_GATEWAY: "xendit", KREDITKU_XENDIT_SECRET_KEY: "xnd_development_" + "k".repeat(40), KREDITKU_WEBHOOK_SECRET_XENDIT: "t".repeat(32) },
    });
    try {
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  }, 60_000);
});
