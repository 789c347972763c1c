// bench/webhooks: verified + applied payment webhooks per second (Standard Webhooks signature check, event
// record, allocation over the schedule, ledger journal — one SQLite transaction per moment's deliveries, group commit)
// on the built binary, against a floor (bare Bun.serve + bun:sqlite, WAL/synchronous=NORMAL) that verifies the same
// signed requests and writes the event, the payment and a balanced journal in one transaction each, measured in one
// run with the same load generator. The deliveries are signed before the clock starts, so the load generator spends its time
// sending, not signing (it shares the machine with the server). Bounded: ~4 s per side plus setup.
//
// `bun run bench/webhooks.ts --profile DIR`: seeds a depot with the built binary, then serves that depot from source
// under `bun --cpu-prof` (profile and its .md summary written to DIR at exit), loads it for BENCH_DURATION_MS and
// prints the figures and the profile's path (bench/PROFILE.md, webhooks).
//
// `bun run bench/webhooks.ts --effect [--statements]`: the effect alone, in process — processVerifiedEvent on a kit
// app (every extension, a migrated depot), BENCH_EFFECT_PAYMENTS payments (default 4,000) of 1,000 rupiah over 100
// active loans, in groups of 16 savepoints per transaction as the group commit runs them; prints the process CPU per
// payment (process.cpuUsage, the steadiest figure on a shared machine), the WAL pages written per payment and, with
// --statements, the statements per payment and the time per SQL text.
import { Database } from "bun:sqlite";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnUntilLog, startBinaryToFile, tempDepot } from "../test/kit/binary.ts";
import { fmt, load } from "./load.ts";
import { startFloor } from "./http-floor.ts";
import { startGatewaySimulator } from "../scripts/simulate-gateway.ts";
import { seedLoan } from "../test/kit/accepted-loan.ts";
import { paymentPayload, signedWebhook, type SignedWebhook } from "../extensions/payments/sandbox.ts";

const SECRET = "whsec_" + Buffer.from("bench-secret-bench-secret-bench!").toString("base64");
const ENV = { KREDITKU_GATEWAY: "http", KREDITKU_WEBHOOK_SECRET_STANDARD: SECRET, KREDITKU_LOG_LEVEL: "info" };

/** A depot with `nLoans` active loans (disbursed through the gateway simulator by the binary) and their VAs. */
async function seededServer(nLoans: number) {
  const sim = startGatewaySimulator({ secret: SECRET, disbursementDelayMs: 10 });
  // log lines to a file: every line is still written, but no reader here takes CPU from the shared cores
  const srv = await startBinaryToFile({ depot: join(tempDepot("kreditku-bench-wh-"), "depot"), env: { ...ENV, KREDITKU_GATEWAY_URL: sim.url } });
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
    return { srv, sim, db, vas };
  } catch (e) {
    db.close();
    sim.stop();
    await srv.stop();
    srv.cleanup();
    throw e;
  }
}

/** Signed payment deliveries of 1,000 rupiah spread over the VAs, made ahead of the measurement. */
function signedDeliveries(vas: string[], count: number, prefix: string): SignedWebhook[] {
  const now = new Date();
  return Array.from({ length: count }, (_, n) => {
    const p = paymentPayload("standard", { paymentId: `${prefix}-${n}`, vaNumber: vas[n % vas.length], amount: 1_000, currency: "IDR", paidAt: now.toISOString() });
    return signedWebhook("standard", SECRET, "payment", p, { eventId: `msg_${prefix}_${n}`, now });
  });
}

/** Request maker over the prepared deliveries (signing more on the fly if the run outlasts them). */
function requests(base: string, prepared: SignedWebhook[], vas: string[], prefix: string) {
  let seq = 0;
  return () => {
    const n = seq++;
    const w = prepared[n] ?? signedDeliveries([vas[n % vas.length]], 1, `${prefix}-extra-${n}`)[0];
    return new Request(base + w.path, { method: "POST", headers: w.headers, body: w.body });
  };
}

/** CPU time (user + system) a process used so far, µs (Linux /proc; null elsewhere). */
function cpuMicros(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1_000_000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** Load one server and measure the CPU its process spent per answered request (steady on a shared machine). */
async function measure(pid: number, make: () => Request, durationMs: number) {
  await load(make, { durationMs: 500, warmupMs: 0, concurrency: 32 }); // warm-up, not counted
  const before = cpuMicros(pid);
  const r = await load(make, { durationMs, warmupMs: 0, concurrency: 32 });
  const after = cpuMicros(pid);
  const cpuUsPerRequest = before === null || after === null || r.requests === 0 ? null : (after - before) / r.requests;
  return { ...r, cpuUsPerRequest };
}
const cpu = (r: { cpuUsPerRequest: number | null }) => (r.cpuUsPerRequest === null ? "" : `, ${Math.round(r.cpuUsPerRequest)} µs server CPU per request`);

/** Mean deliveries per shared transaction, from the server's db_group_commit_size histogram. */
async function meanBatch(url: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = Number(/^db_group_commit_size_sum(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
  const count = Number(/^db_group_commit_size_count(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1]);
  return count > 0 ? sum / count : null;
}

export async function run(opts: { durationMs?: number; loans?: number } = {}) {
  const durationMs = opts.durationMs ?? Number(process.env.BENCH_DURATION_MS ?? 4000);
  const nLoans = opts.loans ?? 100;
  const { srv, sim, db, vas } = await seededServer(nLoans);
  // the floor verifies the same signatures and writes event + payment + balanced journal in one WAL transaction
  const floor = await startFloor({ depot: srv.depot, webhookSecret: SECRET });
  try {
    // enough for 20k deliveries/s over the warm-up and the run
    const prepared = signedDeliveries(vas, Math.ceil(((durationMs + 500) / 1000) * 20_000), "bench");
    const base = await measure(floor.pid, requests(floor.url, prepared, vas, "floor"), durationMs);
    const full = await measure(srv.proc.pid, requests(srv.url, prepared, vas, "bench"), durationMs);
    const applied = (db.query("SELECT COUNT(*) AS n FROM payments WHERE status = 'applied'").get() as { n: number }).n;
    const batch = await meanBatch(srv.url);
    const result = { bench: "webhooks", floor: base, kreditku: full, applied, meanBatch: batch, rpsRatio: full.rps / base.rps, p99Ratio: full.p99ms / base.p99ms };
    console.log(`webhooks  floor (Bun.serve + verify + one write tx): ${fmt(base)}${cpu(base)}`);
    console.log(`webhooks  kreditku verified+applied payments: ${fmt(full)}${cpu(full)} (${applied} payments applied${batch === null ? "" : `, ${batch.toFixed(1)} deliveries per transaction on average`})`);
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

/** --profile DIR: the binary seeds the depot, then the same depot is served from source under the CPU profiler. */
async function profile(dir: string) {
  const durationMs = Number(process.env.BENCH_DURATION_MS ?? 5000);
  mkdirSync(dir, { recursive: true });
  const { srv, sim, db, vas } = await seededServer(100);
  db.close();
  sim.stop();
  await srv.stop();
  const root = resolve(import.meta.dir, "..");
  const served = await spawnUntilLog(
    [process.execPath, "--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${dir}`, "run", join(root, "src/main.ts"), "serve", "--port", "0", "--host", "127.0.0.1", "--depot", srv.depot],
    { until: '"msg":"listening"', env: { ...ENV, KREDITKU_GATEWAY_URL: "http://127.0.0.1:9" }, cwd: root },
  );
  const url = `http://127.0.0.1:${JSON.parse(served.line).port}`;
  try {
    const prepared = signedDeliveries(vas, Math.ceil(((durationMs + 500) / 1000) * 20_000), "profile");
    const make = requests(url, prepared, vas, "profile");
    let sent = 0;
    const r = await load(() => (sent++, make()), { durationMs, concurrency: 32 });
    const batch = await meanBatch(url);
    console.log(`webhooks (from source, profiled): ${fmt(r)}, ${r.requests} requests measured, ${sent} with the warm-up${batch === null ? "" : `, ${batch.toFixed(1)} deliveries per transaction on average`}`);
  } finally {
    served.proc.kill("SIGTERM"); // the profile is written at exit
    await served.proc.exited;
    srv.cleanup();
  }
  console.log(readdirSync(dir).map((f) => join(dir, f)).join("\n"));
}

/** --effect: processVerifiedEvent alone on a kit app, grouped like the group commit; CPU per payment. */
async function effect(opts: { payments: number; statements: boolean; group: number }) {
  const { testApp } = await import("../test/kit/app.ts");
  const { txContextOf } = await import("../src/runtime/context.ts");
  const { processVerifiedEvent } = await import("../extensions/payments/events.ts");
  const { activate } = await import("../extensions/payments/fixtures/active-loan.ts");
  const { checkLedger } = await import("../extensions/ledger/ledger.ts");
  const t = testApp({ clock: "system", logLevel: "warn" });
  try {
    const vas: string[] = [];
    for (let i = 0; i < 100; i++) {
      const va = `88087${String(i).padStart(5, "0")}`;
      const l = t.db.tx((c) => seedLoan(c, { startDate: new Date().toISOString().slice(0, 10) }));
      activate(t, l.loanId, va);
      vas.push(va);
    }
    // statement timing: the writer's run/get/all wrapped, time per SQL text
    const perSql = new Map<string, { n: number; ms: number }>();
    const timed = <F extends (sql: string, ...p: any[]) => any>(f: F) =>
      ((sql: string, ...p: any[]) => {
        const t0 = performance.now();
        try {
          return f(sql, ...p);
        } finally {
          const e = perSql.get(sql) ?? { n: 0, ms: 0 };
          e.n++;
          e.ms += performance.now() - t0;
          perSql.set(sql, e);
        }
      }) as F;
    const headers = { "content-type": "application/json", "user-agent": "bench", "webhook-id": "", "webhook-timestamp": "0", "webhook-signature": "v1,x" };
    const events = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, k) => {
        const now = new Date();
        const rawBody = JSON.stringify(paymentPayload("standard", { paymentId: `${prefix}-${k}`, vaNumber: vas[k % vas.length], amount: 1_000, currency: "IDR", paidAt: now.toISOString() }));
        return { provider: "standard" as const, kind: "payment" as const, eventId: `msg_${prefix}_${k}`, body: JSON.parse(rawBody), rawBody, headers: { ...headers, "webhook-id": `msg_${prefix}_${k}` }, now };
      });
    const apply = (list: ReturnType<typeof events>, time: boolean) => {
      for (let i = 0; i < list.length; i += opts.group) {
        t.db.tx(() => {
          for (const ev of list.slice(i, i + opts.group)) {
            t.db.tx((c) => {
              const tc = txContextOf(c, t.runtime.reg, t.clock);
              if (time) Object.assign(tc, { get: timed(tc.get), all: timed(tc.all), run: timed(tc.run) });
              const out = processVerifiedEvent(tc, { ...ev, now: new Date() });
              if (out.status !== "applied") throw new Error(`not applied: ${JSON.stringify(out)}`);
            });
          }
        });
      }
    };
    apply(events("warm", 500), false);
    const list = events("bench", opts.payments);
    // WAL frames (pages) the payments write: the WAL emptied first, no checkpoint during the run (a deterministic figure)
    const w = t.db.writer;
    w.get("PRAGMA wal_checkpoint(TRUNCATE)");
    w.get("PRAGMA wal_autocheckpoint = 0");
    Bun.gc(true);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    apply(list, opts.statements);
    const c = process.cpuUsage(c0);
    const wall = performance.now() - w0;
    const frames = w.get<{ log: number }>("PRAGMA wal_checkpoint(PASSIVE)")!.log;
    const cpuUs = (c.user + c.system) / opts.payments;
    console.log(
      `webhooks effect: ${opts.payments} payments in groups of ${opts.group}: ${cpuUs.toFixed(1)} µs CPU per payment (user ${(c.user / opts.payments).toFixed(1)}, system ${(c.system / opts.payments).toFixed(1)}), ${((wall * 1000) / opts.payments).toFixed(1)} µs wall, ${(frames / opts.payments).toFixed(2)} WAL pages per payment${opts.statements ? " (statements timed)" : ""}`,
    );
    if (opts.statements) {
      const rows = [...perSql.entries()].sort((a, b) => b[1].ms - a[1].ms);
      console.log(`  ${([...perSql.values()].reduce((n, e) => n + e.n, 0) / opts.payments).toFixed(2)} statements per payment (besides SAVEPOINT/RELEASE and the group's BEGIN/COMMIT)`);
      for (const [sql, e] of rows) console.log(`  ${((e.ms * 1000) / opts.payments).toFixed(1).padStart(6)} µs/payment  ${(e.n / opts.payments).toFixed(2)}×  ${sql.replace(/\s+/g, " ").slice(0, 110)}`);
    }
    const ledger = checkLedger(t.db.read).discrepancies;
    if (ledger.length > 0) throw new Error(`ledger check: ${JSON.stringify(ledger.slice(0, 3))}`);
    return { cpuUsPerPayment: cpuUs };
  } finally {
    await t.close();
  }
}

if (import.meta.main) {
  const i = process.argv.indexOf("--profile");
  if (i >= 0) await profile(resolve(process.argv[i + 1] ?? "test-results/webhooks-profile"));
  else if (process.argv.includes("--effect"))
    await effect({ payments: Number(process.env.BENCH_EFFECT_PAYMENTS ?? 4000), statements: process.argv.includes("--statements"), group: Number(process.env.BENCH_EFFECT_GROUP ?? 16) });
  else await run();
}
