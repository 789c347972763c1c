// A loan's whole life on the built binary with nothing configured but its depot: the borrower signs in, applies,
// is scored and approved automatically, accepts; the in-process sandbox gateway disburses; repayments arrive as
// signed Standard Webhooks on the loan's virtual account; the payoff quote closes the loan; the ledger proves
// every rupiah. This is the reference loan of DESIGN §4: 5,000,000 at 10 % flat over 50 weeks = 50 × 110,000.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { Journey } from "./kit/journey.ts";

const SECRET = "whsec_" + Buffer.from("lifecycle-secret-lifecycle-secret").toString("base64");
let srv: Running;
let j: Journey;

async function pay(vaNumber: string, amount: number, paymentId: string) {
  const body = JSON.stringify({ type: "payment.succeeded", timestamp: new Date().toISOString(), data: { payment_id: paymentId, va_number: vaNumber, amount, currency: "IDR", paid_at: new Date().toISOString() } });
  const id = `msg_${paymentId}`;
  const ts = new Date();
  const signature = new Webhook(SECRET).sign(id, ts, body);
  return fetch(`${srv.url}/webhooks/payments/standard`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(ts.getTime() / 1000)), "webhook-signature": signature },
    body,
  });
}

beforeAll(async () => {
  srv = await startBinary({ depot: tempDepot("kreditku-life-"), env: { KREDITKU_TRUST_PROXY: "true", KREDITKU_WEBHOOK_SECRET_STANDARD: SECRET } });
  j = new Journey(srv.url, srv.depot, "42");
});
afterAll(() => srv?.cleanup());

describe("the reference loan from sign-in to paid off", () => {
  test("apply → auto-approved → accept → disbursed → repaid → paid off, ledger balanced", async () => {
    const b = await j.readyBorrower(8_000_000);
    const quote = await j.call("POST", "/api/v1/quotes", { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50 }, { token: b.token });
    expect(quote.status).toBe(200);

    const applied = await j.call("POST", "/api/v1/applications", j.applyBody(b.documentIds), { token: b.token, headers: { "Idempotency-Key": "life-apply-1" } });
    expect(applied.status).toBe(201);
    const appId = applied.body.id;
    const decided = await j.until("a decision", async () => {
      const r = await j.call("GET", `/api/v1/applications/${appId}`, undefined, { token: b.token });
      return ["draft", "submitted", "checking"].includes(r.body.status) ? null : r.body;
    });
    expect(decided.status).toBe("approved");

    const accepted = await j.call("POST", `/api/v1/applications/${appId}/accept`, {}, { token: b.token });
    expect(accepted.status).toBe(201);
    const loanId = accepted.body.loanId ?? accepted.body.loan?.id;
    expect(loanId).toBeString();

    // the sandbox gateway disburses in-process and the success webhook activates the loan
    const active = await j.until("the loan active", async () => {
      const r = await j.call("GET", `/api/v1/loans/${loanId}`, undefined, { token: b.token });
      return r.body.status === "active" ? r.body : null;
    });
    expect(active.outstandingAmount).toBe(5_500_000);
    expect(active.installments ?? active.schedule).toHaveLength(50);

    const quote1 = await j.call("GET", `/api/v1/loans/${loanId}/payoff`, undefined, { token: b.token });
    expect(quote1.status).toBe(200);
    const va = quote1.body.virtualAccount.vaNumber as string;
    expect(va).toMatch(/^\d+$/);

    // the first instalment, delivered three times: one payment
    for (let i = 0; i < 3; i++) expect((await pay(va, 110_000, "life-pay-1")).status).toBe(200);
    const afterFirst = await j.call("GET", `/api/v1/loans/${loanId}`, undefined, { token: b.token });
    expect(afterFirst.body.outstandingAmount).toBe(5_390_000);

    // another borrower can neither see the loan nor its payoff quote
    const other = await j.signIn();
    expect((await j.call("GET", `/api/v1/loans/${loanId}`, undefined, { token: other.token })).status).toBe(404);
    expect((await j.call("GET", `/api/v1/loans/${loanId}/payoff`, undefined, { token: other.token })).status).toBe(404);

    // pay off the rest as quoted
    const payoff = await j.call("GET", `/api/v1/loans/${loanId}/payoff`, undefined, { token: b.token });
    expect(payoff.body.payoffAmount).toBe(5_390_000);
    expect((await pay(va, payoff.body.payoffAmount, "life-pay-2")).status).toBe(200);
    const closed = await j.call("GET", `/api/v1/loans/${loanId}`, undefined, { token: b.token });
    expect(closed.body.status).toBe("paid_off");
    expect(closed.body.outstandingAmount).toBe(0);

    // the application follows its loan, and the borrower may apply again
    const app = await j.call("GET", `/api/v1/applications/${appId}`, undefined, { token: b.token });
    expect(app.body.status).toBe("paid_off");

    // business gauges on /metrics
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toContain('kreditku_disbursed_amount{status="succeeded"} 5000000');
    expect(metrics).toMatch(/kreditku_loans\{[^}]*status="paid_off"[^}]*\} 1/);

    // every rupiah on the ledger: stop the server, then prove it offline
    expect(await srv.stop("SIGTERM")).toBe(0);
    const check = await runCli(["ledger", "check", "--depot", srv.depot, "--json"]);
    expect(check.code).toBe(0);
  });
});
