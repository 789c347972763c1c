// The payments extension's settings (config.json `extensions.payments`, or the environment variables below),
// validated at start: an unknown gateway or provider, or an http gateway without its URL, stops start-up.
import { defineSettings, z } from "./deps.ts";
import { PROVIDERS } from "./verify.ts";

export const paymentSettings = defineSettings({
  schema: z
    .object({
      /** sandbox: the in-process gateway (default); http: a gateway reached at gatewayUrl. */
      gateway: z.enum(["sandbox", "http"]).default("sandbox"),
      gatewayUrl: z.string().url().optional(),
      /** The webhook format the gateway speaks. */
      gatewayProvider: z.enum(PROVIDERS).default("standard"),
      /** Window of the scheduled reconciliation, hours back from now (a bad value keeps 48). */
      reconcileWindowHours: z.coerce.number().positive().catch(48),
      /** Base delay of a failed disbursement's retry, doubling per attempt (a bad value keeps 60 s). */
      disburseRetryMs: z.coerce.number().min(0).catch(60_000),
    })
    .refine((s) => s.gateway !== "http" || !!s.gatewayUrl, { path: ["gatewayUrl"], message: "gateway http needs a gatewayUrl" }),
  env: {
    KREDITKU_GATEWAY: "gateway",
    KREDITKU_GATEWAY_URL: "gatewayUrl",
    KREDITKU_GATEWAY_PROVIDER: "gatewayProvider",
    KREDITKU_RECONCILE_WINDOW_HOURS: "reconcileWindowHours",
    KREDITKU_DISBURSE_RETRY_MS: "disburseRetryMs",
  },
});
