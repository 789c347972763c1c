// The whole path through the real app and the runtime's embedded job backend: a borrower applies (loans routes) →
// application.submitted → fraud-check + score-application (stateless context, results applied by the owner) →
// decide-application → approved | rejected | manual_review; admin blocklist and the explanation over HTTP.
import { beforeEach, describe, expect, test } from "bun:test";
import { waitFor } from "../../test/kit/wait.ts";
import { appPerTest, freshIp, type TestUser } from "../../test/kit/app.ts";
import { makeNik, type Sex } from "../fraud/nik.ts";
import { pngImage } from "../../test/kit/images.ts";

describe("submitted → checked → decided through the runtime", () => {
  // every test: a fresh depot with the job runner started (checks and decisions run as in `serve`)
  const t = appPerTest({ blobs: "memory" });
  let admin: TestUser;
  let analyst: TestUser;
  let seq = 0;
  beforeEach(async () => {
    await t.start();
    admin = t.staff("admin");
    analyst = t.staff("analyst");
  });

  const req = async (method: string, path: string, as: string | TestUser, body?: unknown) => {
    const r = await t.call(method, path, { ...(typeof as === "string" ? { token: as } : { as }), body, ip: freshIp() });
    return { status: r.status, body: r.body };
  };

  async function upload(token: string, kind: string, content: string) {
    const form = new FormData();
    form.set("kind", kind);
    form.set("file", new File([pngImage(content) as BlobPart], `${kind}.png`, { type: "image/png" }));
    const r = await t.request("/api/v1/documents", { method: "POST", headers: { Authorization: `Bearer ${token}`, "X-Forwarded-For": freshIp() }, body: form });
    expect(r.status).toBe(201);
    return ((await r.json()) as any).id as string;
  }

  /** Sign a borrower in, save a profile, upload KTP + selfie, apply; returns the application id. */
  async function apply(o: { birthDate?: string; sex?: Sex; nik?: string; income?: number; bank?: string; ktp?: string; device?: string; phone?: string } = {}) {
    const n = ++seq;
    const phone = o.phone ?? `08127000${String(1000 + n)}`;
    const token = (await t.signInBorrower(phone, freshIp())).accessToken as string;
    const birthDate = o.birthDate ?? "1990-05-15";
    const sex = o.sex ?? "F";
    const profile = await req("PUT", "/api/v1/me/profile", token, {
      nik: o.nik ?? makeNik({ birthDate, sex, province: "32", regency: "73", district: "01", sequence: String(n).padStart(4, "0") }),
      fullName: `Peminjam ${n}`,
      birthDate,
      sex,
      address: { line: "Jl. Asia Afrika 1", city: "Bandung", province: "Jawa Barat", postalCode: "40111" },
      employment: { status: "employed", employerName: "PT Maju" },
      monthlyIncomeAmount: o.income ?? 8_000_000,
      bankAccount: { bankCode: "BCA", accountNumber: o.bank ?? String(7_000_000_000 + n), accountName: `PEMINJAM ${n}` },
      emergencyContact: { name: "Budi", phone: "+6281299990000", relation: "sibling", consent: true },
    });
    expect(profile.status).toBe(200);
    const docs = [await upload(token, "ktp", o.ktp ?? `ktp-${n}`), await upload(token, "selfie", `selfie-${n}`)];
    const a = await req("POST", "/api/v1/applications", token, {
      productId: "prod_reference_weekly",
      principalAmount: 5_000_000,
      tenor: 50,
      purpose: "Modal usaha warung",
      documentIds: docs,
      device: { id: o.device ?? `android-${n}`, platform: "android" },
    });
    expect(a.status).toBe(201);
    return { id: a.body.id as string, token };
  }

  const decided = (id: string) =>
    waitFor(() => {
      const s = t.db.read.get<{ status: string }>("SELECT status FROM applications WHERE id = ?", id)?.status;
      return s && s !== "checking" && s !== "submitted" ? s : null;
    }, 8000, `decision of ${id}`);

  test("a clean applicant is approved automatically; the borrower sees status, offer and reasons", async () => {
    const { id, token } = await apply();
    expect(await decided(id)).toBe("approved");
    const d = await req("GET", `/api/v1/applications/${id}/decision`, token);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ applicationId: id, status: "approved", offer: { principalAmount: 5_000_000, tenor: 50, monthlyInstalmentAmount: 471_429, lowered: false } });
    expect(d.body.reasons.map((r: any) => r.code)).toEqual(["R03", "R06", "R01", "R09"]);
    expect(d.body.reasons[0]).toMatchObject({ id: expect.stringContaining("Masa kerja"), en: expect.stringContaining("short time") });
    const trail = t.db.read.all<any>("SELECT from_status, to_status, actor FROM application_events WHERE application_id = ? ORDER BY id", id);
    expect(trail.map((e) => `${e.from_status}→${e.to_status}`)).toEqual(["null→draft", "draft→submitted", "submitted→checking", "checking→approved"]);
    expect(trail.at(-1).actor).toBe("system:scoring");
    // another borrower cannot read it
    const stranger = (await t.signInBorrower("081279999999", freshIp())).accessToken;
    expect((await req("GET", `/api/v1/applications/${id}/decision`, stranger)).status).toBe(404);
  });

  test("the explanation lists every rule evaluated and every feature with its points (analyst/admin only)", async () => {
    const { id, token } = await apply();
    await decided(id);
    expect((await req("GET", `/api/v1/admin/applications/${id}/explanation`, token)).status).toBe(403);
    const e = await req("GET", `/api/v1/admin/applications/${id}/explanation`, analyst);
    expect(e.status).toBe(200);
    expect(e.body.fraud.outcome).toBe("clear");
    expect(e.body.fraud.rules).toHaveLength(17);
    expect(e.body.fraud.rules.every((r: any) => r.hit === false)).toBe(true);
    expect(e.body.score).toMatchObject({ modelVersion: "kreditku-retail-v1", score: 615, scaling: { baseScore: 600, baseOdds: 50, pdo: 20, basePoints: 420 } });
    expect(e.body.score.features.map((f: any) => [f.feature, f.points])).toEqual([
      ["monthly_income", 35],
      ["employment_type", 40],
      ["employment_tenure_months", 5],
      ["age_years", 30],
      ["instalment_to_income", 40],
      ["repayment_history", 20],
      ["document_completeness", 10],
      ["email_signal", 0],
      ["device_signal", 15],
    ]);
    expect(e.body.decision).toMatchObject({ outcome: "approved", offer: { principalAmount: 5_000_000 } });
    expect((await req("GET", `/api/v1/admin/applications/nope/explanation`, admin)).status).toBe(404);
    // the loans detail shows the checks next to the application
    const detail = await req("GET", `/api/v1/admin/applications/${id}`, analyst);
    expect(detail.body.checks.map((c: any) => c.kind).sort()).toEqual(["fraud", "score"]);
  });

  test("the same KTP (SHA-256) used by another borrower is a block hit: rejected", async () => {
    await apply({ ktp: "shared-ktp-bytes" });
    const { id, token } = await apply({ ktp: "shared-ktp-bytes" });
    expect(await decided(id)).toBe("rejected");
    const d = await req("GET", `/api/v1/applications/${id}/decision`, token);
    expect(d.body).toMatchObject({ status: "rejected", offer: null, reasons: [{ code: "P01" }] });
    const e = await req("GET", `/api/v1/admin/applications/${id}/explanation`, admin);
    expect(e.body.fraud.rules.filter((r: any) => r.hit).map((r: any) => r.ruleId)).toEqual(["document_reuse"]);
  });

  test("admins manage the blocklist; a blocked phone is rejected", async () => {
    expect((await req("POST", "/api/v1/admin/blocklist", analyst, { kind: "phone", value: "081270009999", reason: "mule account" })).status).toBe(403);
    expect((await req("POST", "/api/v1/admin/blocklist", admin, { kind: "nik", value: "123", reason: "typo" })).status).toBe(422);
    const add = await req("POST", "/api/v1/admin/blocklist", admin, { kind: "phone", value: "0812-7000-9999", reason: "mule account" });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ kind: "phone", value: "+6281270009999", reason: "mule account" });
    expect((await req("POST", "/api/v1/admin/blocklist", admin, { kind: "phone", value: "+6281270009999", reason: "again" })).status).toBe(409);
    const list = await req("GET", "/api/v1/admin/blocklist?kind=phone", admin);
    expect(list.body.items.map((i: any) => i.id)).toContain(add.body.id);

    const { id } = await apply({ phone: "081270009999" });
    expect(await decided(id)).toBe("rejected");
    const hits = t.db.read.all<any>("SELECT rule_id, evidence_json FROM fraud_hits WHERE application_id = ?", id);
    expect(hits.map((h) => h.rule_id)).toEqual(["blocklist_phone"]);
    expect(JSON.parse(hits[0].evidence_json)).toEqual({ entries: [{ id: add.body.id, reason: "mule account" }] });

    expect((await req("DELETE", `/api/v1/admin/blocklist/${add.body.id}`, admin)).status).toBe(204);
    expect((await req("DELETE", `/api/v1/admin/blocklist/${add.body.id}`, admin)).status).toBe(404);
  });

  test("a review hit (bank account shared with another borrower) goes to manual review with the offer", async () => {
    await apply({ bank: "8880001111" });
    const { id, token } = await apply({ bank: "8880001111" });
    expect(await decided(id)).toBe("manual_review");
    const d = await req("GET", `/api/v1/applications/${id}/decision`, token);
    expect(d.body.offer).toBeNull(); // the borrower sees an offer once approved
    expect(d.body.reasons[0].code).toBe("P05");
    const e = await req("GET", `/api/v1/admin/applications/${id}/explanation`, analyst);
    expect(e.body.fraud.outcome).toBe("review");
    expect(e.body.decision.offer).toMatchObject({ principalAmount: 5_000_000 });
  });

  test("fraud rules are data: an admin tightens a threshold", async () => {
    const rules = await req("GET", "/api/v1/admin/fraud-rules", analyst);
    expect(rules.body.items).toHaveLength(17);
    expect((await req("PATCH", "/api/v1/admin/fraud-rules/velocity_ip", analyst, { threshold: 0 })).status).toBe(403);
    expect((await req("PATCH", "/api/v1/admin/fraud-rules/nope", admin, { threshold: 0 })).status).toBe(404);
    expect((await req("PATCH", "/api/v1/admin/fraud-rules/velocity_ip", admin, { windowHours: null })).status).toBe(422);
    const p = await req("PATCH", "/api/v1/admin/fraud-rules/velocity_device", admin, { threshold: 0, severity: "block" });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id: "velocity_device", threshold: 0, severity: "block", windowHours: 168 });
    const { id } = await apply();
    expect(await decided(id)).toBe("rejected");
    expect(t.db.read.all<any>("SELECT rule_id FROM fraud_hits WHERE application_id = ?", id).map((h) => h.rule_id)).toEqual(["velocity_device"]);
    await req("PATCH", "/api/v1/admin/fraud-rules/velocity_device", admin, { threshold: 3, severity: "review" });
  });

  test("the stuck list and gauge", async () => {
    const r = await req("GET", "/api/v1/admin/risk/stuck-applications", analyst);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ stuckAfterMinutes: 30, items: [] });
    expect(await t.platform.metrics.text()).toContain("kreditku_applications_stuck 0");
  });
});
