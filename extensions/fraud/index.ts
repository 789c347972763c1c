// Fraud checks (DESIGN §4): NIK structure, velocity, document/bank-account reuse, blocklist. Rules are data
// (fraud_rules); admins manage the blocklist and the rule thresholds through the API.
import { defineExtension, defineRoute, problems, safeText, z, type Sql } from "../../src/runtime/index.ts";
import { fraudHitCounter } from "./metrics.ts";
import { PII } from "./personal-data.ts";
import { RECORDS } from "./records.ts";
import { isRuleId, loadRuleConfig, normaliseBlockValue } from "./store.ts";
import { mask } from "./nik.ts";
import { BLOCKLIST_KINDS, FRAUD_RULE_IDS, FRAUD_SEVERITIES, type BlocklistKind } from "../../schemas/enums.ts";

const BlocklistEntry = z
  .object({
    id: z.string(),
    kind: z.enum(BLOCKLIST_KINDS),
    value: z.string(),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi("BlocklistEntry");

const RuleConfigOut = z
  .object({
    id: z.enum(FRAUD_RULE_IDS),
    enabled: z.boolean(),
    severity: z.enum(FRAUD_SEVERITIES),
    threshold: z.number().int().nullable(),
    windowHours: z.number().int().nullable(),
    message: z.string(),
  })
  .openapi("FraudRuleConfig");

function entryOut(r: any) {
  return { id: r.id, kind: r.kind, value: r.value, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at };
}

function getEntry(db: Sql, id: string) {
  return db.get<any>("SELECT * FROM blocklist WHERE id = ? AND removed_at IS NULL", id);
}

const listBlocklist = defineRoute<unknown, { kind?: BlocklistKind; limit: number; cursor?: string }, unknown>({
  method: "get",
  path: "/api/v1/admin/blocklist",
  summary: "List active blocklist entries",
  tags: ["fraud"],
  access: ["admin"],
  request: {
    query: z.object({
      kind: z.enum(BLOCKLIST_KINDS).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().regex(/^\d+$/).optional(),
    }),
  },
  responses: { 200: { description: "Entries, oldest first", schema: z.object({ items: z.array(BlocklistEntry), nextCursor: z.string().nullable() }) } },
  handler(req, ctx) {
    const after = Number(req.query.cursor ?? 0);
    const rows = ctx.db.all<any>(
      `SELECT rowid AS rid, * FROM blocklist WHERE removed_at IS NULL AND rowid > ? ${req.query.kind ? "AND kind = ?" : ""} ORDER BY rowid LIMIT ?`,
      ...((req.query.kind ? [after, req.query.kind, req.query.limit + 1] : [after, req.query.limit + 1]) as any[]),
    );
    const more = rows.length > req.query.limit;
    const page = rows.slice(0, req.query.limit);
    return { status: 200, body: { items: page.map(entryOut), nextCursor: more ? String(page[page.length - 1].rid) : null } };
  },
});

const addBlocklist = defineRoute<{ kind: BlocklistKind; value: string; reason: string }, unknown, unknown>({
  method: "post",
  path: "/api/v1/admin/blocklist",
  summary: "Block a NIK, phone number, bank account (BANKCODE:number) or device id",
  tags: ["fraud"],
  access: ["admin"],
  idempotent: true,
  request: {
    body: z.object({
      kind: z.enum(BLOCKLIST_KINDS),
      value: safeText({ min: 1, max: 200 }),
      reason: safeText({ min: 3, max: 500, multiline: true }),
    }),
  },
  responses: {
    201: { description: "Blocked", schema: BlocklistEntry },
    409: { description: "Already blocked" },
    422: { description: "Value not valid for its kind" },
  },
  handler(req, ctx) {
    const value = normaliseBlockValue(req.body.kind, req.body.value);
    if (!value) throw problems.validation([{ path: "value", message: `not a valid ${req.body.kind} (nik: 16 digits; phone: +62…/08…; bank_account: BANKCODE:number)` }]);
    const at = ctx.clock.now().toISOString();
    const id = `bl_${crypto.randomUUID()}`;
    const by = req.user?.id ?? "unknown";
    const row = ctx.tx((t) => {
      const existing = t.get<any>("SELECT id FROM blocklist WHERE kind = ? AND value = ? AND removed_at IS NULL", req.body.kind, value);
      if (existing) throw problems.conflict(`this ${req.body.kind} is already blocked`, { id: existing.id });
      t.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)", id, req.body.kind, value, req.body.reason, by, at);
      return getEntry(t, id);
    });
    ctx.log.info("blocklist entry added", { id, kind: req.body.kind, value: req.body.kind === "device" ? value : mask(value), by });
    return { status: 201, body: entryOut(row), headers: { Location: `/api/v1/admin/blocklist/${id}` } };
  },
});

const removeBlocklist = defineRoute<unknown, unknown, { id: string }>({
  method: "delete",
  path: "/api/v1/admin/blocklist/{id}",
  summary: "Remove a blocklist entry (kept for audit, no longer matched)",
  tags: ["fraud"],
  access: ["admin"],
  request: { params: z.object({ id: z.string().min(1).max(100) }) },
  responses: { 204: { description: "Removed" }, 404: { description: "No such active entry" } },
  handler(req, ctx) {
    const at = ctx.clock.now().toISOString();
    const n = ctx.tx((t) => t.run("UPDATE blocklist SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL", at, req.user?.id ?? "unknown", req.params.id).changes);
    if (n === 0) throw problems.notFound("Blocklist entry");
    return { status: 204 };
  },
});

const listRules = defineRoute({
  method: "get",
  path: "/api/v1/admin/fraud-rules",
  summary: "Fraud rules with their severity, threshold and window",
  tags: ["fraud"],
  access: ["analyst", "admin"],
  responses: { 200: { description: "Rules", schema: z.object({ items: z.array(RuleConfigOut) }) } },
  handler(_req, ctx) {
    return { status: 200, body: { items: loadRuleConfig(ctx.db) } };
  },
});

const updateRule = defineRoute<{ enabled?: boolean; severity?: "block" | "review"; threshold?: number | null; windowHours?: number | null }, unknown, { id: string }>({
  method: "patch",
  path: "/api/v1/admin/fraud-rules/{id}",
  summary: "Change a fraud rule (enable/disable, severity, velocity threshold and window)",
  tags: ["fraud"],
  access: ["admin"],
  request: {
    params: z.object({ id: z.string() }),
    body: z
      .object({
        enabled: z.boolean().optional(),
        severity: z.enum(FRAUD_SEVERITIES).optional(),
        threshold: z.number().int().min(0).max(100000).nullable().optional(),
        windowHours: z.number().int().min(1).max(24 * 366).nullable().optional(),
      })
      .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" }),
  },
  responses: { 200: { description: "The rule after the change", schema: RuleConfigOut }, 404: { description: "Unknown rule" }, 422: { description: "Invalid change" } },
  handler(req, ctx) {
    const id = req.params.id;
    if (!isRuleId(id)) throw problems.notFound("Fraud rule");
    const b = req.body;
    if (id.startsWith("velocity_") && (b.threshold === null || b.windowHours === null)) {
      throw problems.validation([{ path: b.threshold === null ? "threshold" : "windowHours", message: "velocity rules need a threshold and a window" }]);
    }
    const at = ctx.clock.now().toISOString();
    ctx.tx((t) => {
      const cur = loadRuleConfig(t).find((r) => r.id === id)!;
      const next = {
        enabled: b.enabled ?? cur.enabled,
        severity: b.severity ?? cur.severity,
        threshold: b.threshold === undefined ? cur.threshold : b.threshold,
        windowHours: b.windowHours === undefined ? cur.windowHours : b.windowHours,
      };
      t.run(
        `INSERT INTO fraud_rules (id, enabled, severity, threshold, window_hours, message, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, severity = excluded.severity, threshold = excluded.threshold,
           window_hours = excluded.window_hours, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        id,
        next.enabled ? 1 : 0,
        next.severity,
        next.threshold,
        next.windowHours,
        cur.message,
        at,
        req.user?.id ?? null,
      );
    });
    ctx.log.info("fraud rule changed", { rule: id, by: req.user?.id, change: b });
    return { status: 200, body: loadRuleConfig(ctx.db).find((r) => r.id === id) };
  },
});

export default defineExtension({
  name: "fraud",
  routes: [listBlocklist, addBlocklist, removeBlocklist, listRules, updateRule],
  personalData: PII,
  records: RECORDS,
  init(ctx) {
    fraudHitCounter(ctx.metrics);
  },
});
