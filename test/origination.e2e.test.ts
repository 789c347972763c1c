// Loan origination against the built binary: OTP sign-in → profile → documents → quote → apply (idempotent,
// concurrently) → checks → analyst decision → accept → loan; every refusal; IDOR across two borrowers; the SSE
// stream; products admin with the regulatory cap refusal. (A client generated from the OpenAPI document drives the
// whole journey in test/openapi-client.test.ts.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { pdfDocument } from "./kit/images.ts";
import { Journey, type Res } from "./kit/journey.ts";

const PASSWORD = "correct horse battery";

let srv: Running;
let j: Journey;

const call = (method: string, path: string, body?: unknown, opts: { token?: string; headers?: Record<string, string>; form?: FormData } = {}): Promise<Res> => j.call(method, path, body, opts);
const signIn = () => j.signIn();

async function staffLogin(email: string) {
  const r = await call("POST", "/api/v1/auth/login", { email, password: PASSWORD });
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

async function upload(token: string, kind: string, bytes: Uint8Array, name = `${kind}.bin`) {
  const form = new FormData();
  form.set("kind", kind);
  form.set("file", new File([bytes as BlobPart], name));
  return call("POST", "/api/v1/documents", undefined, { token, form });
}

/** A signed-in borrower with a profile and KTP + selfie uploaded. */
const readyBorrower = (o: { birthDate?: string; income?: number; bank?: string } = {}) => j.readyBorrower(o.income, { birthDate: o.birthDate, bank: o.bank });
const applyBody = (documentIds: string[], over: Record<string, unknown> = {}) => j.applyBody(documentIds, over);

async function settled(token: string, id: string, timeoutMs = 10_000): Promise<string> {
  return (await j.decided(token, id, timeoutMs)).status;
}

/** Apply and get the offer approved (by the checks, or by the analyst when they ask for review). */
async function approvedApplication(b: { token: string; documentIds: string[] }) {
  const created = await call("POST", "/api/v1/applications", applyBody(b.documentIds), { token: b.token });
  expect(created.status).toBe(201);
  if ((await settled(b.token, created.body.id)) === "manual_review") {
    expect((await call("POST", `/api/v1/admin/applications/${created.body.id}/decision`, { decision: "approve", note: "verified by phone" }, { token: analyst })).status).toBe(200);
  }
  return (await call("GET", `/api/v1/applications/${created.body.id}`, undefined, { token: b.token })).body;
}

let admin: string;
let analyst: string;

beforeAll(async () => {
  const depot = tempDepot("kreditku-origination-");
  for (const [email, role] of [
    ["admin@origination.test", "admin"],
    ["analyst@origination.test", "analyst"],
  ]) {
    const r = await runCli(["admin", "create", "--email", email, "--password", PASSWORD, "--role", role, "--depot", depot]);
    expect(r.code).toBe(0);
  }
  srv = await startBinary({ depot, env: { KREDITKU_TRUST_PROXY: "true" } });
  j = new Journey(srv.url, srv.depot, "55");
  admin = await staffLogin("admin@origination.test");
  analyst = await staffLogin("analyst@origination.test");
});
afterAll(() => srv?.cleanup());

describe("products on the binary", () => {
  test("admin CRUD; a product above the cap in force is refused with the cap, figure and effective date", async () => {
    const product = {
      code: "E2E-MONTHLY",
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
    };
    const borrower = await signIn();
    expect((await call("POST", "/api/v1/admin/products", product, { token: borrower.token })).status).toBe(403);
    expect((await call("POST", "/api/v1/admin/products", product)).status).toBe(401);
    const refused = await call("POST", "/api/v1/admin/products", { ...product, code: "E2E-PRICEY", interestMethod: "flat", interestRatePpm: 80_000 }, { token: admin });
    expect(refused.status).toBe(422);
    expect(refused.headers.get("content-type")).toStartWith("application/problem+json");
    expect(refused.body).toMatchObject({ type: "https://kreditku.dev/problems/regulatory-cap-exceeded", rule: "daily_cost", cap: 2000, effectiveFrom: "2025-01-01" });
    expect(refused.body.figure).toBeGreaterThan(2000);
    const created = await call("POST", "/api/v1/admin/products", product, { token: admin, headers: { "Idempotency-Key": "product-1" } });
    expect(created.status).toBe(201);
    const replay = await call("POST", "/api/v1/admin/products", product, { token: admin, headers: { "Idempotency-Key": "product-1" } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.id).toBe(created.body.id);
    const listed = await call("GET", "/api/v1/products", undefined, { token: borrower.token });
    expect(listed.body.items.map((p: any) => p.code)).toEqual(expect.arrayContaining(["E2E-MONTHLY", "KK-WEEKLY-50"]));
    const upd = await call("PUT", `/api/v1/admin/products/${created.body.id}`, { ...product, active: false }, { token: admin });
    expect(upd.body.active).toBe(false);
    expect((await call("GET", "/api/v1/products", undefined, { token: borrower.token })).body.items.map((p: any) => p.code)).not.toContain("E2E-MONTHLY");
    expect((await call("DELETE", `/api/v1/admin/products/${created.body.id}`, undefined, { token: admin })).status).toBe(204);
    expect((await call("GET", `/api/v1/admin/products/${created.body.id}`, undefined, { token: admin })).status).toBe(404);
    const bad = await call("POST", "/api/v1/admin/products", { ...product, code: "x y", maxTenor: 1 }, { token: admin });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(["code", "maxTenor"]);
  });
});

describe("the origination journey on the binary (each test with its own borrowers)", () => {
  test("sign in, profile with field errors, documents by magic bytes, quote", async () => {
    const a = await readyBorrower();
    const bad = await call("PUT", "/api/v1/me/profile", { ...j.profile(9999), nik: "123", emergencyContact: { name: "Budi", phone: "+6281234567890", relation: "sibling", consent: false } }, { token: a.token });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(["emergencyContact.consent", "nik"]);
    expect((await call("GET", "/api/v1/me/profile", undefined, { token: a.token })).body.fullName).toStartWith("Peminjam ");
    const gif = await upload(a.token, "payslip", new TextEncoder().encode(`GIF8-gif-${Math.random()}`), "payslip.pdf");
    expect(gif.status).toBe(415);
    const pdf = await upload(a.token, "payslip", pdfDocument(`pdf-${Math.random()}`));
    expect(pdf.body).toMatchObject({ kind: "payslip", contentType: "application/pdf" });
    expect(pdf.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const tooBig = new FormData();
    tooBig.set("kind", "ktp");
    tooBig.set("file", new File([new Uint8Array(10 * 1024 * 1024 + 10).fill(0xff)], "big.jpg"));
    const big = await call("POST", "/api/v1/documents", undefined, { token: a.token, form: tooBig });
    expect(big.status).toBe(413);
    expect(big.headers.get("content-type")).toStartWith("application/problem+json");
    const doc = await call("GET", `/api/v1/documents/${a.documentIds[0]}`, undefined, { token: a.token });
    expect(doc.body).toMatchObject({ id: a.documentIds[0], kind: "ktp", contentType: "image/jpeg" });
    expect(doc.body.downloadUrl).toBeUndefined();
    const q = await call("POST", "/api/v1/quotes", { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50 }, { token: a.token });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ installmentAmount: 110_000, totalRepaymentAmount: 5_500_000, dailyCostPpm: 286, termDays: 350 });
    expect(q.body.installments).toHaveLength(50);
    expect(q.body.installments.every((l: any) => l.principalAmount === 100_000 && l.interestAmount === 10_000)).toBe(true);
    expect((await call("GET", "/api/v1/applications", undefined, { token: a.token })).body.items).toEqual([]);
  });

  test("apply: the same Idempotency-Key twice concurrently and once more gives one application", async () => {
    const a = await readyBorrower();
    const events = await openStream(a.token);
    try {
      const body = applyBody(a.documentIds);
      const headers = { "Idempotency-Key": `apply-${a.userId}` };
      const [r1, r2] = await Promise.all([call("POST", "/api/v1/applications", body, { token: a.token, headers }), call("POST", "/api/v1/applications", body, { token: a.token, headers })]);
      const statuses = [r1.status, r2.status].sort();
      // the loser either waited for the stored answer (replayed 201) or was told the key is still running (409)
      expect(statuses[0]).toBe(201);
      expect([201, 409]).toContain(statuses[1]);
      const won = r1.status === 201 ? r1 : r2;
      const appA = won.body;
      expect(appA).toMatchObject({ status: "checking", principalAmount: 5_000_000, installmentAmount: 110_000 });
      const replay = await call("POST", "/api/v1/applications", body, { token: a.token, headers });
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body.id).toBe(appA.id);
      const other = await call("POST", "/api/v1/applications", { ...body, principalAmount: 4_000_000 }, { token: a.token, headers });
      expect(other.status).toBe(422);
      const list = await call("GET", "/api/v1/applications", undefined, { token: a.token });
      expect(list.body.items.map((x: any) => x.id)).toEqual([appA.id]);
      // an open application blocks another one
      const second = await call("POST", "/api/v1/applications", applyBody(a.documentIds), { token: a.token });
      expect(second.status).toBe(409);
      expect(second.body.applicationId).toBe(appA.id);
      // the checks decide; an analyst decides when they ask for review
      const status = await settled(a.token, appA.id);
      expect(["approved", "manual_review"]).toContain(status);
      if (status === "manual_review") {
        const d = await call("POST", `/api/v1/admin/applications/${appA.id}/decision`, { decision: "approve", note: "verified by phone" }, { token: analyst });
        expect(d.status).toBe(200);
      }
      expect((await call("GET", `/api/v1/applications/${appA.id}`, undefined, { token: a.token })).body.status).toBe("approved");
      // the stream saw it
      await events.waitFor('"to":"approved"');
      expect(events.text()).toContain(`"applicationId":"${appA.id}"`);
      expect(events.text()).toContain('"to":"checking"');
    } finally {
      events.close();
    }
  });

  test("accept the offer: the loan is created with its schedule; accepting again is 409", async () => {
    const a = await readyBorrower();
    const appA = await approvedApplication(a);
    expect(appA.status).toBe("approved");
    const acc = await call("POST", `/api/v1/applications/${appA.id}/accept`, undefined, { token: a.token, headers: { "Idempotency-Key": `accept-${appA.id}` } });
    expect(acc.status).toBe(201);
    const loanA = acc.body.loan;
    expect(["disbursing", "active"]).toContain(loanA.status);
    expect(loanA).toMatchObject({ principalAmount: 5_000_000, interestAmount: 500_000, outstandingAmount: 5_500_000, nextDueAmount: 110_000, dpd: 0 });
    expect(loanA.installments).toHaveLength(50);
    expect(loanA.installments[49]).toMatchObject({ principalDue: 100_000, interestDue: 10_000, status: "upcoming" });
    expect(acc.body.application.loanId).toBe(loanA.id);
    const again = await call("POST", `/api/v1/applications/${appA.id}/accept`, undefined, { token: a.token });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe("https://kreditku.dev/problems/illegal-transition");
    const loans = await call("GET", "/api/v1/loans", undefined, { token: a.token });
    expect(loans.body.items.map((l: any) => l.id)).toEqual([loanA.id]);
    const one = await call("GET", `/api/v1/loans/${loanA.id}`, undefined, { token: a.token });
    expect(one.body.installments).toHaveLength(50);
    const metrics = await (await fetch(srv.url + "/metrics")).text();
    expect(metrics).toMatch(/kreditku_applications\{status="(disbursing|active)"\} [1-9]/);
  });

  test("manual review by an analyst: shared bank account → manual_review → decision → accept", async () => {
    const b = await readyBorrower({ bank: "8123000999" });
    const b2 = await readyBorrower({ bank: "8123000999" });
    const first = await call("POST", "/api/v1/applications", applyBody(b.documentIds), { token: b.token });
    expect(first.status).toBe(201);
    await settled(b.token, first.body.id);
    const app = await call("POST", "/api/v1/applications", applyBody(b2.documentIds), { token: b2.token });
    expect(app.status).toBe(201);
    expect(await settled(b2.token, app.body.id)).toBe("manual_review");
    expect((await call("GET", "/api/v1/admin/applications?status=manual_review", undefined, { token: b2.token })).status).toBe(403);
    const queue = await call("GET", "/api/v1/admin/applications?status=manual_review&limit=100", undefined, { token: analyst });
    expect(queue.body.items.map((x: any) => x.id)).toContain(app.body.id);
    const detail = await call("GET", `/api/v1/admin/applications/${app.body.id}`, undefined, { token: analyst });
    expect(detail.status).toBe(200);
    expect(detail.body.documents).toHaveLength(2);
    expect(detail.body.documents[0].downloadUrl).toBeString();
    expect(detail.body.events.map((e: any) => e.to)).toEqual(["draft", "submitted", "checking", "manual_review"]);
    // analysts see the borrower's identifiers masked; admins in full
    expect(detail.body.profile.bankAccount.accountNumber).toBe("******0999");
    expect(detail.body.profile.nik).toMatch(/^\d{4}\*{8}\d{4}$/);
    expect(detail.body.profile.emergencyContact.phone).toMatch(/^\+62\d{3}\*+\d{3}$/);
    const full = await call("GET", `/api/v1/admin/applications/${app.body.id}`, undefined, { token: admin });
    expect(full.body.profile.bankAccount.accountNumber).toBe("8123000999");
    expect(full.body.profile.nik).toMatch(/^\d{16}$/);
    expect(detail.body.checks.map((c: any) => c.kind).sort()).toEqual(["fraud", "score"]);
    expect(detail.body.checks.find((c: any) => c.kind === "fraud")).toMatchObject({ outcome: "review" });
    expect(detail.body.checks.find((c: any) => c.kind === "fraud").detail.hits.length).toBeGreaterThan(0);
    const staffDoc = await call("GET", `/api/v1/documents/${b2.documentIds[0]}`, undefined, { token: analyst });
    expect(staffDoc.body.downloadUrl).toBeString();
    const bad = await call("POST", `/api/v1/admin/applications/${app.body.id}/decision`, { decision: "maybe", note: "x" }, { token: analyst });
    expect(bad.status).toBe(422);
    const d = await call("POST", `/api/v1/admin/applications/${app.body.id}/decision`, { decision: "approve", note: "bank account belongs to spouse", offer: { principalAmount: 3_000_000 } }, { token: analyst });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ status: "approved", offer: { principalAmount: 3_000_000, tenor: 50 } });
    expect((await call("POST", `/api/v1/admin/applications/${app.body.id}/decision`, { decision: "reject", note: "changed my mind" }, { token: analyst })).status).toBe(409);
    const acc = await call("POST", `/api/v1/applications/${app.body.id}/accept`, undefined, { token: b2.token });
    expect(acc.status).toBe(201);
    expect(acc.body.loan).toMatchObject({ principalAmount: 3_000_000, interestAmount: 300_000 });
    const trail = (await call("GET", `/api/v1/admin/applications/${app.body.id}`, undefined, { token: analyst })).body.events;
    expect(trail.find((e: any) => e.to === "approved")).toMatchObject({ reason: "bank account belongs to spouse" });
  });

  test("IDOR: another borrower gets 404 for my application, loan and documents", async () => {
    const a = await readyBorrower();
    const appA = await approvedApplication(a);
    const accepted = await call("POST", `/api/v1/applications/${appA.id}/accept`, undefined, { token: a.token });
    expect(accepted.status).toBe(201);
    const loanA = accepted.body.loan;
    const mallory = await readyBorrower();
    for (const path of [`/api/v1/applications/${appA.id}`, `/api/v1/loans/${loanA.id}`, `/api/v1/documents/${a.documentIds[0]}`]) {
      const r = await call("GET", path, undefined, { token: mallory.token });
      expect(r.status).toBe(404);
      expect(r.headers.get("content-type")).toStartWith("application/problem+json");
    }
    expect((await call("POST", `/api/v1/applications/${appA.id}/cancel`, {}, { token: mallory.token })).status).toBe(404);
    expect((await call("POST", `/api/v1/applications/${appA.id}/accept`, undefined, { token: mallory.token })).status).toBe(404);
    const theirLoans = await call("GET", "/api/v1/loans", undefined, { token: mallory.token });
    expect(theirLoans.body.items.map((l: any) => l.id)).not.toContain(loanA.id);
    const theirApps = await call("GET", "/api/v1/applications", undefined, { token: mallory.token });
    expect(theirApps.body.items.map((x: any) => x.id)).not.toContain(appA.id);
    // documents of another borrower cannot be attached
    const steal = await call("POST", "/api/v1/applications", applyBody([a.documentIds[0]]), { token: mallory.token });
    expect(steal.status).toBe(422);
  });

  test("refusals with reasons: under 18, instalment above the income ratio, no profile; cancel", async () => {
    const young = await readyBorrower({ birthDate: "2010-01-01" });
    const r1 = await call("POST", "/api/v1/applications", applyBody(young.documentIds), { token: young.token });
    expect(r1.status).toBe(422);
    expect(r1.body.type).toBe("https://kreditku.dev/problems/application-refused");
    expect(r1.body.reasons.map((r: any) => r.code)).toEqual(["under_age"]);
    const poor = await readyBorrower({ income: 1_000_000 });
    const r2 = await call("POST", "/api/v1/applications", applyBody(poor.documentIds), { token: poor.token });
    expect(r2.status).toBe(422);
    expect(r2.body.reasons[0]).toMatchObject({ code: "income_ratio_exceeded", monthlyEquivalentAmount: 471_429, monthlyIncomeAmount: 1_000_000 });
    const none = await signIn();
    const r3 = await call("POST", "/api/v1/applications", applyBody([]), { token: none.token });
    expect(r3.body.reasons.map((r: any) => r.code)).toEqual(["profile_missing", "documents_missing"]);
    const range = await call("POST", "/api/v1/applications", applyBody(poor.documentIds, { principalAmount: 100, tenor: 99 }), { token: poor.token });
    expect(range.status).toBe(422);
    expect(range.body.errors.map((e: any) => e.path)).toEqual(["principalAmount", "tenor"]);
    // a smaller loan fits the income: apply, then cancel
    const ok = await call("POST", "/api/v1/applications", applyBody(poor.documentIds, { principalAmount: 1_000_000 }), { token: poor.token });
    expect(ok.status).toBe(201);
    const c = await call("POST", `/api/v1/applications/${ok.body.id}/cancel`, { reason: "not now" }, { token: poor.token });
    if (c.status === 200) expect(c.body.status).toBe("cancelled");
    else expect(c.status).toBe(409); // the checks may have decided it already (e.g. rejected)
    expect((await call("POST", "/api/v1/applications", { productId: 5 }, { token: poor.token })).status).toBe(422);
    const malformed = await fetch(srv.url + "/api/v1/applications", { method: "POST", headers: { Authorization: `Bearer ${poor.token}`, "Content-Type": "application/json" }, body: "{" });
    expect(malformed.status).toBe(400);
  });
});

/** Open the SSE stream and collect its text. */
async function openStream(token: string) {
  const ac = new AbortController();
  const r = await fetch(srv.url + "/api/v1/events", { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" }, signal: ac.signal });
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toStartWith("text/event-stream");
  let buf = "";
  const reader = r.body!.getReader();
  const dec = new TextDecoder();
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
      }
    } catch {
      /* aborted */
    }
  })();
  // wait for the connect comment so events after this point are seen
  const deadline = Date.now() + 3000;
  while (!buf.includes(": connected") && Date.now() < deadline) await Bun.sleep(20);
  return {
    text: () => buf,
    async waitFor(needle: string, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (!buf.includes(needle) && Date.now() < end) await Bun.sleep(25);
      expect(buf).toContain(needle);
    },
    close() {
      ac.abort();
      void pump;
    },
  };
}
