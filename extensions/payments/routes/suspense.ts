// Finance's actions on money held for a borrower or in suspense: resolve a needs_attention payment (apply it to a
// loan, or record the transfer that refunded it) and refund (part of) a credit balance.
import { auditChange, defineApprovable, defineRoute, HttpProblem, PendingApprovalSchema, PENDING_EXAMPLE, problems, proposeOrRun, z } from "../../../src/runtime/index.ts";
import { IdParams, Refund, RefundRequest, ResolvedPayment, ResolvePayment } from "../../../schemas/payments.ts";
import { refundCredit } from "../credit.ts";
import { resolvePayment } from "../suspense.ts";

/** A refund, approvable (four-eyes): by default one of Rp 5.000.000 or more needs a second finance staff member's approval. */
export const refundAction = defineApprovable({
  action: "loan.refund",
  label: "Refund",
  labelId: "Pengembalian dana",
  roles: ["finance"],
  input: z.object({ loanId: z.string().min(1).max(200), amount: z.number().int().positive(), reason: z.string().max(500).optional(), transferReference: z.string().min(1).max(200) }),
  entity: (i) => ({ type: "loan", id: i.loanId }),
  amount: (i) => i.amount,
  defaultPolicy: { required: true, thresholdAmount: 5_000_000 },
  execute(t, input, run) {
    const out = refundCredit(t, { loanId: input.loanId, amount: input.amount, reason: input.reason, transferReference: input.transferReference, by: run.actor.id, now: run.now });
    if (!out.ok) {
      if (out.error === "not_found") throw problems.notFound("Loan");
      throw new HttpProblem(422, "refund-exceeds-credit", "Refund exceeds credit balance", `the credit balance is ${out.creditBalanceAmount}`, { creditBalanceAmount: out.creditBalanceAmount });
    }
    auditChange(t, { user: run.actor, ip: run.ip, userAgent: run.userAgent }, {
      event: "loan.refunded",
      entity: { type: "loan", id: input.loanId },
      before: { creditBalanceAmount: out.creditBalanceAmount + input.amount },
      after: { creditBalanceAmount: out.creditBalanceAmount, refund: out.refund },
      reason: input.reason ?? null,
      details: { amount: input.amount, transferReference: input.transferReference, ...(run.approvalId ? { approvalId: run.approvalId, approvedBy: run.approvedBy?.id ?? null } : {}) },
      at: run.now,
    });
    return { ...out.refund, creditBalanceAmount: out.creditBalanceAmount };
  },
});

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
    202: { description: "Proposed: the approval policy requires another finance staff member's approval at this amount (default: from Rp 5.000.000)", schema: PendingApprovalSchema, example: PENDING_EXAMPLE },
    404: { description: "No such loan" },
    422: { description: "Amount exceeds the credit balance" },
  },
  handler(req, ctx) {
    const out = proposeOrRun(ctx, req, refundAction, { loanId: req.params.id, ...req.body }, { reason: req.body.reason ?? null });
    if (out.kind === "proposed") return { status: 202, body: { approvalRequired: true as const, approval: out.approval } };
    return { status: 201, body: out.result };
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
    const out = ctx.tx((t) => {
      const before = t.get<{ status: string; loan_id: string | null; unapplied_amount: number }>("SELECT status, loan_id, unapplied_amount FROM payments WHERE id = ?", req.params.id);
      const r =
        "loanId" in b ? resolvePayment(t, { paymentId: req.params.id, loanId: b.loanId, by, now }) : resolvePayment(t, { paymentId: req.params.id, refund: true, transferReference: b.transferReference, by, now });
      if (r.ok && before) {
        auditChange(t, req, {
          event: "payment.resolved",
          entity: { type: "payment", id: req.params.id },
          before: { status: before.status, loanId: before.loan_id, unappliedAmount: before.unapplied_amount },
          after: { status: r.payment.status, loanId: r.payment.loanId ?? null, resolution: r.payment.resolution },
          details: "loanId" in b ? { loanId: b.loanId } : { refund: true, transferReference: b.transferReference },
          at: now,
        });
      }
      return r;
    });
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

