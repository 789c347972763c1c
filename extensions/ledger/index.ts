// Ledger extension: staff views of the double-entry book (journals with cursor pagination, trial balance, the
// proof), the `ledger` check (CLI and backup verification) and the record APIs over the book.
import { auditChange, defineExtension, defineRoute, HttpProblem, jakartaDate, problems } from "../../src/runtime/index.ts";
import { Funding, FundingRequest, LedgerCheck, LedgerPage, LedgerQuery, TrialBalance } from "../../schemas/ledger.ts";
import { bookFigures, checkLedger, trialBalance } from "./ledger.ts";
import { recordFunding } from "./funding.ts";
import { ledgerCheck } from "./check.ts";
import { RECORDS } from "./records.ts";

const listJournals = defineRoute({
  method: "get",
  path: "/api/v1/admin/ledger",
  summary: "Ledger journals, newest first (cursor pagination)",
  tags: ["ledger"],
  access: ["finance", "admin"],
  request: { query: LedgerQuery },
  responses: { 200: { description: "A page of journals", schema: LedgerPage } },
  handler(req, ctx) {
    const { limit, cursor, loanId, kind } = req.query;
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (cursor) (where.push("id < ?"), params.push(Number(cursor)));
    if (loanId) (where.push("loan_id = ?"), params.push(loanId));
    if (kind) (where.push("kind = ?"), params.push(kind));
    const rows = ctx.db.all<{ id: number; kind: string; ref: string; loan_id: string | null; memo: string | null; total: number; posted_at: string }>(
      `SELECT id, kind, ref, loan_id, memo, total, posted_at FROM ledger_journals ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`,
      ...params,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const items = page.map((j) => ({
      id: j.id,
      kind: j.kind,
      ref: j.ref,
      loanId: j.loan_id,
      memo: j.memo,
      totalAmount: j.total,
      postedAt: j.posted_at,
      lines: ctx.db
        .all<{ account: string; loan_id: string | null; debit: number; credit: number }>("SELECT account, loan_id, debit, credit FROM ledger_lines WHERE journal_id = ? ORDER BY id", j.id)
        .map((l) => ({ account: l.account, loanId: l.loan_id, debitAmount: l.debit, creditAmount: l.credit })),
    }));
    return { status: 200, body: { items, nextCursor: rows.length > limit ? String(page[page.length - 1].id) : null } };
  },
});

const getTrialBalance = defineRoute({
  method: "get",
  path: "/api/v1/admin/ledger/trial-balance",
  summary: "Trial balance: debits and credits per account; the book balances when the totals agree",
  tags: ["ledger"],
  access: ["finance", "admin"],
  responses: {
    200: {
      description: "Trial balance",
      schema: TrialBalance,
    },
  },
  handler(_req, ctx) {
    const tb = trialBalance(ctx.db);
    return {
      status: 200,
      body: {
        accounts: tb.accounts.map((a) => ({ account: a.account, debitAmount: a.debit, creditAmount: a.credit, balanceAmount: a.balance })),
        totalDebitAmount: tb.totalDebit,
        totalCreditAmount: tb.totalCredit,
        balanced: tb.balanced,
      },
    };
  },
});

const getCheck = defineRoute({
  method: "get",
  path: "/api/v1/admin/ledger/check",
  summary: "Prove the book: every journal balances and per-loan receivables equal the schedules' unpaid amounts",
  tags: ["ledger"],
  access: ["finance", "admin"],
  responses: { 200: { description: "Check result", schema: LedgerCheck } },
  handler(_req, ctx) {
    const r = checkLedger(ctx.db);
    return { status: 200, body: { ok: r.discrepancies.length === 0, ...r, discrepancies: r.discrepancies.map((d) => ({ ...d })), figures: bookFigures(ctx.db) } };
  },
});

const recordFundingRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/ledger/funding",
  summary: "Record funding received in the bank account: a capital injection (Dr cash / Cr funding) or a credit-line drawdown (Dr cash / Cr credit_line)",
  tags: ["ledger"],
  access: ["finance", "admin"],
  idempotent: true,
  request: { body: FundingRequest },
  responses: {
    201: { description: "Posted: one balanced journal", schema: Funding },
    409: { description: "That reference is already recorded for this source" },
    422: { description: "Invalid, or dated after today" },
  },
  handler(req, ctx) {
    const b = req.body;
    const now = ctx.clock.now();
    const today = jakartaDate(now);
    if (b.receivedAt && b.receivedAt > today) throw problems.validation([{ path: "receivedAt", message: `must be on or before ${today}` }]);
    // the start of the day it arrived (Asia/Jakarta), or now when it arrived today / no day is given
    const postedAt = b.receivedAt && b.receivedAt < today ? new Date(`${b.receivedAt}T00:00:00+07:00`).toISOString() : now.toISOString();
    const by = req.user!.id;
    const out = ctx.tx((t) => {
      const r = recordFunding(t, { ...b, by, postedAt });
      if (r.ok) {
        auditChange(t, req, {
          event: "ledger.funding_recorded",
          entity: { type: "journal", id: String(r.journalId) },
          after: { source: b.source, amount: b.amount, reference: b.reference, postedAt: r.postedAt, cashAmount: r.cashAmount },
          reason: r.memo,
          at: now,
        });
      }
      return r;
    });
    if (!out.ok) throw new HttpProblem(409, "funding-reference-recorded", "Reference already recorded", `${b.source} funding with reference ${b.reference} is journal ${out.journalId}`, { journalId: out.journalId });
    ctx.log.info("funding recorded", { source: b.source, amount: b.amount, reference: b.reference, journalId: out.journalId, by });
    return {
      status: 201,
      body: { journalId: out.journalId, source: b.source, amount: b.amount, reference: b.reference, memo: out.memo, postedAt: out.postedAt, lines: out.lines, cashAmount: out.cashAmount },
    };
  },
});

export default defineExtension({ name: "ledger", routes: [listJournals, getTrialBalance, getCheck, recordFundingRoute], records: RECORDS, checks: [ledgerCheck] });
