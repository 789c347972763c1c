// One personal-data policy: for every role, the admin application view masks a borrower's profile exactly as the
// record API masks the same columns (same fields masked, same masks, same fields left out).
import { describe, expect, test } from "bun:test";
import { makeTestContext } from "./test-context.ts";
import { putProfile } from "./routes/kyc.ts";
import { adminGetApplication } from "./routes/loans.ts";
import { PROFILE_PII } from "./repo.ts";
import { resolveRecords } from "../../src/records/engine.ts";
import { RECORD_DECLARATIONS } from "../../src/records/declarations.ts";
import { PII } from "../../src/runtime/index.ts";

const profileBody = () => ({
  nik: "3171015501900001",
  fullName: "Siti Rahayu",
  birthDate: "1990-01-15",
  sex: "F",
  address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
  employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
  monthlyIncomeAmount: 8_000_000,
  bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
  emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
});

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
  const tc = makeTestContext();
  const borrower = tc.borrower();
  const records = resolveRecords(tc.db, RECORD_DECLARATIONS);
  const profiles = records.get("borrower_profiles")!;

  const setup = (async () => {
    const r = await tc.call(putProfile, { user: borrower, body: profileBody() });
    if (r.status !== 200 && r.status !== 201) throw new Error(`profile ${r.status} ${JSON.stringify(r.body)}`);
    const product = tc.db.read.get<{ id: string }>("SELECT id FROM products LIMIT 1")!;
    const id = Bun.randomUUIDv7();
    const now = tc.clock.now().toISOString();
    tc.db.tx((w) =>
      w.run(
        "INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, ip, created_at, updated_at) VALUES (?, ?, ?, 'manual_review', 5000000, 50, 'weeks', 'modal', 110000, '203.0.113.7', ?, ?)",
        id,
        borrower.id,
        product.id,
        now,
        now,
      ),
    );
    return id;
  })();

  test("every personal-data column of the profile record has its place in the view, and the other way round", () => {
    const piiColumns = Object.entries(profiles.columns).filter(([, c]) => c.pii).map(([name]) => name);
    for (const col of piiColumns) expect({ col, path: SAME_FIELD[col] }).toEqual({ col, path: expect.any(String) });
    const mapped = new Set(piiColumns.map((c) => SAME_FIELD[c]));
    expect(Object.keys(PROFILE_PII).sort()).toEqual([...mapped].sort());
    // and both name the same policy field
    for (const col of piiColumns) expect({ col, pii: profiles.columns[col].pii }).toEqual({ col, pii: PII.column(PROFILE_PII[SAME_FIELD[col] as keyof typeof PROFILE_PII]) });
  });

  for (const role of ["admin", "analyst"] as const) {
    test(`${role}: GET /admin/applications/{id} masks the profile exactly like the borrower_profiles record`, async () => {
      const appId = await setup;
      const user = tc.staff(role);
      const view = await tc.call(adminGetApplication, { user, params: { id: appId } });
      expect(view.status).toBe(200);
      const profile = view.body.profile;
      const record = profiles.get(tc.db.read, user, borrower.id);
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
    const appId = await setup;
    const user = tc.staff("finance");
    expect((await tc.call(adminGetApplication, { user, params: { id: appId } })).status).toBe(403);
    expect(() => profiles.get(tc.db.read, user, borrower.id)).toThrow();
  });

  test("borrower: their own profile record is in clear, as the policy says for every profile field", async () => {
    await setup;
    const record = profiles.get(tc.db.read, borrower, borrower.id);
    for (const field of Object.values(PROFILE_PII)) expect(PII.isClear(field, "borrower")).toBe(true);
    expect(record).toMatchObject({ nik: "3171015501900001", address_line: "Jl. Merdeka No. 1", emergency_name: "Budi Santoso" });
  });
});
