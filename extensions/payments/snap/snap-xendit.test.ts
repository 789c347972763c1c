// A production-like lender: payouts through Xendit (official SDK against the fake Xendit API, test/kit/fakes/xendit.ts)
// and repayment VAs numbered here as SNAP BI direct VAs (KREDITKU_VA_ISSUER=snap), paid through the fake bank's SNAP
// inquiry and payment calls (test/kit/fakes/snap-bank.ts). The reference loan (5,000,000 at 10 % flat, 50 weekly ×
// 110,000) from the payout to paid off, ledger check clean; production preflight passes without any sandbox.
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testApp, type TestApp } from "../../../test/kit/app.ts";
import { seedLoan } from "../../../test/kit/accepted-loan.ts";
import { FakeSnapBank } from "../../../test/kit/fakes/snap-bank.ts";
import { startXenditFake, type XenditFake } from "../../../test/kit/fakes/xendit.ts";
import { jobContextOf } from "../../../src/runtime/context.ts";
import { disburseJob } from "../../../jobs/disburse.ts";
import { issueVirtualAccountJob } from "../../../jobs/issue-virtual-account.ts";
import { reconcilePaymentsJob } from "../../../jobs/reconcile-payments.ts";
import { checkLedger } from "../../ledger/ledger.ts";
import payments from "../index.ts";
import { GATEWAY_PORT } from "../gateway.ts";
import { XenditGateway } from "../xendit.ts";
import { validCustomerNo } from "./virtual-accounts.ts";

const SECRET_KEY = "xnd_production_" + "k".repeat(40);
const TOKEN = "xendit-callback-token-" + "c".repeat(20);

let open: { t: TestApp; fake: XenditFake; server: ReturnType<typeof Bun.serve> } | null = null;
afterEach(async () => {
  if (!open) return;
  await open.fake.stop();
  open.server.stop(true);
  await open.t.close();
  open = null;
});

function xenditSecrets(t: TestApp) {
  const dir = join(t.depot, "secrets");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, "xendit-secret-key"), SECRET_KEY + "\n", { mode: 0o600 });
  writeFileSync(join(dir, "webhook-xendit"), TOKEN + "\n", { mode: 0o600 });
}
const ctxOf = (t: TestApp) => jobContextOf(t.ctx, `job-${crypto.randomUUID()}`, 1, new AbortController().signal);
const loanStatus = (t: TestApp, id: string) => t.db.read.get<{ status: string }>("SELECT status FROM loans WHERE id = ?", id)!.status;

test("production mode, Xendit payouts and SNAP direct VAs: the reference loan disbursed, repaid through the bank's inquiry and payment, paid off", async () => {
  let app: TestApp | null = null;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => app!.request(new URL(req.url).pathname, { method: req.method, headers: req.headers, body: await req.text() }),
  });
  const fake = startXenditFake({ secretKey: SECRET_KEY, callbackToken: TOKEN, callbackBase: `http://127.0.0.1:${server.port}`, payoutDelayMs: 20 });
  const bank = new FakeSnapBank((p, i) => app!.request(p, i), () => app!.clock.now());
  const t = testApp({
    config: { env: "production" },
    env: {
      KREDITKU_GATEWAY: "xendit",
      KREDITKU_XENDIT_URL: fake.url,
      KREDITKU_VA_ISSUER: "snap",
      KREDITKU_SNAP_PARTNER_SERVICE_ID: "8808",
      KREDITKU_SNAP_VA_BANK: "BRI",
    },
  });
  app = t;
  open = { t, fake, server };
  // the operator's secrets in depot/secrets: Xendit's key and callback token, the SNAP agreement with the bank
  xenditSecrets(t);
  bank.credentials(t.depot);
  expect(t.ctx.config.env).toBe("production");
  // production preflight: Xendit for payouts, SNAP for VAs, no sandbox anywhere — nothing refused
  expect(payments.preflight!(t.ctx)).toEqual([]);
  expect(t.ctx.port<XenditGateway>(GATEWAY_PORT)).toBeInstanceOf(XenditGateway);

  const loan = t.db.tx((c) => seedLoan(c, { startDate: t.clock.now().toISOString().slice(0, 10) }));
  await disburseJob.handler({ loanId: loan.loanId }, ctxOf(t));
  const { vaNumber } = await issueVirtualAccountJob.handler({ loanId: loan.loanId }, ctxOf(t));
  await fake.settle();
  // the payout went through Xendit; the VA was numbered here, Xendit was asked for none
  const [po] = [...fake.payouts.values()];
  expect(po).toMatchObject({ status: "SUCCEEDED", amount: 5_000_000, channel_code: "ID_BCA" });
  expect(loanStatus(t, loan.loanId)).toBe("active");
  expect(fake.methods.size).toBe(0);
  const va = vaNumber!;
  expect(va).toHaveLength(16);
  expect(va.startsWith("8808") && validCustomerNo(va.slice(4))).toBe(true);
  expect(t.db.read.get("SELECT provider, bank_code, name FROM virtual_accounts WHERE loan_id = ?", loan.loanId)).toEqual({ provider: "snap", bank_code: "BRI", name: "BUDI SANTOSO" });
  expect((await issueVirtualAccountJob.handler({ loanId: loan.loanId }, ctxOf(t))).vaNumber).toBe(va);

  // 50 weeks: the bank asks what the VA owes, the borrower pays it, the bank reports the payment
  for (let week = 1; week <= 50; week++) {
    t.clock.advance(7 * 86_400_000);
    expect((await bank.token()).status).toBe(200);
    const q = await bank.inquiry(va);
    expect(q.body).toMatchObject({ responseCode: "2002400", virtualAccountData: { virtualAccountNo: "    8808" + va.slice(4), virtualAccountName: "BUDI SANTOSO", totalAmount: { value: "110000.00", currency: "IDR" } } });
    const p = await bank.pay(va, 110_000);
    expect(p.body).toMatchObject({ responseCode: "2002500", additionalInfo: { status: "applied" } });
  }
  expect(loanStatus(t, loan.loanId)).toBe("paid_off");
  expect(t.db.read.get("SELECT COUNT(*) AS n, SUM(amount) AS s FROM payments WHERE loan_id = ? AND status = 'applied'", loan.loanId)).toEqual({ n: 50, s: 5_500_000 });
  expect(await bank.inquiry(va)).toMatchObject({ status: 404, body: { responseCode: "4042414" } });
  // the gateway's reconciliation (Xendit's VA payments) finds nothing of these and moves nothing
  expect(await reconcilePaymentsJob.handler({}, ctxOf(t))).toMatchObject({ applied: 0, needsAttention: 0 });
  expect(checkLedger(t.db.read).discrepancies).toEqual([]);
}, 60_000);

test("production mode with KREDITKU_VA_ISSUER=snap and no SNAP credentials is refused at start in one line", async () => {
  const t = testApp({ config: { env: "production" }, env: { KREDITKU_GATEWAY: "xendit", KREDITKU_VA_ISSUER: "snap", KREDITKU_SNAP_PARTNER_SERVICE_ID: "8808", KREDITKU_SNAP_VA_BANK: "BRI" } });
  try {
    xenditSecrets(t);
    expect(payments.preflight!(t.ctx)).toEqual([expect.stringContaining("KREDITKU_VA_ISSUER=snap but SNAP BI is not configured")]);
  } finally {
    await t.close();
  }
});
