// The payments settings: defaults, the environment variables that set them, bad numbers keeping their defaults, and
// the gateway choices refused at start.
import { describe, expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import payments from "./index.ts";
import { paymentSettings } from "./settings.ts";

const settingsWith = async (env: Record<string, string>, config: Record<string, unknown> = {}) => {
  await using t = testApp({ extensions: [payments], jobs: [], env, config });
  return t.context().settings(paymentSettings);
};

describe("payments settings", () => {
  test("defaults: the sandbox gateway speaking Standard Webhooks, a 48 h reconciliation window, 60 s disbursement retries", async () => {
    expect(await settingsWith({})).toEqual({ gateway: "sandbox", gatewayProvider: "standard", reconcileWindowHours: 48, disburseRetryMs: 60_000, xenditVaChannel: "BNI", xenditTimeoutMs: 10_000, reconcileDisbursementsAfterMinutes: 15, vaIssuer: "gateway", snapCustomerNoDigits: 12 });
  });

  test("the KREDITKU_* variables set them, over config.json extensions.payments; bad numbers keep the defaults", async () => {
    const env = { KREDITKU_GATEWAY: "http", KREDITKU_GATEWAY_URL: "http://127.0.0.1:4100", KREDITKU_GATEWAY_PROVIDER: "snap", KREDITKU_RECONCILE_WINDOW_HOURS: "6", KREDITKU_DISBURSE_RETRY_MS: "100" };
    expect(await settingsWith(env, { "extensions.payments.reconcileWindowHours": 12 })).toEqual({ gateway: "http", gatewayUrl: "http://127.0.0.1:4100", gatewayProvider: "snap", reconcileWindowHours: 6, disburseRetryMs: 100, xenditVaChannel: "BNI", xenditTimeoutMs: 10_000, reconcileDisbursementsAfterMinutes: 15, vaIssuer: "gateway", snapCustomerNoDigits: 12 });
    expect(await settingsWith({}, { "extensions.payments.reconcileWindowHours": 12 })).toMatchObject({ reconcileWindowHours: 12 });
    expect(await settingsWith({ KREDITKU_RECONCILE_WINDOW_HOURS: "soon", KREDITKU_DISBURSE_RETRY_MS: "-5" })).toMatchObject({ reconcileWindowHours: 48, disburseRetryMs: 60_000 });
  });

  test("an unknown gateway or provider, or an http gateway without its URL, stops start-up naming the variable", () => {
    expect(() => testApp({ extensions: [payments], jobs: [], env: { KREDITKU_GATEWAY: "paypal" } })).toThrow("config: invalid setting extensions.payments.gateway (KREDITKU_GATEWAY)");
    expect(() => testApp({ extensions: [payments], jobs: [], env: { KREDITKU_GATEWAY_PROVIDER: "midtrans" } })).toThrow("(KREDITKU_GATEWAY_PROVIDER)");
    expect(() => testApp({ extensions: [payments], jobs: [], env: { KREDITKU_GATEWAY: "http" } })).toThrow("config: invalid setting extensions.payments.gatewayUrl (KREDITKU_GATEWAY_URL): gateway http needs a gatewayUrl");
  });
});
