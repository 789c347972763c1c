// The payments extension's settings (config.json `extensions.payments`, or the environment variables below),
// validated at start: an unknown gateway or provider, an http gateway without its URL, or SNAP-issued VAs without
// their partnerServiceId and bank, stops start-up.
import { defineSettings } from "./deps.ts";
import { PaymentSettings } from "../../schemas/payments.ts";

export const paymentSettings = defineSettings({
  schema: PaymentSettings,
  env: {
    KREDITKU_GATEWAY: "gateway",
    KREDITKU_GATEWAY_URL: "gatewayUrl",
    KREDITKU_GATEWAY_PROVIDER: "gatewayProvider",
    KREDITKU_RECONCILE_WINDOW_HOURS: "reconcileWindowHours",
    KREDITKU_DISBURSE_RETRY_MS: "disburseRetryMs",
    KREDITKU_XENDIT_URL: "xenditUrl",
    KREDITKU_XENDIT_VA_CHANNEL: "xenditVaChannel",
    KREDITKU_XENDIT_TIMEOUT_MS: "xenditTimeoutMs",
    KREDITKU_RECONCILE_DISBURSEMENTS_AFTER_MINUTES: "reconcileDisbursementsAfterMinutes",
    KREDITKU_VA_ISSUER: "vaIssuer",
    KREDITKU_SNAP_PARTNER_SERVICE_ID: "snapPartnerServiceId",
    KREDITKU_SNAP_CUSTOMER_NO_DIGITS: "snapCustomerNoDigits",
    KREDITKU_SNAP_VA_BANK: "snapVaBank",
  },
});
