// The webhook event log for admins (every delivery, with its outcome or failure reason) and the replay of a failed,
// verified event through the same idempotent path.
import { decodeCursor, defineRoute, encodeCursor, problems } from "../../../src/runtime/index.ts";
import { ReplayResult, WebhookEventList, WebhookEventParams, WebhookEventsCursor, WebhookEventsQuery } from "../../../schemas/payments.ts";
import { replayEvent } from "../events.ts";
import { webhookEvents, type WebhookEventRow } from "../rows.ts";
import { paymentSettings } from "../settings.ts";

const LISTED = ["id", "provider", "kind", "event_id", "verified", "status", "failure_reason", "result", "attempts", "received_at", "updated_at"] as const;

export const listEventsRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/webhook-events",
  summary: "Webhook event log (every delivery, with its outcome or failure reason), newest first",
  tags: ["payments"],
  access: ["admin"],
  request: { query: WebhookEventsQuery },
  responses: { 200: { description: "A page of webhook events", schema: WebhookEventList } },
  handler(req, ctx) {
    const cursor = decodeCursor(req.query.cursor, WebhookEventsCursor);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (cursor !== undefined) (where.push("id < ?"), params.push(cursor));
    if (req.query.status) (where.push("status = ?"), params.push(req.query.status));
    const rows = ctx.db.all<Pick<WebhookEventRow, (typeof LISTED)[number]>>(
      `${webhookEvents.select(LISTED)} ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`,
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
      result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
      attempts: r.attempts,
      receivedAt: r.received_at,
      updatedAt: r.updated_at,
      replayable: r.status === "failed" && r.verified === 1,
    }));
    return { status: 200, body: { items, nextCursor: rows.length > req.query.limit ? encodeCursor(pageRows[pageRows.length - 1].id) : null } };
  },
});

export const replayRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/webhook-events/{id}/replay",
  summary: "Replay a failed (verified) webhook event through the same idempotent path",
  tags: ["payments"],
  access: ["admin"],
  idempotent: true,
  request: { params: WebhookEventParams },
  responses: { 200: { description: "The event's outcome", schema: ReplayResult }, 404: { description: "No such event" }, 409: { description: "The event is not replayable" } },
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

