// Collections: DPD and buckets, late fees within the caps, reminders, write-offs, portfolio metrics; the record APIs
// over its tables and the overview's loans (portfolio) part.
import { randomUUID } from "node:crypto";
import { auditChange, defineApprovable, defineExtension, defineRoute, jakartaDate, PendingApprovalSchema, PENDING_EXAMPLE, proposeOrRun, z, type ExtensionContext } from "../../src/runtime/index.ts";
import { PII } from "../loans/personal-data.ts";
import { RECORDS } from "./records.ts";
import { portfolioOverview } from "./overview.ts";
import { delinquencySweepJob } from "../../jobs/delinquency-sweep.ts";
import { sendReminderJob } from "../../jobs/send-reminder.ts";
import { listCollections, portfolioSummary, rollRateReport, setWriteOffDpd, writeOffDpd, writeOffLoan } from "./service.ts";
import type { SweepRunRow } from "./sweep.ts";
import { COLLECTION_LOG_ROUTES } from "./collection-log-routes.ts";
import {
  CollectionList,
  CollectionsQuery,
  CollectionsSettings,
  LoanIdParams,
  PortfolioSummary,
  Problem,
  RollRates,
  RollRatesQuery,
  SweepAccepted,
  WriteOff,
  WriteOffRequest,
} from "../../schemas/collections.ts";

const STAFF = ["analyst", "finance", "admin"] as ("analyst" | "finance" | "admin")[];
const problem = (description: string) => ({ description, schema: Problem, contentType: "application/problem+json" });

const summaryRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/portfolio/summary",
  summary: "Portfolio summary: outstanding by DPD bucket, TWP90 and TKB90",
  tags: ["collections"],
  access: STAFF,
  responses: { 200: { description: "Summary as of the last sweep", schema: PortfolioSummary }, 401: problem("Not signed in"), 403: problem("Not staff") },
  handler(_req, ctx) {
    const s = portfolioSummary(ctx.db);
    const run = ctx.db.get<SweepRunRow>("SELECT * FROM sweep_runs ORDER BY run_date DESC LIMIT 1");
    return {
      status: 200,
      body: {
        ...s,
        lastSweep: run
          ? { runDate: run.run_date, status: run.status, loans: run.loans_processed, lateFeeAmount: run.late_fee_amount, reminders: run.reminders, finishedAt: run.finished_at }
          : null,
      },
    };
  },
});

const rollRatesRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/portfolio/roll-rates",
  summary: "Roll rates bucket to bucket between two snapshot days (default: the last 30 days)",
  tags: ["collections"],
  access: STAFF,
  request: { query: RollRatesQuery },
  responses: { 200: { description: "Share of loans per start bucket in each end bucket", schema: RollRates }, 401: problem("Not signed in"), 403: problem("Not staff") },
  handler(req, ctx) {
    return { status: 200, body: rollRateReport(ctx.db, { from: req.query.from, to: req.query.to }) };
  },
});

const listRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/collections",
  summary: "Open loans by days past due, with filters (bucket, status, DPD range) and cursor pagination",
  tags: ["collections"],
  access: STAFF,
  request: { query: CollectionsQuery },
  responses: { 200: { description: "Collections list, highest DPD first", schema: CollectionList }, 401: problem("Not signed in"), 403: problem("Not staff"), 422: problem("Invalid filter") },
  handler(req, ctx) {
    const page = listCollections(ctx.db, req.query);
    // the borrower's phone as the personal-data policy shows it to the caller's role (as the record APIs do)
    return { status: 200, body: { ...page, items: page.items.map((i) => PII.view(i, ctx.user?.role, { phone: "borrower.phone" })) } };
  },
});

/**
 * A write-off, approvable (four-eyes): by default one of Rp 10.000.000 or more (the receivables written off) needs a
 * second staff member's approval; the audit entry names both.
 */
export const writeOffAction = defineApprovable<{ loanId: string; reason: string }, ReturnType<typeof writeOffLoan>>({
  action: "loan.write_off",
  label: "Write-off",
  labelId: "Hapus buku",
  roles: ["finance", "admin"],
  input: z.object({ loanId: z.string().min(1).max(200), reason: z.string().min(3).max(500) }),
  entity: (i) => ({ type: "loan", id: i.loanId }),
  amount: (_i, r) => r.writeOff.totalAmount,
  settled: (r) => !r.created,
  defaultPolicy: { required: true, thresholdAmount: 10_000_000 },
  execute(t, input, run) {
    const before = t.get<{ status: string; dpd: number | null }>("SELECT l.status, c.dpd FROM loans l LEFT JOIN collection_state c ON c.loan_id = l.id WHERE l.id = ?", input.loanId);
    const r = writeOffLoan(t, { loanId: input.loanId, actor: run.actor.id, reason: input.reason, now: run.now });
    if (r.created) {
      const w = r.writeOff;
      auditChange(t, { user: run.actor, ip: run.ip, userAgent: run.userAgent }, {
        event: "loan.written_off",
        entity: { type: "loan", id: input.loanId },
        before: before ? { status: before.status, dpd: before.dpd } : null,
        after: { status: "written_off", totalAmount: w.totalAmount, principalAmount: w.principalAmount, interestAmount: w.interestAmount, feeAmount: w.feeAmount, lateFeeAmount: w.lateFeeAmount, journalId: w.journalId },
        reason: input.reason,
        details: run.approvalId ? { approvalId: run.approvalId, approvedBy: run.approvedBy?.id ?? null } : {},
        at: run.now,
      });
    }
    return r;
  },
});

const writeOffRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/loans/{id}/write-off",
  summary: "Write a delinquent loan off (DPD at least the configured threshold, default 180); posted to the ledger",
  tags: ["collections"],
  access: ["finance", "admin"],
  idempotent: true,
  request: { params: LoanIdParams, body: WriteOffRequest },
  responses: {
    201: { description: "Written off", schema: WriteOff },
    200: { description: "Already written off (the first result)", schema: WriteOff },
    202: { description: "Proposed: the approval policy requires another staff member's approval at this amount (default: from Rp 10.000.000)", schema: PendingApprovalSchema, example: PENDING_EXAMPLE },
    404: problem("No such loan"),
    409: problem("Not delinquent, or DPD below the threshold"),
    401: problem("Not signed in"),
    403: problem("Not finance or admin"),
  },
  handler(req, ctx) {
    const actor = req.user?.id ?? "unknown";
    const out = proposeOrRun(ctx, req, writeOffAction, { loanId: req.params.id, reason: req.body.reason }, { reason: req.body.reason });
    if (out.kind === "proposed") return { status: 202, body: { approvalRequired: true as const, approval: out.approval } };
    const r = out.result;
    if (r.created) ctx.log.info("loan written off", { loanId: r.writeOff.loanId, dpd: r.writeOff.dpd, totalAmount: r.writeOff.totalAmount, actor });
    return { status: r.created ? 201 : 200, body: r.writeOff };
  },
});

const getSettingsRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/collections/settings",
  summary: "Collections settings",
  tags: ["collections"],
  access: STAFF,
  responses: { 200: { description: "Settings", schema: CollectionsSettings }, 401: problem("Not signed in"), 403: problem("Not staff") },
  handler(_req, ctx) {
    return { status: 200, body: { writeOffDpd: writeOffDpd(ctx.db) } };
  },
});

const putSettingsRoute = defineRoute({
  method: "put",
  path: "/api/v1/admin/collections/settings",
  summary: "Change collections settings (write-off DPD threshold)",
  tags: ["collections"],
  access: ["admin"],
  request: { body: CollectionsSettings },
  responses: { 200: { description: "Settings", schema: CollectionsSettings }, 401: problem("Not signed in"), 403: problem("Not admin"), 422: problem("Invalid settings") },
  handler(req, ctx) {
    ctx.tx((t) => {
      const before = writeOffDpd(t);
      setWriteOffDpd(t, req.body.writeOffDpd);
      auditChange(t, req, { event: "settings.changed", entity: { type: "settings", id: "collections" }, before: { writeOffDpd: before }, after: { writeOffDpd: req.body.writeOffDpd }, at: ctx.clock.now() });
    });
    ctx.log.info("collections settings changed", { writeOffDpd: req.body.writeOffDpd, actor: req.user?.id });
    return { status: 200, body: { writeOffDpd: writeOffDpd(ctx.db) } };
  },
});

const runSweepRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/collections/sweep",
  summary: "Queue today's delinquency sweep now (idempotent per Asia/Jakarta day; a rerun re-evaluates the loans that were behind)",
  tags: ["collections"],
  access: ["admin"],
  responses: { 202: { description: "Queued", schema: SweepAccepted }, 401: problem("Not signed in"), 403: problem("Not admin") },
  handler(_req, ctx) {
    const runDate = jakartaDate(ctx.clock.now());
    // One job per request: a second manual run the same day is not swallowed by the first one's key; the sweep
    // itself is idempotent per day and re-evaluates the standing of loans that changed since.
    const jobKey = ctx.enqueue(delinquencySweepJob, {}, { key: `delinquency-sweep:manual:${runDate}:${randomUUID()}` });
    return { status: 202, body: { jobKey, runDate } };
  },
});

/** Business gauges, read from the last sweep's state when Prometheus scrapes. */
export function registerGauges(ctx: Pick<ExtensionContext, "db" | "metrics">) {
  ctx.metrics.gauge("kreditku_outstanding_amount", "Outstanding (rupiah) of open loans by DPD bucket: principal + interest + fees unpaid, late fees apart (DPD as of the last sweep)", ["bucket"], function () {
    const s = portfolioSummary(ctx.db);
    for (const b of s.buckets) this.set({ bucket: b.bucket }, b.outstandingAmount);
  });
  ctx.metrics.gauge("kreditku_twp90_ratio", "TWP90: outstanding of loans > 90 DPD / total outstanding (late fees in neither)", [], function () {
    this.set(portfolioSummary(ctx.db).twp90);
  });
}

export default defineExtension({
  name: "collections",
  routes: [summaryRoute, rollRatesRoute, listRoute, writeOffRoute, getSettingsRoute, putSettingsRoute, runSweepRoute, ...COLLECTION_LOG_ROUTES],
  jobs: [sendReminderJob, delinquencySweepJob],
  records: RECORDS,
  approvals: [writeOffAction],
  overview: [portfolioOverview],
  init(ctx) {
    registerGauges(ctx);
  },
});

