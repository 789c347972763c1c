// Xendit's current callbacks parsed as sent: payment.succeeded (Payments API, the VA is its payment method's) and
// payout.succeeded / payout.failed / payout.reversed (Payouts API, our reference is reference_id); event ids per
// object (payments) and per object and status (payouts); anything else refused with a reason.
import { describe, expect, test } from "bun:test";
import { parseDisbursementNotice, parsePaymentNotice, verifyWebhook } from "./verify.ts";

const TOKEN = "callback-token-0123456789abcdef";
const verify = (body: unknown, token = TOKEN) => verifyWebhook({ provider: "xendit", method: "POST", path: "/webhooks/payments/xendit", headers: { "x-callback-token": token }, rawBody: JSON.stringify(body), secrets: [TOKEN], now: new Date() });

const payment = {
  event: "payment.succeeded",
  business_id: "5f27a14a9bf05c73dd040bc8",
  created: "2026-03-02T03:00:01.000Z",
  data: {
    id: "py-1",
    reference_id: "loan-1",
    amount: 110000,
    currency: "IDR",
    status: "SUCCEEDED",
    payment_method: { id: "pm-1", type: "VIRTUAL_ACCOUNT", reusability: "MULTIPLE_USE", virtual_account: { channel_code: "BNI", channel_properties: { customer_name: "BUDI", virtual_account_number: "8808900000000001" } } },
    created: "2026-03-02T03:00:00.000Z",
    updated: "2026-03-02T03:00:00.500Z",
  },
};
const payout = (event: string, status: string, extra: Record<string, unknown> = {}) => ({
  event,
  business_id: "5f27a14a9bf05c73dd040bc8",
  created: "2026-03-02T03:05:01.000Z",
  data: { id: "disb-1", reference_id: "dsb_1.1", amount: 5_000_000, currency: "IDR", status, channel_code: "ID_BCA", updated: "2026-03-02T03:05:00.000Z", ...extra },
});

describe("xendit callbacks", () => {
  test("payment.succeeded: recorded once per payment id; the VA number from its payment method", () => {
    expect(verify(payment)).toMatchObject({ ok: true, eventId: "payment:py-1" });
    expect(parsePaymentNotice("xendit", payment)).toEqual({ paymentId: "py-1", vaNumber: "8808900000000001", amount: 110_000, currency: "IDR", paidAt: "2026-03-02T03:00:00.500Z" });
    expect(() => parsePaymentNotice("xendit", { ...payment, event: "payment.failed" })).toThrow('unsupported event "payment.failed"');
    expect(() => parsePaymentNotice("xendit", { ...payment, data: { ...payment.data, amount: 110000.5 } })).toThrow("not a positive integer rupiah amount");
    expect(() => parsePaymentNotice("xendit", { ...payment, data: { ...payment.data, payment_method: {} } })).toThrow("virtual_account_number is required");
  });

  test("payout events: one event per payout and status, our reference from reference_id; reversed is a failure", () => {
    expect(verify(payout("payout.succeeded", "SUCCEEDED"))).toMatchObject({ ok: true, eventId: "payout:disb-1:SUCCEEDED" });
    expect(verify(payout("payout.failed", "FAILED"))).toMatchObject({ ok: true, eventId: "payout:disb-1:FAILED" });
    expect(parseDisbursementNotice("xendit", payout("payout.succeeded", "SUCCEEDED"))).toEqual({ reference: "dsb_1.1", status: "succeeded", amount: 5_000_000, completedAt: "2026-03-02T03:05:00.000Z" });
    expect(parseDisbursementNotice("xendit", payout("payout.failed", "FAILED", { failure_code: "INVALID_DESTINATION" }))).toMatchObject({ status: "failed", failureCode: "INVALID_DESTINATION" });
    expect(parseDisbursementNotice("xendit", payout("payout.reversed", "REVERSED"))).toMatchObject({ status: "failed", failureCode: "REVERSED" });
    expect(() => parseDisbursementNotice("xendit", payout("payout.requested", "REQUESTED"))).toThrow("unsupported event");
  });

  test("a wrong token, or an event without data.id, is refused", () => {
    expect(verify(payment, "wrong-token-0123456789abcdef")).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(verify({ event: "payment.succeeded", data: {} })).toMatchObject({ ok: false, reason: "malformed_body" });
  });
});
