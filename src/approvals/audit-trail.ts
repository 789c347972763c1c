// Reading the audit trail: entries filtered by actor, event(s), record (entity type + id) and an instant range,
// newest first with a keyset cursor; actors by name; details split into before / after / reason.
import { z } from "@hono/zod-openapi";
import { HttpProblem } from "../http/problem.ts";
import type { AuthUser } from "../http/types.ts";
import type { Sql } from "../runtime/types.ts";

const instant = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 instant")
  .transform((s) => new Date(s).toISOString());

export const AuditQuery = z.object({
  actor: z.string().max(200).optional().openapi({ param: { name: "actor", in: "query" }, description: "the acting staff member's id" }),
  event: z
    .string()
    .max(500)
    .regex(/^[a-z0-9_.*]+(,[a-z0-9_.*]+)*$/, "event names (a.b), comma separated; `loan.*` for a prefix")
    .optional()
    .openapi({ param: { name: "event", in: "query" }, example: "loan.written_off,approval.*" }),
  entityType: z.string().max(64).optional().openapi({ param: { name: "entityType", in: "query" }, example: "loan" }),
  entityId: z.string().max(200).optional().openapi({ param: { name: "entityId", in: "query" } }),
  from: instant.optional().openapi({ param: { name: "from", in: "query" }, description: "at or after this instant", example: "2026-02-28T17:00:00.000Z" }),
  to: instant.optional().openapi({ param: { name: "to", in: "query" }, description: "at or before this instant", example: "2026-03-01T16:59:59.999Z" }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" }, example: 50 }),
  cursor: z.string().max(40).optional().openapi({ param: { name: "cursor", in: "query" }, description: "nextCursor of the previous page" }),
});
export type AuditQueryIn = z.infer<typeof AuditQuery>;

const Person = z.object({ id: z.string(), name: z.string().nullable(), role: z.string().nullable() });
export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    event: z.string().openapi({ example: "loan.written_off" }),
    actor: Person.nullable().openapi({ description: "who did it (null: the system or the user themself)" }),
    user: Person.nullable().openapi({ description: "the user the entry is about (sign-ins; the borrower whose data was viewed)" }),
    entityType: z.string().nullable(),
    entityId: z.string().nullable(),
    reason: z.string().nullable(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    details: z.record(z.string(), z.unknown()).openapi({ description: "every other fact of the entry" }),
    ip: z.string().nullable().optional().openapi({ description: "admins only" }),
  })
  .openapi("AuditEntry");
export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }).openapi("AuditPage");
export const AUDIT_EXAMPLE: z.infer<typeof AuditEntrySchema> = {
  id: 812,
  at: "2026-03-01T09:00:00.000Z",
  event: "loan.written_off",
  actor: { id: "0193a1b2-0000-7000-8000-0000000000e1", name: "Finance One", role: "finance" },
  user: null,
  entityType: "loan",
  entityId: "0193a1b2-0000-7000-8000-0000000000c1",
  reason: "uncollectable",
  before: { status: "delinquent", dpd: 184 },
  after: { status: "written_off", totalAmount: 3_215_000 },
  details: { approvalId: "apv_0193a1b2-0000-7000-8000-0000000000f1", approvedBy: "0193a1b2-0000-7000-8000-0000000000e2" },
  ip: "203.0.113.7",
};

interface Row {
  id: number;
  at: string;
  event: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  details: string;
  entity_type: string | null;
  entity_id: string | null;
}

export function listAudit(db: Sql, q: AuditQueryIn, caller: AuthUser) {
  const where: string[] = [];
  const params: (string | number)[] = [];
  // analysts and finance: the business trail only (entries about a record)
  if (caller.role !== "admin") where.push("entity_type IS NOT NULL");
  if (q.actor) where.push("actor_id = ?"), params.push(q.actor);
  if (q.event) {
    const parts = q.event.split(",");
    where.push(`(${parts.map(() => "event LIKE ? ESCAPE '\\'").join(" OR ")})`);
    params.push(...parts.map((p) => p.replace(/_/g, "\\_").replace(/\*/g, "%")));
  }
  if (q.entityType) where.push("entity_type = ?"), params.push(q.entityType);
  if (q.entityId) where.push("entity_id = ?"), params.push(q.entityId);
  if (q.from) where.push("at >= ?"), params.push(q.from);
  if (q.to) where.push("at <= ?"), params.push(q.to);
  if (q.cursor) {
    const m = /^a(\d{1,15})$/.exec(q.cursor);
    if (!m) throw new HttpProblem(400, "bad-cursor", "Bad cursor", "The cursor is not one this API returned");
    where.push("id < ?"), params.push(Number(m[1]));
  }
  const rows = db.all<Row>(
    `SELECT id, at, event, user_id, actor_id, ip, details, entity_type, entity_id FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
    ...params,
    q.limit + 1,
  );
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const people = new Map<string, z.infer<typeof Person>>();
  const person = (id: string | null) => {
    if (!id) return null;
    let p = people.get(id);
    if (!p) {
      const u = db.get<{ display_name: string | null; email: string | null; role: string }>("SELECT display_name, email, role FROM users WHERE id = ?", id);
      // a borrower is named by role only here (their name and phone are personal data shown on their own record)
      p = { id, name: u && u.role !== "borrower" ? u.display_name || u.email : null, role: u?.role ?? null };
      people.set(id, p);
    }
    return p;
  };
  const items = page.map((r) => {
    let d: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(r.details);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) d = parsed;
    } catch {
      d = { raw: r.details };
    }
    const { before, after, reason, ...rest } = d;
    const e: z.infer<typeof AuditEntrySchema> = {
      id: r.id,
      at: r.at,
      event: r.event,
      actor: person(r.actor_id),
      user: person(r.user_id),
      entityType: r.entity_type,
      entityId: r.entity_id,
      reason: typeof reason === "string" ? reason : null,
      details: rest,
    };
    if (before !== undefined) e.before = before;
    if (after !== undefined) e.after = after;
    if (caller.role === "admin") e.ip = r.ip;
    return e;
  });
  return { items, nextCursor: more ? `a${page[page.length - 1].id}` : null };
}
