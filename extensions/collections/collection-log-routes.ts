// GET/POST /api/v1/admin/loans/{id}/collection-log: a loan's notes, call attempts and promises to pay (staff).
import { defineRoute, jakartaDate } from "../../src/runtime/index.ts";
import { IdParams } from "../../schemas/common.ts";
import { CollectionLog, CollectionLogEntry, CollectionLogRequest, COLLECTION_LOG_ENTRY_EXAMPLE } from "../../schemas/collection-log.ts";
import { addCollectionLogEntry, collectionLog } from "./collection-log.ts";

const problem = (description: string) => ({ description });

export const getCollectionLogRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/loans/{id}/collection-log",
  summary: "A loan's collection log: notes, call attempts and promises to pay (kept/broken derived from payments), newest first",
  tags: ["collections"],
  access: ["analyst", "finance", "admin"],
  request: { params: IdParams },
  responses: {
    200: { description: "The log, actors by name", schema: CollectionLog, example: { items: [COLLECTION_LOG_ENTRY_EXAMPLE] } },
    401: problem("Not signed in"),
    403: problem("Not staff"),
    404: problem("No such loan"),
  },
  handler(req, ctx) {
    return { status: 200, body: { items: collectionLog(ctx.db, req.params.id, jakartaDate(ctx.clock.now())) } };
  },
});

export const addCollectionLogRoute = defineRoute({
  method: "post",
  path: "/api/v1/admin/loans/{id}/collection-log",
  summary: "Log a note, a call attempt (with its outcome) or a promise to pay (amount and date) on a loan; audited",
  description:
    "A promise to pay is dated today up to 90 days ahead (Asia/Jakarta) and taken on open (active, delinquent) loans only (409 otherwise). " +
    "Whether it was kept is derived later from the payments applied to the loan until the end of its date. Each entry is written to the audit log " +
    "(`collection.note_added`, `collection.call_logged`, `collection.promise_made`) in the same transaction.",
  tags: ["collections"],
  access: ["analyst", "admin"],
  idempotent: true,
  request: { params: IdParams, body: CollectionLogRequest },
  responses: {
    201: { description: "Logged", schema: CollectionLogEntry, example: COLLECTION_LOG_ENTRY_EXAMPLE },
    401: problem("Not signed in"),
    403: problem("Not analyst or admin"),
    404: problem("No such loan"),
    409: problem("A promise to pay on a loan that is not open"),
    422: problem("Invalid entry (kind, outcome, amount, a date outside today … 90 days ahead)"),
  },
  async handler(req, ctx) {
    const now = ctx.clock.now();
    // group commit: entries of one moment share a transaction, each in its own savepoint with its audit entry
    const entry = await ctx.commit((t) =>
      addCollectionLogEntry(t, { loanId: req.params.id, actorId: req.user!.id, body: req.body, now, id: Bun.randomUUIDv7(), meta: { ip: req.ip, userAgent: req.userAgent } }),
    );
    ctx.log.info("collection log entry added", { loanId: entry.loanId, kind: entry.kind, actor: entry.actor.id });
    return { status: 201, body: entry };
  },
});

export const COLLECTION_LOG_ROUTES = [getCollectionLogRoute, addCollectionLogRoute];
