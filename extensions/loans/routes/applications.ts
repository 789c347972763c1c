// Borrower applications: create (= submit), list, read, cancel, accept the offer (creates the loan).
import { defineRoute, HttpProblem, jakartaDate, problems, sqlIn, type ExtensionContext, type TxContext } from "../../../src/runtime/index.ts";
import { ACCEPT_RESULT_EXAMPLE, AcceptResult, Application, APPLICATION_EXAMPLE, ApplicationCreate, ApplicationList, CancelRequest, IdParams, ListQuery, REFUSAL_PROBLEM_EXAMPLE } from "../../../schemas/applications.ts";
import { ageOn, loadCaps, strictest } from "../caps.ts";
import { monthlyEquivalent, type Schedule } from "../schedule.ts";
import { applicationOut, pageAfter, getProduct, loanOut, newId, ownApplication, page, payoutAccountOf } from "../repo.ts";
import { illegalTransition, recordLoanEvent, transitionApplication, type Offer } from "../state.ts";
import { priceLoan } from "./products.ts";
import { disburseJob } from "../../../jobs/disburse.ts";
import { CANCELLABLE_BY_BORROWER, OPEN_APPLICATION_STATUSES, REQUIRED_DOCUMENTS } from "../../../schemas/enums.ts";
import { type ApplicationRow, type DocumentRow, type LoanRow, type ProductRow, type ProfileRow } from "../rows.ts";

const problem = (description: string) => ({ description });

export interface RefusalReason {
  code: "profile_missing" | "under_age" | "income_ratio_exceeded" | "documents_missing";
  message: string;
  [k: string]: unknown;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** The borrower-level rules of DESIGN §4 (age, income ratio, documents). Pure over the inputs. */
export function refusalReasons(ctx: { db: ExtensionContext["db"] }, input: { profile: ProfileRow | undefined; documents: DocumentRow[]; schedule: Schedule; product: ProductRow; today: string }): RefusalReason[] {
  const reasons = borrowerReasons(ctx, input);
  const kinds = new Set(input.documents.map((d) => d.kind));
  const missing = REQUIRED_DOCUMENTS.filter((k) => !kinds.has(k));
  if (missing.length) reasons.push({ code: "documents_missing", message: `attach these documents: ${missing.join(", ")}`, missing });
  return reasons;
}

/**
 * The rules on the borrower and the priced schedule (profile present, age 18+, instalment-to-income ratio), with
 * the dated caps in force on `today`. Run when applying, again when an analyst approves an offer and when the
 * borrower accepts it (on the accept date, against the current profile).
 */
export function borrowerReasons(ctx: { db: ExtensionContext["db"] }, input: { profile: ProfileRow | undefined; schedule: Schedule; product: ProductRow; today: string }): RefusalReason[] {
  const { profile, schedule, product, today } = input;
  const reasons: RefusalReason[] = [];
  if (!profile) {
    reasons.push({ code: "profile_missing", message: "complete your profile (PUT /api/v1/me/profile) before applying" });
  }
  const allCaps = loadCaps(ctx.db);
  if (profile) {
    const minAge = strictest(allCaps, "min_age", today);
    const age = ageOn(profile.birth_date, today);
    if (minAge && age < minAge.value) {
      reasons.push({ code: "under_age", message: `borrowers must be at least ${minAge.value} years old`, age, minAge: minAge.value, effectiveFrom: minAge.effectiveFrom });
    }
    const ratio = strictest(allCaps, "income_ratio", today);
    const monthly = monthlyEquivalent(schedule, product.tenor_unit);
    if (ratio && BigInt(monthly) * 1_000_000n > BigInt(ratio.value) * BigInt(profile.monthly_income_amount)) {
      reasons.push({
        code: "income_ratio_exceeded",
        message: `the instalment (${fmt(monthly)} a month) is above ${ratio.value / 10_000} % of the declared monthly income (${fmt(profile.monthly_income_amount)})`,
        installmentAmount: schedule.instalmentAmount,
        monthlyEquivalentAmount: monthly,
        monthlyIncomeAmount: profile.monthly_income_amount,
        maxRatioPpm: ratio.value,
        effectiveFrom: ratio.effectiveFrom,
      });
    }
  }
  return reasons;
}

export const refused = (reasons: RefusalReason[]) => new HttpProblem(422, "application-refused", "Application refused", reasons.map((r) => r.message).join("; "), { reasons });

export const createApplication = defineRoute({
  method: "post",
  path: "/api/v1/applications",
  summary: "Apply for a loan (submits it for checking)",
  description:
    "Refused with 422 `application-refused` and a `reasons` list when the borrower is under age, the instalment exceeds the income ratio in force, the profile or the KTP/selfie documents are missing; 409 when an open application exists. Send an Idempotency-Key.",
  tags: ["Applications"],
  access: ["borrower"],
  idempotent: true,
  request: { body: ApplicationCreate },
  responses: {
    201: { description: "Submitted; status checking", schema: Application, example: APPLICATION_EXAMPLE },
    409: problem("An open application exists"),
    422: { ...problem("Refused (reasons[]) or invalid (errors[])"), example: REFUSAL_PROBLEM_EXAMPLE },
  },
  handler: (req, ctx) => {
    const userId = ctx.user!.id;
    const b = req.body;
    const product = getProduct(ctx.db, b.productId);
    if (!product || product.active !== 1) throw problems.validation([{ path: "productId", message: "no such active product" }]);
    const docIds = [...new Set(b.documentIds ?? [])];
    const documents: DocumentRow[] = [];
    const docErrors: { path: string; message: string }[] = [];
    docIds.forEach((id, i) => {
      const d = ctx.db.get<DocumentRow>("SELECT * FROM documents WHERE id = ? AND user_id = ?", id, userId);
      if (!d) docErrors.push({ path: `documentIds.${i}`, message: "no such document" });
      else documents.push(d);
    });
    if (docErrors.length) throw problems.validation(docErrors);
    const now = ctx.clock.now();
    const today = jakartaDate(now);
    const openCheck = (db: ExtensionContext["db"]) => {
      const statuses = sqlIn(OPEN_APPLICATION_STATUSES);
      const open = db.get<{ id: string; status: string }>(`SELECT id, status FROM applications WHERE user_id = ? AND status IN ${statuses.sql} LIMIT 1`, userId, ...statuses.params);
      if (open) throw new HttpProblem(409, "open-application-exists", "Open application exists", `Application ${open.id} is still ${open.status}; finish or cancel it first`, { applicationId: open.id, applicationStatus: open.status });
    };
    openCheck(ctx.db);
    const { schedule } = priceLoan(ctx.db, product, b.principalAmount, b.tenor, today);
    const profile = ctx.db.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", userId);
    const reasons = refusalReasons(ctx, { profile, documents, schedule, product, today });
    if (reasons.length) throw refused(reasons);
    const id = newId();
    const at = now.toISOString();
    const row = ctx.tx((t) => {
      openCheck(t);
      // The profile as of this transaction is what the checks (fraud snapshot, score) see and what gets paid out:
      // re-checked if it changed since the read above, and its bank account snapshotted onto the application.
      const current = t.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", userId);
      if (!current || current.updated_at !== profile!.updated_at) {
        const again = refusalReasons({ db: t }, { profile: current, documents, schedule, product, today });
        if (again.length || !current) throw refused(again);
      }
      t.run(
        `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, device_json, ip, user_agent, payout_account_json, created_at, updated_at)
         VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        userId,
        product.id,
        b.principalAmount,
        b.tenor,
        product.tenor_unit,
        b.purpose,
        schedule.instalmentAmount,
        JSON.stringify(b.device ?? {}),
        req.ip || null,
        req.userAgent || null,
        JSON.stringify(payoutAccountOf(current!)),
        at,
        at,
      );
      for (const d of documents) t.run("INSERT INTO application_documents (application_id, document_id) VALUES (?, ?)", id, d.id);
      t.run("INSERT INTO application_events (application_id, from_status, to_status, actor, reason, at) VALUES (?, NULL, 'draft', ?, 'created', ?)", id, userId, at);
      transitionApplication(t, { applicationId: id, to: "submitted", actor: userId, reason: "submitted by the borrower", at: now });
      transitionApplication(t, { applicationId: id, to: "checking", actor: "system:loans", reason: "queued for fraud and credit checks", at: now });
      t.emit("application.submitted", { applicationId: id, userId });
      return t.get<ApplicationRow>("SELECT * FROM applications WHERE id = ?", id)!;
    });
    return { status: 201, body: applicationOut(ctx.db, row), headers: { Location: `/api/v1/applications/${id}` } };
  },
});

export const listApplications = defineRoute({
  method: "get",
  path: "/api/v1/applications",
  summary: "List my applications, newest first (cursor pagination)",
  tags: ["Applications"],
  access: ["borrower"],
  request: { query: ListQuery },
  responses: { 200: { description: "A page of applications", schema: ApplicationList, example: { items: [APPLICATION_EXAMPLE], nextCursor: null } } },
  handler: (req, ctx) => {
    const limit = req.query.limit ?? 20;
    const after = pageAfter(req.query.cursor);
    const rows = ctx.db.all<ApplicationRow>(
      "SELECT * FROM applications WHERE user_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
      ...[ctx.user!.id, after ?? null, after ?? null, limit + 1],
    );
    const p = page(rows, limit);
    return { status: 200, body: { items: p.items.map((r) => applicationOut(ctx.db, r)), nextCursor: p.nextCursor } };
  },
});

export const getApplication = defineRoute({
  method: "get",
  path: "/api/v1/applications/{id}",
  summary: "Read one of my applications",
  tags: ["Applications"],
  access: ["borrower"],
  request: { params: IdParams },
  responses: { 200: { description: "The application", schema: Application, example: APPLICATION_EXAMPLE }, 404: problem("No such application (or not yours)") },
  handler: (req, ctx) => ({ status: 200, body: applicationOut(ctx.db, ownApplication(ctx, req.params.id)) }),
});

export const cancelApplication = defineRoute({
  method: "post",
  path: "/api/v1/applications/{id}/cancel",
  summary: "Cancel my application (before the loan is created)",
  tags: ["Applications"],
  access: ["borrower"],
  idempotent: true,
  request: { params: IdParams, body: CancelRequest },
  responses: {
    200: { description: "Cancelled", schema: Application, example: { ...APPLICATION_EXAMPLE, status: "cancelled" } },
    404: problem("No such application (or not yours)"),
    409: problem("It can no longer be cancelled"),
  },
  handler: (req, ctx) => {
    const app = ownApplication(ctx, req.params.id);
    const row = ctx.tx((t) => {
      const cur = t.get<{ status: string }>("SELECT status FROM applications WHERE id = ?", app.id)!;
      if (!(CANCELLABLE_BY_BORROWER as readonly string[]).includes(cur.status)) throw illegalTransition("application", app.id, cur.status, "cancelled", []);
      transitionApplication(t, { applicationId: app.id, to: "cancelled", actor: ctx.user!.id, reason: req.body?.reason || "cancelled by the borrower", at: ctx.clock.now() });
      return t.get<ApplicationRow>("SELECT * FROM applications WHERE id = ?", app.id)!;
    });
    return { status: 200, body: applicationOut(ctx.db, row) };
  },
});

/** Create the loan and its instalments for an accepted offer (inside the caller's transaction). */
export function createLoan(t: TxContext, app: ApplicationRow, product: ProductRow, s: Schedule, actor: string, now: Date): string {
  const loanId = newId();
  const at = now.toISOString();
  t.run(
    `INSERT INTO loans (id, application_id, user_id, product_id, status, principal_amount, interest_amount, fee_amount, upfront_fee_amount, disbursed_amount,
       tenor, tenor_unit, interest_method, interest_rate_ppm, late_fee_ppm, grace_days, purpose, start_date, maturity_date, payout_account_json, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'disbursing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    loanId,
    app.id,
    app.user_id,
    product.id,
    s.principalAmount,
    s.interestAmount,
    s.feeAmount,
    s.upfrontFeeAmount,
    s.disbursedAmount,
    product.tenor_unit === "days" ? s.termDays : s.instalments.length,
    product.tenor_unit,
    product.interest_method,
    product.interest_rate_ppm,
    product.late_fee_ppm,
    product.grace_days,
    product.purpose,
    s.startDate,
    s.maturityDate,
    // the account checked at submission (NULL for applications from before migration 0011: the disbursement then
    // falls back to the profile and logs it)
    app.payout_account_json ?? null,
    at,
    at,
  );
  for (const l of s.instalments) {
    t.run(
      "INSERT INTO installments (id, loan_id, seq, due_date, principal_due, interest_due, fee_due) VALUES (?, ?, ?, ?, ?, ?, ?)",
      newId(),
      loanId,
      l.seq,
      l.dueDate,
      l.principalAmount,
      l.interestAmount,
      l.feeAmount,
    );
  }
  recordLoanEvent(t, loanId, null, "disbursing", actor, "offer accepted; loan created", at);
  t.emit("loan.status_changed", { loanId, userId: app.user_id, from: null, to: "disbursing" });
  t.run("UPDATE applications SET loan_id = ? WHERE id = ?", loanId, app.id);
  return loanId;
}

export const acceptOffer = defineRoute({
  method: "post",
  path: "/api/v1/applications/{id}/accept",
  summary: "Accept the approved offer: creates the loan (status disbursing) and queues the disbursement",
  tags: ["Applications"],
  access: ["borrower"],
  idempotent: true,
  request: { params: IdParams },
  responses: {
    201: { description: "Loan created", schema: AcceptResult, example: ACCEPT_RESULT_EXAMPLE },
    404: problem("No such application (or not yours)"),
    409: problem("Not approved, or the offer expired (offers lapse at `expiresAt`, by default 7 days after approval; the application becomes `expired`)"),
    422: { ...problem("The offer no longer fits the product or the caps in force, or breaks the borrower rules on the accept date (`application-refused` with reasons[]: under_age, income_ratio_exceeded)"), example: REFUSAL_PROBLEM_EXAMPLE },
  },
  handler: (req, ctx) => {
    const app = ownApplication(ctx, req.params.id);
    if (app.status !== "approved") throw illegalTransition("application", app.id, app.status, "accepted", []);
    const offer: Offer = app.offer_json ? JSON.parse(app.offer_json) : {};
    const now = ctx.clock.now();
    const userId = ctx.user!.id;
    if (offer.expiresAt && Date.parse(offer.expiresAt) < now.getTime()) {
      ctx.tx((t) => transitionApplication(t, { applicationId: app.id, to: "expired", actor: "system:loans", reason: `offer expired at ${offer.expiresAt}`, at: now }));
      throw new HttpProblem(409, "offer-expired", "Offer expired", `The offer expired at ${offer.expiresAt}`);
    }
    const product = getProduct(ctx.db, app.product_id);
    if (!product) throw problems.notFound("Product");
    const today = jakartaDate(now);
    const { schedule } = priceLoan(ctx.db, product, offer.principalAmount ?? app.principal_amount, offer.tenor ?? app.tenor, today);
    // The borrower rules again, on the accept date (the dated caps in force today) and the current profile: an offer
    // made under the 40 % rule (or an older minimum-age rule) is not taken on stale terms.
    const profile = ctx.db.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", userId);
    const reasons = borrowerReasons(ctx, { profile, schedule, product, today });
    if (reasons.length) throw refused(reasons);
    // The payments extension installs the disbursement job. Without it the loan waits in `disbursing` and the log
    // says why, instead of failing the acceptance.
    const canDisburse = ctx.hasJob(disburseJob);
    const loanId = ctx.tx((t) => {
      transitionApplication(t, { applicationId: app.id, to: "accepted", actor: userId, reason: "the borrower accepted the offer", at: now });
      const id = createLoan(t, app, product, schedule, userId, now);
      transitionApplication(t, { applicationId: app.id, to: "disbursing", actor: "system:loans", reason: "loan created; disbursement queued", at: now });
      if (canDisburse) t.enqueue(disburseJob, { loanId: id }, { key: `disburse:${id}` });
      return id;
    });
    if (!canDisburse) ctx.log.error("disbursement job not installed (no payments extension); loan left in disbursing", { loanId });
    const loan = ctx.db.get<LoanRow>("SELECT * FROM loans WHERE id = ?", loanId)!;
    const appRow = ctx.db.get<ApplicationRow>("SELECT * FROM applications WHERE id = ?", app.id)!;
    return {
      status: 201,
      body: { application: applicationOut(ctx.db, appRow), loan: loanOut(ctx.db, loan, jakartaDate(now), true) },
      headers: { Location: `/api/v1/loans/${loanId}` },
    };
  },
});

export const applicationRoutes = [createApplication, listApplications, getApplication, cancelApplication, acceptOffer];
