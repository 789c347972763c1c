// The application and loan state machines of DESIGN §4, in one place. Every transition is validated here, written
// to application_events / loan_events (who, when, why) and emitted as a status_changed event in the same
// transaction. Illegal transitions answer 409. Other extensions (scoring, fraud, payments, collections) move
// applications and loans only through these functions.
import { HttpProblem, problems, type TxContext, type Sql } from "../../src/runtime/index.ts";
import { DECISION_OUTCOMES, type ApplicationStatus, type LoanStatus } from "../../schemas/enums.ts";

export const APPLICATION_TRANSITIONS: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  draft: ["submitted", "cancelled", "expired"],
  submitted: ["checking", "cancelled"],
  checking: ["approved", "rejected", "manual_review", "cancelled"],
  manual_review: ["approved", "rejected", "cancelled"],
  approved: ["accepted", "cancelled", "expired"],
  accepted: ["disbursing", "cancelled"],
  disbursing: ["active", "cancelled"],
  active: ["paid_off"],
  paid_off: [],
  rejected: [],
  cancelled: [],
  expired: [],
};

export const LOAN_TRANSITIONS: Record<LoanStatus, readonly LoanStatus[]> = {
  disbursing: ["active", "cancelled"],
  active: ["delinquent", "paid_off"],
  delinquent: ["active", "written_off", "paid_off"],
  written_off: [],
  paid_off: [],
  cancelled: [],
};

/** The loan statuses that move the application along with them. */
const LOAN_TO_APPLICATION: Partial<Record<LoanStatus, ApplicationStatus>> = { active: "active", paid_off: "paid_off", cancelled: "cancelled" };

/** An approved offer without an explicit `expiresAt` lapses this many days after the approval. */
export const OFFER_VALID_DAYS = 7;

export interface Offer {
  /** Principal offered (≤ requested); defaults to the requested amount. */
  principalAmount?: number;
  /** Tenor offered (within the product range); defaults to the requested tenor. */
  tenor?: number;
  /** The offer lapses after this instant (ISO-8601): after the approval and at most OFFER_VALID_DAYS later; accept after it answers 409. */
  expiresAt?: string;
  note?: string;
}

export interface TransitionInput {
  applicationId: string;
  to: ApplicationStatus;
  /** Who moved it: a user id, or a system actor such as "system:scoring". */
  actor: string;
  reason: string;
  /** With `to: 'approved'`: the terms offered. */
  offer?: Offer;
  /** Time of the change (defaults to now). */
  at?: Date;
}

export interface TransitionResult {
  applicationId: string;
  userId: string;
  from: ApplicationStatus;
  to: ApplicationStatus;
}

export function canTransition(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return APPLICATION_TRANSITIONS[from]?.includes(to) ?? false;
}

export function illegalTransition(kind: string, id: string, from: string, to: string, allowed: readonly string[]) {
  return new HttpProblem(409, "illegal-transition", "Illegal status transition", `${kind} ${id} is ${from}; it cannot become ${to}`, {
    from,
    to,
    allowed: [...allowed],
  });
}

function validateOffer(t: Sql, app: { principal_amount: number; tenor: number; product_id: string }, offer: Offer, at: string) {
  const errors: { path: string; message: string }[] = [];
  if (offer.principalAmount !== undefined && (!Number.isSafeInteger(offer.principalAmount) || offer.principalAmount <= 0 || offer.principalAmount > app.principal_amount)) {
    errors.push({ path: "offer.principalAmount", message: `must be an integer between 1 and the requested ${app.principal_amount}` });
  }
  const product = t.get<{ min_tenor: number; max_tenor: number; min_amount: number }>("SELECT min_tenor, max_tenor, min_amount FROM products WHERE id = ?", app.product_id);
  if (product && offer.principalAmount !== undefined && offer.principalAmount < product.min_amount) {
    errors.push({ path: "offer.principalAmount", message: `must be at least the product minimum ${product.min_amount}` });
  }
  if (offer.tenor !== undefined && (!Number.isSafeInteger(offer.tenor) || (product && (offer.tenor < product.min_tenor || offer.tenor > product.max_tenor)))) {
    errors.push({ path: "offer.tenor", message: `must be within the product tenor range` });
  }
  if (offer.expiresAt !== undefined) {
    const problem = expiryProblem(offer.expiresAt, at);
    if (problem) errors.push({ path: "offer.expiresAt", message: problem });
  }
  if (errors.length) throw problems.validation(errors, "The offer is not valid");
}

/** An ISO-8601 instant with a time and a zone (Z or ±hh:mm); Date.parse alone also takes "March 5, 2026". */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Why an explicit offer expiry is not acceptable for a decision made at `at`, or null: it must be an ISO-8601
 * instant after the decision (an offer that has already lapsed cannot be approved) and at most OFFER_VALID_DAYS
 * after it (every offer lapses within the validity the borrower rules were checked for).
 */
export function expiryProblem(expiresAt: string, at: string): string | null {
  const t = ISO_INSTANT.test(expiresAt) ? Date.parse(expiresAt) : Number.NaN;
  if (Number.isNaN(t)) return "must be an ISO-8601 instant with a time and a zone, e.g. 2026-03-09T03:00:00Z";
  const decided = Date.parse(at);
  if (t <= decided) return `must be after the decision (${at}); this offer would already have lapsed`;
  if (t > decided + OFFER_VALID_DAYS * 86_400_000) return `must be at most ${OFFER_VALID_DAYS} days after the decision (${new Date(decided + OFFER_VALID_DAYS * 86_400_000).toISOString()})`;
  return null;
}

/**
 * Move an application to `to`: validates the transition (409 when illegal), updates the row, writes an
 * application_events row and emits `application.status_changed` — all inside the caller's transaction.
 */
export function transitionApplication(t: TxContext, input: TransitionInput): TransitionResult {
  const app = t.get<{ id: string; user_id: string; status: ApplicationStatus; principal_amount: number; tenor: number; product_id: string }>(
    "SELECT id, user_id, status, principal_amount, tenor, product_id FROM applications WHERE id = ?",
    input.applicationId,
  );
  if (!app) throw problems.notFound("Application");
  const from = app.status;
  if (!canTransition(from, input.to)) throw illegalTransition("application", app.id, from, input.to, APPLICATION_TRANSITIONS[from] ?? []);
  const at = (input.at ?? new Date()).toISOString();
  if (input.to === "approved") {
    const offer = input.offer ?? {};
    validateOffer(t, app, offer, at);
    // Every offer lapses: without an explicit expiresAt it is valid OFFER_VALID_DAYS from the approval.
    const expiresAt = offer.expiresAt ?? new Date(Date.parse(at) + OFFER_VALID_DAYS * 86_400_000).toISOString();
    const full = { principalAmount: offer.principalAmount ?? app.principal_amount, tenor: offer.tenor ?? app.tenor, expiresAt, ...(offer.note ? { note: offer.note } : {}) };
    t.run("UPDATE applications SET offer_json = ? WHERE id = ?", JSON.stringify(full), app.id);
  }
  const decided = (DECISION_OUTCOMES as readonly ApplicationStatus[]).includes(input.to);
  t.run(
    `UPDATE applications SET status = ?, updated_at = ?${decided ? ", decided_at = ?" : ""}${input.to === "submitted" ? ", submitted_at = ?" : ""} WHERE id = ? AND status = ?`,
    ...[input.to, at, ...(decided ? [at] : []), ...(input.to === "submitted" ? [at] : []), app.id, from],
  );
  t.run(
    "INSERT INTO application_events (application_id, from_status, to_status, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
    app.id,
    from,
    input.to,
    input.actor,
    input.reason ?? "",
    at,
  );
  t.emit("application.status_changed", { applicationId: app.id, userId: app.user_id, from, to: input.to });
  return { applicationId: app.id, userId: app.user_id, from, to: input.to };
}

export interface LoanTransitionInput {
  loanId: string;
  to: LoanStatus;
  actor: string;
  reason: string;
  at?: Date;
}

/**
 * Move a loan to `to` (409 when illegal), write loan_events, emit `loan.status_changed`; when the loan becomes
 * active, paid off or cancelled, the application follows (through transitionApplication).
 */
export function transitionLoan(t: TxContext, input: LoanTransitionInput) {
  const loan = t.get<{ id: string; user_id: string; status: LoanStatus; application_id: string }>(
    "SELECT id, user_id, status, application_id FROM loans WHERE id = ?",
    input.loanId,
  );
  if (!loan) throw problems.notFound("Loan");
  const from = loan.status;
  if (!LOAN_TRANSITIONS[from]?.includes(input.to)) throw illegalTransition("loan", loan.id, from, input.to, LOAN_TRANSITIONS[from] ?? []);
  const at = (input.at ?? new Date()).toISOString();
  const closing = input.to === "paid_off" || input.to === "written_off" || input.to === "cancelled";
  t.run(
    `UPDATE loans SET status = ?, updated_at = ?${input.to === "active" && from === "disbursing" ? ", disbursed_at = ?" : ""}${closing ? ", closed_at = ?" : ""} WHERE id = ?`,
    ...[input.to, at, ...(input.to === "active" && from === "disbursing" ? [at] : []), ...(closing ? [at] : []), loan.id],
  );
  recordLoanEvent(t, loan.id, from, input.to, input.actor, input.reason, at);
  t.emit("loan.status_changed", { loanId: loan.id, userId: loan.user_id, from, to: input.to });
  const follow = LOAN_TO_APPLICATION[input.to];
  if (follow) {
    const app = t.get<{ status: ApplicationStatus }>("SELECT status FROM applications WHERE id = ?", loan.application_id);
    if (app && app.status !== follow && canTransition(app.status, follow)) {
      transitionApplication(t, { applicationId: loan.application_id, to: follow, actor: input.actor, reason: input.reason, at: input.at });
    }
  }
  return { loanId: loan.id, userId: loan.user_id, from, to: input.to };
}

export function recordLoanEvent(t: Sql, loanId: string, from: string | null, to: string, actor: string, reason: string, at: string) {
  t.run("INSERT INTO loan_events (loan_id, from_status, to_status, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)", loanId, from, to, actor, reason, at);
}
