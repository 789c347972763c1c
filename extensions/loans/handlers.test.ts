// The loans routes through the real app (guards, validation, the runtime's outbox) with real tokens: products and
// quotes, profile and documents, the application lifecycle and the event stream. Each test has its own depot.
import { describe, expect, test } from "bun:test";
import { transitionApplication } from "./state.ts";
import { registerGauges } from "./index.ts";
import { profileForStaff } from "./repo.ts";
import { jpegImage } from "../../test/kit/images.ts";
import { appPerTest, testApp, type TestApp } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";
import { applyBody as apply, JPEG, PDF, PNG, productBody, profileBody, readyBorrower, upload } from "./fixtures/applicant.ts";
import { type ProfileRow } from "./rows.ts";

const quote = (over: Record<string, unknown> = {}) => ({ productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, ...over });
const loansAndApplications = (t: TestApp) => t.db.read.get<any>("SELECT (SELECT COUNT(*) FROM applications) + (SELECT COUNT(*) FROM loans) AS n").n;

scenarios("products and quotes", [
  { name: "the seed product is listed for borrowers", method: "GET", url: "/api/v1/products", asUser: "borrower", expectedStatus: 200, afterTest: ({ res }) => expect(res.body.items.map((p: any) => p.code)).toContain("KK-WEEKLY-50") },
  { name: "admin routes need the admin role", method: "GET", url: "/api/v1/admin/products", asUser: "borrower", expectedStatus: 403 },
  { name: "the product list needs a signed-in caller", method: "GET", url: "/api/v1/products", expectedStatus: 401 },
  {
    name: "a product breaking a cap in force is refused with the cap, its figure and the rule's effective date",
    method: "POST",
    url: "/api/v1/admin/products",
    asUser: "admin",
    body: productBody({ code: "KK-PRICEY", interestMethod: "flat", interestRatePpm: 80_000 }),
    expectedStatus: 422,
    expectedContent: { type: "https://kreditku.dev/problems/regulatory-cap-exceeded", rule: "daily_cost", cap: 2000, effectiveFrom: "2025-01-01" },
    afterTest: ({ res }) => {
      expect(res.body.figure).toBeGreaterThan(2000);
      expect(res.body.violations[0].at.tenor).toBe(6);
    },
  },
  {
    name: "a late fee above its class is refused",
    method: "POST",
    url: "/api/v1/admin/products",
    asUser: "admin",
    body: productBody({ code: "KK-LATE", lateFeePpm: 5000 }),
    expectedStatus: 422,
    afterTest: ({ res }) => expect(res.body.violations.map((v: any) => v.rule)).toContain("late_fee_daily"),
  },
  {
    name: "field errors for a bad product",
    method: "POST",
    url: "/api/v1/admin/products",
    asUser: "admin",
    body: productBody({ code: "bad code", minAmount: 5_000_000, maxAmount: 1_000 }),
    expectedStatus: 422,
    afterTest: ({ res }) => expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(["code", "maxAmount"]),
  },
  {
    name: "quote of the reference loan: 50 × 110,000, APR and daily cost, nothing saved",
    method: "POST",
    url: "/api/v1/quotes",
    asUser: "borrower",
    body: quote(),
    beforeTest: ({ app }) => loansAndApplications(app),
    expectedStatus: 200,
    expectedContent: { totalRepaymentAmount: 5_500_000, installmentAmount: 110_000, dailyCostPpm: 286, dailyCostCapPpm: 2000, termDays: 350 },
    expectedEvents: {},
    afterTest: ({ app, res, data: before }) => {
      expect(res.body.installments).toHaveLength(50);
      expect(res.body.aprBps).toBeGreaterThan(0);
      expect(loansAndApplications(app)).toBe(before);
    },
  },
  { name: "a quote outside the product's range names the fields", method: "POST", url: "/api/v1/quotes", asUser: "borrower", body: quote({ principalAmount: 500, tenor: 51 }), expectedStatus: 422, afterTest: ({ res }) => expect(res.body.errors.map((e: any) => e.path)).toEqual(["principalAmount", "tenor"]) },
  { name: "a quote for an unknown product is 404", method: "POST", url: "/api/v1/quotes", asUser: "borrower", body: quote({ productId: "nope" }), expectedStatus: 404 },
  { name: "a start date in the past is refused", method: "POST", url: "/api/v1/quotes", asUser: "borrower", body: quote({ startDate: "2024-06-01" }), expectedStatus: 422, afterTest: ({ res }) => expect(res.body.errors[0].path).toBe("startDate") },
  { name: "a later start date moves the schedule", method: "POST", url: "/api/v1/quotes", asUser: "borrower", body: quote({ startDate: "2026-03-16" }), expectedStatus: 200, afterTest: ({ res }) => expect(res.body.installments[0].dueDate).toBe("2026-03-23") },
]);

test("products: create, read, update and retire a product", async () => {
  await using t = testApp();
  const admin = t.staff("admin");
  const created = await t.call("POST", "/api/v1/admin/products", { as: admin, body: productBody() });
  expect(created.status).toBe(201);
  const id = created.body.id;
  expect((await t.call("GET", `/api/v1/admin/products/${id}`, { as: admin })).body.code).toBe("KK-MONTHLY");
  expect((await t.call("POST", "/api/v1/admin/products", { as: admin, body: productBody() })).status).toBe(409);
  const upd = await t.call("PUT", `/api/v1/admin/products/${id}`, { as: admin, body: productBody({ name: "Bulanan Plus", interestRatePpm: 25_000 }) });
  expect(upd.status).toBe(200);
  expect(upd.body).toMatchObject({ name: "Bulanan Plus", interestRatePpm: 25_000 });
  expect((await t.call("DELETE", `/api/v1/admin/products/${id}`, { as: admin })).status).toBe(204);
  expect((await t.call("GET", `/api/v1/admin/products/${id}`, { as: admin })).status).toBe(404);
});

describe("profile and documents", () => {
  const t = appPerTest({ blobs: "memory" });

  test("profile: field errors, save, read back", async () => {
    const a = t.borrower();
    expect((await t.call("GET", "/api/v1/me/profile", { as: a })).status).toBe(404);
    const bad = await t.call("PUT", "/api/v1/me/profile", {
      as: a,
      body: profileBody({ nik: "12", birthDate: "1990-02-30", emergencyContact: { name: "B", phone: "123", relation: "x", consent: false } }),
    });
    expect(bad.status).toBe(422);
    const paths = bad.body.errors.map((e: any) => e.path);
    for (const p of ["nik", "emergencyContact.name", "emergencyContact.phone", "emergencyContact.relation"]) expect(paths).toContain(p);
    const ok = await t.call("PUT", "/api/v1/me/profile", { as: a, body: profileBody() });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ userId: a.id, nik: "3171015501900001", emergencyContact: { consent: true } });
    const again = await t.call("PUT", "/api/v1/me/profile", { as: a, body: profileBody({ monthlyIncomeAmount: 9_000_000 }) });
    expect(again.body.monthlyIncomeAmount).toBe(9_000_000);
    expect((await t.call("GET", "/api/v1/me/profile", { as: a })).body.monthlyIncomeAmount).toBe(9_000_000);
    const consent = await t.call("PUT", "/api/v1/me/profile", { as: a, body: profileBody({ emergencyContact: { name: "Budi", phone: "081234567890", relation: "sibling", consent: false } }) });
    expect(consent.body.errors).toEqual([expect.objectContaining({ path: "emergencyContact.consent" })]);
  });

  test("documents: type by structure, SHA-256, stored under documents/{user}/{id}; owner only; staff get a URL", async () => {
    const a = t.borrower();
    const b = t.borrower();
    const analyst = t.staff("analyst");
    const up = await upload(t, a, "ktp", JPEG, "ktp.png");
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ kind: "ktp", contentType: "image/jpeg", sizeBytes: JPEG.length, filename: "ktp.jpg" });
    expect(up.body.sha256).toBe(new Bun.CryptoHasher("sha256").update(JPEG).digest("hex"));
    expect(t.blobs.data.get(`documents/${a.id}/${up.body.id}`)).toEqual(JPEG);
    expect((await upload(t, a, "payslip", PDF)).body.contentType).toBe("application/pdf");
    expect((await upload(t, a, "selfie", PNG)).body.contentType).toBe("image/png");
    expect((await upload(t, a, "selfie", new TextEncoder().encode("GIF89a...."))).status).toBe(415);
    const bad = await upload(t, a, "passport", JPEG);
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe("kind");
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(JPEG);
    expect((await upload(t, a, "ktp", big)).status).toBe(413);
    const own = await t.call("GET", `/api/v1/documents/${up.body.id}`, { as: a });
    expect(own.status).toBe(200);
    expect(own.body.downloadUrl).toBeUndefined();
    expect((await t.call("GET", `/api/v1/documents/${up.body.id}`, { as: b })).status).toBe(404);
    const staff = await t.call("GET", `/api/v1/documents/${up.body.id}`, { as: analyst });
    expect(staff.body.downloadUrl).toContain(`documents/${a.id}/${up.body.id}`);
  });

  test("documents: a bare or broken JPEG/PNG/PDF signature is refused with 422 saying why; nothing is stored", async () => {
    const a = t.borrower();
    const stored = t.blobs.data.size;
    const cases: [string, Uint8Array, RegExp][] = [
      ["ktp", new Uint8Array([0xff, 0xd8, 0xff]), /truncated/],
      ["ktp", JPEG.subarray(0, JPEG.length - 2), /end-of-image/],
      ["selfie", jpegImage("", { width: 40, height: 40 }), /40×40 pixels; at least 100×100/],
      ["selfie", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), /IHDR/],
      ["payslip", new TextEncoder().encode("%PDF-1.7 not really"), /%%EOF/],
    ];
    for (const [kind, bytes, why] of cases) {
      const r = await upload(t, a, kind, bytes);
      expect(r.status).toBe(422);
      expect(r.body.type).toEndWith("/invalid-document");
      expect(r.body.detail).toMatch(why);
      expect(r.body.errors).toEqual([{ path: "file", message: expect.stringMatching(why) }]);
    }
    expect(t.blobs.data.size).toBe(stored);
  });

  test("documents: the stored and served name takes its extension from the detected type, never the client's", async () => {
    const a = t.borrower();
    const analyst = t.staff("analyst");
    const polyglot = new Uint8Array([...JPEG, ...new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>")]);
    const names: [string, Uint8Array, string][] = [
      ["selfie.html", polyglot, "selfie.jpg"],
      ["../../etc/passwd", PNG, "passwd.png"],
      // multipart (FormData, like a browser) sends a quote in a file name as %22; the % is cleaned like the quote was
      ["C:\\Users\\budi\\slip \"gaji\".pdf.exe", PDF, "slip _22gaji_22.pdf"],
      ["ktp\u202Egpj.html", JPEG, "ktpgpj.jpg"],
      ["...", JPEG, "ktp.jpg"],
      ["x".repeat(500) + ".png", PNG, "x".repeat(100) + ".png"],
    ];
    for (const [client, bytes, stored] of names) {
      const kind = client.includes("slip") ? "payslip" : "ktp";
      const up = await upload(t, a, kind, bytes, client);
      expect(up.status).toBe(201);
      expect(up.body.filename).toBe(stored);
      const row = t.db.read.get<{ filename: string }>("SELECT filename FROM documents WHERE id = ?", up.body.id)!;
      expect(row.filename).toBe(up.body.filename);
    }
    // A row stored before names were cleaned is shown and served under the cleaned name.
    const old = await upload(t, a, "selfie", polyglot, "selfie.jpg");
    t.db.writer.run("UPDATE documents SET filename = 'selfie.html' WHERE id = ?", old.body.id);
    const signed: any[] = [];
    const signedUrl = t.blobs.signedUrl;
    t.blobs.signedUrl = async (key, opts) => (signed.push(opts), signedUrl(key, opts));
    const staff = await t.call("GET", `/api/v1/documents/${old.body.id}`, { as: analyst });
    t.blobs.signedUrl = signedUrl;
    expect(staff.body.filename).toBe("selfie.jpg");
    expect(signed).toEqual([{ expiresInSeconds: 300, contentType: "image/jpeg", filename: "selfie.jpg" }]);
  });
});

/** A ready borrower's application just submitted (status checking); the caller is someone else. */
const submitted = async ({ app }: { app: TestApp }) => {
  const ready = await readyBorrower(app);
  const created = await app.call("POST", "/api/v1/applications", { as: ready.user, body: apply({ documentIds: ready.documentIds }) });
  expect(created.body.status).toBe("checking");
  return { id: created.body.id as string, owner: ready.user };
};
const byItsOwner = async ({ app }: { app: TestApp }) => (await submitted({ app })).owner;

scenarios(
  "applications: who may do what while the checks run",
  [
    { name: "another borrower cannot read it", method: "GET", url: ({ data }) => `/api/v1/applications/${data.id}`, asUser: "borrower", beforeTest: submitted, expectedStatus: 404 },
    { name: "another borrower cannot cancel it", method: "POST", url: ({ data }) => `/api/v1/applications/${data.id}/cancel`, body: {}, asUser: "borrower", beforeTest: submitted, expectedStatus: 404, expectedEvents: {} },
    { name: "another borrower cannot accept it", method: "POST", url: ({ data }) => `/api/v1/applications/${data.id}/accept`, asUser: "borrower", beforeTest: submitted, expectedStatus: 404, expectedEvents: {} },
    { name: "another borrower's list is empty", method: "GET", url: "/api/v1/applications", asUser: "borrower", beforeTest: submitted, expectedStatus: 200, afterTest: ({ res }) => expect(res.body.items).toEqual([]) },
    {
      name: "the owner cannot accept before approval (409)",
      method: "POST",
      asUser: async (s) => {
        const owner = await byItsOwner(s);
        return owner;
      },
      beforeTest: ({ app, user }) => ({ id: app.db.read.get<{ id: string }>("SELECT id FROM applications WHERE user_id = ?", user!.id)!.id }),
      url: ({ data }) => `/api/v1/applications/${data.id}/accept`,
      expectedStatus: 409,
      expectedEvents: {},
    },
    {
      name: "an analyst decides only from manual_review (409)",
      method: "POST",
      asUser: "analyst",
      beforeTest: submitted,
      url: ({ data }) => `/api/v1/admin/applications/${data.id}/decision`,
      body: { decision: "approve", note: "looks fine" },
      expectedStatus: 409,
    },
    {
      name: "the review queue lists applications in manual review",
      method: "GET",
      url: "/api/v1/admin/applications?status=manual_review",
      asUser: "analyst",
      beforeTest: async (s) => {
        const a = await submitted(s);
        s.app.tx((x) => transitionApplication(x, { applicationId: a.id, to: "manual_review", actor: "system:scoring", reason: "score in the grey zone" }));
        return a;
      },
      expectedStatus: 200,
      afterTest: ({ res, data }) => expect(res.body.items.map((a: any) => a.id)).toEqual([data.id]),
    },
    { name: "a borrower may not list the review queue", method: "GET", url: "/api/v1/admin/applications", asUser: "borrower", expectedStatus: 403 },
    {
      name: "a counter-offer: the loan is priced on the offered amount",
      method: "POST",
      asUser: async (s) => byItsOwner(s),
      beforeTest: ({ app, user }) => {
        const id = app.db.read.get<{ id: string }>("SELECT id FROM applications WHERE user_id = ?", user!.id)!.id;
        app.tx((x) => transitionApplication(x, { applicationId: id, to: "approved", actor: "system:scoring", reason: "auto", offer: { principalAmount: 3_000_000, tenor: 30 } }));
        return { id };
      },
      url: ({ data }) => `/api/v1/applications/${data.id}/accept`,
      expectedStatus: 201,
      expectedContent: { loan: { principalAmount: 3_000_000, tenor: 30, interestAmount: 180_000 } },
      expectedEvents: { "application.status_changed": 2, "loan.status_changed": 1, disburse: 1 },
      afterTest: ({ res }) => expect(res.body.loan.installments).toHaveLength(30),
    },
  ],
  { blobs: "memory" },
);

describe("applications", () => {
  const t = appPerTest({ blobs: "memory" });

  test("refusals: under 18, income ratio, missing profile and documents — with reasons", async () => {
    const young = await readyBorrower(t, { birthDate: "2008-03-03" });
    const r1 = await t.call("POST", "/api/v1/applications", { as: young.user, body: apply({ documentIds: young.documentIds }) });
    expect(r1.status).toBe(422);
    expect(r1.body.type).toBe("https://kreditku.dev/problems/application-refused");
    expect(r1.body.reasons.map((r: any) => r.code)).toEqual(["under_age"]);
    const poor = await readyBorrower(t, { monthlyIncomeAmount: 1_500_000 });
    const r2 = await t.call("POST", "/api/v1/applications", { as: poor.user, body: apply({ documentIds: poor.documentIds }) });
    expect(r2.status).toBe(422);
    // 471,429 a month is above 30 % (in force from 2026-01-01) of 1,500,000
    expect(r2.body.reasons).toEqual([expect.objectContaining({ code: "income_ratio_exceeded", monthlyEquivalentAmount: 471_429, maxRatioPpm: 300_000, effectiveFrom: "2026-01-01" })]);
    const bare = t.borrower();
    const r3 = await t.call("POST", "/api/v1/applications", { as: bare, body: apply() });
    expect(r3.body.reasons.map((r: any) => r.code)).toEqual(["profile_missing", "documents_missing"]);
    // someone else's document is not found
    const r4 = await t.call("POST", "/api/v1/applications", { as: bare, body: apply({ documentIds: [poor.documentIds[0]] }) });
    expect(r4.status).toBe(422);
    expect(r4.body.errors[0].path).toBe("documentIds.0");
    expect(t.db.read.get<any>("SELECT COUNT(*) AS n FROM applications").n).toBe(0);
  });

  test("journey: submit → checking → manual_review → analyst approves → accept → loan disbursing", async () => {
    const { user, documentIds } = await readyBorrower(t);
    const other = await readyBorrower(t);
    const analyst = t.staff("analyst");
    const created = await t.call("POST", "/api/v1/applications", { as: user, body: apply({ documentIds }) });
    expect(created.status).toBe(201);
    const app = created.body;
    expect(app).toMatchObject({ status: "checking", installmentAmount: 110_000, documentIds: [...documentIds].sort() });
    expect(t.events("application.submitted")).toEqual([{ name: "application.submitted", payload: { applicationId: app.id, userId: user.id } }]);
    // open application → 409
    const again = await t.call("POST", "/api/v1/applications", { as: user, body: apply({ documentIds }) });
    expect(again.status).toBe(409);
    expect(again.body.applicationId).toBe(app.id);
    // (who may read, cancel, accept or decide it while the checks run: the scenarios above)
    t.tx((x) => transitionApplication(x, { applicationId: app.id, to: "manual_review", actor: "system:scoring", reason: "score in the grey zone" }));
    t.db.tx((w) =>
      w.run("INSERT INTO application_checks (application_id, kind, rule_id, outcome, detail_json, created_at) VALUES (?, 'fraud', 'velocity_device', 'review', '{\"count\":3}', ?)", app.id, t.clock.now().toISOString()),
    );
    const detail = await t.call("GET", `/api/v1/admin/applications/${app.id}`, { as: analyst });
    expect(detail.body.checks).toEqual([expect.objectContaining({ kind: "fraud", ruleId: "velocity_device", outcome: "review", detail: { count: 3 } })]);
    expect(detail.body.documents).toHaveLength(2);
    expect(detail.body.documents[0].downloadUrl).toStartWith("http://blobs.test/documents/");
    expect(detail.body.events.map((e: any) => e.to)).toEqual(["draft", "submitted", "checking", "manual_review"]);
    // analysts get the borrower's identifiers masked (the personal-data policy, as in the record APIs); admins see them in full
    expect(detail.body.profile).toMatchObject({
      nik: "3171********0001",
      bankAccount: { bankCode: "BCA", accountNumber: "******7890", accountName: "SITI RAHAYU" },
      emergencyContact: { name: "B*** S***", phone: "+62812*****890" },
      fullName: "Siti Rahayu",
    });
    expect(detail.body.profile.address.line).toBeUndefined();
    expect(JSON.stringify(detail.body)).not.toContain("3171015501900001");
    expect(JSON.stringify(detail.body)).not.toContain("1234567890");
    const row = t.db.read.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", user.id)!;
    expect(profileForStaff(row, { role: "admin" })).toMatchObject({ nik: "3171015501900001", bankAccount: { accountNumber: "1234567890" }, emergencyContact: { phone: "+6281234567890" } });
    expect(profileForStaff(row, { role: "finance" })).toMatchObject({ nik: "3171********0001", bankAccount: { accountNumber: "******7890" }, emergencyContact: { phone: "+62812*****890" } });
    const full = await t.call("GET", `/api/v1/admin/applications/${app.id}`, { as: t.staff("admin") });
    expect(full.body.profile).toMatchObject({ nik: "3171015501900001", bankAccount: { accountNumber: "1234567890" }, emergencyContact: { phone: "+6281234567890" } });
    const decided = await t.call("POST", `/api/v1/admin/applications/${app.id}/decision`, { as: analyst, body: { decision: "approve", note: "payslip verified" } });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: "approved", offer: { principalAmount: 5_000_000, tenor: 50 } });
    const accepted = await t.call("POST", `/api/v1/applications/${app.id}/accept`, { as: user });
    expect(accepted.status).toBe(201);
    const loan = accepted.body.loan;
    expect(accepted.body.application).toMatchObject({ status: "disbursing", loanId: loan.id });
    expect(loan).toMatchObject({ status: "disbursing", principalAmount: 5_000_000, interestAmount: 500_000, outstandingAmount: 5_500_000, nextDueAmount: 110_000, dpd: 0 });
    expect(loan.installments).toHaveLength(50);
    expect(loan.installments[0]).toMatchObject({ principalDue: 100_000, interestDue: 10_000, feeDue: 0, lateFeeDue: 0, status: "upcoming" });
    expect(t.jobs()).toEqual([{ name: "disburse", payload: { loanId: loan.id }, key: `disburse:${loan.id}` }]);
    // accepting twice is illegal
    expect((await t.call("POST", `/api/v1/applications/${app.id}/accept`, { as: user })).status).toBe(409);
    // loans: own only
    expect((await t.call("GET", `/api/v1/loans/${loan.id}`, { as: user })).body.installments).toHaveLength(50);
    expect((await t.call("GET", `/api/v1/loans/${loan.id}`, { as: other.user })).status).toBe(404);
    expect((await t.call("GET", "/api/v1/loans", { as: other.user })).body.items).toEqual([]);
    expect((await t.call("GET", "/api/v1/loans", { as: user })).body.items.map((l: any) => l.id)).toEqual([loan.id]);
    // the payments allocator pays instalment 1: outstanding 5,390,000
    t.db.tx((w) => w.run("UPDATE installments SET principal_paid = principal_due, interest_paid = interest_due, status = 'paid' WHERE loan_id = ? AND seq = 1", loan.id));
    t.db.tx((w) => w.run("UPDATE loans SET status = 'active' WHERE id = ?", loan.id));
    const after = await t.call("GET", `/api/v1/loans/${loan.id}`, { as: user });
    expect(after.body).toMatchObject({ outstandingAmount: 5_390_000, nextDueDate: loan.installments[1].dueDate });
    expect(after.body.installments[0].status).toBe("paid");
    // time passes: instalment 2 is 10 days overdue
    t.clock.set(new Date(Date.parse(loan.installments[1].dueDate + "T05:00:00Z") + 10 * 86_400_000));
    const late = await t.call("GET", `/api/v1/loans/${loan.id}`, { as: user });
    expect(late.body.dpd).toBe(10);
    expect(late.body.installments[1].status).toBe("overdue");
    const trail = t.db.read.all<any>("SELECT to_status, actor FROM application_events WHERE application_id = ? ORDER BY id", app.id);
    expect(trail.map((e) => e.to_status)).toEqual(["draft", "submitted", "checking", "manual_review", "approved", "accepted", "disbursing"]);
    expect(trail.find((e) => e.to_status === "approved").actor).toBe(analyst.id);
    const ctx = t.context();
    registerGauges(ctx);
    const metrics = await ctx.metrics.text();
    expect(metrics).toContain('kreditku_applications{status="disbursing"} 1');
    expect(metrics).toContain('kreditku_loans{status="active"} 1');
  });

  test("cancel, reject, expired offer, pagination", async () => {
    const { user, documentIds } = await readyBorrower(t);
    const analyst = t.staff("analyst");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.call("POST", "/api/v1/applications", { as: user, body: apply({ documentIds }) });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      const c = await t.call("POST", `/api/v1/applications/${res.body.id}/cancel`, { as: user, body: { reason: "not now" } });
      expect(c.body.status).toBe("cancelled");
      expect((await t.call("POST", `/api/v1/applications/${res.body.id}/cancel`, { as: user, body: {} })).status).toBe(409);
    }
    const p1 = await t.call("GET", "/api/v1/applications?limit=2", { as: user });
    expect(p1.body.items.map((a: any) => a.id)).toEqual([ids[2], ids[1]]);
    const p2 = await t.call("GET", `/api/v1/applications?limit=2&cursor=${encodeURIComponent(p1.body.nextCursor)}`, { as: user });
    expect(p2.body.items.map((a: any) => a.id)).toEqual([ids[0]]);
    expect(p2.body.nextCursor).toBeNull();
    expect((await t.call("GET", `/api/v1/applications?cursor=${encodeURIComponent("%%%")}`, { as: user })).status).toBe(422);
    // reject from manual review
    const r = (await t.call("POST", "/api/v1/applications", { as: user, body: apply({ documentIds }) })).body;
    t.tx((x) => transitionApplication(x, { applicationId: r.id, to: "manual_review", actor: "system:scoring", reason: "grey" }));
    const rej = await t.call("POST", `/api/v1/admin/applications/${r.id}/decision`, { as: analyst, body: { decision: "reject", note: "income not verifiable" } });
    expect(rej.body.status).toBe("rejected");
    // expired offer
    const e = (await t.call("POST", "/api/v1/applications", { as: user, body: apply({ documentIds }) })).body;
    t.tx((x) =>
      transitionApplication(x, { applicationId: e.id, to: "approved", actor: "system:scoring", reason: "auto", offer: { principalAmount: 3_000_000, expiresAt: "2026-03-03T00:00:00Z" }, at: t.clock.now() }),
    );
    t.clock.set("2026-03-04T00:00:00Z");
    const exp = await t.call("POST", `/api/v1/applications/${e.id}/accept`, { as: user });
    expect(exp.status).toBe(409);
    expect(exp.body.type).toBe("https://kreditku.dev/problems/offer-expired");
    expect((await t.call("GET", `/api/v1/applications/${e.id}`, { as: user })).body.status).toBe("expired");
  });

});

test("without the payments extension (no disburse job) the loan still gets created and waits in disbursing", async () => {
  const { EXTENSIONS } = await import("../index.ts");
  await using t = testApp({ extensions: EXTENSIONS.filter((e) => e.name !== "payments") });
  const { user, documentIds } = await readyBorrower(t);
  const app = (await t.call("POST", "/api/v1/applications", { as: user, body: apply({ documentIds }) })).body;
  t.tx((x) => transitionApplication(x, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto" }));
  const res = await t.call("POST", `/api/v1/applications/${app.id}/accept`, { as: user });
  expect(res.status).toBe(201);
  expect(res.body.loan.status).toBe("disbursing");
  expect(t.jobs("disburse")).toEqual([]);
  expect(t.logs().find((l) => l.msg.startsWith("disbursement job not installed"))?.fields).toMatchObject({ loanId: res.body.loan.id });
});

describe("realtime", () => {
  const t = appPerTest();

  test("the stream pushes my own status changes, not other borrowers'", async () => {
    const me = await readyBorrower(t);
    const other = await readyBorrower(t);
    const ac = new AbortController();
    const res = await t.request("/api/v1/events", { headers: { Authorization: `Bearer ${await t.token(me.user)}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const dec = new TextDecoder();
    /** Collect a stream's text in the background (no read is ever dropped). */
    const collect = (stream: ReadableStream<Uint8Array>) => {
      const state = { text: "", done: false };
      const reader = stream.getReader();
      (async () => {
        for (;;) {
          const r = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (r.done) break;
          state.text += dec.decode(r.value);
        }
        state.done = true;
      })();
      return state;
    };
    const waitUntil = async (cond: () => boolean, ms = 3000) => {
      const deadline = Date.now() + ms;
      while (!cond() && Date.now() < deadline) await Bun.sleep(20);
      return cond();
    };
    const first = collect(res.body!);
    const readUntil = async (needle: string) => waitUntil(() => first.text.includes(needle));
    expect(await readUntil(": connected")).toBe(true);
    await t.call("POST", "/api/v1/applications", { as: other.user, body: apply({ documentIds: other.documentIds }) });
    const mine = (await t.call("POST", "/api/v1/applications", { as: me.user, body: apply({ documentIds: me.documentIds }) })).body;
    expect(await readUntil('"to":"checking"')).toBe(true);
    const text = first.text;
    expect(text).toContain(`"applicationId":"${mine.id}"`);
    expect(text).toContain("event: application.status_changed");
    expect(text).not.toContain(other.user.id);
    const otherApps = t.db.read.all<any>("SELECT id FROM applications WHERE user_id = ?", other.user.id);
    expect(text).not.toContain(otherApps[0].id);
    // the loan's creation reaches the stream too
    t.tx((x) => transitionApplication(x, { applicationId: mine.id, to: "approved", actor: "system:scoring", reason: "auto" }));
    expect((await t.call("POST", `/api/v1/applications/${mine.id}/accept`, { as: me.user })).status).toBe(201);
    expect(await readUntil("event: loan.status_changed")).toBe(true);
    expect(await readUntil('"to":"disbursing","reason":"loan created; disbursement queued"')).toBe(true);
    ac.abort();
    expect(await waitUntil(() => first.done, 1000)).toBe(true);
    // resume with Last-Event-ID: everything after it is replayed
    const ac2 = new AbortController();
    const again = await t.request("/api/v1/events", { headers: { Authorization: `Bearer ${await t.token(me.user)}`, "Last-Event-ID": "0.0" }, signal: ac2.signal });
    const second = collect(again.body!);
    await waitUntil(() => second.text.includes("loan.status_changed"));
    ac2.abort();
    const replay = second.text;
    expect(replay).toContain('"to":"draft"');
    expect(replay).toContain('"to":"accepted"');
    expect(replay).toContain("event: loan.status_changed");
    expect(replay).not.toContain(otherApps[0].id);
  });
});
