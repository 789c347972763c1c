// Staff search (GET /api/v1/admin/search), the product editor's pricing check (POST
// /api/v1/admin/products/pricing-check) and the CSV export of the loans records, across roles, on the real app.
import { expect, test } from "bun:test";
import { scenarios } from "../../test/kit/scenario.ts";
import { seedLoan } from "../../test/kit/accepted-loan.ts";
import type { TestApp } from "../../test/kit/app.ts";
import { searchNik, searchPhone } from "./routes/search.ts";

const NIK = "3171010101900001"; // seedLoan's borrower

function seed(app: TestApp) {
  const loan = seedLoan(app.db.writer);
  const phone = app.db.read.get<{ phone: string }>("SELECT phone FROM users WHERE id = ?", loan.userId)!.phone;
  return { ...loan, phone, local: `0${phone.slice(3, 6)}-${phone.slice(6, 10)}-${phone.slice(10)}` };
}
type Seeded = ReturnType<typeof seed>;

test("phone and NIK normalisers: local forms to +62, 16-digit NIKs only", () => {
  expect(searchPhone("0812-3456-7890")).toBe("+6281234567890");
  expect(searchPhone("62 812 3456 7890")).toBe("+6281234567890");
  expect(searchPhone("+6281234567890")).toBe("+6281234567890");
  expect(searchPhone("0812")).toBeNull();
  expect(searchPhone("0212345678")).toBeNull();
  expect(searchNik("3171 0101 0190 0001")).toBe(NIK);
  expect(searchNik("317101010190000")).toBeNull();
});

scenarios("admin search", [
  { name: "anonymous", method: "GET", url: "/api/v1/admin/search?q=budi", expectedStatus: 401 },
  { name: "a borrower", method: "GET", url: "/api/v1/admin/search?q=budi", asUser: "borrower", expectedStatus: 403 },
  { name: "q missing", method: "GET", url: "/api/v1/admin/search", asUser: "admin", expectedStatus: 422, expectedContent: ['"errors"', "q"] },
  { name: "q too short", method: "GET", url: "/api/v1/admin/search?q=%20a%20", asUser: "admin", expectedStatus: 422 },
  { name: "q too long", method: "GET", url: `/api/v1/admin/search?q=${"x".repeat(5000)}`, asUser: "admin", expectedStatus: 422 },
  { name: "q given as a prototype key", method: "GET", url: "/api/v1/admin/search?__proto__=x&q=__proto__", asUser: "admin", expectedStatus: 200, expectedContent: { results: [] } },
  {
    name: "admin finds the borrower by local phone, with their loan and application, phone and NIK in clear",
    method: "GET",
    asUser: "admin",
    beforeTest: ({ app }) => seed(app),
    url: ({ data }: { data: Seeded }) => `/api/v1/admin/search?q=${encodeURIComponent(data.local)}`,
    expectedStatus: 200,
    afterTest: ({ res, data }: { res: any; data: Seeded }) => {
      expect(res.body.matchedAs).toEqual(["phone"]);
      const types = res.body.results.map((r: any) => `${r.type}:${r.id}`);
      expect(types).toEqual([`borrower:${data.userId}`, `loan:${data.loanId}`, `application:${data.applicationId}`]);
      expect(res.body.results[0]).toMatchObject({ name: "Budi Santoso", phone: data.phone, nik: NIK });
      expect(res.body.results[1]).toMatchObject({ name: "Budi Santoso", principalAmount: 5_000_000 });
    },
  },
  {
    name: "analyst finds the borrower by exact NIK but sees phone and NIK masked",
    method: "GET",
    asUser: "analyst",
    beforeTest: ({ app }) => seed(app),
    url: `/api/v1/admin/search?q=${NIK}`,
    expectedStatus: 200,
    notExpectedContent: [NIK],
    afterTest: ({ res, data }: { res: any; data: Seeded }) => {
      expect(res.body.matchedAs).toEqual(["nik"]);
      expect(res.body.results[0]).toMatchObject({ type: "borrower", id: data.userId, nik: "3171********0001" });
      expect(res.body.results[0].phone).not.toBe(data.phone);
      expect(JSON.stringify(res.body)).not.toContain(data.phone);
    },
  },
  {
    name: "a NIK or phone matches exactly, never by part",
    method: "GET",
    asUser: "analyst",
    beforeTest: ({ app }) => seed(app),
    url: `/api/v1/admin/search?q=${NIK.slice(0, 12)}`,
    expectedStatus: 200,
    expectedContent: { results: [] },
  },
  {
    name: "finance finds a loan by its id prefix, without borrower results",
    method: "GET",
    asUser: "finance",
    beforeTest: ({ app }) => seed(app),
    url: ({ data }: { data: Seeded }) => `/api/v1/admin/search?q=${data.loanId.slice(0, 8).toUpperCase()}`,
    expectedStatus: 200,
    afterTest: ({ res, data }: { res: any; data: Seeded }) => {
      expect(res.body.matchedAs).toEqual(["id"]);
      expect(res.body.results.some((r: any) => r.type === "loan" && r.id === data.loanId && r.name === "Budi Santoso")).toBe(true);
      expect(res.body.results.some((r: any) => r.type === "borrower")).toBe(false);
    },
  },
  {
    name: "analyst finds an application by its whole id",
    method: "GET",
    asUser: "analyst",
    beforeTest: ({ app }) => seed(app),
    url: ({ data }: { data: Seeded }) => `/api/v1/admin/search?q=${data.applicationId}`,
    expectedStatus: 200,
    afterTest: ({ res, data }: { res: any; data: Seeded }) => expect(res.body.results.map((r: any) => r.id)).toContain(data.applicationId),
  },
  {
    name: "a name finds the borrower (LIKE wildcards typed are literal)",
    method: "GET",
    asUser: "admin",
    beforeTest: ({ app }) => seed(app),
    url: "/api/v1/admin/search?q=santoso",
    expectedStatus: 200,
    afterTest: async ({ res, data, app, user }: any) => {
      expect(res.body.matchedAs).toEqual(["name"]);
      expect(res.body.results[0]).toMatchObject({ type: "borrower", id: data.userId });
      const wild = await app.call("GET", "/api/v1/admin/search?q=%25%25", { as: user });
      expect(wild.body.results).toEqual([]);
    },
  },
]);

const TERMS = { purpose: "consumptive", minAmount: 1_000_000, maxAmount: 5_000_000, minTenor: 10, maxTenor: 50, tenorUnit: "weeks", interestMethod: "flat", interestRatePpm: 2000, upfrontFeePpm: 0, adminFeeAmount: 0, lateFeePpm: 1000 };

scenarios("product pricing check", [
  { name: "anonymous", method: "POST", url: "/api/v1/admin/products/pricing-check", body: TERMS, expectedStatus: 401 },
  { name: "analyst", method: "POST", url: "/api/v1/admin/products/pricing-check", asUser: "analyst", body: TERMS, expectedStatus: 403 },
  { name: "finance", method: "POST", url: "/api/v1/admin/products/pricing-check", asUser: "finance", body: TERMS, expectedStatus: 403 },
  {
    name: "the reference terms: 286 ppm/day against the 2000 ppm/day cap for terms of 6 months or more",
    method: "POST",
    url: "/api/v1/admin/products/pricing-check",
    asUser: "admin",
    body: TERMS,
    expectedStatus: 200,
    expectedContent: {
      dailyCost: { figurePpm: 286, capPpm: 2000, capId: "ojk-cons-2025-long", within: true, at: { amount: 1_000_000, tenor: 26, termDays: 182 } },
      lateFee: { figurePpm: 1000, within: true },
      violations: [],
    },
  },
  {
    name: "terms over the cap: the figure, the cap and the violation saving would answer",
    method: "POST",
    url: "/api/v1/admin/products/pricing-check",
    asUser: "admin",
    body: { ...TERMS, interestRatePpm: 21_000 },
    expectedStatus: 200,
    afterTest: async ({ res, app, user }: any) => {
      expect(res.body.dailyCost).toMatchObject({ figurePpm: 3000, capPpm: 2000, within: false });
      expect(res.body.violations.map((v: any) => v.rule)).toContain("daily_cost");
      // saving the same terms is refused with the same figure
      const saved = await app.call("POST", "/api/v1/admin/products", { as: user, body: { ...TERMS, interestRatePpm: 21_000, code: "KK-OVER", name: "Over" }, headers: { "Idempotency-Key": "over-1" } });
      expect(saved.status).toBe(422);
      expect(saved.body.violations.find((v: any) => v.rule === "daily_cost").figure).toBe(res.body.dailyCost.figurePpm);
    },
  },
  { name: "min above max", method: "POST", url: "/api/v1/admin/products/pricing-check", asUser: "admin", body: { ...TERMS, minAmount: 9_000_000 }, expectedStatus: 422, expectedContent: ["maxAmount"] },
  { name: "huge tenor", method: "POST", url: "/api/v1/admin/products/pricing-check", asUser: "admin", body: { ...TERMS, maxTenor: 10_000 }, expectedStatus: 422 },
  { name: "a negative rate", method: "POST", url: "/api/v1/admin/products/pricing-check", asUser: "admin", body: { ...TERMS, interestRatePpm: -1 }, expectedStatus: 422 },
  { name: "not JSON fields", method: "POST", url: "/api/v1/admin/products/pricing-check", asUser: "admin", body: { __proto__: { x: 1 }, purpose: "consumptive" }, expectedStatus: 422 },
]);

scenarios("loans CSV export", [
  { name: "anonymous", method: "GET", url: "/api/v1/records/loans/export.csv", expectedStatus: 401 },
  { name: "a borrower gets only their own loans", method: "GET", url: "/api/v1/records/loans/export.csv", asUser: "borrower", beforeTest: ({ app }) => seed(app), expectedStatus: 200, afterTest: ({ res }) => expect(String(res.body).trim().split("\r\n").length).toBe(1) },
  {
    name: "admin: the filtered rows, phone in clear in borrowers",
    method: "GET",
    asUser: "admin",
    beforeTest: ({ app }) => seed(app),
    url: "/api/v1/records/borrowers/export.csv?columns=id,phone,status",
    expectedStatus: 200,
    afterTest: ({ res, data }: any) => expect(String(res.body)).toContain(`${data.userId},'${data.phone},active`),
  },
  {
    name: "analyst: phone masked in borrowers",
    method: "GET",
    asUser: "analyst",
    beforeTest: ({ app }) => seed(app),
    url: "/api/v1/records/borrowers/export.csv?columns=id,phone",
    expectedStatus: 200,
    afterTest: ({ res, data }: any) => {
      expect(String(res.body)).toContain(data.userId);
      expect(String(res.body)).not.toContain(data.phone);
    },
  },
  { name: "finance may not export borrowers", method: "GET", url: "/api/v1/records/borrowers/export.csv", asUser: "finance", expectedStatus: 403 },
  { name: "analyst may not filter on NIK", method: "GET", url: `/api/v1/records/borrower_profiles/export.csv?filter[nik]=${NIK}`, asUser: "analyst", expectedStatus: 400 },
  {
    name: "finance: loans filtered by status",
    method: "GET",
    asUser: "finance",
    beforeTest: ({ app }) => seed(app),
    url: "/api/v1/records/loans/export.csv?filter[status]=disbursing&columns=id,status,principal_amount",
    expectedStatus: 200,
    afterTest: ({ res, data }: any) => expect(String(res.body).replace(/^\uFEFF/, "")).toBe(`id,status,principal_amount\r\n${data.loanId},disbursing,5000000\r\n`),
  },
]);
