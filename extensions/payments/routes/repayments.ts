// Repayments as people see them: the borrower's payoff quote (with the VA to pay to) and staff's list of the
// payments received.
import { decodeCursor, defineRoute, encodeCursor, problems } from "../../../src/runtime/index.ts";
import { IdParams, PaymentList, PaymentsCursor, PaymentsQuery, PayoffQuote, type PaymentResult } from "../../../schemas/payments.ts";
import { payoffQuote } from "../allocation.ts";
import { loadInstalments, loadLoan } from "../loan-balance.ts";
import { payments, type PaymentRow } from "../rows.ts";
import { virtualAccountOf } from "../virtual-accounts.ts";

export const payoffRoute = defineRoute({
  method: "get",
  path: "/api/v1/loans/{id}/payoff",
  summary: "Payoff quote and repayment virtual account of the caller's loan",
  tags: ["payments"],
  access: ["borrower"],
  request: { params: IdParams },
  responses: {
    200: { description: "What it takes to close the loan today", schema: PayoffQuote },
    404: { description: "No such loan of the caller" },
  },
  handler(req, ctx) {
    const loan = loadLoan(ctx.db, req.params.id);
    if (!loan || loan.user_id !== req.user?.id) throw problems.notFound("Loan");
    const q = payoffQuote(loadInstalments(ctx.db, loan.id), loan.credit_balance_amount);
    const va = virtualAccountOf(ctx.db, loan.id);
    return {
      status: 200,
      body: {
        loanId: loan.id,
        status: loan.status,
        outstandingAmount: q.outstanding,
        creditBalanceAmount: q.creditBalance,
        payoffAmount: q.payoffAmount,
        components: { lateFeeAmount: q.components.lateFee, feeAmount: q.components.fee, interestAmount: q.components.interest, principalAmount: q.components.principal },
        virtualAccount: va ? { vaNumber: va.va_number, bankCode: va.bank_code } : null,
        asOf: ctx.clock.now().toISOString(),
      },
    };
  },
});

const LISTED = ["id", "provider", "provider_payment_id", "va_number", "loan_id", "amount", "paid_at", "status", "reason", "allocation", "source", "unapplied_amount", "resolution", "resolved_by", "resolved_at", "conflict_of", "created_at"] as const;

function paymentOut(r: Pick<PaymentRow, (typeof LISTED)[number]>) {
  const result = JSON.parse(r.allocation) as Partial<PaymentResult>;
  return {
    id: r.id,
    provider: r.provider,
    providerPaymentId: r.provider_payment_id,
    vaNumber: r.va_number,
    loanId: r.loan_id,
    amount: r.amount,
    paidAt: r.paid_at,
    status: r.status,
    reason: r.reason,
    source: r.source,
    allocation: result.allocation ?? null,
    unappliedAmount: r.unapplied_amount,
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    resolvedAt: r.resolved_at,
    // A report contradicting an earlier payment (reason conflicting_resend): that payment's id, and its
    // recorded facts (amount, VA, status) beside this report's.
    conflictOf: r.conflict_of ?? null,
    conflict: result.conflict ?? null,
    createdAt: r.created_at,
  };
}

export const listPaymentsRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/payments",
  summary: "Repayments received, newest first",
  tags: ["payments"],
  access: ["finance", "admin"],
  request: { query: PaymentsQuery },
  responses: { 200: { description: "A page of payments", schema: PaymentList } },
  handler(req, ctx) {
    const { limit, status, loanId } = req.query;
    const cursor = decodeCursor(req.query.cursor, PaymentsCursor);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (cursor) {
      const [at, id] = cursor;
      where.push("(created_at < ? OR (created_at = ? AND id < ?))");
      params.push(at, at, id);
    }
    if (status) (where.push("status = ?"), params.push(status));
    if (loanId) (where.push("loan_id = ?"), params.push(loanId));
    const rows = ctx.db.all<Pick<PaymentRow, (typeof LISTED)[number]>>(
      `${payments.select(LISTED)} ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...params,
      limit + 1,
    );
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return { status: 200, body: { items: pageRows.map(paymentOut), nextCursor: rows.length > limit ? encodeCursor([last.created_at, last.id]) : null } };
  },
});

