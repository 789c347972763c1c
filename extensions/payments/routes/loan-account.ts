// The staff loan account (GET /api/v1/admin/loans/{id}): the loan page's data in one request. It lives in payments
// because it needs the payoff quote and the VA (payments sits above collections and loans, whose figures it reuses:
// loans' loanOut — the one definition of outstanding —, collections' standing — overdue, DPD bucket).
import { auditChange, defineRoute, jakartaDate, problems } from "../../../src/runtime/index.ts";
import { IdParams } from "../../../schemas/common.ts";
import { LoanAccount, LOAN_ACCOUNT_EXAMPLE } from "../../../schemas/loan-account.ts";
import { loanOut } from "../../loans/repo.ts";
import { actorsOf } from "../../loans/actors.ts";
import { PII } from "../../loans/personal-data.ts";
import type { LoanEventRow, LoanRow } from "../../loans/rows.ts";
import { asViews, standingOf } from "../../collections/standing.ts";
import { payoffQuote } from "../allocation.ts";
import { loadInstalments } from "../loan-balance.ts";
import { virtualAccountOf } from "../virtual-accounts.ts";
import type { PaymentRow } from "../rows.ts";

const problem = (description: string) => ({ description });
const LISTED = 200;

export const loanAccountRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/loans/{id}",
  summary: "A loan account for staff: borrower, outstanding, overdue, next due, payoff, VA, DPD bucket, schedule, payments, events, payout account",
  description:
    "Personal data follows the personal-data policy for the caller's role: the borrower's phone in full for admins only (`+62812*****890` otherwise); " +
    "the payout account number (where refunds go) in full for finance and admins, the last 4 digits for analysts. Staff who see either in full are " +
    "recorded in the audit log (`pii.viewed`). Actors of the events are named (display name, else email).",
  tags: ["payments", "Admin"],
  access: ["analyst", "finance", "admin"],
  request: { params: IdParams },
  responses: {
    200: { description: "The loan account", schema: LoanAccount, example: LOAN_ACCOUNT_EXAMPLE },
    401: problem("Not signed in"),
    403: problem("Not staff"),
    404: problem("No such loan"),
  },
  handler(req, ctx) {
    const now = ctx.clock.now();
    const today = jakartaDate(now);
    const role = req.user!.role;
    const row = ctx.db.get<LoanRow>("SELECT * FROM loans WHERE id = ?", req.params.id);
    if (!row) throw problems.notFound("Loan");
    const loan = loanOut(ctx.db, row, today, true);
    const inst = loadInstalments(ctx.db, row.id);
    const standing = standingOf(row, asViews(inst), today);
    const quote = payoffQuote(inst, row.credit_balance_amount);
    const va = virtualAccountOf(ctx.db, row.id);
    const person = ctx.db.get<{ phone: string | null; full_name: string | null }>(
      "SELECT u.phone AS phone, p.full_name AS full_name FROM users u LEFT JOIN borrower_profiles p ON p.user_id = u.id WHERE u.id = ?",
      row.user_id,
    );
    const payout = row.payout_account_json ? (JSON.parse(row.payout_account_json) as { bankCode: string; accountNumber: string; accountName: string }) : null;
    const payments = ctx.db.all<Pick<PaymentRow, "id" | "amount" | "paid_at" | "status" | "provider" | "reason">>(
      "SELECT id, amount, paid_at, status, provider, reason FROM payments WHERE loan_id = ? ORDER BY paid_at DESC, id DESC LIMIT ?",
      row.id,
      LISTED,
    );
    const events = ctx.db.all<Omit<LoanEventRow, "loan_id">>("SELECT id, from_status, to_status, actor, reason, at FROM loan_events WHERE loan_id = ? ORDER BY id DESC LIMIT ?", row.id, LISTED);
    const actors = actorsOf(ctx.db, events.map((e) => e.actor));
    const phone = person?.phone ?? null;
    const body = {
      loan,
      borrower: { userId: row.user_id, name: person?.full_name ?? null, phone: phone === null ? null : (PII.show("borrower.phone", role, phone) as string) },
      figures: {
        outstandingAmount: loan.outstandingAmount,
        lateFeeOutstandingAmount: loan.lateFeeOutstandingAmount,
        overdueAmount: standing.overdue,
        nextDueDate: loan.nextDueDate,
        nextDueAmount: loan.nextDueAmount,
        creditBalanceAmount: quote.creditBalance,
        payoffAmount: quote.payoffAmount,
        dpd: standing.dpd,
        bucket: standing.bucket,
      },
      virtualAccount: va ? { vaNumber: va.va_number, bankCode: va.bank_code } : null,
      payoutAccount: payout ? { ...payout, accountNumber: PII.show("loan.payoutAccountNumber", role, payout.accountNumber) as string } : null,
      payments: payments.map((p) => ({ id: p.id, amount: p.amount, paidAt: p.paid_at, status: p.status, provider: p.provider, reason: p.reason ?? null })),
      events: events.map((e) => ({ id: e.id, from: e.from_status, to: e.to_status, actor: actors.get(e.actor)!, reason: e.reason, at: e.at })),
      asOf: now.toISOString(),
    };
    // Personal data shown in full is a PII view: recorded in the audit log.
    const clear = [
      ...(phone !== null && body.borrower.phone === phone ? ["borrower.phone"] : []),
      ...(payout && body.payoutAccount?.accountNumber === payout.accountNumber ? ["loan.payoutAccountNumber"] : []),
    ];
    if (clear.length) {
      ctx.tx((t) =>
        auditChange(t, req, { event: "pii.viewed", entity: { type: "loan", id: row.id }, userId: row.user_id, details: { view: "loan account", fields: clear }, at: now }),
      );
    }
    return { status: 200, body };
  },
});
