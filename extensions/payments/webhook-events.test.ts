// Webhook event storage (unverified deliveries keep no body or headers; verified failures keep the body and
// replay), the per-IP limit on unverified deliveries, and finance resolving a payment over HTTP.
import { describe, expect, test } from "bun:test";
import { appPerTest, freshIp } from "../../test/kit/app.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import { webhookSecrets } from "./webhooks.ts";
import { applyPayment } from "./repayments.ts";
import { recordFailedDelivery, replayEvent } from "./events.ts";
import { signedWebhook, paymentPayload } from "./sandbox.ts";
import { checkLedger } from "../ledger/ledger.ts";
import { activate } from "./fixtures/active-loan.ts";

describe("webhook event storage and per-IP limit on unverified deliveries", () => {
  // at most 5 unverified deliveries per client IP and minute (the setting, or KREDITKU_WEBHOOK_REJECT_LIMIT read when the app is made)
  const t = appPerTest(() => {
    process.env.KREDITKU_WEBHOOK_REJECT_LIMIT = "5";
    queueMicrotask(() => delete process.env.KREDITKU_WEBHOOK_REJECT_LIMIT);
    return { config: { webhookRejectLimit: 5 } };
  });

  test("unverified deliveries keep no body or headers; verified failures keep the whole body and replay", async () => {
    const env = t;
    const now = env.clock.now();
    const id = env.db.tx((c) => recordFailedDelivery(c, { provider: "standard", kind: "payment", eventId: null, verified: false, status: "rejected", reason: "bad_signature: " + "x".repeat(1000), headers: { "webhook-id": "m" }, rawBody: "y".repeat(5000), now }));
    expect(env.db.read.get<any>("SELECT body, headers, length(failure_reason) AS n FROM webhook_events WHERE id = ?", id)).toEqual({ body: "", headers: "{}", n: 200 });
    const loan = env.db.tx((c) => seedLoan(c));
    activate(env, loan.loanId, "8808500");
    const payload = { ...paymentPayload("standard", { paymentId: "big-1", vaNumber: "8808500", amount: 110_000, currency: "IDR", paidAt: now.toISOString() }), pad: "z".repeat(10_000) };
    const raw = JSON.stringify(payload);
    const fid = env.db.tx((c) => recordFailedDelivery(c, { provider: "standard", kind: "payment", eventId: "msg_big", verified: true, status: "failed", reason: "boom", headers: {}, rawBody: raw, now }));
    expect(env.db.read.get<any>("SELECT length(body) AS n FROM webhook_events WHERE id = ?", fid).n).toBe(raw.length);
    const out = env.tx((t) => replayEvent(t, fid, now));
    expect(out).toMatchObject({ status: "applied" });
  });


  test("unverified deliveries are limited per client IP (then 429 before the body is read); verified ones never count", async () => {
    const ip = freshIp();
    // verified deliveries, more than the limit, from the same IP: all applied
    const secret = webhookSecrets(t.platform, "standard")[0];
    for (let i = 0; i < 8; i++) {
      const w = signedWebhook("standard", secret, "payment", paymentPayload("standard", { paymentId: `v-${i}`, vaNumber: "0000", amount: 1_000, currency: "IDR", paidAt: t.clock.now().toISOString() }), { eventId: `msg_v_${i}`, now: t.clock.now() });
      const r = await t.request(w.path, { method: "POST", headers: { ...w.headers, "X-Forwarded-For": ip }, body: w.body });
      expect(r.status).toBe(200);
    }
    const forged = () => t.post("/webhooks/payments/standard", { x: 1 }, { ip, headers: { "webhook-id": "m1", "webhook-timestamp": String(Math.floor(t.clock.now().getTime() / 1000)), "webhook-signature": "v1,AAAA" } });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await forged()).status);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(t.db.read.get<any>("SELECT COUNT(*) AS n, MAX(length(body)) AS b, MAX(headers) AS h FROM webhook_events WHERE verified = 0")).toEqual({ n: 5, b: 0, h: "{}" });
    // another IP is not affected
    expect((await t.post("/webhooks/payments/standard", { x: 1 }, { ip: freshIp() })).status).toBe(400);
  });

  test("POST /api/v1/admin/payments/{id}/resolve (finance): apply to a loan or refund", async () => {
    const tx = t.tx;
    const finance = t.staff("finance");
    const loan = t.db.tx((c) => seedLoan(c));
    activate(t, loan.loanId, "8808600");
    const p = tx((x) => applyPayment(x, { provider: "standard", notice: { paymentId: "res-1", vaNumber: "8808-typo", amount: 110_000, currency: "IDR", paidAt: t.clock.now().toISOString() }, source: "webhook", now: t.clock.now() }));
    const q = tx((x) => applyPayment(x, { provider: "standard", notice: { paymentId: "res-2", vaNumber: "8808-typo", amount: 7_000, currency: "IDR", paidAt: t.clock.now().toISOString() }, source: "webhook", now: t.clock.now() }));
    const post = (id: string, body: unknown, key = crypto.randomUUID()) => t.post(`/api/v1/admin/payments/${id}/resolve`, body, { as: finance, headers: { "Idempotency-Key": key } });
    expect((await post(p.paymentId, {})).status).toBe(422);
    expect((await post(p.paymentId, { refund: true })).status).toBe(422); // a refund needs the transfer reference
    expect((await post("pay_nope", { loanId: loan.loanId })).status).toBe(404);
    expect((await post(p.paymentId, { loanId: "nope" })).status).toBe(404);
    const ok = await post(p.paymentId, { loanId: loan.loanId });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "applied", loanId: loan.loanId, outstandingAmount: 5_390_000, resolution: `loan:${loan.loanId}` });
    expect((await post(p.paymentId, { loanId: loan.loanId })).status).toBe(409);
    const rf = await post(q.paymentId, { refund: true, transferReference: "BNI-123" });
    expect(rf.status).toBe(200);
    expect(await rf.json()).toMatchObject({ status: "applied", reason: "refunded", resolution: "refund:BNI-123" });
    expect(checkLedger(t.db.read).discrepancies).toEqual([]);
  });
});
