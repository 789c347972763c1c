// Finance's actions on money held for a borrower or in suspense: resolve a needs_attention payment (apply it to a
// loan, or record the transfer that refunded it) and refund (part of) a credit balance.
import { defineRoute, HttpProblem, problems } from "../../../src/runtime/index.ts";
import { IdParams, Refund, RefundRequest, ResolvedPayment, ResolvePayment } from "../../../schemas/payments.ts";
import { refundCredit } from "../credit.ts";
import { resolvePayment } from "../suspense.ts";

export const refundRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/loans/{id}/refunds",
  summary: "Record the refund of (part of) a borrower's credit balance, paid by a bank transfer (transferReference)",
  tags: ["payments"],
  access: ["finance"],
  idempotent: true,
  request: { params: IdParams, body: RefundRequest },
  responses: {
    201: { description: "Refund recorded and posted to the ledger", schema: Refund },
    404: { description: "No such loan" },
    422: { description: "Amount exceeds the credit balance" },
  },
  handler(req, ctx) {
    const out = ctx.tx((t) => refundCredit(t, { loanId: req.params.id, amount: req.body.amount, reason: req.body.reason, transferReference: req.body.transferReference, by: req.user!.id, now: ctx.clock.now() }));
    if (!out.ok) {
      if (out.error === "not_found") throw problems.notFound("Loan");
      throw new HttpProblem(422, "refund-exceeds-credit", "Refund exceeds credit balance", `the credit balance is ${out.creditBalanceAmount}`, { creditBalanceAmount: out.creditBalanceAmount });
    }
    return { status: 201, body: { ...out.refund, creditBalanceAmount: out.creditBalanceAmount } };
  },
});

export const resolveRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/payments/{id}/resolve",
  summary: "Resolve a needs_attention payment: apply it to a loan ({loanId}) or record its refund ({refund: true, transferReference})",
  tags: ["payments"],
  access: ["finance"],
  idempotent: true,
  request: { params: IdParams, body: ResolvePayment },
  responses: {
    200: { description: "The payment, resolved (applied; pending while the loan is still disbursing)", schema: ResolvedPayment },
    404: { description: "No such payment, or no such loan" },
    409: { description: "The payment does not need attention, or the loan cannot take payments" },
    422: { description: "A foreign-currency payment can only be refunded" },
  },
  handler(req, ctx) {
    const b = req.body;
    const by = req.user!.id;
    const now = ctx.clock.now();
    const out = ctx.tx((t) =>
      "loanId" in b ? resolvePayment(t, { paymentId: req.params.id, loanId: b.loanId, by, now }) : resolvePayment(t, { paymentId: req.params.id, refund: true, transferReference: b.transferReference, by, now }),
    );
    if (!out.ok) {
      if (out.error === "not_found") throw problems.notFound("Payment");
      if (out.error === "loan_not_found") throw problems.notFound("Loan");
      if (out.error === "foreign_currency") throw new HttpProblem(422, "payment-foreign-currency", "Foreign-currency payment", out.detail);
      throw problems.conflict(out.detail);
    }
    ctx.log.info("payment resolved", { paymentId: req.params.id, resolution: out.payment.resolution, by });
    return { status: 200, body: out.payment };
  },
});

