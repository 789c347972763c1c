// The staff write routes of the fraud extension (blocklist add/remove, rule change) on the real app, written through
// ctx.commit: requests of one moment share a transaction, a 409 inside it stays a 409 problem with nothing of it
// kept, and each audit entry is in its change's savepoint (an audit entry refused takes its change with it).
import { afterEach, describe, expect, test } from "bun:test";
import { groupCommitOf, type BatchInfo } from "../../src/db/group-commit.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";

const BL = "/api/v1/admin/blocklist";
const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});
function setup() {
  const t = testApp({ logLevel: "silent" });
  apps.push(t);
  const seen: BatchInfo[] = [];
  groupCommitOf(t.db).onBatch((b) => seen.push(b));
  return { t, admin: t.staff("admin"), seen };
}
const count = (t: TestApp, sql: string, ...p: (string | number)[]) => t.db.read.get<{ n: number }>(sql, ...p)!.n;
const phone = (i: number) => `08127000${String(i).padStart(4, "0")}`;

describe("fraud staff writes (group commit)", () => {
  test("concurrent blocklist adds share transactions; a duplicate answers 409 problem+json and leaves no row and no audit entry", async () => {
    const { t, admin, seen } = setup();
    const first = await t.call("POST", BL, { as: admin, body: { kind: "phone", value: phone(0), reason: "mule account" } });
    expect(first.status).toBe(201);
    seen.length = 0;
    const bodies = [1, 2, 3, 0, 4, 5].map((i) => ({ kind: "phone", value: phone(i), reason: `report ${i}` }));
    const res = await Promise.all(bodies.map((body) => t.call("POST", BL, { as: admin, body })));
    expect(res.map((r) => r.status)).toEqual([201, 201, 201, 409, 201, 201]);
    const dup = res[3];
    expect(dup.headers.get("content-type")).toStartWith("application/problem+json");
    expect(dup.body).toMatchObject({ status: 409, title: "Conflict", detail: "this phone is already blocked", id: first.body.id });
    expect(seen.reduce((n, b) => n + b.size, 0)).toBe(6);
    expect(seen.length).toBeLessThan(6);
    expect(seen.reduce((n, b) => n + b.failed, 0)).toBe(1);
    // one row and one audit entry per accepted add, with the entry's id; none for the duplicate
    expect(count(t, "SELECT COUNT(*) AS n FROM blocklist")).toBe(6);
    const audited = t.db.read.all<{ entity_id: string; details: string }>("SELECT entity_id, details FROM audit_log WHERE event = 'blocklist.added' ORDER BY id");
    expect(audited.map((a) => a.entity_id).sort()).toEqual([first.body.id, ...res.filter((r) => r.status === 201).map((r) => r.body.id)].sort());
    expect(audited.map((a) => JSON.parse(a.details).reason)).not.toContain("report 0");
    // ids are time-ordered (UUIDv7), so index inserts append: later adds sort after earlier ones
    expect(first.body.id).toMatch(/^bl_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const r of res.filter((x) => x.status === 201)) expect(r.body.id > first.body.id).toBe(true);
    // each answer is the committed row, column for column
    for (const r of res.filter((x) => x.status === 201)) {
      const row = t.db.read.get<Record<string, string>>("SELECT * FROM blocklist WHERE id = ?", r.body.id)!;
      expect(r.body).toEqual({ id: row.id, kind: row.kind, value: row.value, reason: row.reason, createdBy: row.created_by, createdAt: row.created_at });
      expect(row.removed_at).toBeNull();
    }
  });

  test("the audit entry is in the add's savepoint: an audit insert that fails takes its blocklist row with it, and only it", async () => {
    const { t, admin } = setup();
    // the writer connection refuses one audit entry (a real SQLite failure inside the unit, after the blocklist insert)
    t.db.writer.exec(
      "CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN json_extract(NEW.details, '$.reason') = 'refuse this audit' BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
    );
    const res = await Promise.all(
      [
        { kind: "phone", value: phone(1), reason: "kept one" },
        { kind: "phone", value: phone(2), reason: "refuse this audit" },
        { kind: "device", value: "device-3", reason: "kept two" },
      ].map((body) => t.call("POST", BL, { as: admin, body })),
    );
    expect(res.map((r) => r.status)).toEqual([201, 500, 201]);
    expect(t.db.read.all<{ value: string }>("SELECT value FROM blocklist ORDER BY value").map((r) => r.value)).toEqual(["+6281270000001", "device-3"]);
    expect(count(t, "SELECT COUNT(*) AS n FROM audit_log WHERE event = 'blocklist.added'")).toBe(2);
  });

  test("concurrent removals of one entry: one 204 with one audit entry, the other 404 problem+json", async () => {
    const { t, admin } = setup();
    const add = await t.call("POST", BL, { as: admin, body: { kind: "nik", value: "3273011505900001", reason: "stolen identity" } });
    expect(add.status).toBe(201);
    const both = await Promise.all([t.call("DELETE", `${BL}/${add.body.id}`, { as: admin }), t.call("DELETE", `${BL}/${add.body.id}`, { as: admin })]);
    // which one wins is not fixed (each request verifies its own token first); exactly one does
    const statuses = both.map((r) => r.status).sort();
    expect(statuses).toEqual([204, 404]);
    const lost = both.find((r) => r.status === 404)!;
    expect(lost.headers.get("content-type")).toStartWith("application/problem+json");
    expect(count(t, "SELECT COUNT(*) AS n FROM audit_log WHERE event = 'blocklist.removed' AND entity_id = ?", add.body.id)).toBe(1);
    expect(count(t, "SELECT COUNT(*) AS n FROM blocklist WHERE removed_at IS NOT NULL")).toBe(1);
  });

  test("rule changes: the answer is the committed rule, audited in the same unit; an invalid change is 422 and changes nothing", async () => {
    const { t, admin } = setup();
    const [ok, bad] = await Promise.all([
      t.call("PATCH", "/api/v1/admin/fraud-rules/velocity_phone", { as: admin, body: { threshold: 5, windowHours: 48 } }),
      t.call("PATCH", "/api/v1/admin/fraud-rules/velocity_device", { as: admin, body: { threshold: null } }),
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: "velocity_phone", threshold: 5, windowHours: 48 });
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toStartWith("application/problem+json");
    const audits = t.db.read.all<{ entity_id: string; details: string }>("SELECT entity_id, details FROM audit_log WHERE event = 'fraud_rule.changed'");
    expect(audits.map((a) => a.entity_id)).toEqual(["velocity_phone"]);
    expect(JSON.parse(audits[0].details).after).toMatchObject({ threshold: 5, windowHours: 48 });
  });
});
