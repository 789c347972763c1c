import { describe, expect, test } from "bun:test";
import { makeTestContext } from "./test-context.ts";
import { adminCreateProduct, adminDeleteProduct, adminGetProduct, adminListProducts, adminUpdateProduct, createQuote, listActiveProducts } from "./routes/products.ts";
import { getDocument, getProfile, putProfile, uploadDocument } from "./routes/kyc.ts";
import { acceptOffer, cancelApplication, createApplication, getApplication, listApplications } from "./routes/applications.ts";
import { adminDecide, adminGetApplication, adminListApplications, getLoan, listLoans, streamEvents } from "./routes/loans.ts";
import { transitionApplication } from "./state.ts";
import { registerGauges } from "./index.ts";
import { profileForStaff, type ProfileRow } from "./repo.ts";

import { jpegImage, pdfDocument, pngImage } from "../../test/kit/images.ts";

export const JPEG = jpegImage();
export const PNG = pngImage();
export const PDF = pdfDocument();

export const profileBody = (over: Record<string, unknown> = {}) => ({
  nik: "3171015501900001",
  fullName: "Siti Rahayu",
  birthDate: "1990-01-15",
  sex: "F",
  address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
  employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
  monthlyIncomeAmount: 8_000_000,
  bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
  emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
  ...over,
});

const productBody = (over: Record<string, unknown> = {}) => ({
  code: "KK-MONTHLY",
  name: "Pinjaman Bulanan",
  purpose: "consumptive",
  minAmount: 1_000_000,
  maxAmount: 20_000_000,
  minTenor: 3,
  maxTenor: 12,
  tenorUnit: "months",
  interestMethod: "annuity",
  interestRatePpm: 30_000,
  upfrontFeePpm: 10_000,
  adminFeeAmount: 50_000,
  lateFeePpm: 1000,
  graceDays: 3,
  ...over,
});

function form(kind: string, bytes: Uint8Array, name = "doc.bin") {
  const f = new FormData();
  f.set("kind", kind);
  f.set("file", new File([bytes as unknown as BlobPart], name));
  return f;
}

describe("products and quotes", () => {
  const tc = makeTestContext();
  const admin = tc.staff("admin");
  const borrower = tc.borrower();

  test("the seed product is listed for borrowers; admin routes need the admin role", async () => {
    const res = await tc.call(listActiveProducts, { user: borrower });
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: any) => p.code)).toContain("KK-WEEKLY-50");
    expect((await tc.call(adminListProducts, { user: borrower })).status).toBe(403);
    expect((await tc.call(listActiveProducts, {})).status).toBe(401);
  });

  test("create, read, update and retire a product", async () => {
    const created = await tc.call(adminCreateProduct, { user: admin, body: productBody() });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await tc.call(adminGetProduct, { user: admin, params: { id } })).body.code).toBe("KK-MONTHLY");
    expect((await tc.call(adminCreateProduct, { user: admin, body: productBody() })).status).toBe(409);
    const upd = await tc.call(adminUpdateProduct, { user: admin, params: { id }, body: productBody({ name: "Bulanan Plus", interestRatePpm: 25_000 }) });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ name: "Bulanan Plus", interestRatePpm: 25_000 });
    expect((await tc.call(adminDeleteProduct, { user: admin, params: { id } })).status).toBe(204);
    expect((await tc.call(adminGetProduct, { user: admin, params: { id } })).status).toBe(404);
  });

  test("a product breaking a cap in force is refused with the cap, its figure and the rule's effective date", async () => {
    const res = await tc.call(adminCreateProduct, { user: admin, body: productBody({ code: "KK-PRICEY", interestMethod: "flat", interestRatePpm: 80_000 }) });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: "https://kreditku.dev/problems/regulatory-cap-exceeded", rule: "daily_cost", cap: 2000, effectiveFrom: "2025-01-01" });
    expect(res.body.figure).toBeGreaterThan(2000);
    expect(res.body.violations[0].at.tenor).toBe(6);
    const late = await tc.call(adminCreateProduct, { user: admin, body: productBody({ code: "KK-LATE", lateFeePpm: 5000 }) });
    expect(late.status).toBe(422);
    expect(late.body.violations.map((v: any) => v.rule)).toContain("late_fee_daily");
  });

  test("field errors for a bad product", async () => {
    const res = await tc.call(adminCreateProduct, { user: admin, body: productBody({ code: "bad code", minAmount: 5_000_000, maxAmount: 1_000 }) });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(["code", "maxAmount"]);
  });

  test("quote of the reference loan: 50 × 110,000, APR and daily cost, nothing saved", async () => {
    const before = tc.db.read.get<any>("SELECT (SELECT COUNT(*) FROM applications) + (SELECT COUNT(*) FROM loans) AS n").n;
    const res = await tc.call(createQuote, { user: borrower, body: { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalRepaymentAmount: 5_500_000, instalmentAmount: 110_000, dailyCostPpm: 286, dailyCostCapPpm: 2000, termDays: 350 });
    expect(res.body.instalments).toHaveLength(50);
    expect(res.body.aprBps).toBeGreaterThan(0);
    expect(tc.db.read.get<any>("SELECT (SELECT COUNT(*) FROM applications) + (SELECT COUNT(*) FROM loans) AS n").n).toBe(before);
    const out = await tc.call(createQuote, { user: borrower, body: { productId: "prod_reference_weekly", principalAmount: 500, tenor: 51 } });
    expect(out.status).toBe(422);
    expect(out.body.errors.map((e: any) => e.path)).toEqual(["principalAmount", "tenor"]);
    expect((await tc.call(createQuote, { user: borrower, body: { productId: "nope", principalAmount: 5_000_000, tenor: 50 } })).status).toBe(404);
    const past = await tc.call(createQuote, { user: borrower, body: { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, startDate: "2024-06-01" } });
    expect(past.status).toBe(422);
    expect(past.body.errors[0].path).toBe("startDate");
    const later = await tc.call(createQuote, { user: borrower, body: { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, startDate: "2026-03-16" } });
    expect(later.body.instalments[0].dueDate).toBe("2026-03-23");
  });
});

describe("profile and documents", () => {
  const tc = makeTestContext();
  const a = tc.borrower();
  const b = tc.borrower();
  const analyst = tc.staff("analyst");

  test("profile: field errors, save, read back", async () => {
    expect((await tc.call(getProfile, { user: a })).status).toBe(404);
    const bad = await tc.call(putProfile, {
      user: a,
      body: profileBody({ nik: "12", birthDate: "1990-02-30", emergencyContact: { name: "B", phone: "123", relation: "x", consent: false } }),
    });
    expect(bad.status).toBe(422);
    const paths = bad.body.errors.map((e: any) => e.path);
    for (const p of ["nik", "emergencyContact.name", "emergencyContact.phone", "emergencyContact.relation"]) expect(paths).toContain(p);
    const ok = await tc.call(putProfile, { user: a, body: profileBody() });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ userId: a.id, nik: "3171015501900001", emergencyContact: { consent: true } });
    const again = await tc.call(putProfile, { user: a, body: profileBody({ monthlyIncomeAmount: 9_000_000 }) });
    expect(again.body.monthlyIncomeAmount).toBe(9_000_000);
    expect((await tc.call(getProfile, { user: a })).body.monthlyIncomeAmount).toBe(9_000_000);
    const consent = await tc.call(putProfile, { user: a, body: profileBody({ emergencyContact: { name: "Budi", phone: "081234567890", relation: "sibling", consent: false } }) });
    expect(consent.body.errors).toEqual([expect.objectContaining({ path: "emergencyContact.consent" })]);
  });

  test("documents: type by structure, SHA-256, stored under documents/{user}/{id}; owner only; staff get a URL", async () => {
    const up = await tc.call(uploadDocument, { user: a, form: form("ktp", JPEG, "ktp.png") });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ kind: "ktp", contentType: "image/jpeg", sizeBytes: JPEG.length, filename: "ktp.jpg" });
    expect(up.body.sha256).toBe(new Bun.CryptoHasher("sha256").update(JPEG).digest("hex"));
    expect(tc.blobs.data.get(`documents/${a.id}/${up.body.id}`)).toEqual(JPEG);
    expect((await tc.call(uploadDocument, { user: a, form: form("payslip", PDF) })).body.contentType).toBe("application/pdf");
    expect((await tc.call(uploadDocument, { user: a, form: form("selfie", PNG) })).body.contentType).toBe("image/png");
    expect((await tc.call(uploadDocument, { user: a, form: form("selfie", new TextEncoder().encode("GIF89a....")) })).status).toBe(415);
    const bad = await tc.call(uploadDocument, { user: a, form: form("passport", JPEG) });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].path).toBe("kind");
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(JPEG);
    expect((await tc.call(uploadDocument, { user: a, form: form("ktp", big) })).status).toBe(413);
    const own = await tc.call(getDocument, { user: a, params: { id: up.body.id } });
    expect(own.status).toBe(200);
    expect(own.body.downloadUrl).toBeUndefined();
    expect((await tc.call(getDocument, { user: b, params: { id: up.body.id } })).status).toBe(404);
    const staff = await tc.call(getDocument, { user: analyst, params: { id: up.body.id } });
    expect(staff.body.downloadUrl).toContain(`documents/${a.id}/${up.body.id}`);
  });

  test("documents: a bare or broken JPEG/PNG/PDF signature is refused with 422 saying why; nothing is stored", async () => {
    const stored = tc.blobs.data.size;
    const cases: [string, Uint8Array, RegExp][] = [
      ["ktp", new Uint8Array([0xff, 0xd8, 0xff]), /truncated/],
      ["ktp", JPEG.subarray(0, JPEG.length - 2), /end-of-image/],
      ["selfie", jpegImage("", { width: 40, height: 40 }), /40×40 pixels; at least 100×100/],
      ["selfie", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), /IHDR/],
      ["payslip", new TextEncoder().encode("%PDF-1.7 not really"), /%%EOF/],
    ];
    for (const [kind, bytes, why] of cases) {
      const r = await tc.call(uploadDocument, { user: a, form: form(kind, bytes) });
      expect(r.status).toBe(422);
      expect(r.body.type).toEndWith("/invalid-document");
      expect(r.body.detail).toMatch(why);
      expect(r.body.errors).toEqual([{ path: "file", message: expect.stringMatching(why) }]);
    }
    expect(tc.blobs.data.size).toBe(stored);
  });

  test("documents: the stored and served name takes its extension from the detected type, never the client's", async () => {
    const polyglot = new Uint8Array([...JPEG, ...new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>")]);
    const names: [string, Uint8Array, string][] = [
      ["selfie.html", polyglot, "selfie.jpg"],
      ["../../etc/passwd", PNG, "passwd.png"],
      ["C:\\Users\\budi\\slip \"gaji\".pdf.exe", PDF, "slip _gaji_.pdf"],
      ["ktp\u202Egpj.html", JPEG, "ktpgpj.jpg"],
      ["...", JPEG, "ktp.jpg"],
      ["x".repeat(500) + ".png", PNG, "x".repeat(100) + ".png"],
    ];
    for (const [client, bytes, stored] of names) {
      const kind = client.includes("slip") ? "payslip" : "ktp";
      const up = await tc.call(uploadDocument, { user: a, form: form(kind, bytes, client) });
      expect(up.status).toBe(201);
      expect(up.body.filename).toBe(stored);
      const row = tc.db.read.get<{ filename: string }>("SELECT filename FROM documents WHERE id = ?", up.body.id)!;
      expect(row.filename).toBe(up.body.filename);
    }
    // A row stored before names were cleaned is shown and served under the cleaned name.
    const old = await tc.call(uploadDocument, { user: a, form: form("selfie", polyglot, "selfie.jpg") });
    tc.db.writer.run("UPDATE documents SET filename = 'selfie.html' WHERE id = ?", old.body.id);
    const signed: any[] = [];
    const signedUrl = tc.blobs.signedUrl;
    tc.blobs.signedUrl = async (key, opts) => (signed.push(opts), signedUrl(key, opts));
    const staff = await tc.call(getDocument, { user: analyst, params: { id: old.body.id } });
    tc.blobs.signedUrl = signedUrl;
    expect(staff.body.filename).toBe("selfie.jpg");
    expect(signed).toEqual([{ expiresInSeconds: 300, contentType: "image/jpeg", filename: "selfie.jpg" }]);
  });
});

export async function readyBorrower(tc: ReturnType<typeof makeTestContext>, profile: Record<string, unknown> = {}) {
  const u = tc.borrower();
  expect((await tc.call(putProfile, { user: u, body: profileBody(profile) })).status).toBe(200);
  const ktp = (await tc.call(uploadDocument, { user: u, form: form("ktp", JPEG) })).body.id;
  const selfie = (await tc.call(uploadDocument, { user: u, form: form("selfie", PNG) })).body.id;
  return { user: u, documentIds: [ktp, selfie] };
}

const apply = (over: Record<string, unknown> = {}) => ({
  productId: "prod_reference_weekly",
  principalAmount: 5_000_000,
  tenor: 50,
  purpose: "Modal usaha warung",
  device: { id: "android-1", platform: "android" },
  ...over,
});

describe("applications", () => {
  test("refusals: under 18, income ratio, missing profile and documents — with reasons", async () => {
    const tc = makeTestContext();
    const young = await readyBorrower(tc, { birthDate: "2008-03-03" });
    const r1 = await tc.call(createApplication, { user: young.user, body: apply({ documentIds: young.documentIds }) });
    expect(r1.status).toBe(422);
    expect(r1.body.type).toBe("https://kreditku.dev/problems/application-refused");
    expect(r1.body.reasons.map((r: any) => r.code)).toEqual(["under_age"]);
    const poor = await readyBorrower(tc, { monthlyIncomeAmount: 1_500_000 });
    const r2 = await tc.call(createApplication, { user: poor.user, body: apply({ documentIds: poor.documentIds }) });
    expect(r2.status).toBe(422);
    // 471,429 a month is above 30 % (in force from 2026-01-01) of 1,500,000
    expect(r2.body.reasons).toEqual([expect.objectContaining({ code: "income_ratio_exceeded", monthlyEquivalentAmount: 471_429, maxRatioPpm: 300_000, effectiveFrom: "2026-01-01" })]);
    const bare = tc.borrower();
    const r3 = await tc.call(createApplication, { user: bare, body: apply() });
    expect(r3.body.reasons.map((r: any) => r.code)).toEqual(["profile_missing", "documents_missing"]);
    // someone else's document is not found
    const r4 = await tc.call(createApplication, { user: bare, body: apply({ documentIds: [poor.documentIds[0]] }) });
    expect(r4.status).toBe(422);
    expect(r4.body.errors[0].path).toBe("documentIds.0");
    expect(tc.db.read.get<any>("SELECT COUNT(*) AS n FROM applications").n).toBe(0);
  });

  test("journey: submit → checking → manual_review → analyst approves → accept → loan disbursing", async () => {
    const tc = makeTestContext();
    const { user, documentIds } = await readyBorrower(tc);
    const other = await readyBorrower(tc);
    const analyst = tc.staff("analyst");
    const created = await tc.call(createApplication, { user, body: apply({ documentIds }) });
    expect(created.status).toBe(201);
    const app = created.body;
    expect(app).toMatchObject({ status: "checking", instalmentAmount: 110_000, documentIds: [...documentIds].sort() });
    expect(tc.recorded.filter((r) => r.name === "application.submitted")).toEqual([{ kind: "event", name: "application.submitted", payload: { applicationId: app.id, userId: user.id } }]);
    // open application → 409
    const again = await tc.call(createApplication, { user, body: apply({ documentIds }) });
    expect(again.status).toBe(409);
    expect(again.body.applicationId).toBe(app.id);
    // IDOR: the other borrower sees nothing
    expect((await tc.call(getApplication, { user: other.user, params: { id: app.id } })).status).toBe(404);
    expect((await tc.call(cancelApplication, { user: other.user, params: { id: app.id }, body: {} })).status).toBe(404);
    expect((await tc.call(acceptOffer, { user: other.user, params: { id: app.id } })).status).toBe(404);
    expect((await tc.call(listApplications, { user: other.user, query: {} })).body.items).toEqual([]);
    // accept before approval → 409
    expect((await tc.call(acceptOffer, { user, params: { id: app.id } })).status).toBe(409);
    // decision only from manual_review
    expect((await tc.call(adminDecide, { user: analyst, params: { id: app.id }, body: { decision: "approve", note: "looks fine" } })).status).toBe(409);
    tc.context().tx((t) => transitionApplication(t, { applicationId: app.id, to: "manual_review", actor: "system:scoring", reason: "score in the grey zone" }));
    const queue = await tc.call(adminListApplications, { user: analyst, query: { status: "manual_review" } });
    expect(queue.body.items.map((a: any) => a.id)).toEqual([app.id]);
    expect((await tc.call(adminListApplications, { user, query: {} })).status).toBe(403);
    tc.db.tx((w) =>
      w.run("INSERT INTO application_checks (application_id, kind, rule_id, outcome, detail_json, created_at) VALUES (?, 'fraud', 'velocity_device', 'review', '{\"count\":3}', ?)", app.id, tc.clock.now().toISOString()),
    );
    const detail = await tc.call(adminGetApplication, { user: analyst, params: { id: app.id } });
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
    const row = tc.db.read.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", user.id)!;
    expect(profileForStaff(row, { role: "admin" })).toMatchObject({ nik: "3171015501900001", bankAccount: { accountNumber: "1234567890" }, emergencyContact: { phone: "+6281234567890" } });
    expect(profileForStaff(row, { role: "finance" })).toMatchObject({ nik: "3171********0001", bankAccount: { accountNumber: "******7890" }, emergencyContact: { phone: "+62812*****890" } });
    const full = await tc.call(adminGetApplication, { user: tc.staff("admin"), params: { id: app.id } });
    expect(full.body.profile).toMatchObject({ nik: "3171015501900001", bankAccount: { accountNumber: "1234567890" }, emergencyContact: { phone: "+6281234567890" } });
    const decided = await tc.call(adminDecide, { user: analyst, params: { id: app.id }, body: { decision: "approve", note: "payslip verified" } });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: "approved", offer: { principalAmount: 5_000_000, tenor: 50 } });
    const accepted = await tc.call(acceptOffer, { user, params: { id: app.id } });
    expect(accepted.status).toBe(201);
    const loan = accepted.body.loan;
    expect(accepted.body.application).toMatchObject({ status: "disbursing", loanId: loan.id });
    expect(loan).toMatchObject({ status: "disbursing", principalAmount: 5_000_000, interestAmount: 500_000, outstandingAmount: 5_500_000, nextDueAmount: 110_000, dpd: 0 });
    expect(loan.installments).toHaveLength(50);
    expect(loan.installments[0]).toMatchObject({ principalDue: 100_000, interestDue: 10_000, feeDue: 0, lateFeeDue: 0, status: "upcoming" });
    expect(tc.recorded.filter((r) => r.kind === "job")).toEqual([{ kind: "job", name: "disburse", payload: { loanId: loan.id }, key: `disburse:${loan.id}` }]);
    // accepting twice is illegal
    expect((await tc.call(acceptOffer, { user, params: { id: app.id } })).status).toBe(409);
    // loans: own only
    expect((await tc.call(getLoan, { user, params: { id: loan.id } })).body.installments).toHaveLength(50);
    expect((await tc.call(getLoan, { user: other.user, params: { id: loan.id } })).status).toBe(404);
    expect((await tc.call(listLoans, { user: other.user, query: {} })).body.items).toEqual([]);
    expect((await tc.call(listLoans, { user, query: {} })).body.items.map((l: any) => l.id)).toEqual([loan.id]);
    // the payments allocator pays instalment 1: outstanding 5,390,000
    tc.db.tx((w) => w.run("UPDATE installments SET principal_paid = principal_due, interest_paid = interest_due, status = 'paid' WHERE loan_id = ? AND seq = 1", loan.id));
    tc.db.tx((w) => w.run("UPDATE loans SET status = 'active' WHERE id = ?", loan.id));
    const after = await tc.call(getLoan, { user, params: { id: loan.id } });
    expect(after.body).toMatchObject({ outstandingAmount: 5_390_000, nextDueDate: loan.installments[1].dueDate });
    expect(after.body.installments[0].status).toBe("paid");
    // time passes: instalment 2 is 10 days overdue
    tc.clock.set(new Date(Date.parse(loan.installments[1].dueDate + "T05:00:00Z") + 10 * 86_400_000));
    const late = await tc.call(getLoan, { user, params: { id: loan.id } });
    expect(late.body.dpd).toBe(10);
    expect(late.body.installments[1].status).toBe("overdue");
    const trail = tc.db.read.all<any>("SELECT to_status, actor FROM application_events WHERE application_id = ? ORDER BY id", app.id);
    expect(trail.map((e) => e.to_status)).toEqual(["draft", "submitted", "checking", "manual_review", "approved", "accepted", "disbursing"]);
    expect(trail.find((e) => e.to_status === "approved").actor).toBe(analyst.id);
    const ctx = tc.context();
    registerGauges(ctx);
    const metrics = await ctx.metrics.text();
    expect(metrics).toContain('kreditku_applications{status="disbursing"} 1');
    expect(metrics).toContain('kreditku_loans{status="active"} 1');
  });

  test("cancel, reject, expired offer, pagination", async () => {
    const tc = makeTestContext();
    const { user, documentIds } = await readyBorrower(tc);
    const analyst = tc.staff("analyst");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await tc.call(createApplication, { user, body: apply({ documentIds }) });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      const c = await tc.call(cancelApplication, { user, params: { id: res.body.id }, body: { reason: "not now" } });
      expect(c.body.status).toBe("cancelled");
      expect((await tc.call(cancelApplication, { user, params: { id: res.body.id }, body: {} })).status).toBe(409);
    }
    const p1 = await tc.call(listApplications, { user, query: { limit: "2" } });
    expect(p1.body.items.map((a: any) => a.id)).toEqual([ids[2], ids[1]]);
    const p2 = await tc.call(listApplications, { user, query: { limit: "2", cursor: p1.body.nextCursor } });
    expect(p2.body.items.map((a: any) => a.id)).toEqual([ids[0]]);
    expect(p2.body.nextCursor).toBeNull();
    expect((await tc.call(listApplications, { user, query: { cursor: "%%%" } })).status).toBe(422);
    // reject from manual review
    const r = (await tc.call(createApplication, { user, body: apply({ documentIds }) })).body;
    tc.context().tx((t) => transitionApplication(t, { applicationId: r.id, to: "manual_review", actor: "system:scoring", reason: "grey" }));
    const rej = await tc.call(adminDecide, { user: analyst, params: { id: r.id }, body: { decision: "reject", note: "income not verifiable" } });
    expect(rej.body.status).toBe("rejected");
    // expired offer
    const e = (await tc.call(createApplication, { user, body: apply({ documentIds }) })).body;
    tc.context().tx((t) =>
      transitionApplication(t, { applicationId: e.id, to: "approved", actor: "system:scoring", reason: "auto", offer: { principalAmount: 3_000_000, expiresAt: "2026-03-03T00:00:00Z" }, at: tc.clock.now() }),
    );
    tc.clock.set("2026-03-04T00:00:00Z");
    const exp = await tc.call(acceptOffer, { user, params: { id: e.id } });
    expect(exp.status).toBe(409);
    expect(exp.body.type).toBe("https://kreditku.dev/problems/offer-expired");
    expect((await tc.call(getApplication, { user, params: { id: e.id } })).body.status).toBe("expired");
  });

  test("a counter-offer: the loan is priced on the offered amount", async () => {
    const tc = makeTestContext();
    const { user, documentIds } = await readyBorrower(tc);
    const app = (await tc.call(createApplication, { user, body: apply({ documentIds }) })).body;
    tc.context().tx((t) => transitionApplication(t, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto", offer: { principalAmount: 3_000_000, tenor: 30 } }));
    const res = await tc.call(acceptOffer, { user, params: { id: app.id } });
    expect(res.status).toBe(201);
    expect(res.body.loan).toMatchObject({ principalAmount: 3_000_000, tenor: 30, interestAmount: 180_000 });
    expect(res.body.loan.installments).toHaveLength(30);
  });

  test("without a registered disburse job the loan still gets created and waits in disbursing", async () => {
    const tc = makeTestContext({ jobs: [] });
    const { user, documentIds } = await readyBorrower(tc);
    const app = (await tc.call(createApplication, { user, body: apply({ documentIds }) })).body;
    tc.context().tx((t) => transitionApplication(t, { applicationId: app.id, to: "approved", actor: "system:scoring", reason: "auto" }));
    const res = await tc.call(acceptOffer, { user, params: { id: app.id } });
    expect(res.status).toBe(201);
    expect(res.body.loan.status).toBe("disbursing");
  });
});

describe("realtime", () => {
  test("the stream pushes my own status changes, not other borrowers'", async () => {
    const tc = makeTestContext();
    const me = await readyBorrower(tc);
    const other = await readyBorrower(tc);
    const ac = new AbortController();
    const res = await tc.call(streamEvents, { user: me.user, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers["Content-Type"]).toStartWith("text/event-stream");
    const dec = new TextDecoder();
    /** Collect a stream's text in the background (no read is ever dropped). */
    const collect = (stream: ReadableStream<Uint8Array>) => {
      const state = { text: "", done: false };
      const reader = stream.getReader();
      (async () => {
        for (;;) {
          const r = await reader.read();
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
    const first = collect(res.stream!);
    const readUntil = async (needle: string) => waitUntil(() => first.text.includes(needle));
    expect(await readUntil(": connected")).toBe(true);
    await tc.call(createApplication, { user: other.user, body: apply({ documentIds: other.documentIds }) });
    const mine = (await tc.call(createApplication, { user: me.user, body: apply({ documentIds: me.documentIds }) })).body;
    expect(await readUntil('"to":"checking"')).toBe(true);
    const text = first.text;
    expect(text).toContain(`"applicationId":"${mine.id}"`);
    expect(text).toContain("event: application.status_changed");
    expect(text).not.toContain(other.user.id);
    const otherApps = tc.db.read.all<any>("SELECT id FROM applications WHERE user_id = ?", other.user.id);
    expect(text).not.toContain(otherApps[0].id);
    // the loan's creation reaches the stream too
    tc.context().tx((t) => transitionApplication(t, { applicationId: mine.id, to: "approved", actor: "system:scoring", reason: "auto" }));
    expect((await tc.call(acceptOffer, { user: me.user, params: { id: mine.id } })).status).toBe(201);
    expect(await readUntil("event: loan.status_changed")).toBe(true);
    expect(await readUntil('"to":"disbursing","reason":"loan created; disbursement queued"')).toBe(true);
    ac.abort();
    expect(await waitUntil(() => first.done, 1000)).toBe(true);
    // resume with Last-Event-ID: everything after it is replayed
    const ac2 = new AbortController();
    const again = await tc.call(streamEvents, { user: me.user, signal: ac2.signal, headers: { "Last-Event-ID": "0.0" } });
    const second = collect(again.stream!);
    await waitUntil(() => second.text.includes("loan.status_changed"));
    ac2.abort();
    const replay = second.text;
    expect(replay).toContain('"to":"draft"');
    expect(replay).toContain('"to":"accepted"');
    expect(replay).toContain("event: loan.status_changed");
    expect(replay).not.toContain(otherApps[0].id);
  });
});
