// A client generated from the served OpenAPI document drives the whole borrower journey: openapi-typescript's
// `paths` and `webhooks` (clients/typescript/api.d.ts, checked here to be what the document generates) type every
// request and response of the repo's client package (clients/typescript: openapi-fetch) — no hand-written types — against an in-process app running its
// job runner and the in-process sandbox gateway. OTP sign-in (the code from the SMS log), products, a quote, the KYC
// profile, two document uploads (multipart), the application (Idempotency-Key), the automatic decision, acceptance,
// the loan once the sandbox has disbursed it, a signed Standard Webhooks payment, and the loan after it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Middleware } from "openapi-fetch";
import { createKreditkuClient, type webhooks } from "../clients/typescript/index.ts";
import { API_TYPES_PATH, apiTypes } from "./generated/api-types.ts";
import { testApp, type TestApp } from "./kit/app.ts";
import { lastOtp } from "./kit/otp.ts";
import { documentFor } from "./kit/images.ts";
import { freshIp } from "./kit/ip.ts";
import { makeNik } from "../extensions/fraud/nik.ts";
import { signedWebhook } from "../extensions/payments/sandbox.ts";

type PaymentEvent = webhooks["payment.standard"]["post"]["requestBody"]["content"]["application/json"];
type Receipt = webhooks["payment.standard"]["post"]["responses"][200]["content"]["application/json"];

let t: TestApp;
beforeAll(async () => {
  t = testApp({ clock: "system" });
  await t.start();
});
afterAll(() => t?.close());

/** The client package over the in-process app, from one client IP, signed in with `token` when given. */
function client(token?: string) {
  const ip = freshIp();
  const api = createKreditkuClient("http://kreditku.test", token, { fetch: async (req: Request) => t.app.fetch(req) });
  const fromIp: Middleware = {
    onRequest({ request }) {
      request.headers.set("X-Forwarded-For", ip);
      return request;
    },
  };
  api.use(fromIp);
  return api;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe("a client generated from the OpenAPI document", () => {
  test("clients/typescript/api.d.ts is what the served document generates", async () => {
    const doc = (await t.call("GET", "/api/openapi.json")).body;
    const generated = await apiTypes(doc);
    if (generated !== readFileSync(API_TYPES_PATH, "utf8")) {
      throw new Error(`${API_TYPES_PATH} is out of date with the served document: run \`node_modules/.bin/bun run test/generated/api-types.ts\``);
    }
  });

  test("drives the borrower journey: sign-in, products, quote, profile, documents, application, decision, acceptance, loan, payment", async () => {
    const anonymous = client();
    const phone = "081299887766";

    // OTP sign-in: the code is read from the SMS log
    const challenge = await anonymous.POST("/api/v1/auth/otp/request", { body: { phone } });
    expect(challenge.response.status).toBe(202);
    const signedIn = await anonymous.POST("/api/v1/auth/otp/verify", { body: { challengeId: challenge.data!.challengeId, code: lastOtp(t.depot, phone) } });
    expect(signedIn.response.status).toBe(200);
    const tokens = signedIn.data!;
    expect(tokens.user.role).toBe("borrower");
    const api = client(tokens.accessToken);
    const me = await api.GET("/api/v1/auth/me");
    expect(me.data?.phone).toBe("+6281299887766");

    // products and a quote
    const products = await api.GET("/api/v1/products");
    const product = products.data!.items.find((p) => p.id === "prod_reference_weekly")!;
    expect(product.tenorUnit).toBe("weeks");
    const quote = await api.POST("/api/v1/quotes", { body: { productId: product.id, principalAmount: 5_000_000, tenor: 50 } });
    expect(quote.data?.installmentAmount).toBe(110_000);

    // the KYC profile and two documents
    const birthDate = "1990-05-15";
    const profile = await api.PUT("/api/v1/me/profile", {
      body: {
        nik: makeNik({ birthDate, sex: "F", province: "31", regency: "71", district: "01", sequence: "4242" }),
        fullName: "Siti Rahayu",
        birthDate,
        sex: "F",
        address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
        employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
        monthlyIncomeAmount: 8_000_000,
        bankAccount: { bankCode: "BCA", accountNumber: "7712345678", accountName: "SITI RAHAYU" },
        emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
      },
    });
    expect(profile.response.status).toBe(200);
    const documentIds: string[] = [];
    for (const kind of ["ktp", "selfie"] as const) {
      const doc = documentFor(kind, `client-${kind}`);
      const uploaded = await api.POST("/api/v1/documents", {
        body: { kind, file: new File([doc.bytes as BlobPart], doc.name, { type: doc.type }) },
        bodySerializer: (body) => {
          const form = new FormData();
          for (const [k, v] of Object.entries(body)) form.set(k, v as string | Blob);
          return form;
        },
      });
      expect(uploaded.response.status).toBe(201);
      expect(uploaded.data!.kind).toBe(kind);
      documentIds.push(uploaded.data!.id);
    }

    // apply (idempotently: the same key replays the same application) and wait for the decision
    const apply = () =>
      api.POST("/api/v1/applications", {
        params: { header: { "Idempotency-Key": `client-journey-${tokens.user.id}` } },
        body: { productId: product.id, principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha warung", documentIds, device: { id: "android-client-journey", platform: "android" } },
      });
    const applied = await apply();
    expect(applied.response.status).toBe(201);
    const replayed = await apply();
    expect(replayed.response.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.data!.id).toBe(applied.data!.id);
    const applicationId = applied.data!.id;
    let decided = await until("the decision", async () => {
      const a = (await api.GET("/api/v1/applications/{id}", { params: { path: { id: applicationId } } })).data!;
      return ["draft", "submitted", "checking"].includes(a.status) ? null : a;
    });
    if (decided.status === "manual_review") {
      const analyst = t.staff("analyst");
      const staffApi = client(await t.token(analyst));
      const decision = await staffApi.POST("/api/v1/admin/applications/{id}/decision", { params: { path: { id: applicationId } }, body: { decision: "approve", note: "verified by phone" } });
      expect(decision.response.status).toBe(200);
      decided = (await api.GET("/api/v1/applications/{id}", { params: { path: { id: applicationId } } })).data!;
    }
    expect(decided.status).toBe("approved");

    // accept the offer: a loan, disbursed by the sandbox gateway
    const accepted = await api.POST("/api/v1/applications/{id}/accept", { params: { path: { id: applicationId }, header: { "Idempotency-Key": `accept-${applicationId}` } } });
    expect(accepted.response.status).toBe(201);
    const loanId = accepted.data!.loan.id;
    expect(accepted.data!.loan.installments).toHaveLength(50);
    const active = await until("the disbursement", async () => {
      const l = (await api.GET("/api/v1/loans/{id}", { params: { path: { id: loanId } } })).data!;
      return l.status === "active" ? l : null;
    });
    expect(active.outstandingAmount).toBe(5_500_000);
    const listed = await api.GET("/api/v1/loans", { params: { query: { limit: 5 } } });
    expect(listed.data!.items.map((l) => l.id)).toEqual([loanId]);

    // the gateway confirms a repayment of one instalment (a signed Standard Webhooks delivery)
    const va = await until("the virtual account", async () => t.db.read.get<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ?", loanId)?.va_number);
    const paidAt = new Date().toISOString();
    const event: PaymentEvent = { type: "payment.succeeded", timestamp: paidAt, data: { payment_id: `pay-client-${loanId}`, va_number: va, amount: 110_000, currency: "IDR", paid_at: paidAt } };
    const secret = readFileSync(join(t.depot, "secrets", "webhook-standard"), "utf8").trim();
    const delivery = signedWebhook("standard", secret, "payment", event);
    const res = await t.app.request(delivery.path, { method: "POST", headers: delivery.headers, body: delivery.body });
    expect(res.status).toBe(200);
    const receipt = (await res.json()) as Receipt;
    expect(receipt).toMatchObject({ received: true, status: "applied" });

    const after = (await api.GET("/api/v1/loans/{id}", { params: { path: { id: loanId } } })).data!;
    expect(after.outstandingAmount).toBe(5_500_000 - 110_000);
    expect(after.installments[0].status).toBe("paid");
    const missing = await api.GET("/api/v1/loans/{id}", { params: { path: { id: "no-such-loan" } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.type).toBe("https://kreditku.dev/problems/not-found");
  }, 60_000);
});
