// Four-eyes approval (maker-checker), generic: an extension declares which of its actions are approvable
// (defineExtension `approvals`, ApprovableAction) and its route calls `proposeOrRun`. Policies (required, amount
// threshold, expiry) are set per action by an admin (approval_policies), else the action's declared default.
// A proposal is approved by another staff member whose role may do the action; the approval runs the action in one
// transaction with the approval's update and its audit entry. Rejections carry a reason; proposals expire.
import { randomUUID } from "node:crypto";
import { z } from "@hono/zod-openapi";
import type { Conn } from "../db/database.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import type { RouteRequest } from "../http/route.ts";
import type { AuthUser } from "../http/types.ts";
import { auditChange, type Actor } from "../auth/audit.ts";
import type { ApprovableAction, ApprovalRun, ExtensionContext, Sql, TxContext } from "../runtime/types.ts";

export const DEFAULT_EXPIRY_HOURS = 72;

export interface ApprovalRow {
  id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  amount: number | null;
  input: string;
  status: "pending" | "approved" | "rejected" | "expired";
  reason: string | null;
  proposed_by: string;
  proposed_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  result: string | null;
}

interface PolicyRow {
  action: string;
  required: number;
  threshold_amount: number | null;
  expires_in_hours: number;
  updated_by: string;
  updated_at: string;
}

export interface Policy {
  action: string;
  label: string;
  labelId: string;
  roles: string[];
  required: boolean;
  thresholdAmount: number | null;
  expiresInHours: number;
  /** "default": the extension's declared default; "set": an admin's. */
  source: "default" | "set";
  updatedBy: string | null;
  updatedAt: string | null;
}

const Person = z.object({ id: z.string(), name: z.string().nullable() }).openapi("ApprovalPerson");

export const ApprovalSchema = z
  .object({
    id: z.string().openapi({ example: "apv_0193a1b2-0000-7000-8000-0000000000f1" }),
    action: z.string().openapi({ example: "loan.write_off" }),
    label: z.string().openapi({ example: "Write-off" }),
    labelId: z.string().openapi({ example: "Hapus buku" }),
    entityType: z.string().openapi({ example: "loan" }),
    entityId: z.string().openapi({ example: "0193a1b2-0000-7000-8000-0000000000c1" }),
    amount: z.number().int().nullable().openapi({ description: "the amount the policy's threshold was applied to (rupiah)", example: 3_215_000 }),
    input: z.record(z.string(), z.unknown()).openapi({ description: "what will be done when approved", example: { loanId: "0193a1b2-0000-7000-8000-0000000000c1", reason: "uncollectable" } }),
    status: z.enum(["pending", "approved", "rejected", "expired"]),
    reason: z.string().nullable().openapi({ description: "the proposer's reason" }),
    proposedBy: Person,
    proposedAt: z.string(),
    expiresAt: z.string(),
    decidedBy: Person.nullable(),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
    result: z.unknown().optional().openapi({ description: "the action's result once approved" }),
    canDecide: z.boolean().optional().openapi({ description: "whether the caller may approve or reject it (another staff member with a role allowed to do the action)" }),
  })
  .openapi("Approval");
export type ApprovalOut = z.infer<typeof ApprovalSchema>;

export const APPROVAL_EXAMPLE: ApprovalOut = {
  id: "apv_0193a1b2-0000-7000-8000-0000000000f1",
  action: "loan.write_off",
  label: "Write-off",
  labelId: "Hapus buku",
  entityType: "loan",
  entityId: "0193a1b2-0000-7000-8000-0000000000c1",
  amount: 3_215_000,
  input: { loanId: "0193a1b2-0000-7000-8000-0000000000c1", reason: "uncollectable" },
  status: "pending",
  reason: "uncollectable",
  proposedBy: { id: "0193a1b2-0000-7000-8000-0000000000e1", name: "Finance One" },
  proposedAt: "2026-03-01T08:00:00.000Z",
  expiresAt: "2026-03-04T08:00:00.000Z",
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
};

/** The pending answer of a route whose action needs approval (202). */
export const PendingApprovalSchema = z
  .object({ approvalRequired: z.literal(true), approval: ApprovalSchema })
  .openapi("PendingApproval", { description: "Proposed: another staff member must approve it (POST /api/v1/admin/approvals/{id}/approve)" });
export const PENDING_EXAMPLE = { approvalRequired: true as const, approval: APPROVAL_EXAMPLE };

/** Find a declared action by name among `actions`. */
export function actionNamed(actions: readonly ApprovableAction<any, any>[], name: string) {
  return actions.find((a) => a.action === name);
}

export function policyOf(db: Sql, a: ApprovableAction<any, any>): Policy {
  let row: PolicyRow | null = null;
  try {
    row = db.get<PolicyRow>("SELECT * FROM approval_policies WHERE action = ?", a.action) ?? null;
  } catch {
    row = null; // a depot before migration 0031: the declared default
  }
  const base = { action: a.action, label: a.label, labelId: a.labelId, roles: [...a.roles] };
  if (row) return { ...base, required: row.required === 1, thresholdAmount: row.threshold_amount, expiresInHours: row.expires_in_hours, source: "set", updatedBy: row.updated_by, updatedAt: row.updated_at };
  const d = a.defaultPolicy;
  return { ...base, required: d.required, thresholdAmount: d.thresholdAmount, expiresInHours: d.expiresInHours ?? DEFAULT_EXPIRY_HOURS, source: "default", updatedBy: null, updatedAt: null };
}

/** Whether the policy asks for approval at this amount (an action without an amount: whenever required). */
export function needsApproval(p: Pick<Policy, "required" | "thresholdAmount">, amount: number | null): boolean {
  if (!p.required) return false;
  if (p.thresholdAmount === null || amount === null) return true;
  return amount >= p.thresholdAmount;
}

function names(db: Sql, ids: (string | null)[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const id of new Set(ids.filter((i): i is string => !!i))) {
    const u = db.get<{ display_name: string | null; email: string | null }>("SELECT display_name, email FROM users WHERE id = ?", id);
    out.set(id, u?.display_name || u?.email || null);
  }
  return out;
}

export function approvalOut(db: Sql, r: ApprovalRow, actions: readonly ApprovableAction<any, any>[], caller?: AuthUser): ApprovalOut {
  const a = actionNamed(actions, r.action);
  const n = names(db, [r.proposed_by, r.decided_by]);
  const out: ApprovalOut = {
    id: r.id,
    action: r.action,
    label: a?.label ?? r.action,
    labelId: a?.labelId ?? r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    amount: r.amount,
    input: JSON.parse(r.input),
    status: r.status,
    reason: r.reason,
    proposedBy: { id: r.proposed_by, name: n.get(r.proposed_by) ?? null },
    proposedAt: r.proposed_at,
    expiresAt: r.expires_at,
    decidedBy: r.decided_by ? { id: r.decided_by, name: n.get(r.decided_by) ?? null } : null,
    decidedAt: r.decided_at,
    decisionReason: r.decision_reason,
  };
  if (r.result !== null) out.result = JSON.parse(r.result);
  if (caller) out.canDecide = r.status === "pending" && !!a && caller.id !== r.proposed_by && a.roles.includes(caller.role);
  return out;
}

/** Thrown inside the dry run's transaction to roll it back, carrying its result out. */
class DryRun<R> {
  constructor(readonly result: R) {}
}

export type ProposeOrRun<R> = { kind: "done"; result: R } | { kind: "proposed"; approval: ApprovalOut };

type Req = Pick<RouteRequest, "ip" | "headers"> & { user?: AuthUser };

function runOf(req: Req, now: Date): ApprovalRun {
  if (!req.user) throw problems.unauthorized();
  return { actor: req.user, approvedBy: null, approvalId: null, ip: req.ip ?? null, userAgent: req.headers.get("user-agent"), now };
}

/**
 * Do `action` with `input` now, or propose it when its policy requires approval at its amount: the action runs in a
 * transaction that is rolled back (so refusals answer as they would without approval, and the amount is known),
 * then either runs for real (no approval needed) or a pending proposal is stored and audited. A second proposal of
 * the same action on the same record while one is pending is refused (409 `approval-pending`).
 */
export function proposeOrRun<I, R>(ctx: ExtensionContext, req: Req, action: ApprovableAction<I, R>, input: I, opts: { reason?: string | null } = {}): ProposeOrRun<R> {
  const now = ctx.clock.now();
  const run = runOf(req, now);
  const policy = policyOf(ctx.db, action);
  if (!policy.required) return { kind: "done", result: ctx.tx((t) => action.execute(t, input, run, ctx)) };
  let dry: R;
  try {
    ctx.tx((t) => {
      throw new DryRun(action.execute(t, input, run, ctx));
    });
    throw new Error("unreachable");
  } catch (e) {
    if (!(e instanceof DryRun)) throw e;
    dry = e.result as R;
  }
  const amount = action.amount ? action.amount(input, dry) : null;
  if (action.settled?.(dry) || !needsApproval(policy, amount)) return { kind: "done", result: ctx.tx((t) => action.execute(t, input, run, ctx)) };
  const entity = action.entity(input);
  const id = `apv_${randomUUID()}`;
  const expiresAt = new Date(now.getTime() + policy.expiresInHours * 3_600_000).toISOString();
  const row = ctx.tx((t) => {
    expireDue(t, now, { action: action.action, entity });
    const pending = t.get<{ id: string }>("SELECT id FROM approvals WHERE action = ? AND entity_type = ? AND entity_id = ? AND status = 'pending'", action.action, entity.type, entity.id);
    if (pending) throw new HttpProblem(409, "approval-pending", "Awaiting approval", `this ${action.label.toLowerCase()} is already proposed and awaits approval`, { approvalId: pending.id });
    t.run(
      `INSERT INTO approvals (id, action, entity_type, entity_id, amount, input, status, reason, proposed_by, proposed_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      id,
      action.action,
      entity.type,
      entity.id,
      amount,
      JSON.stringify(input),
      opts.reason ?? null,
      run.actor.id,
      now.toISOString(),
      expiresAt,
    );
    auditChange(t, actorOf(req), {
      event: "approval.proposed",
      entity,
      after: input,
      reason: opts.reason ?? null,
      details: { approvalId: id, action: action.action, amount, thresholdAmount: policy.thresholdAmount, expiresAt },
      at: now,
    });
    return t.get<ApprovalRow>("SELECT * FROM approvals WHERE id = ?", id)!;
  });
  return { kind: "proposed", approval: approvalOut(ctx.db, row, [action]) };
}

const actorOf = (req: Req): Actor => ({ user: req.user, ip: req.ip, headers: req.headers });

/** Mark pending proposals past their expiry as expired (audited), optionally only those of one action and record. */
export function expireDue(t: Pick<Conn, "all" | "run">, now: Date, only?: { action: string; entity: { type: string; id: string } }) {
  const at = now.toISOString();
  const rows = only
    ? t.all<ApprovalRow>("SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ? AND action = ? AND entity_type = ? AND entity_id = ?", at, only.action, only.entity.type, only.entity.id)
    : t.all<ApprovalRow>("SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ? LIMIT 500", at);
  for (const r of rows) {
    t.run("UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending'", at, r.id);
    auditChange(t, {}, { event: "approval.expired", entity: { type: r.entity_type, id: r.entity_id }, details: { approvalId: r.id, action: r.action, amount: r.amount, expiresAt: r.expires_at }, at: now });
  }
  return rows.length;
}

function pendingOr409(r: ApprovalRow) {
  if (r.status !== "pending") throw new HttpProblem(409, "approval-decided", "Already decided", `this proposal is ${r.status}`, { approvalStatus: r.status });
}

function mayDecide(a: ApprovableAction<any, any> | undefined, r: ApprovalRow, user: AuthUser) {
  if (!a) throw new HttpProblem(409, "approval-action-unavailable", "Action not available", `no installed extension offers ${r.action}`);
  if (user.id === r.proposed_by) throw new HttpProblem(403, "approver-is-proposer", "Another staff member must decide", "the proposer cannot approve or reject their own proposal");
  if (!a.roles.includes(user.role)) throw new HttpProblem(403, "approver-role", "Role may not do this", `${a.label} needs one of: ${a.roles.join(", ")}`);
}

/**
 * Approve a proposal: the action runs on its stored input (checked again) in one transaction with the approval's
 * update and its audit entry. Refusals of the action itself (the loan paid off since, …) answer as the action does
 * and leave the proposal pending, to be rejected.
 */
export function approve(ctx: ExtensionContext, actions: readonly ApprovableAction<any, any>[], req: Req, id: string, note: string | null): ApprovalOut {
  const user = req.user;
  if (!user) throw problems.unauthorized();
  const now = ctx.clock.now();
  const row = ctx.tx((t) => {
    const r = t.get<ApprovalRow>("SELECT * FROM approvals WHERE id = ?", id);
    if (!r) throw problems.notFound("Approval");
    const a = actionNamed(actions, r.action);
    mayDecide(a, r, user);
    if (r.status === "pending" && r.expires_at <= now.toISOString()) {
      expireDue(t, now, { action: r.action, entity: { type: r.entity_type, id: r.entity_id } });
      return null; // committed: answered 409 below
    }
    pendingOr409(r);
    const input = a!.input.safeParse(JSON.parse(r.input));
    if (!input.success) throw new HttpProblem(409, "approval-input-invalid", "Proposal no longer valid", "the stored proposal does not fit the action any more: reject it");
    const proposer = t.get<{ id: string; role: AuthUser["role"] }>("SELECT id, role FROM users WHERE id = ?", r.proposed_by) ?? { id: r.proposed_by, role: user.role };
    const result = a!.execute(t, input.data, { actor: proposer, approvedBy: user, approvalId: r.id, ip: req.ip ?? null, userAgent: req.headers.get("user-agent"), now }, ctx);
    t.run("UPDATE approvals SET status = 'approved', decided_by = ?, decided_at = ?, decision_reason = ?, result = ? WHERE id = ? AND status = 'pending'", user.id, now.toISOString(), note, JSON.stringify(result ?? null), r.id);
    auditChange(t, actorOf(req), {
      event: "approval.approved",
      entity: { type: r.entity_type, id: r.entity_id },
      before: { status: "pending" },
      after: { status: "approved" },
      reason: note,
      details: { approvalId: r.id, action: r.action, amount: r.amount, proposedBy: r.proposed_by },
      at: now,
    });
    return t.get<ApprovalRow>("SELECT * FROM approvals WHERE id = ?", r.id)!;
  });
  if (!row) throw new HttpProblem(409, "approval-expired", "Proposal expired", "this proposal expired before it was approved: propose it again", { approvalStatus: "expired" });
  return approvalOut(ctx.db, row, actions, user);
}

/** Reject a proposal with a reason (another staff member allowed to do the action). */
export function reject(ctx: ExtensionContext, actions: readonly ApprovableAction<any, any>[], req: Req, id: string, reason: string): ApprovalOut {
  const user = req.user;
  if (!user) throw problems.unauthorized();
  const now = ctx.clock.now();
  const row = ctx.tx((t) => {
    const r = t.get<ApprovalRow>("SELECT * FROM approvals WHERE id = ?", id);
    if (!r) throw problems.notFound("Approval");
    mayDecide(actionNamed(actions, r.action), r, user);
    pendingOr409(r);
    t.run("UPDATE approvals SET status = 'rejected', decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ? AND status = 'pending'", user.id, now.toISOString(), reason, r.id);
    auditChange(t, actorOf(req), {
      event: "approval.rejected",
      entity: { type: r.entity_type, id: r.entity_id },
      before: { status: "pending" },
      after: { status: "rejected" },
      reason,
      details: { approvalId: r.id, action: r.action, amount: r.amount, proposedBy: r.proposed_by },
      at: now,
    });
    return t.get<ApprovalRow>("SELECT * FROM approvals WHERE id = ?", r.id)!;
  });
  return approvalOut(ctx.db, row, actions, user);
}

/** Set an action's policy (admin), audited as a settings change with before/after. */
export function setPolicy(
  t: TxContext,
  a: ApprovableAction<any, any>,
  req: Req,
  next: { required: boolean; thresholdAmount: number | null; expiresInHours: number },
  now: Date,
): Policy {
  const before = policyOf(t, a);
  t.run(
    `INSERT INTO approval_policies (action, required, threshold_amount, expires_in_hours, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (action) DO UPDATE SET required = excluded.required, threshold_amount = excluded.threshold_amount,
       expires_in_hours = excluded.expires_in_hours, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    a.action,
    next.required ? 1 : 0,
    next.thresholdAmount,
    next.expiresInHours,
    req.user!.id,
    now.toISOString(),
  );
  const after = policyOf(t, a);
  const view = (p: Policy) => ({ required: p.required, thresholdAmount: p.thresholdAmount, expiresInHours: p.expiresInHours });
  auditChange(t, actorOf(req), { event: "settings.changed", entity: { type: "approval_policy", id: a.action }, before: view(before), after: view(after), at: now });
  return after;
}
