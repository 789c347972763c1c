// The built binary in production mode on the xendit gateway against the fake Xendit API: the reference loan
// (5,000,000 at 10 % flat, 50 weekly × 110,000) from acceptance through the payout callback, 50 VA payments by
// callback and one whose callback was lost (reconciled), to paid off; `kreditku ledger check` clean.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { removeDepot, runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { startXenditFake } from "./kit/fakes/xendit.ts";
import { seedLoan } from "./kit/accepted-loan.ts";
import { waitFor } from "./kit/wait.ts";
import { productionDepot } from "./kit/production-depot.ts";

const SECRET_KEY = "xnd_production_" + "p".repeat(40);
const TOKEN = "xendit-callback-token-" + "c".repeat(20);
const depot = join(tempDepot("kreditku-xendit-"), "depot");
const fake = startXenditFake({ secretKey: SECRET_KEY, callbackToken: TOKEN, payoutDelayMs: 50 });
let srv: Running | null = null;
afterAll(async () => {
  await fake.stop();
  srv?.cleanup();
  removeDepot(depot);
});

test("production mode, xendit gateway: the reference loan from acceptance to paid off", async () => {
  // the operator's secrets: a migrated depot with a signing key and the symmetric keys, the Xendit key in a file
  await productionDepot(depot, { "xendit-secret-key": SECRET_KEY });
  srv = await startBinary({
    depot,
    env: {
      KREDITKU_ENV: "production",
      KREDITKU_GATEWAY: "xendit",
      KREDITKU_XENDIT_URL: fake.url,
      KREDITKU_WEBHOOK_SECRET_XENDIT: TOKEN,
      KREDITKU_SMS_ADAPTER: "twilio",
      KREDITKU_TWILIO_ACCOUNT_SID: `AC${"0".repeat(32)}`,
      KREDITKU_TWILIO_FROM: "+15005550006",
      KREDITKU_TWILIO_AUTH_TOKEN: "t".repeat(32),
    },
  });
  fake.opts.callbackBase = srv.url;
  const db = new Database(join(depot, "data/main.db"), { strict: false });
  db.exec("PRAGMA busy_timeout = 10000");
  const q = <T>(sql: string, ...p: any[]) => db.query(sql).get(...p) as T;
  try {
    const loan = seedLoan(db, { enqueueDisburse: true });
    await waitFor(() => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "active", 20_000, "loan active", 50);
    const va = await waitFor(() => q<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ? AND provider = 'xendit'", loan.loanId)?.va_number, 20_000, "VA issued", 50);
    const [po] = [...fake.payouts.values()];
    expect(po).toMatchObject({ status: "SUCCEEDED", amount: 5_000_000, channel_code: "ID_BCA" });
    expect(po.idempotency_key).toBe(po.reference_id);
    for (let i = 0; i < 49; i++) await fake.pay(va, 110_000);
    expect(fake.callbacks.filter((c) => c.event === "payment.succeeded" && c.status === 200).length).toBe(49);
    // the last payment's callback is lost: the gateway's list of the VA's payments brings it in
    fake.drop.payment = true;
    await fake.pay(va, 110_000);
    expect(q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId).status).toBe("active");
    // reconcile-payments runs every ten minutes; here its outbox row is written now (as its schedule would)
    const now = Date.now();
    db.query("INSERT INTO outbox (key, kind, name, queue, payload, max_attempts, run_at, created_at, updated_at) VALUES (?, 'job', 'reconcile-payments', 'owner', '{}', 3, ?, ?, ?)").run("reconcile-payments:e2e", now, now, now);
    await waitFor(() => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "paid_off", 20_000, "loan paid off", 100);
    expect(q<{ n: number; s: number }>("SELECT COUNT(*) AS n, SUM(amount) AS s FROM payments WHERE loan_id = ? AND status = 'applied'", loan.loanId)).toEqual({ n: 50, s: 5_500_000 });
  } finally {
    db.close();
  }
  expect(await srv.stop()).toBe(0);
  const check = await runCli(["ledger", "check", "--depot", depot]);
  expect(check.code).toBe(0);
}, 120_000);
