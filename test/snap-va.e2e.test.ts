// The built binary in production mode with payouts through Xendit (the fake Xendit API) and repayment VAs numbered by
// the server as SNAP BI direct VAs (KREDITKU_VA_ISSUER=snap): it starts without any sandbox; the reference loan
// (5,000,000 at 10 % flat, 50 weekly × 110,000) is disbursed via Xendit and repaid through the fake bank's SNAP
// inquiry and payment calls to paid off; `kreditku ledger check` clean. Without the SNAP keys `serve` refuses to start
// in one line.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { removeDepot, runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { startXenditFake } from "./kit/fakes/xendit.ts";
import { FakeSnapBank } from "./kit/fakes/snap-bank.ts";
import { seedLoan } from "./kit/accepted-loan.ts";
import { waitFor } from "./kit/wait.ts";
import { productionDepot } from "./kit/production-depot.ts";

const SECRET_KEY = "xnd_production_" + "v".repeat(40);
const TOKEN = "xendit-callback-token-" + "s".repeat(20);
const root = tempDepot("kreditku-snapva-");
const depot = join(root, "depot");
const fake = startXenditFake({ secretKey: SECRET_KEY, callbackToken: TOKEN, payoutDelayMs: 50 });
let srv: Running | null = null;
afterAll(async () => {
  await fake.stop();
  srv?.cleanup();
  removeDepot(root);
});

const ENV = {
  KREDITKU_ENV: "production",
  KREDITKU_GATEWAY: "xendit",
  KREDITKU_XENDIT_URL: fake.url,
  KREDITKU_WEBHOOK_SECRET_XENDIT: TOKEN,
  KREDITKU_VA_ISSUER: "snap",
  KREDITKU_SNAP_PARTNER_SERVICE_ID: "77001",
  KREDITKU_SNAP_VA_BANK: "BNI",
  KREDITKU_SMS_ADAPTER: "twilio",
  KREDITKU_TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
  KREDITKU_TWILIO_FROM: "+15005550006",
  KREDITKU_TWILIO_AUTH_TOKEN: "t".repeat(32),
};

test("production mode, Xendit payouts, SNAP direct VAs: refused without the SNAP keys; with them the reference loan from payout to paid off", async () => {
  await productionDepot(depot, { "xendit-secret-key": SECRET_KEY });

  // no SNAP keys yet: one line naming them
  const refused = await runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot], { ...ENV, KREDITKU_LOG_LEVEL: "warn" });
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("kreditku: refusing to start: KREDITKU_VA_ISSUER=snap but SNAP BI is not configured: set KREDITKU_SNAP_CLIENT_KEY");

  let base = "";
  const bank = new FakeSnapBank((p, init) => fetch(base + p, init));
  bank.credentials(depot);
  srv = await startBinary({ depot, env: ENV });
  base = srv.url;
  fake.opts.callbackBase = srv.url;
  const db = new Database(join(depot, "data/main.db"), { strict: false });
  db.exec("PRAGMA busy_timeout = 10000");
  const q = <T>(sql: string, ...p: any[]) => db.query(sql).get(...p) as T;
  try {
    const loan = seedLoan(db, { enqueueDisburse: true });
    await waitFor(() => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "active", 20_000, "loan active", 50);
    const va = await waitFor(() => q<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ? AND provider = 'snap'", loan.loanId)?.va_number, 20_000, "SNAP VA issued", 50);
    expect(va).toMatch(/^77001\d{12}$/);
    expect(q("SELECT bank_code, name FROM virtual_accounts WHERE loan_id = ?", loan.loanId)).toEqual({ bank_code: "BNI", name: "BUDI SANTOSO" });
    expect([...fake.payouts.values()].map((p) => [p.status, p.amount])).toEqual([["SUCCEEDED", 5_000_000]]);
    expect(fake.methods.size).toBe(0);
    bank.partnerServiceIdDigits = 5;
    expect(bank.vaFields(va)).toEqual({ partnerServiceId: "   77001", customerNo: va.slice(5), virtualAccountNo: "   77001" + va.slice(5) });
    for (let i = 0; i < 50; i++) {
      expect((await bank.token()).status).toBe(200);
      const inq = await bank.inquiry(va);
      expect(inq.body).toMatchObject({ responseCode: "2002400", virtualAccountData: { virtualAccountName: "BUDI SANTOSO", totalAmount: { value: "110000.00", currency: "IDR" } } });
      const paid = await bank.pay(va, 110_000);
      expect(paid.body).toMatchObject({ responseCode: "2002500", additionalInfo: { status: "applied" } });
    }
    expect(q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId).status).toBe("paid_off");
    expect(q("SELECT COUNT(*) AS n, SUM(amount) AS s FROM payments WHERE loan_id = ? AND status = 'applied'", loan.loanId)).toEqual({ n: 50, s: 5_500_000 });
    expect(await bank.inquiry(va)).toMatchObject({ status: 404, body: { responseCode: "4042414" } });
  } finally {
    db.close();
  }
  expect(await srv.stop()).toBe(0);
  const check = await runCli(["ledger", "check", "--depot", depot]);
  expect(check.code).toBe(0);
}, 120_000);
