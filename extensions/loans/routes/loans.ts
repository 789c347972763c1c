// Loans (read side for borrowers and staff), staff review of applications, and the realtime status stream.
import { auditChange, defineRoute, encodeCursor, HttpProblem, jakartaDate, problems, type ExtensionContext } from "../../../src/runtime/index.ts";
import { PII } from "../personal-data.ts";
import { EXAMPLE_IDS } from "../../../schemas/common.ts";
import { AdminListQuery, Application, APPLICATION_DETAIL_EXAMPLE, APPLICATION_EXAMPLE, ApplicationDetail, ApplicationList, DecisionRequest, IdParams, ListQuery } from "../../../schemas/applications.ts";
import { INSTALMENT_EXAMPLE, Loan, LOAN_EXAMPLE, LoanList, StatusEventStream } from "../../../schemas/loans.ts";
import { applicationOut, pageAfter, documentDownloadName, documentOut, getProduct, loanOut, page, profileForStaff } from "../repo.ts";
import { illegalTransition, transitionApplication, type Offer } from "../state.ts";
import { borrowerReasons } from "./applications.ts";
import { priceLoan } from "./products.ts";
import { actorsOf } from "../actors.ts";
import { SUGGESTED_OFFERS_PORT, type SuggestedOffers } from "../ports.ts";
import type { ApplicationCheckRow, ApplicationEventRow, ApplicationRow, DocumentRow, LoanEventRow, LoanRow, ProfileRow } from "../rows.ts";

const problem = (description: string) => ({ description });

/** Borrowers see their own loans; staff (analyst, admin, finance) see any. */
function loanScope(ctx: ExtensionContext): { where: string; params: string[] } {
  return ctx.user?.role === "borrower" ? { where: "user_id = ?", params: [ctx.user.id] } : { where: "1 = 1", params: [] };
}

export const listLoans = defineRoute({
  method: "get",
  path: "/api/v1/loans",
  summary: "List my loans with outstanding, next due and DPD (staff: all loans)",
  tags: ["Loans"],
  access: ["borrower", "analyst", "finance", "admin"],
  request: { query: ListQuery },
  responses: { 200: { description: "A page of loans", schema: LoanList, example: { items: [LOAN_EXAMPLE], nextCursor: null } } },
  handler: (req, ctx) => {
    const limit = req.query.limit ?? 20;
    const after = pageAfter(req.query.cursor);
    const s = loanScope(ctx);
    const rows = ctx.db.all<LoanRow>(`SELECT * FROM loans WHERE ${s.where} AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?`, ...[...s.params, after ?? null, after ?? null, limit + 1]);
    const p = page(rows, limit);
    const today = jakartaDate(ctx.clock.now());
    return { status: 200, body: { items: p.items.map((r) => loanOut(ctx.db, r, today, false)), nextCursor: p.nextCursor } };
  },
});

export const getLoan = defineRoute({
  method: "get",
  path: "/api/v1/loans/{id}",
  summary: "Read a loan with its schedule and the status of every instalment",
  tags: ["Loans"],
  access: ["borrower", "analyst", "finance", "admin"],
  request: { params: IdParams },
  responses: {
    200: {
      description: "The loan",
      schema: Loan,
      example: { ...LOAN_EXAMPLE, installments: [INSTALMENT_EXAMPLE] },
    },
    404: problem("No such loan (or not yours)"),
  },
  handler: (req, ctx) => {
    const s = loanScope(ctx);
    // the loan and its instalments from one committed state (a payment committing in between cannot split them)
    return ctx.read((db) => {
      const row = db.get<LoanRow>(`SELECT * FROM loans WHERE id = ? AND ${s.where}`, ...[req.params.id, ...s.params]);
      if (!row) throw problems.notFound("Loan");
      return { status: 200 as const, body: loanOut(db, row, jakartaDate(ctx.clock.now()), true) };
    });
  },
});

// ---------- staff ----------
const STAFF: ("analyst" | "admin")[] = ["analyst", "admin"];

export const adminListApplications = defineRoute({
  method: "get",
  path: "/api/v1/admin/applications",
  summary: "List applications, optionally by status (cursor pagination, newest first)",
  tags: ["Applications", "Admin"],
  access: STAFF,
  request: { query: AdminListQuery },
  responses: { 200: { description: "A page of applications", schema: ApplicationList, example: { items: [APPLICATION_EXAMPLE], nextCursor: encodeCursor(EXAMPLE_IDS.application) } }, 403: problem("Not staff") },
  handler: (req, ctx) => {
    const limit = req.query.limit ?? 20;
    const after = pageAfter(req.query.cursor);
    const status = req.query.status ?? null;
    const rows = ctx.db.all<ApplicationRow>(
      "SELECT * FROM applications WHERE (? IS NULL OR status = ?) AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
      ...[status, status, after ?? null, after ?? null, limit + 1],
    );
    const p = page(rows, limit);
    return { status: 200, body: { items: p.items.map((r) => applicationOut(ctx.db, r)), nextCursor: p.nextCursor } };
  },
});

export async function applicationDetail(ctx: ExtensionContext, row: ApplicationRow) {
  const docs = ctx.db.all<DocumentRow>(
    "SELECT d.* FROM documents d JOIN application_documents ad ON ad.document_id = d.id WHERE ad.application_id = ? ORDER BY d.id",
    row.id,
  );
  const documents = [];
  for (const d of docs) {
    let url: string | undefined;
    try {
      url = await ctx.blobs.signedUrl(d.blob_key, { expiresInSeconds: 300, contentType: d.content_type, filename: documentDownloadName(d) });
    } catch (err) {
      ctx.log.warn("signed url failed", { documentId: d.id, err: (err as Error).message });
    }
    documents.push(documentOut(d, url));
  }
  const eventRows = ctx.db.all<Omit<ApplicationEventRow, "application_id">>("SELECT id, from_status, to_status, actor, reason, at FROM application_events WHERE application_id = ? ORDER BY id", row.id);
  const actors = actorsOf(ctx.db, eventRows.map((e) => e.actor));
  const events = eventRows.map((e) => ({ id: e.id, from: e.from_status, to: e.to_status, actor: e.actor, actorName: actors.get(e.actor)!.name, reason: e.reason, at: e.at }));
  const profile = ctx.db.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", row.user_id);
  // personal data masked by the personal-data policy for the caller's role, exactly as the record APIs mask it
  return { ...applicationOut(ctx.db, row), documents, events, checks: applicationChecks(ctx, row.id), profile: profile ? profileForStaff(profile, ctx.user) : null };
}

/** A check's detail: its JSON, or the text as stored when it is not JSON. */
const parse = (s: string | null): unknown => {
  try {
    return s ? (JSON.parse(s) as unknown) : null;
  } catch {
    return s; // not JSON: show the stored text
  }
};

/** The automated checks of an application, for staff: the rows the fraud and scoring extensions write. */
export function applicationChecks(ctx: ExtensionContext, applicationId: string) {
  const out: { id: number; kind: string; ruleId: string; outcome: string; detail: unknown; createdAt: string }[] = [];
  for (const c of ctx.db.all<Omit<ApplicationCheckRow, "application_id">>("SELECT id, kind, rule_id, outcome, detail_json, created_at FROM application_checks WHERE application_id = ? ORDER BY id", applicationId)) {
    out.push({ id: c.id, kind: c.kind, ruleId: c.rule_id, outcome: c.outcome, detail: parse(c.detail_json), createdAt: c.created_at });
  }
  return out;
}

export const adminGetApplication = defineRoute({
  method: "get",
  path: "/api/v1/admin/applications/{id}",
  summary: "Read an application with the borrower's profile, documents (download URLs), events and checks",
  description:
    "The profile's personal data is masked by role exactly as in the record APIs (one policy): for analysts the NIK (`3174********0001`), bank account number (last 4 digits), phone numbers and the emergency contact's name are masked and the street address is left out; admins see them in full.",
  tags: ["Applications", "Admin"],
  access: STAFF,
  request: { params: IdParams },
  responses: { 200: { description: "The application", schema: ApplicationDetail, example: APPLICATION_DETAIL_EXAMPLE }, 404: problem("No such application") },
  handler: async (req, ctx) => {
    const row = ctx.db.get<ApplicationRow>("SELECT * FROM applications WHERE id = ?", req.params.id);
    if (!row) throw problems.notFound("Application");
    const body = await applicationDetail(ctx, row);
    // A personal-data view: one audit entry per view naming the fields the caller's role sees in clear.
    const role = req.user!.role;
    const fields = Object.entries(PII.rules)
      .filter(([f, r]) => f.startsWith("borrower.") && r.clearFor.includes(role))
      .map(([f]) => f);
    if (fields.length) ctx.tx((t) => auditChange(t, req, { event: "pii.viewed", entity: { type: "application", id: row.id }, userId: row.user_id, details: { fields, view: "application" }, at: ctx.clock.now() }));
    return { status: 200, body };
  },
});

export const adminDecide = defineRoute({
  method: "post",
  path: "/api/v1/admin/applications/{id}/decision",
  summary: "Decide an application in manual review (approve with an optional offer, or reject)",
  description:
    "Approving without `offer.principalAmount` approves scoring's offer (the amount the policy fitted to the income rule; the requested amount when there is no score). " +
    "The approved amount and tenor are checked against the borrower rules in force today (age, instalment-to-income ratio): 422 `offer-refused` with reasons[] when they break them. " +
    "Without `offer.expiresAt` the offer lapses 7 days after the decision.",
  tags: ["Applications", "Admin"],
  access: STAFF,
  idempotent: true,
  request: { params: IdParams, body: DecisionRequest },
  responses: {
    200: { description: "Decided", schema: Application, example: { ...APPLICATION_EXAMPLE, status: "approved", offer: { principalAmount: 5_000_000, tenor: 50 }, decidedAt: "2026-03-01T09:00:00.000Z" } },
    404: problem("No such application"),
    409: problem("Not in manual review"),
    422: problem("Invalid decision or offer; or the offer breaks the borrower rules (`offer-refused`, reasons[])"),
  },
  handler: (req, ctx) => {
    const b = req.body;
    const now = ctx.clock.now();
    const row = ctx.tx((t) => {
      const app = t.get<ApplicationRow>("SELECT * FROM applications WHERE id = ?", req.params.id);
      if (!app) throw problems.notFound("Application");
      const to = b.decision === "approve" ? "approved" : "rejected";
      if (app.status !== "manual_review") throw illegalTransition("application", app.id, app.status, to, []);
      let offer: Offer | undefined;
      if (to === "approved") {
        // Default to scoring's stored offer (lowered to fit the income rule), not the requested amount.
        const scored = ctx.port<SuggestedOffers>(SUGGESTED_OFFERS_PORT).suggestedOffer(t, app.id);
        offer = { ...(b.offer ?? {}) };
        if (offer.principalAmount === undefined && scored) {
          offer.principalAmount = scored.principalAmount;
          if (scored.lowered) offer.note = "amount lowered to fit the income rule";
        }
      }
      transitionApplication(t, { applicationId: app.id, to, actor: ctx.user!.id, reason: b.note, offer, at: now });
      if (to === "approved") assertOfferFits(t, app, now);
      t.run("UPDATE applications SET decision_note = ? WHERE id = ?", b.note, app.id);
      const stored = t.get<{ offer_json: string | null }>("SELECT offer_json FROM applications WHERE id = ?", app.id);
      auditChange(t, req, {
        event: "application.decided",
        entity: { type: "application", id: app.id },
        userId: app.user_id,
        before: { status: app.status, principalAmount: app.principal_amount, tenor: app.tenor },
        after: { status: to, offer: stored?.offer_json ? JSON.parse(stored.offer_json) : null },
        reason: b.note ?? null,
        at: now,
      });
      return t.get<ApplicationRow>("SELECT * FROM applications WHERE id = ?", app.id)!;
    });
    return { status: 200, body: applicationOut(ctx.db, row) };
  },
});

/** The approved offer (as stored) against the borrower rules in force today: 422 `offer-refused` when it breaks them. */
function assertOfferFits(t: ExtensionContext["db"], app: ApplicationRow, now: Date) {
  const stored = t.get<{ offer_json: string | null }>("SELECT offer_json FROM applications WHERE id = ?", app.id);
  const offer: Offer = stored?.offer_json ? JSON.parse(stored.offer_json) : {};
  const product = getProduct(t, app.product_id);
  if (!product) throw problems.notFound("Product");
  const today = jakartaDate(now);
  const { schedule } = priceLoan(t, product, offer.principalAmount ?? app.principal_amount, offer.tenor ?? app.tenor, today);
  const profile = t.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", app.user_id);
  // The rules on the borrower (age, income ratio). Without a profile there is no declared income to hold the offer
  // against (not reachable through the API: applying needs a profile); acceptance refuses it (profile_missing).
  const reasons = borrowerReasons({ db: t }, { profile, schedule, product, today }).filter((r) => r.code !== "profile_missing");
  if (reasons.length) {
    throw new HttpProblem(422, "offer-refused", "Offer refused", `The offer breaks the borrower rules: ${reasons.map((r) => r.message).join("; ")}`, {
      reasons,
      offer: { principalAmount: schedule.principalAmount, tenor: offer.tenor ?? app.tenor },
    });
  }
}

// ---------- realtime ----------
export const SSE_POLL_MS = 250;
const HEARTBEAT_MS = 15_000;

/** The caller's status changes after the given event ids (application_events, loan_events). */
export function eventsSince(ctx: ExtensionContext, userId: string, appAfter: number, loanAfter: number) {
  const apps = ctx.db.all<Omit<ApplicationEventRow, "actor">>(
    `SELECT e.id, e.application_id, e.from_status, e.to_status, e.reason, e.at FROM application_events e JOIN applications a ON a.id = e.application_id
     WHERE a.user_id = ? AND e.id > ? ORDER BY e.id LIMIT 100`,
    userId,
    appAfter,
  );
  const loans = ctx.db.all<Omit<LoanEventRow, "actor">>(
    `SELECT e.id, e.loan_id, e.from_status, e.to_status, e.reason, e.at FROM loan_events e JOIN loans l ON l.id = e.loan_id
     WHERE l.user_id = ? AND e.id > ? ORDER BY e.id LIMIT 100`,
    userId,
    loanAfter,
  );
  return { apps, loans };
}

export const streamEvents = defineRoute({
  method: "get",
  path: "/api/v1/events",
  summary: "Server-sent events: my application and loan status changes as they happen",
  description:
    "text/event-stream. Events `application.status_changed` and `loan.status_changed`, each with JSON data and an id; send `Last-Event-ID` to resume after a reconnect.",
  tags: ["Realtime"],
  access: "authenticated",
  responses: {
    200: {
      description: "An event stream",
      contentType: "text/event-stream",
      schema: StatusEventStream,
      example: 'id: 12.0\nevent: application.status_changed\ndata: {"applicationId":"…","from":"checking","to":"approved","at":"2026-03-01T08:06:00.000Z"}\n\n',
    },
  },
  handler: (req, ctx) => {
    const userId = ctx.user!.id;
    let [appAfter, loanAfter] = (() => {
      const last = req.headers.get("last-event-id");
      const m = last?.match(/^(\d+)\.(\d+)$/);
      if (m) return [Number(m[1]), Number(m[2])];
      const a = ctx.db.get<{ m: number | null }>("SELECT MAX(id) AS m FROM application_events")?.m ?? 0;
      const l = ctx.db.get<{ m: number | null }>("SELECT MAX(id) AS m FROM loan_events")?.m ?? 0;
      return [a, l];
    })();
    const enc = new TextEncoder();
    let timer: ReturnType<typeof setInterval> | undefined;
    let closed = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let lastWrite = Date.now();
        const write = (s: string) => {
          if (closed) return;
          try {
            controller.enqueue(enc.encode(s));
            lastWrite = Date.now();
          } catch {
            close();
          }
        };
        const close = () => {
          if (closed) return;
          closed = true;
          if (timer) clearInterval(timer);
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        write(`retry: 2000\n: connected\n\n`);
        const tick = () => {
          if (closed) return;
          try {
            const { apps, loans } = eventsSince(ctx, userId, appAfter, loanAfter);
            for (const e of apps) {
              appAfter = e.id;
              write(`id: ${appAfter}.${loanAfter}\nevent: application.status_changed\ndata: ${JSON.stringify({ applicationId: e.application_id, from: e.from_status, to: e.to_status, reason: e.reason, at: e.at })}\n\n`);
            }
            for (const e of loans) {
              loanAfter = e.id;
              write(`id: ${appAfter}.${loanAfter}\nevent: loan.status_changed\ndata: ${JSON.stringify({ loanId: e.loan_id, from: e.from_status, to: e.to_status, reason: e.reason, at: e.at })}\n\n`);
            }
            if (Date.now() - lastWrite > HEARTBEAT_MS) write(`: keep-alive\n\n`);
          } catch (err) {
            ctx.log.warn("event stream poll failed", { err: (err as Error).message });
          }
        };
        timer = setInterval(tick, SSE_POLL_MS);
        req.signal?.addEventListener("abort", close, { once: true });
      },
      cancel() {
        closed = true;
        if (timer) clearInterval(timer);
      },
    });
    return { status: 200, stream, headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" } };
  },
});

export const loanRoutes = [listLoans, getLoan, adminListApplications, adminGetApplication, adminDecide, streamEvents];
