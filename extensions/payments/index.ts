// Payments extension: disbursement and VA jobs, reconciliation, payoff quote, staff views (payments, webhook event
// log with replay, disbursements) and refunds of credit balances; the gateways' webhooks (./webhooks.ts, mounted by
// the platform as raw-body endpoints), the payment-gateway port, its settings and its record APIs.
import { decodeCursor, defineExtension, defineJob, defineRoute, encodeCursor, HttpProblem, problems, safeText, z, type PaymentGatewayLike } from "./deps.ts";
import { GATEWAY_PORT } from "./gateway.ts";
import { applyPayment, CONFLICTING_RESEND, loadInstalments, loadLoan, markDisbursementNeedsAttention, markDisbursementSent, prepareDisbursement, recordUnusablePayment, refundCredit, resolvePayment } from "./money.ts";
import { PayloadError, parsePaymentNotice, type PaymentNotice, type Provider } from "./verify.ts";
import type { GatewayPayment } from "./gateway.ts";
import { payoffQuote } from "./allocation.ts";
import { replayEvent } from "./events.ts";
import { paymentSettings } from "./settings.ts";
import { createGateway, WEBHOOKS, webhookDeliveriesCounter, weakSecretsPreflight } from "./webhooks.ts";
import { RECORDS } from "./records.ts";

const LoanPayload = z.object({ loanId: z.string().min(1).max(100) });

export const disburseJob = defineJob<{ loanId: string }, { status: string; reason?: string }>({
  name: "disburse",
  payload: LoanPayload,
  runsOn: "owner",
  attempts: 5,
  backoff: { type: "exponential", delayMs: 2000 },
  async handler({ loanId }, ctx) {
    const now = ctx.clock.now();
    const prep = ctx.tx((t) => prepareDisbursement(t, loanId, now));
    if (prep.action === "skip") {
      ctx.log.info("disburse: nothing to do", { loanId, reason: prep.reason });
      return { status: "skipped", reason: prep.reason };
    }
    if (prep.payoutFallback) ctx.log.warn("disburse: loan has no payout account snapshot (created before migration 0011); paying to the profile's bank account", { loanId, attempt: prep.attempt });
    const gw = ctx.port<PaymentGatewayLike>(GATEWAY_PORT);
    try {
      const r = await gw.requestDisbursement(prep.request);
      ctx.tx((t) => markDisbursementSent(t, prep.disbursementId, prep.attempt, r.gatewayRef, gw.provider, ctx.clock.now()));
      return { status: "sent" };
    } catch (err) {
      // The gateway call is idempotent per reference: the runner retries; after the last attempt a human looks.
      if (ctx.attempt >= 5) ctx.tx((t) => markDisbursementNeedsAttention(t, prep.disbursementId, `gateway error: ${(err as Error).message}`.slice(0, 500), ctx.clock.now()));
      throw err;
    }
  },
});

export const issueVirtualAccountJob = defineJob<{ loanId: string }, { vaNumber: string | null }>({
  name: "issue-virtual-account",
  payload: LoanPayload,
  runsOn: "owner",
  attempts: 5,
  async handler({ loanId }, ctx) {
    const existing = ctx.db.get<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ?", loanId);
    if (existing) return { vaNumber: existing.va_number };
    const loan = ctx.db.get<{ id: string; user_id: string }>("SELECT id, user_id FROM loans WHERE id = ?", loanId);
    if (!loan) return { vaNumber: null };
    const name = ctx.db.get<{ full_name: string }>("SELECT full_name FROM borrower_profiles WHERE user_id = ?", loan.user_id)?.full_name ?? "KREDITKU BORROWER";
    const gw = ctx.port<PaymentGatewayLike>(GATEWAY_PORT);
    const va = await gw.createVirtualAccount({ loanId, name });
    const at = ctx.clock.now().toISOString();
    ctx.tx((t) => t.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, name, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", va.vaNumber, loanId, gw.provider, va.bankCode, va.name, at));
    return { vaNumber: va.vaNumber };
  },
});

/** A reconciliation row, validated by the same parser as a webhook payload (throws PayloadError). */
export function parseGatewayPayment(_provider: Provider, row: Partial<Record<keyof GatewayPayment, unknown>> | null): PaymentNotice {
  if (typeof row !== "object" || row === null) throw new PayloadError("gateway row is not an object");
  const currency = row.currency;
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) throw new PayloadError(`currency ${JSON.stringify(currency)} is not an ISO-4217 code`);
  return parsePaymentNotice("standard", {
    type: "payment.succeeded",
    data: { payment_id: row.paymentId, va_number: row.vaNumber, amount: row.amount, currency, paid_at: row.paidAt },
  });
}

export const reconcileJob = defineJob<{ from?: string; to?: string }, { seen: number; applied: number; needsAttention: number }>({
  name: "reconcile-payments",
  payload: z.object({ from: z.string().datetime().optional(), to: z.string().datetime().optional() }),
  runsOn: "owner",
  schedule: "*/10 * * * *",
  attempts: 3,
  async handler(p, ctx) {
    const now = ctx.clock.now();
    const to = p.to ? new Date(p.to) : now;
    // Window of the scheduled run: the last reconcileWindowHours (default 48) of the payments settings.
    const from = p.from ? new Date(p.from) : new Date(to.getTime() - ctx.settings(paymentSettings).reconcileWindowHours * 3600_000);
    const gw = ctx.port<PaymentGatewayLike>(GATEWAY_PORT);
    const list = await gw.listPayments({ from, to });
    if (!Array.isArray(list)) throw new Error("gateway listPayments did not answer a list");
    let applied = 0;
    let needsAttention = 0;
    for (const row of list as unknown[]) {
      // Each row is validated like a webhook payload, and applied on its own: a bad row is recorded as
      // needs_attention (once per payment id) and the batch goes on.
      const pm = row as Partial<Record<keyof GatewayPayment, unknown>> | null;
      try {
        const notice = parseGatewayPayment(gw.provider, pm);
        const r = ctx.tx((t) => applyPayment(t, { provider: gw.provider, notice, source: "reconcile", now: ctx.clock.now() }));
        if (!r.duplicate) {
          if (r.status === "needs_attention") needsAttention++;
          else applied++;
          if (r.reason === CONFLICTING_RESEND) ctx.log.warn("reconciliation: the gateway reports a payment with other facts than first reported", { paymentId: notice.paymentId, conflict: r.conflict });
          else ctx.log.warn("reconciliation applied a payment whose webhook never arrived", { paymentId: notice.paymentId, status: r.status });
        }
      } catch (err) {
        needsAttention++;
        const reason = `${err instanceof PayloadError ? "invalid_gateway_row" : "apply_failed"}: ${(err as Error).message}`.slice(0, 300);
        ctx.log.error("reconciliation could not apply a gateway payment", { paymentId: typeof pm?.paymentId === "string" ? pm.paymentId.slice(0, 200) : null, reason });
        try {
          ctx.tx((t) => recordUnusablePayment(t, { provider: gw.provider, row: pm, reason, now: ctx.clock.now() }));
        } catch (e2) {
          ctx.log.error("reconciliation could not record the payment", { err: e2 as Error });
        }
      }
    }
    return { seen: list.length, applied, needsAttention };
  },
});

const IdParam = z.object({ id: z.string().min(1).max(100) });
const page = { limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() };

/** Payments page position: the last row's created_at and id (newest first). */
const PaymentsCursor = z.tuple([z.string().max(40), z.string().max(100)]);
/** Webhook events page position: the last row's id. */
const EventsCursor = z.number().int().min(0);

const payoffRoute = defineRoute<unknown, unknown, { id: string }>({
  method: "get",
  path: "/api/v1/loans/{id}/payoff",
  summary: "Payoff quote and repayment virtual account of the caller's loan",
  tags: ["payments"],
  access: ["borrower"],
  request: { params: IdParam },
  responses: {
    200: {
      description: "What it takes to close the loan today",
      schema: z.object({
        loanId: z.string(),
        status: z.string(),
        outstandingAmount: z.number().int(),
        creditBalanceAmount: z.number().int(),
        payoffAmount: z.number().int(),
        components: z.object({ lateFeeAmount: z.number().int(), feeAmount: z.number().int(), interestAmount: z.number().int(), principalAmount: z.number().int() }),
        virtualAccount: z.object({ vaNumber: z.string(), bankCode: z.string() }).nullable(),
        asOf: z.string(),
      }),
    },
    404: { description: "No such loan of the caller" },
  },
  handler(req, ctx) {
    const loan = loadLoan(ctx.db, req.params.id);
    if (!loan || loan.user_id !== req.user?.id) throw problems.notFound("Loan");
    const q = payoffQuote(loadInstalments(ctx.db, loan.id), loan.credit_balance_amount);
    const va = ctx.db.get<{ va_number: string; bank_code: string }>("SELECT va_number, bank_code FROM virtual_accounts WHERE loan_id = ?", loan.id);
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

const listPayments = defineRoute<unknown, { limit: number; cursor?: string; status?: string; loanId?: string }, unknown>({
  method: "get",
  path: "/api/v1/admin/payments",
  summary: "Repayments received, newest first",
  tags: ["payments"],
  access: ["finance", "admin"],
  request: { query: z.object({ ...page, status: z.enum(["applied", "pending", "needs_attention"]).optional(), loanId: z.string().max(100).optional() }) },
  responses: { 200: { description: "A page of payments" } },
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
    const rows = ctx.db.all<any>(
      `SELECT id, provider, provider_payment_id, va_number, loan_id, amount, paid_at, status, reason, allocation, source, unapplied_amount, resolution, resolved_by, resolved_at, conflict_of, created_at FROM payments
       ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...params,
      limit + 1,
    );
    const pageRows = rows.slice(0, limit);
    const items = pageRows.map((r) => {
      const result = JSON.parse(r.allocation);
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
    });
    const last = pageRows[pageRows.length - 1];
    return { status: 200, body: { items, nextCursor: rows.length > limit ? encodeCursor([last.created_at, last.id]) : null } };
  },
});

const listEvents = defineRoute<unknown, { limit: number; cursor?: string; status?: string }, unknown>({
  method: "get",
  path: "/api/v1/admin/webhook-events",
  summary: "Webhook event log (every delivery, with its outcome or failure reason), newest first",
  tags: ["payments"],
  access: ["admin"],
  request: { query: z.object({ ...page, status: z.enum(["applied", "needs_attention", "ignored", "rejected", "failed"]).optional() }) },
  responses: { 200: { description: "A page of webhook events" } },
  handler(req, ctx) {
    const cursor = decodeCursor(req.query.cursor, EventsCursor);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (cursor !== undefined) (where.push("id < ?"), params.push(cursor));
    if (req.query.status) (where.push("status = ?"), params.push(req.query.status));
    const rows = ctx.db.all<any>(
      `SELECT id, provider, kind, event_id, verified, status, failure_reason, result, attempts, received_at, updated_at FROM webhook_events
       ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`,
      ...params,
      req.query.limit + 1,
    );
    const pageRows = rows.slice(0, req.query.limit);
    const items = pageRows.map((r) => ({
      id: r.id,
      provider: r.provider,
      kind: r.kind,
      eventId: r.event_id,
      verified: r.verified === 1,
      status: r.status,
      failureReason: r.failure_reason,
      result: r.result ? JSON.parse(r.result) : null,
      attempts: r.attempts,
      receivedAt: r.received_at,
      updatedAt: r.updated_at,
      replayable: r.status === "failed" && r.verified === 1,
    }));
    return { status: 200, body: { items, nextCursor: rows.length > req.query.limit ? encodeCursor(pageRows[pageRows.length - 1].id) : null } };
  },
});

const replayRoute = defineRoute<unknown, unknown, { id: string }>({
  method: "post",
  path: "/api/v1/admin/webhook-events/{id}/replay",
  summary: "Replay a failed (verified) webhook event through the same idempotent path",
  tags: ["payments"],
  access: ["admin"],
  idempotent: true,
  request: { params: z.object({ id: z.string().regex(/^\d{1,15}$/) }) },
  responses: { 200: { description: "The event's outcome" }, 404: { description: "No such event" }, 409: { description: "The event is not replayable" } },
  handler(req, ctx) {
    const disburseRetryMs = ctx.settings(paymentSettings).disburseRetryMs;
    const out = ctx.tx((t) => replayEvent(t, Number(req.params.id), ctx.clock.now(), { disburseRetryMs }));
    if ("error" in out) {
      if (out.error === "not_found") throw problems.notFound("Webhook event");
      throw problems.conflict(`only failed, verified events can be replayed (this one is ${out.status})`);
    }
    ctx.log.info("webhook event replayed", { eventRowId: out.eventRowId, status: out.status, by: req.user?.id });
    return { status: 200, body: { id: out.eventRowId, status: out.status, result: out.result } };
  },
});

// A refund records a transfer finance made from the bank (nothing is paid out through the gateway): the transfer's
// reference is required so the cash account can be matched to the bank statement.
const RefundBody = z.object({
  amount: z.number().int().positive().max(1_000_000_000_000),
  reason: safeText({ max: 500, multiline: true }).optional(),
  transferReference: safeText({ min: 1, max: 200 }),
});
const refundRoute = defineRoute<z.infer<typeof RefundBody>, unknown, { id: string }>({
  method: "post",
  path: "/api/v1/admin/loans/{id}/refunds",
  summary: "Record the refund of (part of) a borrower's credit balance, paid by a bank transfer (transferReference)",
  tags: ["payments"],
  access: ["finance"],
  idempotent: true,
  request: { params: IdParam, body: RefundBody },
  responses: { 201: { description: "Refund recorded and posted to the ledger" }, 404: { description: "No such loan" }, 422: { description: "Amount exceeds the credit balance" } },
  handler(req, ctx) {
    const out = ctx.tx((t) => refundCredit(t, { loanId: req.params.id, amount: req.body.amount, reason: req.body.reason, transferReference: req.body.transferReference, by: req.user!.id, now: ctx.clock.now() }));
    if (!out.ok) {
      if (out.error === "not_found") throw problems.notFound("Loan");
      throw new HttpProblem(422, "refund-exceeds-credit", "Refund exceeds credit balance", `the credit balance is ${out.creditBalanceAmount}`, { creditBalanceAmount: out.creditBalanceAmount });
    }
    return { status: 201, body: { ...out.refund, creditBalanceAmount: out.creditBalanceAmount } };
  },
});

const ResolveBody = z.union([
  z.object({ loanId: z.string().min(1).max(100) }).strict(),
  z.object({ refund: z.literal(true), transferReference: safeText({ min: 1, max: 200 }) }).strict(),
]);
const resolveRoute = defineRoute<z.infer<typeof ResolveBody>, unknown, { id: string }>({
  method: "post",
  path: "/api/v1/admin/payments/{id}/resolve",
  summary: "Resolve a needs_attention payment: apply it to a loan ({loanId}) or record its refund ({refund: true, transferReference})",
  tags: ["payments"],
  access: ["finance"],
  idempotent: true,
  request: { params: IdParam, body: ResolveBody },
  responses: {
    200: { description: "The payment, resolved (applied; pending while the loan is still disbursing)" },
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

const listDisbursements = defineRoute<unknown, { status?: string; limit: number }, unknown>({
  method: "get",
  path: "/api/v1/admin/disbursements",
  summary: "Disbursements (one per loan) with their attempts and status",
  tags: ["payments"],
  access: ["finance", "admin"],
  request: { query: z.object({ limit: page.limit, status: z.enum(["queued", "pending", "succeeded", "failed", "needs_attention"]).optional() }) },
  responses: { 200: { description: "Disbursements, newest first" } },
  handler(req, ctx) {
    const rows = ctx.db.all<any>(
      `SELECT id, loan_id, principal, fee_amount, net_amount, status, attempts, provider, gateway_ref, failure_reason, requested_at, completed_at, created_at
         FROM disbursements ${req.query.status ? "WHERE status = ?" : ""} ORDER BY created_at DESC LIMIT ?`,
      ...((req.query.status ? [req.query.status, req.query.limit] : [req.query.limit]) as any[]),
    );
    return {
      status: 200,
      body: {
        items: rows.map((r) => ({
          id: r.id,
          loanId: r.loan_id,
          principalAmount: r.principal,
          feeAmount: r.fee_amount,
          netAmount: r.net_amount,
          status: r.status,
          attempts: r.attempts,
          provider: r.provider,
          gatewayRef: r.gateway_ref,
          failureReason: r.failure_reason,
          requestedAt: r.requested_at,
          completedAt: r.completed_at,
          createdAt: r.created_at,
        })),
      },
    };
  },
});

export default defineExtension({
  name: "payments",
  jobs: [disburseJob, issueVirtualAccountJob, reconcileJob],
  routes: [payoffRoute, listPayments, listEvents, replayRoute, refundRoute, resolveRoute, listDisbursements],
  webhooks: WEBHOOKS,
  records: RECORDS,
  settings: paymentSettings,
  ports: { [GATEWAY_PORT]: createGateway },
  preflight: weakSecretsPreflight,
  init(ctx) {
    webhookDeliveriesCounter(ctx);
    // Business gauges (DESIGN §3): money sent to borrowers, by disbursement status, read at scrape time.
    ctx.metrics.gauge("kreditku_disbursed_amount", "Principal of disbursements by status (rupiah)", ["status"], function () {
      try {
        this.reset();
        for (const r of ctx.db.all<{ status: string; amount: number }>("SELECT status, COALESCE(SUM(principal), 0) AS amount FROM disbursements GROUP BY status")) {
          this.set({ status: r.status }, r.amount);
        }
      } catch {
        /* database closing */
      }
    });
  },
});
