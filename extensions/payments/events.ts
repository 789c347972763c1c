// Recording webhook events and applying their effect exactly once. The HTTP part (raw body, verification) is
// ./webhooks.ts; this is the domain part, run in ONE write transaction: look up (provider, event id) → if seen,
// answer the original result → else apply the payment/disbursement effect and record the event with its outcome.
import type { Sql, TxContext } from "../../src/runtime/index.ts";
import type { WebhookEventStatus } from "../../schemas/enums.ts";
import { PayloadError, parseDisbursementNotice, parsePaymentNotice, type PaymentNotice, type Provider, type WebhookKind } from "./verify.ts";
import { applyDisbursementOutcome } from "./disbursement-outcome.ts";
import { applyPayment } from "./repayments.ts";


export interface EventOutcome {
  eventRowId: number;
  status: WebhookEventStatus;
  result: Record<string, unknown>;
  duplicate: boolean;
  /** HTTP status to answer with (200, or 400 for a verified but unusable payload). */
  httpStatus: number;
}

const MAX_STORED_BODY = 64 * 1024;

export interface VerifiedEvent {
  provider: Provider;
  kind: WebhookKind;
  eventId: string;
  body: unknown;
  rawBody: string;
  headers: Record<string, string>;
  now: Date;
  /** Base delay of a failed disbursement's retry (payments settings disburseRetryMs; default 60 s). */
  disburseRetryMs?: number;
}

/** Apply a verified event once. Must run inside a write transaction (t). */
export function processVerifiedEvent(t: TxContext, ev: VerifiedEvent): EventOutcome {
  const at = ev.now.toISOString();
  const prior = t.get<{ id: number; status: WebhookEventStatus; result: string | null }>(
    "SELECT id, status, result FROM webhook_events WHERE provider = ? AND event_id = ? AND verified = 1",
    ev.provider,
    ev.eventId,
  );
  if (prior && prior.status !== "failed") {
    t.run("UPDATE webhook_events SET attempts = attempts + 1, updated_at = ? WHERE id = ?", at, prior.id);
    if (ev.kind === "payment" && (prior.status === "applied" || prior.status === "needs_attention")) {
      const contradicting = resentWithOtherFacts(t, prior.id, ev);
      if (contradicting) return contradicting;
    }
    const result = prior.result ? JSON.parse(prior.result) : {};
    return { eventRowId: prior.id, status: prior.status, result, duplicate: true, httpStatus: prior.status === "rejected" ? 400 : 200 };
  }
  // The event row is written once, with its outcome: a fresh event reserves the id its INSERT will get (SQLite's
  // AUTOINCREMENT rule: past the table's largest id ever, sqlite_sequence) so the payment can point at it, and is
  // inserted after the effect. Nothing else writes webhook_events inside this savepoint; if the effect throws, the
  // savepoint (with the reservation) is rolled back and the delivery is recorded as failed for replay.
  const rowId = prior
    ? prior.id
    : t.get<{ id: number }>(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_events'), 0), COALESCE((SELECT MAX(id) FROM webhook_events), 0)) + 1 AS id",
      )!.id;
  let status: WebhookEventStatus;
  let result: Record<string, unknown>;
  let reason: string | null = null;
  try {
    if (ev.kind === "payment") {
      const notice = parsePaymentNotice(ev.provider, ev.body);
      const r = applyPayment(t, { provider: ev.provider, notice, source: "webhook", webhookEventId: rowId, now: ev.now });
      const { duplicate: _d, ...rest } = r;
      result = rest;
      status = r.status === "needs_attention" ? "needs_attention" : "applied";
      reason = r.reason ?? null;
    } else {
      const notice = parseDisbursementNotice(ev.provider, ev.body);
      const r = applyDisbursementOutcome(t, notice, ev.now, { retryBaseMs: ev.disburseRetryMs });
      result = { ...r };
      status = r.status;
      reason = r.reason ?? null;
    }
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    status = "rejected";
    reason = `malformed_payload: ${e.message}`;
    result = { error: "malformed_payload", detail: e.message };
  }
  const resultJson = JSON.stringify(result);
  if (prior) {
    t.run("UPDATE webhook_events SET status = ?, failure_reason = ?, result = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?", status, reason, resultJson, at, rowId);
  } else {
    t.run(
      `INSERT INTO webhook_events (id, provider, kind, event_id, verified, status, failure_reason, headers, body, result, received_at, updated_at)
       VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
      rowId,
      ev.provider,
      ev.kind,
      ev.eventId,
      status,
      reason,
      JSON.stringify(ev.headers),
      ev.rawBody.slice(0, MAX_STORED_BODY),
      resultJson,
      at,
      at,
    );
  }
  return { eventRowId: rowId, status, result, duplicate: false, httpStatus: status === "rejected" ? 400 : 200 };
}

/** The money facts of a payment notice (paid_at aside: a retry may restamp it). */
const sameFacts = (a: PaymentNotice, b: PaymentNotice) => a.paymentId === b.paymentId && a.amount === b.amount && a.vaNumber === b.vaNumber && a.currency === b.currency;

/**
 * A payment event id seen before, delivered again with a body that reports other facts (xendit's event id is the
 * payment id itself, so a contradicting re-send always arrives this way; standard and snap when a message id is
 * reused). It is not a duplicate: the report goes to applyPayment, which records it as a contradiction of the
 * payment the event first reported (needs_attention, nothing moved). Null when the facts are the same (a true
 * duplicate) or the new body is unusable (the first outcome stands).
 */
function resentWithOtherFacts(t: TxContext, eventRowId: number, ev: VerifiedEvent): EventOutcome | null {
  let notice: PaymentNotice;
  let first: PaymentNotice;
  try {
    notice = parsePaymentNotice(ev.provider, ev.body);
    const stored = t.get<{ body: string }>("SELECT body FROM webhook_events WHERE id = ?", eventRowId);
    first = parsePaymentNotice(ev.provider, JSON.parse(stored?.body ?? ""));
  } catch {
    return null;
  }
  if (sameFacts(first, notice)) return null;
  const r = applyPayment(t, { provider: ev.provider, notice, source: "webhook", webhookEventId: eventRowId, now: ev.now, eventPaymentId: first.paymentId });
  if (r.status !== "needs_attention") return null;
  const { duplicate, ...result } = r;
  return { eventRowId, status: "needs_attention", result, duplicate, httpStatus: 200 };
}

/**
 * Record a delivery that failed verification (or whose effect crashed), outside the effect's transaction. A
 * verified event keeps its whole body (≤ 64 KiB, the request limit) so an admin can replay it; an unverified one
 * keeps only a short reason (no body, no headers): anyone can send those.
 */
export function recordFailedDelivery(
  t: Sql,
  input: { provider: string; kind: WebhookKind; eventId: string | null; verified: boolean; status: "rejected" | "failed"; reason: string; headers: Record<string, string>; rawBody: string; now: Date },
) {
  const at = input.now.toISOString();
  if (input.verified && input.eventId) {
    const prior = t.get<{ id: number }>("SELECT id FROM webhook_events WHERE provider = ? AND event_id = ? AND verified = 1", input.provider, input.eventId);
    if (prior) {
      t.run("UPDATE webhook_events SET status = 'failed', failure_reason = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'failed'", input.reason, at, prior.id);
      return prior.id;
    }
  }
  const res = t.run(
    `INSERT INTO webhook_events (provider, kind, event_id, verified, status, failure_reason, headers, body, received_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    input.provider.slice(0, 40),
    input.kind,
    input.eventId?.slice(0, 200) ?? null,
    input.verified ? 1 : 0,
    input.status,
    input.verified ? input.reason : input.reason.slice(0, 200),
    input.verified ? JSON.stringify(input.headers) : "{}",
    input.verified ? input.rawBody.slice(0, MAX_STORED_BODY) : "",
    at,
    at,
  );
  return Number(res.lastInsertRowid);
}

/** Admin replay of a failed (verified) event: apply its stored body again through the same path. */
export function replayEvent(t: TxContext, eventRowId: number, now: Date, opts: { disburseRetryMs?: number } = {}): EventOutcome | { error: "not_found" | "not_replayable"; status?: string } {
  const row = t.get<{ provider: Provider; kind: WebhookKind; event_id: string | null; verified: number; status: string; body: string; headers: string }>(
    "SELECT provider, kind, event_id, verified, status, body, headers FROM webhook_events WHERE id = ?",
    eventRowId,
  );
  if (!row) return { error: "not_found" };
  if (row.status !== "failed" || row.verified !== 1 || !row.event_id) return { error: "not_replayable", status: row.status };
  let body: unknown;
  try {
    body = JSON.parse(row.body);
  } catch {
    return { error: "not_replayable", status: row.status };
  }
  return processVerifiedEvent(t, { provider: row.provider, kind: row.kind, eventId: row.event_id, body, rawBody: row.body, headers: JSON.parse(row.headers), now, disburseRetryMs: opts.disburseRetryMs });
}
