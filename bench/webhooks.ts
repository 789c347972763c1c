// bench/webhooks: verified + applied payment webhooks per second (Standard Webhooks signature check, event
// record, allocation over the schedule, ledger journal — one SQLite transaction each) on the built binary, against
// a bare Bun.serve floor answering the same signed requests, measured in one run with the same load generator.
// Bounded: ~4 s per side plus setup.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { startBinary, tempDepot } from "../test/kit/binary.ts";
import { fmt, load, type LoadResult } from "./load.ts";
import { startFloor } from "./http-floor.ts";
import { startGatewaySimulator } from "../scripts/simulate-gateway.ts";
import { seedLoan } from "../test/kit/accepted-loan.ts";
import { paymentPayload, signedWebhook } from "../extensions/payments/sandbox.ts";

const SECRET = "whsec_" + Buffer.from("bench-secret-bench-secret-bench!").toString("base64");

export async function run(opts: { durationMs?: number; loans?: number } = {}) {
  const durationMs = opts.durationMs ?? Number(process.env.BENCH_DURATION_MS ?? 4000);
  const nLoans = opts.loans ?? 100;
  const sim = startGatewaySimulator({ secret: SECRET, disbursementDelayMs: 10 });
  const floor = await startFloor();
  const srv = await startBinary({
    depot: join(tempDepot("kreditku-bench-wh-"), "depot"),
    env: { KREDITKU_GATEWAY: "http", KREDITKU_GATEWAY_URL: sim.url, KREDITKU_WEBHOOK_SECRET_STANDARD: SECRET, KREDITKU_LOG_LEVEL: "info" },
  });
  sim.gateway.callbackBase = srv.url;
  const db = new Database(join(srv.depot, "data/main.db"));
  db.exec("PRAGMA busy_timeout = 10000");
  try {
    db.transaction(() => {
      for (let i = 0; i < nLoans; i++) seedLoan(db, { enqueueDisburse: true });
    })();
    const deadline = Date.now() + 30_000;
    let vas: string[] = [];
    while (Date.now() < deadline) {
      vas = (db.query("SELECT v.va_number AS va FROM virtual_accounts v JOIN loans l ON l.id = v.loan_id WHERE l.status = 'active'").all() as { va: string }[]).map((r) => r.va);
      if (vas.length === nLoans) break;
      await Bun.sleep(100);
    }
    if (vas.length !== nLoans) throw new Error(`only ${vas.length}/${nLoans} loans became active`);
    let seq = 0;
    const request = (base: string) => () => {
      const n = seq++;
      const p = paymentPayload("standard", { paymentId: `bench-${n}`, vaNumber: vas[n % vas.length], amount: 1_000, currency: "IDR", paidAt: new Date().toISOString() });
      const w = signedWebhook("standard", SECRET, "payment", p, { eventId: `msg_bench_${n}` });
      return new Request(base + w.path, { method: "POST", headers: w.headers, body: w.body });
    };
    const base: LoadResult = await load(request(floor.url), { durationMs, concurrency: 32 });
    seq = 0;
    const full: LoadResult = await load(request(srv.url), { durationMs, concurrency: 32 });
    const applied = (db.query("SELECT COUNT(*) AS n FROM payments WHERE status = 'applied'").get() as { n: number }).n;
    const result = { bench: "webhooks", floor: base, kreditku: full, applied, rpsRatio: full.rps / base.rps, p99Ratio: full.p99ms / base.p99ms };
    console.log(`webhooks  floor (bare Bun.serve):              ${fmt(base)}`);
    console.log(`webhooks  kreditku verified+applied payments: ${fmt(full)} (${applied} payments applied)`);
    console.log(`webhooks  ratio: ${(result.rpsRatio * 100).toFixed(1)} % of floor throughput, p99 ×${result.p99Ratio.toFixed(2)}`);
    return result;
  } finally {
    db.close();
    floor.stop();
    sim.stop();
    await srv.stop();
    srv.cleanup();
  }
}

if (import.meta.main) await run();
