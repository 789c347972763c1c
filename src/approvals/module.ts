// HTTP: the four-eyes approvals (list, read, approve, reject; policies per action) and the audit trail read API
// (filtered by actor, event, record, from/to; a record's history is the same list filtered by entity).
import { z } from "@hono/zod-openapi";
import type { AppModule } from "../http/app.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { declareRoute, type RateLimitSpec } from "../http/route.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import type { Platform } from "../http/types.ts";
import { findRuntime } from "../runtime/runtime.ts";
import type { ApprovableAction } from "../runtime/types.ts";
import {
  APPROVAL_EXAMPLE,
  ApprovalSchema,
  actionNamed,
  approvalOut,
  approve,
  expireDue,
  policyOf,
  reject,
  setPolicy,
  type ApprovalRow,
} from "./service.ts";
import { AUDIT_EXAMPLE, AuditPageSchema, AuditQuery, listAudit } from "./audit-trail.ts";

const LIMIT: RateLimitSpec = { name: "admin-approvals", key: "user", limit: 240, windowSeconds: 60 };
const STAFF = ["analyst", "finance", "admin"] as const;

function actionsOf(platform: Platform): ApprovableAction<any, any>[] {
  return (findRuntime(platform)?.reg.extensions ?? []).flatMap((e) => e.approvals ?? []);
}
function contextOf(platform: Platform, user: Parameters<NonNullable<ReturnType<typeof findRuntime>>["context"]>[0]) {
  const r = findRuntime(platform);
  if (!r) throw problems.notFound("Approval");
  return r.context(user);
}

const IdParams = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" }, example: APPROVAL_EXAMPLE.id }) });
const ActionParams = z.object({ action: z.string().min(1).max(100).openapi({ param: { name: "action", in: "path" }, example: "loan.write_off" }) });
const ListQuery = z.object({
  status: z.enum(["pending", "approved", "rejected", "expired"]).optional().openapi({ param: { name: "status", in: "query" }, description: "default: every status" }),
  action: z.string().max(100).optional().openapi({ param: { name: "action", in: "query" }, example: "loan.write_off" }),
  entityType: z.string().max(64).optional().openapi({ param: { name: "entityType", in: "query" }, example: "loan" }),
  entityId: z.string().max(200).optional().openapi({ param: { name: "entityId", in: "query" } }),
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ param: { name: "limit", in: "query" }, example: 25 }),
  cursor: z.string().max(200).optional().openapi({ param: { name: "cursor", in: "query" }, description: "nextCursor of the previous page" }),
});
const ListSchema = z.object({ items: z.array(ApprovalSchema), nextCursor: z.string().nullable() }).openapi("ApprovalList");
const ApproveBody = z.object({ note: z.string().trim().max(500).optional().openapi({ example: "checked the collection log" }) }).strict();
const RejectBody = z.object({ reason: z.string().trim().min(3).max(500).openapi({ example: "the borrower promised to pay on Friday" }) }).strict();
const PolicySchema = z
  .object({
    action: z.string().openapi({ example: "loan.write_off" }),
    label: z.string().openapi({ example: "Write-off" }),
    labelId: z.string().openapi({ example: "Hapus buku" }),
    roles: z.array(z.string()).openapi({ example: ["finance", "admin"] }),
    required: z.boolean(),
    thresholdAmount: z.number().int().nullable().openapi({ description: "from this amount (rupiah) approval is required; null: any amount", example: 10_000_000 }),
    expiresInHours: z.number().int(),
    source: z.enum(["default", "set"]).openapi({ description: "default: the extension's declared default; set: an admin's" }),
    updatedBy: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("ApprovalPolicy");
const POLICY_EXAMPLE = { action: "loan.write_off", label: "Write-off", labelId: "Hapus buku", roles: ["finance", "admin"], required: true, thresholdAmount: 10_000_000, expiresInHours: 72, source: "default" as const, updatedBy: null, updatedAt: null };
const PolicyInput = z
  .object({
    required: z.boolean(),
    thresholdAmount: z.number().int().min(0).max(1_000_000_000_000).nullable().openapi({ description: "null: any amount" }),
    expiresInHours: z.number().int().min(1).max(720).default(72),
  })
  .strict()
  .openapi("ApprovalPolicyInput", { example: { required: true, thresholdAmount: 10_000_000, expiresInHours: 72 } });

const cursorOf = (r: Pick<ApprovalRow, "proposed_at" | "id">) => Buffer.from(`${r.proposed_at}|${r.id}`).toString("base64url");
function readCursor(c: string | undefined): { at: string; id: string } | null {
  if (!c) return null;
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|(apv_[0-9a-f-]{36})$/.exec(Buffer.from(c, "base64url").toString("utf8"));
  if (!m) throw new HttpProblem(400, "bad-cursor", "Bad cursor", "The cursor is not one this API returned");
  return { at: m[1], id: m[2] };
}
const badCursor = { description: "The cursor is not one this API returned", example: { type: "https://kreditku.dev/problems/bad-cursor", title: "Bad cursor", status: 400, detail: "The cursor is not one this API returned" } };

export const approvalsModule: AppModule = {
  register(app, platform) {
    mountPlatformRoutes(app, platform, [
      declareRoute({
        method: "get",
        path: "/api/v1/admin/approvals",
        tags: ["approvals"],
        summary: "Proposals awaiting (or past) four-eyes approval, newest first",
        description: "Staff. `canDecide` tells whether the caller may approve or reject (another staff member whose role may do the action). Proposals past their expiry are shown expired.",
        access: [...STAFF],
        rateLimit: LIMIT,
        request: { query: ListQuery },
        responses: { 200: { description: "A page of proposals", schema: ListSchema, example: { items: [{ ...APPROVAL_EXAMPLE, canDecide: true }], nextCursor: null } }, 400: badCursor },
        handler: (req) => {
          const q = req.query;
          const now = platform.clock.now();
          if (platform.db.read.get("SELECT 1 FROM approvals WHERE status = 'pending' AND expires_at <= ? LIMIT 1", now.toISOString())) platform.db.tx((t) => expireDue(t, now));
          const cur = readCursor(q.cursor);
          const where: string[] = [];
          const params: (string | number)[] = [];
          if (q.status) where.push("status = ?"), params.push(q.status);
          if (q.action) where.push("action = ?"), params.push(q.action);
          if (q.entityType) where.push("entity_type = ?"), params.push(q.entityType);
          if (q.entityId) where.push("entity_id = ?"), params.push(q.entityId);
          if (cur) where.push("(proposed_at < ? OR (proposed_at = ? AND id < ?))"), params.push(cur.at, cur.at, cur.id);
          const rows = platform.db.read.all<ApprovalRow>(
            `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY proposed_at DESC, id DESC LIMIT ?`,
            ...params,
            q.limit + 1,
          );
          const more = rows.length > q.limit;
          const items = rows.slice(0, q.limit);
          const actions = actionsOf(platform);
          return { status: 200, body: { items: items.map((r) => approvalOut(platform.db.read, r, actions, req.user)), nextCursor: more ? cursorOf(items[items.length - 1]) : null } };
        },
      }),
      declareRoute({
        method: "get",
        path: "/api/v1/admin/approvals/{id}",
        tags: ["approvals"],
        summary: "One proposal",
        access: [...STAFF],
        rateLimit: LIMIT,
        request: { params: IdParams },
        responses: { 200: { description: "The proposal", schema: ApprovalSchema, example: APPROVAL_EXAMPLE }, 404: { description: "No such proposal" } },
        handler: (req) => {
          const r = platform.db.read.get<ApprovalRow>("SELECT * FROM approvals WHERE id = ?", req.params.id);
          if (!r) throw problems.notFound("Approval");
          return { status: 200, body: approvalOut(platform.db.read, r, actionsOf(platform), req.user) };
        },
      }),
      declareRoute({
        method: "post",
        path: "/api/v1/admin/approvals/{id}/approve",
        tags: ["approvals"],
        summary: "Approve a proposal: the action is carried out now, in one transaction with the approval and its audit entry",
        description:
          "Another staff member than the proposer, whose role may do the action (403 `approver-is-proposer` / `approver-role`). 409 `approval-decided` when no longer pending, `approval-expired` past its expiry; the action's own refusals (a loan paid off since, …) answer as the action does and leave the proposal pending. Accepts Idempotency-Key.",
        access: [...STAFF],
        rateLimit: LIMIT,
        idempotent: true,
        request: { params: IdParams, body: ApproveBody },
        responses: {
          200: { description: "Approved and carried out; `result` is the action's answer", schema: ApprovalSchema, example: { ...APPROVAL_EXAMPLE, status: "approved", decidedBy: { id: "0193a1b2-0000-7000-8000-0000000000e2", name: "Admin Two" }, decidedAt: "2026-03-01T09:00:00.000Z", decisionReason: null, result: { loanId: APPROVAL_EXAMPLE.entityId } } },
          403: { description: "The proposer, or a role that may not do the action" },
          404: { description: "No such proposal" },
          409: { description: "Already decided, expired, or the action cannot be done any more" },
        },
        handler: (req) => {
          const ctx = contextOf(platform, { user: req.user });
          return { status: 200, body: approve(ctx, actionsOf(platform), req, req.params.id, req.body.note ?? null) };
        },
      }),
      declareRoute({
        method: "post",
        path: "/api/v1/admin/approvals/{id}/reject",
        tags: ["approvals"],
        summary: "Reject a proposal, with a reason",
        description: "Another staff member than the proposer, whose role may do the action. Accepts Idempotency-Key.",
        access: [...STAFF],
        rateLimit: LIMIT,
        idempotent: true,
        request: { params: IdParams, body: RejectBody },
        responses: {
          200: { description: "Rejected", schema: ApprovalSchema, example: { ...APPROVAL_EXAMPLE, status: "rejected", decidedBy: { id: "0193a1b2-0000-7000-8000-0000000000e2", name: "Admin Two" }, decidedAt: "2026-03-01T09:00:00.000Z", decisionReason: "the borrower promised to pay on Friday" } },
          403: { description: "The proposer, or a role that may not do the action" },
          404: { description: "No such proposal" },
          409: { description: "Already decided" },
        },
        handler: (req) => {
          const ctx = contextOf(platform, { user: req.user });
          return { status: 200, body: reject(ctx, actionsOf(platform), req, req.params.id, req.body.reason) };
        },
      }),
      declareRoute({
        method: "get",
        path: "/api/v1/admin/approval-policies",
        tags: ["approvals"],
        summary: "The approvable actions and their policies (required, amount threshold, expiry)",
        access: [...STAFF],
        rateLimit: LIMIT,
        responses: { 200: { description: "Every approvable action of the installed extensions", schema: z.object({ items: z.array(PolicySchema) }).openapi("ApprovalPolicyList"), example: { items: [POLICY_EXAMPLE] } } },
        handler: () => ({ status: 200, body: { items: actionsOf(platform).map((a) => policyOf(platform.db.read, a)) } }),
      }),
      declareRoute({
        method: "put",
        path: "/api/v1/admin/approval-policies/{action}",
        tags: ["approvals"],
        summary: "Set an action's approval policy (admin; audited as a settings change)",
        access: ["admin"],
        rateLimit: LIMIT,
        request: { params: ActionParams, body: PolicyInput },
        responses: { 200: { description: "The policy in force", schema: PolicySchema, example: { ...POLICY_EXAMPLE, source: "set", updatedBy: "0193a1b2-0000-7000-8000-0000000000e2", updatedAt: "2026-03-01T09:00:00.000Z" } }, 404: { description: "No such approvable action" } },
        handler: (req) => {
          const a = actionNamed(actionsOf(platform), req.params.action);
          if (!a) throw problems.notFound("Approvable action");
          const ctx = contextOf(platform, { user: req.user });
          const now = platform.clock.now();
          return { status: 200, body: ctx.tx((t) => setPolicy(t, a, req, req.body, now)) };
        },
      }),
      declareRoute({
        method: "get",
        path: "/api/v1/admin/audit",
        tags: ["audit"],
        summary: "The audit trail, newest first, filtered by actor, event, record (entity type and id) and from/to",
        description:
          "Admins see every entry (sign-ins included); analysts and finance see the business trail (entries about a record: decisions, changes, write-offs, refunds, approvals, personal-data views), without IP addresses. A record's history: `entityType` + `entityId`.",
        access: [...STAFF],
        rateLimit: LIMIT,
        request: { query: AuditQuery },
        responses: { 200: { description: "A page of entries", schema: AuditPageSchema, example: { items: [AUDIT_EXAMPLE], nextCursor: null } }, 400: badCursor },
        handler: (req) => ({ status: 200, body: listAudit(platform.db.read, req.query, req.user!) }),
      }),
    ]);
  },
};
