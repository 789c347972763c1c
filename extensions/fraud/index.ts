// Fraud checks (DESIGN §4): NIK structure, velocity, document/bank-account reuse, blocklist. Rules are data
// (fraud_rules); admins manage the blocklist and the rule thresholds through the API.
import { auditChange, defineExtension, defineRoute, problems, type Sql } from "../../src/runtime/index.ts";
import { BlocklistAdd, BlocklistEntry, BlocklistIdParams, BlocklistPage, BlocklistQuery, RuleChange, RuleConfigSchema, RuleIdParams, RuleList } from "../../schemas/fraud.ts";
import { fraudHitCounter } from "./metrics.ts";
import { PII } from "./personal-data.ts";
import { RECORDS } from "./records.ts";
import { isRuleId, loadRuleConfig, normaliseBlockValue, type BlocklistRow } from "./store.ts";
import { mask } from "./nik.ts";

function entryOut(r: BlocklistRow): BlocklistEntry {
  return { id: r.id, kind: r.kind, value: r.value, reason: r.reason, createdBy: r.created_by, createdAt: r.created_at };
}

function getEntry(db: Sql, id: string) {
  return db.get<BlocklistRow>("SELECT * FROM blocklist WHERE id = ? AND removed_at IS NULL", id);
}

const listBlocklist = defineRoute({
  method: "get",
  path: "/api/v1/admin/blocklist",
  summary: "List active blocklist entries",
  tags: ["fraud"],
  access: ["admin"],
  request: { query: BlocklistQuery },
  responses: { 200: { description: "Entries, oldest first", schema: BlocklistPage } },
  handler(req, ctx) {
    const after = Number(req.query.cursor ?? 0);
    const rows = ctx.db.all<BlocklistRow & { rid: number }>(
      `SELECT rowid AS rid, * FROM blocklist WHERE removed_at IS NULL AND rowid > ? ${req.query.kind ? "AND kind = ?" : ""} ORDER BY rowid LIMIT ?`,
      ...(req.query.kind ? [after, req.query.kind, req.query.limit + 1] : [after, req.query.limit + 1]),
    );
    const more = rows.length > req.query.limit;
    const page = rows.slice(0, req.query.limit);
    return { status: 200, body: { items: page.map(entryOut), nextCursor: more ? String(page[page.length - 1].rid) : null } };
  },
});

const addBlocklist = defineRoute({
  method: "post",
  path: "/api/v1/admin/blocklist",
  summary: "Block a NIK, phone number, bank account (BANKCODE:number) or device id",
  tags: ["fraud"],
  access: ["admin"],
  idempotent: true,
  request: { body: BlocklistAdd },
  responses: {
    201: { description: "Blocked", schema: BlocklistEntry },
    409: { description: "Already blocked" },
    422: { description: "Value not valid for its kind" },
  },
  async handler(req, ctx) {
    const value = normaliseBlockValue(req.body.kind, req.body.value);
    if (!value) throw problems.validation([{ path: "value", message: `not a valid ${req.body.kind} (nik: 16 digits; phone: +62…/08…; bank_account: BANKCODE:number)` }]);
    const at = ctx.clock.now().toISOString();
    // time-ordered (UUIDv7): the blocklist's id index and the audit trail's entity index grow at their end, so the
    // adds of one group commit share their pages instead of dirtying a random page each (bench/PROFILE.md)
    const id = `bl_${Bun.randomUUIDv7()}`;
    const by = req.user?.id ?? "unknown";
    // group commit: the adds of one moment share a transaction, each in its own savepoint (a 409 undoes only its own)
    const row = await ctx.commit((t) => {
      const existing = t.get<Pick<BlocklistRow, "id">>("SELECT id FROM blocklist WHERE kind = ? AND value = ? AND removed_at IS NULL", req.body.kind, value);
      if (existing) throw problems.conflict(`this ${req.body.kind} is already blocked`, { id: existing.id });
      t.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)", id, req.body.kind, value, req.body.reason, by, at);
      // the value masked as in the log: the trail shows what was blocked without spreading the NIK or phone
      auditChange(t, req, { event: "blocklist.added", entity: { type: "blocklist", id }, before: null, after: { kind: req.body.kind, value: req.body.kind === "device" ? value : mask(value) }, reason: req.body.reason, at });
      // the row as inserted (no read back: every column is known here)
      return { id, kind: req.body.kind, value, reason: req.body.reason, created_by: by, created_at: at, removed_at: null, removed_by: null } satisfies BlocklistRow;
    });
    ctx.log.info("blocklist entry added", { id, kind: req.body.kind, value: req.body.kind === "device" ? value : mask(value), by });
    return { status: 201, body: entryOut(row), headers: { Location: `/api/v1/admin/blocklist/${id}` } };
  },
});

const removeBlocklist = defineRoute({
  method: "delete",
  path: "/api/v1/admin/blocklist/{id}",
  summary: "Remove a blocklist entry (kept for audit, no longer matched)",
  tags: ["fraud"],
  access: ["admin"],
  request: { params: BlocklistIdParams },
  responses: { 204: { description: "Removed" }, 404: { description: "No such active entry" } },
  async handler(req, ctx) {
    const at = ctx.clock.now().toISOString();
    const n = await ctx.commit((t) => {
      const before = getEntry(t, req.params.id);
      const changes = t.run("UPDATE blocklist SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL", at, req.user?.id ?? "unknown", req.params.id).changes;
      if (changes && before) {
        auditChange(t, req, { event: "blocklist.removed", entity: { type: "blocklist", id: before.id }, before: { kind: before.kind, value: before.kind === "device" ? before.value : mask(before.value), reason: before.reason }, after: null, at });
      }
      return changes;
    });
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
  responses: { 200: { description: "Rules", schema: RuleList } },
  handler(_req, ctx) {
    return { status: 200, body: { items: loadRuleConfig(ctx.db) } };
  },
});

const updateRule = defineRoute({
  method: "patch",
  path: "/api/v1/admin/fraud-rules/{id}",
  summary: "Change a fraud rule (enable/disable, severity, velocity threshold and window)",
  tags: ["fraud"],
  access: ["admin"],
  request: { params: RuleIdParams, body: RuleChange },
  responses: { 200: { description: "The rule after the change", schema: RuleConfigSchema }, 404: { description: "Unknown rule" }, 422: { description: "Invalid change" } },
  async handler(req, ctx) {
    const id = req.params.id;
    if (!isRuleId(id)) throw problems.notFound("Fraud rule");
    const b = req.body;
    if (id.startsWith("velocity_") && (b.threshold === null || b.windowHours === null)) {
      throw problems.validation([{ path: b.threshold === null ? "threshold" : "windowHours", message: "velocity rules need a threshold and a window" }]);
    }
    const at = ctx.clock.now().toISOString();
    await ctx.commit((t) => {
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
      const view = (r: typeof next) => ({ enabled: r.enabled, severity: r.severity, threshold: r.threshold, windowHours: r.windowHours });
      auditChange(t, req, { event: "fraud_rule.changed", entity: { type: "fraud_rule", id }, before: view(cur), after: view(next), at });
    });
    ctx.log.info("fraud rule changed", { rule: id, by: req.user?.id, change: b });
    const rule = loadRuleConfig(ctx.db).find((r) => r.id === id);
    if (!rule) throw problems.notFound("Fraud rule");
    return { status: 200, body: rule };
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
