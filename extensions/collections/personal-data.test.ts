// The collections list shows a borrower's phone number by the personal-data policy, exactly as the record APIs do.
import { expect } from "bun:test";
import { resolveRecords } from "../../src/records/engine.ts";
import { RECORDS as RECORD_DECLARATIONS } from "../loans/records.ts";
import { PII } from "../loans/personal-data.ts";
import type { TestApp } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";
import { seedLoan } from "./fixtures/reference-loan.ts";
import { addDays, jakartaDate } from "../../src/runtime/index.ts";

const PHONE = "+6281299887766";

/** PD-late: 13 days past due, its borrower's phone PHONE. */
function lateLoan({ app: t }: { app: TestApp }) {
  t.db.tx((c) => seedLoan(c, { id: "PD-late", startDate: addDays(jakartaDate(t.clock.now()), -20), phone: PHONE }));
  t.db.tx((c) =>
    c.run(
      "INSERT INTO collection_state (loan_id, dpd, bucket, status, outstanding_amount, outstanding_principal, late_fee_outstanding, overdue_amount, last_sweep_date, updated_at) VALUES ('PD-late', 13, 'dpd_1_30', 'open', 5500000, 5000000, 0, 110000, ?, ?) ON CONFLICT DO NOTHING",
      jakartaDate(t.clock.now()),
      t.clock.now().toISOString(),
    ),
  );
}

scenarios(
  "collections list: personal data by the one policy",
  (["analyst", "finance", "admin"] as const).map((role) => ({
    name: `${role}: the phone in GET /admin/collections is what the policy (and the borrowers record) shows`,
    method: "GET" as const,
    url: "/api/v1/admin/collections",
    asUser: role,
    beforeTest: lateLoan,
    expectedStatus: 200,
    afterTest: ({ app, user, res }: { app: TestApp; user: any; res: any }) => {
      const item = res.body.items.find((i: any) => i.loanId === "PD-late");
      expect(item).toBeDefined();
      expect(item.phone).toBe(PII.show("borrower.phone", role, PHONE) as string);
      if (role !== "admin") expect(item.phone).not.toBe(PHONE);
      const borrowers = resolveRecords(app.db, RECORD_DECLARATIONS).get("borrowers")!;
      if (borrowers.roles.includes(role)) expect(borrowers.get(app.db.read, { id: user.id, role }, item.userId).phone).toBe(item.phone);
    },
  })),
);
