// What the payment-gateway webhooks accept and answer, for the OpenAPI document's `webhooks` section: each provider's
// payload (Standard Webhooks, SNAP BI, Xendit) for payments and disbursements, its signature headers and an example,
// and the receipt. Documentation only: deliveries are verified on their raw bytes and parsed by ./verify.ts.
import { z, type ResponseSpec, type WebhookDelivery } from "../../src/runtime/index.ts";
import { WEBHOOK_EVENT_STATUSES, type PaymentProvider, type WebhookKind } from "../../schemas/enums.ts";

const STANDARD_HEADERS = {
  "webhook-id": { description: "The message id (unique per event; a re-delivery keeps it)", example: "msg_2f1c6a0e-3b7d-4c59-8a1e-9d0b7c6f5e4a" },
  "webhook-timestamp": { description: "Unix seconds; refused outside a 5-minute window", example: "1772420400" },
  "webhook-signature": { description: "`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the `whsec_` secret (space-separated during rotation)", example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=" },
};
const SNAP_HEADERS = {
  "X-TIMESTAMP": { description: "ISO-8601 with offset; refused outside a 5-minute window", example: "2026-03-02T10:00:00+07:00" },
  "X-SIGNATURE": { description: "HMAC-SHA512 (hex) of `POST:<path>:<lowercase hex SHA-256 of the minified body>:<X-TIMESTAMP>`", example: "9b1d4c2e…" },
  "X-EXTERNAL-ID": { description: "Unique per day: with the day of X-TIMESTAMP, the event id", example: "20260302100000123456" },
  "X-PARTNER-ID": { description: "The gateway's partner id", example: "KREDITKU", required: false },
  "CHANNEL-ID": { description: "The gateway's channel id", example: "95231", required: false },
};
const XENDIT_HEADERS = {
  "x-callback-token": { description: "The callback verification token (compared in constant time); events dedupe on payment_id, or id + status", example: "xnd_callback_token_0123456789abcdef" },
};

const iso = (example: string) => z.string().openapi({ description: "ISO-8601 time", example });
const rupiah = (example: number) => z.number().int().positive().openapi({ description: "Integer rupiah", example });
const snapAmount = (example: string) => z.object({ value: z.string().openapi({ description: "Rupiah with two decimals (non-zero sen is refused)", example }), currency: z.literal("IDR") });

const StandardPayment = z
  .object({
    type: z.literal("payment.succeeded"),
    timestamp: iso("2026-03-02T03:00:00.000Z").optional(),
    data: z.object({
      payment_id: z.string().openapi({ example: "pay_01HV9K3M2N" }),
      va_number: z.string().openapi({ description: "The loan's virtual account", example: "8808012345678901" }),
      amount: rupiah(110_000),
      currency: z.literal("IDR"),
      paid_at: iso("2026-03-02T03:00:00.000Z"),
    }),
  })
  .openapi("StandardPaymentEvent");
const StandardDisbursement = z
  .object({
    type: z.enum(["disbursement.succeeded", "disbursement.failed"]),
    timestamp: iso("2026-03-02T03:05:00.000Z").optional(),
    data: z.object({
      reference: z.string().openapi({ description: "Our disbursement reference", example: "disb_0193a1b2-0000-7000-8000-0000000000c1" }),
      amount: rupiah(5_000_000),
      completed_at: iso("2026-03-02T03:05:00.000Z"),
      failure_code: z.string().optional().openapi({ example: "INVALID_DESTINATION" }),
    }),
  })
  .openapi("StandardDisbursementEvent");
const SnapPayment = z
  .object({
    partnerServiceId: z.string().openapi({ example: "   88080" }),
    customerNo: z.string().openapi({ example: "12345678901" }),
    virtualAccountNo: z.string().openapi({ example: "8808012345678901" }),
    virtualAccountName: z.string().optional().openapi({ example: "KREDITKU" }),
    paymentRequestId: z.string().openapi({ example: "pay_01HV9K3M2N" }),
    paidAmount: snapAmount("110000.00"),
    trxDateTime: iso("2026-03-02T10:00:00+07:00"),
  })
  .openapi("SnapPaymentNotification");
const SnapDisbursement = z
  .object({
    originalPartnerReferenceNo: z.string().openapi({ description: "Our disbursement reference", example: "disb_0193a1b2-0000-7000-8000-0000000000c1" }),
    latestTransactionStatus: z.enum(["00", "06"]).openapi({ description: "00 succeeded, 06 failed" }),
    latestTransactionStatusDesc: z.string().optional().openapi({ example: "Success" }),
    amount: snapAmount("5000000.00"),
    transactionDate: iso("2026-03-02T10:05:00+07:00"),
  })
  .openapi("SnapDisbursementNotification");
const XenditPayment = z
  .object({
    id: z.string().openapi({ example: "fvap_pay_01HV9K3M2N" }),
    payment_id: z.string().openapi({ example: "pay_01HV9K3M2N" }),
    callback_virtual_account_id: z.string().optional().openapi({ example: "cva_8808012345678901" }),
    external_id: z.string().optional().openapi({ example: "8808012345678901" }),
    account_number: z.string().openapi({ example: "8808012345678901" }),
    bank_code: z.string().optional().openapi({ example: "BNI" }),
    merchant_code: z.string().optional().openapi({ example: "88080" }),
    amount: rupiah(110_000),
    currency: z.string().optional().openapi({ example: "IDR" }),
    transaction_timestamp: iso("2026-03-02T03:00:00.000Z"),
  })
  .openapi("XenditVaPaymentCallback");
const XenditDisbursement = z
  .object({
    id: z.string().openapi({ example: "disb_0193a1b2-0000-7000-8000-0000000000c1" }),
    external_id: z.string().openapi({ description: "Our disbursement reference", example: "disb_0193a1b2-0000-7000-8000-0000000000c1" }),
    amount: rupiah(5_000_000),
    status: z.enum(["COMPLETED", "FAILED"]),
    updated: iso("2026-03-02T03:05:00.000Z"),
    failure_code: z.string().optional().openapi({ example: "INVALID_DESTINATION" }),
  })
  .openapi("XenditDisbursementCallback");
const XenditPaymentEvent = z
  .object({
    event: z.literal("payment.succeeded"),
    business_id: z.string().openapi({ example: "5f27a14a9bf05c73dd040bc8" }),
    created: iso("2026-03-02T03:00:01.000Z"),
    data: z
      .object({
        id: z.string().openapi({ description: "Xendit's payment id (the event is recorded once per id)", example: "py-1a2b3c4d-0000-4000-8000-000000000001" }),
        reference_id: z.string().openapi({ description: "The payment method's reference: our loan id", example: "0193a1b2-0000-7000-8000-0000000000l1" }),
        amount: rupiah(110_000),
        currency: z.literal("IDR"),
        status: z.literal("SUCCEEDED"),
        payment_method: z.object({
          id: z.string().openapi({ example: "pm-1a2b3c4d-0000-4000-8000-000000000001" }),
          type: z.literal("VIRTUAL_ACCOUNT"),
          reusability: z.literal("MULTIPLE_USE"),
          virtual_account: z.object({ channel_code: z.string().openapi({ example: "BNI" }), channel_properties: z.object({ customer_name: z.string().openapi({ example: "BUDI SANTOSO" }), virtual_account_number: z.string().openapi({ example: "8808012345678901" }) }) }),
        }),
        created: iso("2026-03-02T03:00:00.000Z"),
        updated: iso("2026-03-02T03:00:00.000Z"),
      })
      .passthrough(),
  })
  .openapi("XenditPaymentSucceededCallback");
const XenditPayoutEvent = z
  .object({
    event: z.enum(["payout.succeeded", "payout.failed", "payout.reversed"]),
    business_id: z.string().openapi({ example: "5f27a14a9bf05c73dd040bc8" }),
    created: iso("2026-03-02T03:05:01.000Z"),
    data: z
      .object({
        id: z.string().openapi({ example: "disb-1a2b3c4d-0000-4000-8000-000000000001" }),
        reference_id: z.string().openapi({ description: "Our disbursement reference (also the idempotency key)", example: "dsb_0193a1b20000700080000000000000c1.1" }),
        amount: rupiah(5_000_000),
        currency: z.literal("IDR"),
        status: z.enum(["SUCCEEDED", "FAILED", "REVERSED"]),
        channel_code: z.string().openapi({ example: "ID_BCA" }),
        failure_code: z.string().optional().openapi({ example: "INVALID_DESTINATION" }),
        updated: iso("2026-03-02T03:05:00.000Z"),
      })
      .passthrough(),
  })
  .openapi("XenditPayoutCallback");

type Doc = Omit<WebhookDelivery, "name" | "params">;
const PROVIDER_DOCS: Record<WebhookKind, Record<PaymentProvider, Doc>> = {
  payment: {
    standard: {
      summary: "A virtual-account payment (Standard Webhooks)",
      headers: STANDARD_HEADERS,
      payload: StandardPayment,
      example: { type: "payment.succeeded", timestamp: "2026-03-02T03:00:00.000Z", data: { payment_id: "pay_01HV9K3M2N", va_number: "8808012345678901", amount: 110_000, currency: "IDR", paid_at: "2026-03-02T03:00:00.000Z" } },
    },
    snap: {
      summary: "A virtual-account payment notification (SNAP BI)",
      headers: SNAP_HEADERS,
      payload: SnapPayment,
      example: { partnerServiceId: "   88080", customerNo: "12345678901", virtualAccountNo: "8808012345678901", virtualAccountName: "KREDITKU", paymentRequestId: "pay_01HV9K3M2N", paidAmount: { value: "110000.00", currency: "IDR" }, trxDateTime: "2026-03-02T10:00:00+07:00" },
    },
    xendit: {
      summary: "A virtual-account payment callback (Xendit): the Payments API `payment.succeeded` event the xendit gateway's VAs send, or the legacy fixed-VA callback",
      headers: XENDIT_HEADERS,
      payload: z.union([XenditPaymentEvent, XenditPayment]),
      example: {
        event: "payment.succeeded",
        business_id: "5f27a14a9bf05c73dd040bc8",
        created: "2026-03-02T03:00:01.000Z",
        data: {
          id: "py-1a2b3c4d-0000-4000-8000-000000000001",
          reference_id: "0193a1b2-0000-7000-8000-0000000000l1",
          amount: 110_000,
          currency: "IDR",
          status: "SUCCEEDED",
          payment_method: { id: "pm-1a2b3c4d-0000-4000-8000-000000000001", type: "VIRTUAL_ACCOUNT", reusability: "MULTIPLE_USE", virtual_account: { channel_code: "BNI", channel_properties: { customer_name: "BUDI SANTOSO", virtual_account_number: "8808012345678901" } } },
          created: "2026-03-02T03:00:00.000Z",
          updated: "2026-03-02T03:00:00.000Z",
        },
      },
    },
  },
  disbursement: {
    standard: {
      summary: "A disbursement's outcome (Standard Webhooks)",
      headers: STANDARD_HEADERS,
      payload: StandardDisbursement,
      example: { type: "disbursement.succeeded", timestamp: "2026-03-02T03:05:00.000Z", data: { reference: "disb_0193a1b2-0000-7000-8000-0000000000c1", amount: 5_000_000, completed_at: "2026-03-02T03:05:00.000Z" } },
    },
    snap: {
      summary: "A disbursement's outcome (SNAP BI transfer notification)",
      headers: SNAP_HEADERS,
      payload: SnapDisbursement,
      example: { originalPartnerReferenceNo: "disb_0193a1b2-0000-7000-8000-0000000000c1", latestTransactionStatus: "00", latestTransactionStatusDesc: "Success", amount: { value: "5000000.00", currency: "IDR" }, transactionDate: "2026-03-02T10:05:00+07:00" },
    },
    xendit: {
      summary: "A disbursement's outcome (Xendit): the Payouts API `payout.succeeded` / `payout.failed` / `payout.reversed` event the xendit gateway's payouts send, or the legacy disbursement callback",
      headers: XENDIT_HEADERS,
      payload: z.union([XenditPayoutEvent, XenditDisbursement]),
      example: {
        event: "payout.succeeded",
        business_id: "5f27a14a9bf05c73dd040bc8",
        created: "2026-03-02T03:05:01.000Z",
        data: { id: "disb-1a2b3c4d-0000-4000-8000-000000000001", reference_id: "dsb_0193a1b20000700080000000000000c1.1", amount: 5_000_000, currency: "IDR", status: "SUCCEEDED", channel_code: "ID_BCA", updated: "2026-03-02T03:05:00.000Z" },
      },
    },
  },
};

/** The deliveries of one kind, one `webhooks` entry per provider ("payment.standard", …). */
export function webhookDeliveries(kind: WebhookKind): WebhookDelivery[] {
  return Object.entries(PROVIDER_DOCS[kind]).map(([provider, doc]) => ({ name: `${kind}.${provider}`, params: { provider }, ...doc }));
}

const Receipt = z
  .object({
    received: z.literal(true),
    eventId: z.string().openapi({ description: "The event id the delivery was recorded under", example: "msg_2f1c6a0e-3b7d-4c59-8a1e-9d0b7c6f5e4a" }),
    status: z.enum(WEBHOOK_EVENT_STATUSES).openapi({ description: "What the event did (a duplicate answers the original outcome)" }),
    result: z.record(z.string(), z.unknown()).openapi({ description: "The effect: the payment and its allocation, or the disbursement's new state" }),
  })
  .openapi("WebhookReceipt");

/** The webhook endpoints' answers (400 for malformed deliveries, 413 and 429 come from the platform). */
export const WEBHOOK_RESPONSES: Record<number, ResponseSpec> = {
  200: {
    description: "Verified and recorded; applied, or recorded as needing attention. A duplicate delivery answers the original result with `Webhook-Duplicate: true`.",
    schema: Receipt,
    example: { received: true, eventId: "msg_2f1c6a0e-3b7d-4c59-8a1e-9d0b7c6f5e4a", status: "applied", result: { paymentId: "0193a1b2-0000-7000-8000-0000000000p1", loanId: "0193a1b2-0000-7000-8000-0000000000l1", amount: 110_000 } },
    headers: { "Webhook-Duplicate": { description: "true on a re-delivery of an event already recorded", example: "true" } },
  },
  400: { description: "Unknown provider, missing or malformed signature headers, a body that is not UTF-8 or not a JSON object, or a payload the effect cannot use (`malformed-webhook`, `unknown-provider`)", example: { type: "https://kreditku.dev/problems/malformed-webhook", title: "Malformed webhook", status: 400, detail: "webhook-id, webhook-timestamp and webhook-signature are required", reason: "missing_headers" } },
  401: { description: "The signature or token does not verify, or the timestamp is outside the 5-minute window (`webhook-unauthorized`)", example: { type: "https://kreditku.dev/problems/webhook-unauthorized", title: "Webhook not verified", status: 401, detail: "no webhook-signature matches", reason: "bad_signature" } },
  500: { description: "The effect failed: the event is recorded as failed and applied on retry or replay" },
};
