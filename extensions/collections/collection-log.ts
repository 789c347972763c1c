// A loan's collection log: notes, call attempts (with their outcome) and promises to pay, each with the staff member
// and time, audited in the same transaction. Entries are never changed: a promise's state is derived on read from
// the payments applied to the loan between the promise and the end of its date (Asia/Jakarta):
//   kept    — those payments reach the promised amount;
//   broken  — the date has passed without that;
//   pending — the date has not passed yet.
import { addDays, auditChange, jakartaDate, problems, type Sql, type TxContext } from "../../src/runtime/index.ts";
import type { CollectionLogEntry, CollectionLogRequest } from "../../schemas/collection-log.ts";
import { actorsOf } from "../loans/actors.ts";
import type { LoanRow } from "../loans/rows.ts";

export interface CollectionLogRow {
  id: string;
  loan_id: string;
  kind: CollectionLogEntry["kind"];
  outcome: CollectionLogEntry["outcome"];
  note: string;
  promised_amount: number | null;
  promised_date: string | null;
  actor_id: string;
  created_at: string;
}

/** How far ahead a promise may be dated. */
export const MAX_PROMISE_DAYS = 90;
const LISTED = 200;

/** A payment applied to the loan: the applied part and when it was paid. */
export interface AppliedPayment {
  amount: number;
  paidAt: string;
}

/** Payments applied to a loan (the payments extension's table, read here without importing it: it sits above us). */
export function appliedPayments(db: Sql, loanId: string): AppliedPayment[] {
  return db.all<AppliedPayment>(
    "SELECT amount - unapplied_amount AS amount, paid_at AS paidAt FROM payments WHERE loan_id = ? AND status = 'applied' ORDER BY paid_at",
    loanId,
  );
}

/** A promise's state on `today` (pure). */
export function promiseState(p: { promisedAmount: number; promisedDate: string; createdAt: string }, payments: readonly AppliedPayment[], today: string) {
  let paidAmount = 0;
  for (const x of payments) {
    if (x.paidAt >= p.createdAt && jakartaDate(new Date(x.paidAt)) <= p.promisedDate) paidAmount += Math.max(0, x.amount);
  }
  const state = paidAmount >= p.promisedAmount ? "kept" : today > p.promisedDate ? "broken" : "pending";
  return { state: state as "pending" | "kept" | "broken", paidAmount };
}

export function loanForLog(db: Sql, loanId: string) {
  const loan = db.get<Pick<LoanRow, "id" | "user_id" | "status">>("SELECT id, user_id, status FROM loans WHERE id = ?", loanId);
  if (!loan) throw problems.notFound("Loan");
  return loan;
}

/** The log of a loan, newest first, with actors by name and promises' states on `today`. */
export function collectionLog(db: Sql, loanId: string, today: string): CollectionLogEntry[] {
  loanForLog(db, loanId);
  const rows = db.all<CollectionLogRow>("SELECT * FROM collection_log WHERE loan_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", loanId, LISTED);
  const actors = actorsOf(db, rows.map((r) => r.actor_id));
  const payments = rows.some((r) => r.kind === "promise_to_pay") ? appliedPayments(db, loanId) : [];
  return rows.map((r) => entryOut(r, actors.get(r.actor_id)!, payments, today));
}

function entryOut(r: CollectionLogRow, actor: CollectionLogEntry["actor"], payments: readonly AppliedPayment[], today: string): CollectionLogEntry {
  return {
    id: r.id,
    loanId: r.loan_id,
    kind: r.kind,
    outcome: r.outcome ?? null,
    note: r.note,
    promisedAmount: r.promised_amount,
    promisedDate: r.promised_date,
    promise:
      r.kind === "promise_to_pay" && r.promised_amount !== null && r.promised_date !== null
        ? promiseState({ promisedAmount: r.promised_amount, promisedDate: r.promised_date, createdAt: r.created_at }, payments, today)
        : null,
    actor,
    createdAt: r.created_at,
  };
}

/** A YYYY-MM-DD that names a real calendar day (not 2026-02-30). */
const realDate = (d: string) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};

const OPEN = new Set(["active", "delinquent"]);
const EVENTS = { note: "collection.note_added", call_attempt: "collection.call_logged", promise_to_pay: "collection.promise_made" } as const;

/**
 * Add an entry (in the caller's transaction) and its audit entry. A promise must be dated today up to
 * MAX_PROMISE_DAYS ahead (422) and is only taken on an open loan (409).
 */
export function addCollectionLogEntry(t: TxContext, input: { loanId: string; actorId: string; body: CollectionLogRequest; now: Date; id: string; meta?: { ip?: string | null; userAgent?: string | null } }): CollectionLogEntry {
  const loan = loanForLog(t, input.loanId);
  const b = input.body;
  const today = jakartaDate(input.now);
  if (b.kind === "promise_to_pay") {
    const last = addDays(today, MAX_PROMISE_DAYS);
    if (!realDate(b.promisedDate) || b.promisedDate < today || b.promisedDate > last) {
      throw problems.validation([{ path: "promisedDate", message: `must be a date from ${today} to ${last} (Asia/Jakarta)` }], "The promised date is not valid");
    }
    if (!OPEN.has(loan.status)) throw problems.conflict(`Loan ${loan.id} is ${loan.status}: promises to pay are taken on open (active, delinquent) loans only`);
  }
  const row: CollectionLogRow = {
    id: input.id,
    loan_id: loan.id,
    kind: b.kind,
    outcome: b.kind === "call_attempt" ? b.outcome : null,
    note: b.note ?? "",
    promised_amount: b.kind === "promise_to_pay" ? b.promisedAmount : null,
    promised_date: b.kind === "promise_to_pay" ? b.promisedDate : null,
    actor_id: input.actorId,
    created_at: input.now.toISOString(),
  };
  t.run(
    `INSERT INTO collection_log (id, loan_id, kind, outcome, note, promised_amount, promised_date, actor_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.id,
    row.loan_id,
    row.kind,
    row.outcome,
    row.note,
    row.promised_amount,
    row.promised_date,
    row.actor_id,
    row.created_at,
  );
  const after = { kind: row.kind, outcome: row.outcome, promisedAmount: row.promised_amount, promisedDate: row.promised_date, note: row.note };
  auditChange(t, { user: { id: row.actor_id }, ip: input.meta?.ip ?? null, userAgent: input.meta?.userAgent ?? null }, {
    event: EVENTS[row.kind],
    entity: { type: "loan", id: loan.id },
    userId: loan.user_id,
    before: null,
    after,
    reason: row.note || null,
    details: { entryId: row.id },
    at: row.created_at,
  });
  const payments = row.kind === "promise_to_pay" ? appliedPayments(t, loan.id) : [];
  return entryOut(row, actorsOf(t, [row.actor_id]).get(row.actor_id)!, payments, today);
}
