// One personal-data policy: for every role, the admin application view masks a borrower's profile exactly as the
// record API masks the same columns (same fields masked, same masks, same fields left out).
import { describe, expect, test } from "bun:test";
import { appPerTest, type TestApp } from "../../test/kit/app.ts";
import { PROFILE_PII } from "./repo.ts";
import { resolveRecords } from "../../src/records/engine.ts";
import { RECORDS as RECORD_DECLARATIONS } from "./records.ts";
import { PII } from "./personal-data.ts";
import { profileBody as siti } from "./fixtures/applicant.ts";

const profileBody = () => siti();

/** borrower_profiles record column → where the same value sits in the profile view. */
const SAME_FIELD: Record<string, string> = {
  nik: "nik",
  full_name: "fullName",
  birth_date: "birthDate",
  sex: "sex",
  address_line: "address.line",
  city: "address.city",
  province: "address.province",
  monthly_income_amount: "monthlyIncomeAmount",
  bank_code: "bankAccount.bankCode",
  bank_account_number: "bankAccount.accountNumber",
  bank_account_name: "bankAccount.accountName",
  emergency_name: "emergencyContact.name",
  emergency_phone: "emergencyContact.phone",
  emergency_relation: "emergencyContact.relation",
};
const at = (obj: any, path: string) => path.split(".").reduce((o, k) => (o != null && Object.hasOwn(o, k) ? o[k] : undefined), obj);
const has = (obj: any, path: string) => {
  const keys = path.split(".");
  const parent = keys.slice(0, -1).reduce((o, k) => (o != null ? o[k] : undefined), obj);
  return parent != null && Object.hasOwn(parent, keys[keys.length - 1]);
};

describe("personal data: record API and staff views use one policy", () => {
  const t = appPerTest();
  const profilesOf = (t: TestApp) => resolveRecords(t.db, RECORD_DECLARATIONS).get("borrower_profiles")!;

  /** A borrower with Siti's profile and an application in manual review (from 203.0.113.7). */
  const setup = async () => {
    const borrower = t.borrower();
    const r = await t.call("PUT", "/api/v1/me/profile", { as: borrower, body: profileBody() });
    if (r.status !== 200 && r.status !== 201) throw new Error(`profile ${r.status} ${JSON.stringify(r.body)}`);
    const product = t.db.read.get<{ id: string }>("SELECT id FROM products LIMIT 1")!;
    const id = Bun.randomUUIDv7();
    const now = t.clock.now().toISOString();
    t.db.tx((w) =>
      w.run(
        "INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, ip, created_at, updated_at) VALUES (?, ?, ?, 'manual_review', 5000000, 50, 'weeks', 'modal', 110000, '203.0.113.7', ?, ?)",
        id,
        borrower.id,
        product.id,
        now,
        now,
      ),
    );
    return { appId: id, borrower, profiles: profilesOf(t) };
  };

  test("every personal-data column of the profile record has its place in the view, and the other way round", () => {
    const profiles = profilesOf(t);
    const piiColumns = Object.entries(profiles.columns).filter(([, c]) => c.pii).map(([name]) => name);
    for (const col of piiColumns) expect({ col, path: SAME_FIELD[col] }).toEqual({ col, path: expect.any(String) });
    const mapped = new Set(piiColumns.map((c) => SAME_FIELD[c]));
    expect(Object.keys(PROFILE_PII).sort()).toEqual([...mapped].sort());
    // and both name the same policy field
    for (const col of piiColumns) expect({ col, pii: profiles.columns[col].pii }).toEqual({ col, pii: PII.column(PROFILE_PII[SAME_FIELD[col] as keyof typeof PROFILE_PII]) });
  });

  for (const role of ["admin", "analyst"] as const) {
    test(`${role}: GET /admin/applications/{id} masks the profile exactly like the borrower_profiles record`, async () => {
      const { appId, borrower, profiles } = await setup();
      const user = t.staff(role);
      const view = await t.call("GET", `/api/v1/admin/applications/${appId}`, { as: user });
      expect(view.status).toBe(200);
      const profile = view.body.profile;
      const record = profiles.get(t.db.read, user, borrower.id);
      for (const [col, path] of Object.entries(SAME_FIELD)) {
        expect({ col, present: has(profile, path) }).toEqual({ col, present: Object.hasOwn(record, col) });
        expect({ col, value: at(profile, path) }).toEqual({ col, value: record[col] });
      }
      if (role === "analyst") {
        const text = JSON.stringify(view.body);
        for (const secret of ["3171015501900001", "1234567890", "Jl. Merdeka", "Budi Santoso", "+6281234567890", "203.0.113.7"]) expect({ secret, leaked: text.includes(secret) }).toEqual({ secret, leaked: false });
        expect(profile.emergencyContact.name).toBe("B*** S***");
        expect(profile.address).toEqual({ city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" });
      } else {
        expect(profile).toMatchObject({ nik: "3171015501900001", address: { line: "Jl. Merdeka No. 1" }, emergencyContact: { name: "Budi Santoso", phone: "+6281234567890" } });
      }
    });
  }

  test("finance: neither the profile record nor the admin application view is open to it", async () => {
    const { appId, borrower, profiles } = await setup();
    const user = t.staff("finance");
    expect((await t.call("GET", `/api/v1/admin/applications/${appId}`, { as: user })).status).toBe(403);
    expect(() => profiles.get(t.db.read, user, borrower.id)).toThrow();
  });

  test("borrower: their own profile record is in clear, as the policy says for every profile field", async () => {
    const { borrower, profiles } = await setup();
    const record = profiles.get(t.db.read, borrower, borrower.id);
    for (const field of Object.values(PROFILE_PII)) expect(PII.isClear(field, "borrower")).toBe(true);
    expect(record).toMatchObject({ nik: "3171015501900001", address_line: "Jl. Merdeka No. 1", emergency_name: "Budi Santoso" });
  });
});
