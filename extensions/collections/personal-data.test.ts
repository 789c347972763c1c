// The collections list shows a borrower's phone number by the personal-data policy, exactly as the record APIs do.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getRuntime, type Runtime } from "../../src/runtime/runtime.ts";
import { mountExtensions } from "../../src/runtime/routes.ts";
import { testAuth, freshIp, type TestAuth } from "../../src/auth/test-support.ts";
import { createStaffUser } from "../../src/auth/staff.ts";
import { resolveRecords } from "../../src/records/engine.ts";
import { RECORD_DECLARATIONS } from "../../src/records/declarations.ts";
import { PII } from "../../src/runtime/index.ts";
import collections from "./index.ts";
import { addDays, jakartaDate } from "./dpd.ts";
import { seedLoan } from "./testkit.ts";

describe("collections list: personal data by the one policy", () => {
  let t: TestAuth;
  let rt: Runtime;
  const tokens: Record<string, { token: string; id: string }> = {};
  const PHONE = "+6281299887766";
  beforeAll(async () => {
    t = testAuth();
    rt = getRuntime(t.p, { extensions: [collections], jobs: [], embedded: { pollMs: 50 } });
    mountExtensions(t.app, rt);
    await rt.start();
    for (const role of ["analyst", "finance", "admin"] as const) {
      const u = await createStaffUser(t.p.db, { email: `pd-${role}@kreditku.id`, password: "correct horse battery", role });
      const r = await t.post("/api/v1/auth/login", { email: `pd-${role}@kreditku.id`, password: "correct horse battery" }, { ip: freshIp() });
      tokens[role] = { token: ((await r.json()) as any).accessToken, id: u.id };
    }
    t.p.db.tx((c) => seedLoan(c, { id: "PD-late", startDate: addDays(jakartaDate(t.clock.now()), -20), phone: PHONE }));
    t.p.db.tx((c) => c.run("INSERT INTO collection_state (loan_id, dpd, bucket, status, outstanding_amount, outstanding_principal, late_fee_outstanding, overdue_amount, last_sweep_date, updated_at) VALUES ('PD-late', 13, 'dpd_1_30', 'open', 5500000, 5000000, 0, 110000, ?, ?) ON CONFLICT DO NOTHING", jakartaDate(t.clock.now()), t.clock.now().toISOString()));
  });
  afterAll(async () => {
    await rt.stop(2000);
    t.close();
  });

  for (const role of ["analyst", "finance", "admin"] as const) {
    test(`${role}: the phone in GET /admin/collections is what the policy (and the borrowers record) shows`, async () => {
      const r = await t.get("/api/v1/admin/collections", { token: tokens[role].token });
      expect(r.status).toBe(200);
      const item = ((await r.json()) as any).items.find((i: any) => i.loanId === "PD-late");
      expect(item).toBeDefined();
      expect(item.phone).toBe(PII.show("borrower.phone", role, PHONE) as string);
      if (role !== "admin") expect(item.phone).not.toBe(PHONE);
      const borrowers = resolveRecords(t.p.db, RECORD_DECLARATIONS).get("borrowers")!;
      if (borrowers.roles.includes(role)) expect(borrowers.get(t.p.db.read, { id: tokens[role].id, role }, item.userId).phone).toBe(item.phone);
    });
  }
});
