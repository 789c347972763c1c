// Crash test: kill -9 the server and the worker at random points of a webhook burst and of job traffic,
// restart them, keep delivering like a payment gateway does, then prove that nothing was lost or doubled.
//
//   bun run scripts/crash-test.ts [--kills 4] [--webhooks 1000] [--borrowers 20] [--loans 10] [--seed 1]
//                                 [--concurrency 16] [--duplicates 0.1] [--drain-timeout 120] [--embedded]
//                                 [--binary dist/kreditku] [--redis-url redis://127.0.0.1:6379] [--out test-results/crash-test.json]
//
// BullMQ mode (default; REDIS_URL from --redis-url, $REDIS_URL or redis://127.0.0.1:6379): `kreditku serve` plus one
// `kreditku worker` on a temporary depot with a private queue prefix (crash-<random>; its Redis keys are deleted at
// the end). --embedded: serve alone, jobs from the SQLite outbox in-process, no Redis.
//
// 1. Setup: `--loans` loans are seeded the way the payments suite does (test/kit/accepted-loan.ts, with their
//    `disburse` job) and the test waits until the in-process sandbox gateway has disbursed them and issued their VAs.
// 2. Chaos: `--webhooks` distinct signed Standard Webhooks payment events (amounts 1,000–5,000, seeded) go out in
//    `--kills`+1 waves at `--concurrency`, while `--borrowers` borrowers sign in by OTP and apply (each application
//    runs fraud-check and score-application — on the worker in BullMQ mode — then decide-application on the owner).
//    During each of the first `--kills` waves, after a random share of its deliveries has started (seeded RNG), the
//    server or the worker (BullMQ: both are hit at least once) gets SIGKILL, stays down a random 50–500 ms and is
//    restarted. Like a gateway, every wave redelivers every event not yet acknowledged with 200 plus a share
//    `--duplicates` of acknowledged ones; borrower clients retry with the same Idempotency-Key.
// 3. Redelivery until every event is acknowledged, then a drain period (≤ `--drain-timeout` s; a BullMQ job held by a
//    killed process is taken back after its 30 s lock expires) until the outbox has no row left that is not
//    `completed` and no application is still being checked.
// 4. Graceful stop, then the proof: payments = distinct events (count and sum, all applied, one verified webhook event
//    each), every outbox row completed (none pending/running/dispatched/dead) and no failed BullMQ job, every
//    application decided, `kreditku ledger check` exits 0, `PRAGMA integrity_check` = ok.
//
// Prints a JSON summary (also written to --out) and exits 0 only when every check holds (1 otherwise, 2 on bad flags).
// Every loop is bounded in count and time; every process it started is killed at the end.
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import Redis from "ioredis";
import { makeNik } from "../extensions/fraud/nik.ts";
import { paymentPayload, signedWebhook } from "../extensions/payments/sandbox.ts";
import { runCli, spawnUntilLog, startBinary, tempDepot, type Running } from "../test/kit/binary.ts";
import { seedLoan } from "../test/kit/accepted-loan.ts";
import { documentFor } from "../test/kit/images.ts";
import { freshIp } from "../test/kit/ip.ts";
import { otpReader } from "../test/kit/otp.ts";
import { deleteRedisPrefix } from "../test/kit/queue.ts";

const ROOT = resolve(import.meta.dir, "..");
const OPEN_APP = new Set(["draft", "submitted", "checking"]);

export interface CrashTestOptions {
  embedded: boolean;
  kills: number;
  webhooks: number;
  borrowers: number;
  loans: number;
  seed: number;
  concurrency: number;
  duplicates: number;
  drainTimeoutMs: number;
  binary?: string;
  redisUrl: string;
  out: string;
  keep: boolean;
  log?: (line: string) => void;
}

export const DEFAULTS: CrashTestOptions = {
  embedded: false,
  kills: 4,
  webhooks: 1000,
  borrowers: 20,
  loans: 10,
  seed: 1,
  concurrency: 16,
  duplicates: 0.1,
  drainTimeoutMs: 120_000,
  redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
  out: join(ROOT, "test-results/crash-test.json"),
  keep: false,
};

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Check {
  name: string;
  ok: boolean;
  detail: unknown;
}

export interface CrashTestSummary {
  ok: boolean;
  mode: "bullmq" | "embedded";
  seed: number;
  seconds: number;
  kills: { target: "server" | "worker"; wave: number; afterDeliveries: number; downMs: number; at: number }[];
  webhooks: { events: number; sumAmount: number; deliveries: number; duplicatesSent: number; acknowledgedBeforeEnd: number; redeliveryRounds: number; statuses: Record<string, number> };
  borrowers: { started: number; applied: number; decided: number; decisions: Record<string, number>; clientRetries: number; stuckIdempotencyKeys: number; failed: string[] };
  /** reranInProcess: outbox rows the embedded runner claimed more than once (a run cut by kill -9, or a retry). */
  jobs: { outboxRows: number; byState: Record<string, number>; byName: Record<string, number>; reranInProcess: number; drainSeconds: number };
  checks: Check[];
  findings: string[];
  depot?: string;
}

interface Proc {
  proc: Subprocess<any, any, any>;
  logs: string[];
}

/** Spawn the binary's worker and wait for its "worker ready" line. */
async function startWorker(binary: string, env: Record<string, string>, depot: string, timeoutMs = 20_000): Promise<Proc> {
  const { proc, logs } = await spawnUntilLog([binary, "worker", "--concurrency", "4", "--depot", depot], { env, until: '"msg":"worker ready"', timeoutMs, keepLines: 2000 });
  return { proc, logs };
}

/** BullMQ jobs in the failed set of every queue under the prefix. */
async function failedBullJobs(url: string, prefix: string): Promise<Record<string, number>> {
  const r = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  r.on("error", () => {});
  const out: Record<string, number> = {};
  try {
    await r.connect();
    let cursor = "0";
    let rounds = 0;
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*:failed`, "COUNT", 1000);
      cursor = next;
      for (const k of keys) {
        const n = await r.zcard(k);
        if (n > 0) out[k.slice(prefix.length + 1, -":failed".length)] = n;
      }
    } while (cursor !== "0" && ++rounds < 10_000);
  } finally {
    r.disconnect();
  }
  return out;
}

export async function runCrashTest(input: Partial<CrashTestOptions> = {}): Promise<CrashTestSummary> {
  const o: CrashTestOptions = { ...DEFAULTS, ...input };
  const log = o.log ?? ((l: string) => console.error(l));
  if (o.binary) process.env.KREDITKU_BINARY = resolve(o.binary);
  const binary = process.env.KREDITKU_BINARY ? resolve(process.env.KREDITKU_BINARY) : join(ROOT, "dist/kreditku");
  if (!existsSync(binary)) throw new Error(`no binary at ${binary}: build it first (npm run build) or give --binary`);
  const rand = rng(o.seed);
  const t0 = performance.now();
  const tag = `${Date.now().toString(36)}${Math.floor(rand() * 1e6).toString(36)}`;
  const mode = o.embedded ? "embedded" : "bullmq";
  const prefix = `crash-${tag}`;
  const root = tempDepot("kreditku-crash-");
  const depot = join(root, "depot");
  const secret = "whsec_" + Buffer.from(`crash-test-secret-${tag}`.padEnd(32, "x")).toString("base64");
  const env: Record<string, string> = {
    KREDITKU_TRUST_PROXY: "true",
    KREDITKU_WEBHOOK_SECRET_STANDARD: secret,
    KREDITKU_LOG_LEVEL: "info",
    KREDITKU_SHUTDOWN_TIMEOUT_MS: "5000",
    KREDITKU_DISBURSE_RETRY_MS: "200",
    // A job held by a killed process runs elsewhere after the BullMQ lock expires (default 30 s): keep runs short.
    KREDITKU_JOB_LOCK_MS: "5000",
    ...(o.embedded ? { REDIS_URL: "" } : { REDIS_URL: o.redisUrl, KREDITKU_QUEUE_PREFIX: prefix }),
  };
  const findings: string[] = [];
  const kills: CrashTestSummary["kills"] = [];
  let server: Running | null = null;
  let worker: Proc | null = null;
  const everything: Subprocess<any, any, any>[] = [];
  let db: Database | null = null;

  const startServer = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        server = await startBinary({ depot, env, timeoutMs: 30_000 });
        everything.push(server.proc);
        return server;
      } catch (e) {
        if (attempt >= 3) throw e;
        log(`crash-test: serve did not start (attempt ${attempt}): ${(e as Error).message.split("\n")[0]}`);
        await Bun.sleep(200);
      }
    }
  };
  const startTheWorker = async () => {
    worker = await startWorker(binary, env, join(root, "worker-depot"));
    everything.push(worker.proc);
  };
  const base = () => server?.url ?? "http://127.0.0.1:1";

  try {
    await startServer();
    if (!o.embedded) await startTheWorker();
    log(`crash-test: ${mode} mode, serve at ${base()}${o.embedded ? "" : `, worker pid ${worker!.proc.pid}, queue prefix ${prefix}`}, depot ${depot}`);
    db = new Database(join(depot, "data/main.db"));
    db.exec("PRAGMA busy_timeout = 10000");
    const q = <T>(sql: string, ...p: any[]) => db!.query(sql).get(...p) as T;

    // ---- 1. setup: active loans with VAs ----
    const loanIds: string[] = [];
    db.transaction(() => {
      for (let i = 0; i < o.loans; i++) loanIds.push(seedLoan(db!, { enqueueDisburse: true }).loanId);
    })();
    let vas: string[] = [];
    const setupEnd = Date.now() + 60_000;
    while (Date.now() < setupEnd) {
      vas = (db.query(`SELECT v.va_number AS va FROM virtual_accounts v JOIN loans l ON l.id = v.loan_id WHERE l.status = 'active' ORDER BY l.id`).all() as { va: string }[]).map((r) => r.va);
      if (vas.length >= o.loans) break;
      await Bun.sleep(100);
    }
    if (vas.length < o.loans) throw new Error(`setup: only ${vas.length}/${o.loans} loans became active`);
    log(`crash-test: ${vas.length} loans active with VAs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    // ---- 2. the events the gateway must deliver ----
    interface Ev { n: number; id: string; paymentId: string; va: string; amount: number; acked: boolean; attempts: number }
    const evs: Ev[] = Array.from({ length: o.webhooks }, (_, n) => ({ n, id: `msg_crash_${tag}_${n}`, paymentId: `crash-${tag}-${n}`, va: vas[n % vas.length], amount: 1_000 + Math.floor(rand() * 9) * 500, acked: false, attempts: 0 }));
    const sumAmount = evs.reduce((s, e) => s + e.amount, 0);
    const statuses: Record<string, number> = {};
    let deliveries = 0;
    let duplicatesSent = 0;
    const deliver = async (e: Ev) => {
      const w = signedWebhook("standard", secret, "payment", paymentPayload("standard", { paymentId: e.paymentId, vaNumber: e.va, amount: e.amount, currency: "IDR", paidAt: new Date(1_700_000_000_000 + e.n * 1000).toISOString() }), { eventId: e.id });
      deliveries++;
      e.attempts++;
      let status: number | string;
      try {
        const r = await fetch(base() + w.path, { method: "POST", headers: w.headers, body: w.body, signal: AbortSignal.timeout(15_000) });
        await r.arrayBuffer();
        status = r.status;
      } catch (err) {
        status = (err as any)?.code ?? (err as Error).name ?? "network";
      }
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      if (status === 200) e.acked = true;
    };
    /** One gateway delivery round: the given events at `concurrency`; `onStarted(k)` after the k-th start. */
    const round = async (list: Ev[], onStarted?: (k: number) => void) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(o.concurrency, list.length) }, async () => {
          while (next < list.length) {
            const e = list[next++];
            onStarted?.(next);
            await deliver(e);
          }
        }),
      );
    };
    const redeliveryList = (fresh: Ev[]) => {
      const unacked = evs.filter((e) => !e.acked && e.attempts > 0);
      const dups = evs.filter((e) => e.acked && rand() < o.duplicates);
      duplicatesSent += dups.length;
      // gateways interleave: shuffle (seeded) so duplicates race with first deliveries
      const list = [...unacked, ...fresh, ...dups];
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
      return list;
    };

    // ---- borrowers: job traffic that survives restarts like a mobile client (same Idempotency-Key on retry) ----
    const bStats = { started: 0, applied: 0, clientRetries: 0, stuckIdempotencyKeys: 0, failed: [] as string[] };
    const appIds: { id: string; token: string }[] = [];
    const phoneBase = 20_000_000 + Math.floor(rand() * 70_000_000);
    let phoneSeq = 0;
    const chaosDeadline = () => Date.now() + 60_000;
    async function call(method: string, path: string, body: unknown, opts: { token?: string; headers?: Record<string, string>; form?: () => FormData; retry?: boolean; deadline: number }) {
      for (let attempt = 1; ; attempt++) {
        let status: number | string;
        let parsed: any = null;
        try {
          const r = await fetch(base() + path, {
            method,
            headers: { ...(opts.form ? {} : { "Content-Type": "application/json" }), "X-Forwarded-For": freshIp(), ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
            body: opts.form ? opts.form() : body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(15_000),
          });
          status = r.status;
          const text = await r.text();
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
        } catch (err) {
          status = (err as any)?.code ?? "network";
        }
        const transient = typeof status !== "number" || status >= 500;
        if (!transient || opts.retry === false || attempt >= 40 || Date.now() > opts.deadline) return { status, body: parsed };
        bStats.clientRetries++;
        await Bun.sleep(100 + Math.floor(rand() * 150));
      }
    }
    const otp = otpReader(depot); // tolerates a line cut by kill -9
    const smsCode = (phone: string) => otp.code(phone);
    async function borrower(i: number) {
      bStats.started++;
      const deadline = chaosDeadline();
      let token = "";
      // sign in: requests are retried while the server is down; a request cut by a crash may leave the phone in its
      // 60 s resend cooldown (429) or its challenge used → the client starts over with another phone
      for (let tries = 0; tries < 10 && !token && Date.now() < deadline; tries++) {
        const local = `0818${String((phoneBase + phoneSeq++) % 100_000_000).padStart(8, "0")}`;
        const phone = "+62" + local.slice(1);
        const r = await call("POST", "/api/v1/auth/otp/request", { phone: local }, { deadline });
        if (r.status !== 202) {
          await Bun.sleep(100);
          continue;
        }
        let code: string | null = null;
        for (let k = 0; k < 50 && !code; k++) {
          code = smsCode(phone);
          if (!code) await Bun.sleep(20);
        }
        if (!code) continue;
        const v = await call("POST", "/api/v1/auth/otp/verify", { challengeId: r.body.challengeId, code }, { deadline });
        if (v.status === 200) token = v.body.accessToken;
        else await Bun.sleep(100);
      }
      if (!token) return void bStats.failed.push(`borrower ${i}: could not sign in`);
      const n = (phoneBase + i) % 8000;
      const birthDate = "1991-03-12";
      const profile = {
        nik: makeNik({ birthDate, sex: "M", province: "32", regency: "73", district: "01", sequence: String(1000 + n) }),
        fullName: `Peminjam Uji ${i}`,
        birthDate,
        sex: "M",
        address: { line: "Jl. Asia Afrika No. 8", city: "Bandung", province: "Jawa Barat", postalCode: "40111" },
        employment: { status: "employed", employerName: "PT Tahan Banting", jobTitle: "Staff" },
        monthlyIncomeAmount: 9_000_000,
        bankAccount: { bankCode: "BNI", accountNumber: String(8_800_000_000 + phoneBase + i), accountName: `PEMINJAM ${i}` },
        emergencyContact: { name: "Siti Aminah", phone: "+6281234567891", relation: "spouse", consent: true },
      };
      const p = await call("PUT", "/api/v1/me/profile", profile, { token, deadline });
      if (p.status !== 200) return void bStats.failed.push(`borrower ${i}: profile ${p.status}`);
      const docs: string[] = [];
      for (const kind of ["ktp", "selfie"]) {
        const doc = documentFor(kind, `crash-${tag}-${i}-${kind}`);
        const form = () => {
          const f = new FormData();
          f.set("kind", kind);
          f.set("file", new File([doc.bytes as BlobPart], doc.name, { type: doc.type }));
          return f;
        };
        const d = await call("POST", "/api/v1/documents", undefined, { token, form, deadline });
        if (d.status !== 201) return void bStats.failed.push(`borrower ${i}: ${kind} ${d.status}`);
        docs.push(d.body.id);
      }
      const body = { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha", documentIds: docs, device: { id: `crash-${tag}-${i}`, platform: "android" } };
      let key = `crash-apply-${tag}-${i}`;
      for (let tries = 0; tries < 30 && Date.now() < deadline; tries++) {
        const a = await call("POST", "/api/v1/applications", body, { token, deadline, headers: { "Idempotency-Key": key } });
        if (a.status === 201) {
          bStats.applied++;
          appIds.push({ id: a.body.id, token });
          return;
        }
        if (a.status === 409) {
          // open-application-exists: the first attempt committed before the crash; key-in-use: the key's
          // 'running' marker outlived a crashed request. Either way: look the application up.
          const list = await call("GET", "/api/v1/applications", undefined, { token, deadline });
          const mine = (list.body?.items ?? []) as { id: string; status: string }[];
          if (mine.length > 0) {
            if (a.body?.type?.endsWith("idempotency-key-in-use")) bStats.stuckIdempotencyKeys++;
            bStats.applied++;
            appIds.push({ id: mine[0].id, token });
            return;
          }
          if (a.body?.type?.endsWith("idempotency-key-in-use")) {
            if (tries >= 3) {
              bStats.stuckIdempotencyKeys++;
              key = `${key}-r${tries}`; // give up on the stuck key, as a client would after a while
            }
            await Bun.sleep(300);
            continue;
          }
        }
        return void bStats.failed.push(`borrower ${i}: apply ${a.status} ${JSON.stringify(a.body)?.slice(0, 200)}`);
      }
      bStats.failed.push(`borrower ${i}: apply did not go through`);
    }

    // ---- 3. chaos: waves of deliveries and borrowers; a kill -9 inside each of the first `kills` waves ----
    const waves = o.kills + 1;
    const targets: ("server" | "worker")[] = [];
    for (let k = 0; k < o.kills; k++) targets.push(o.embedded ? "server" : rand() < 0.5 ? "server" : "worker");
    if (!o.embedded && o.kills >= 2) {
      // both are hit at least once
      const hasServer = targets.includes("server");
      const hasWorker = targets.includes("worker");
      if (!hasServer) targets[Math.floor(rand() * o.kills)] = "server";
      if (!hasWorker) targets[Math.floor(rand() * o.kills)] = "worker";
    }
    const borrowerJobs: Promise<void>[] = [];
    let bNext = 0;
    for (let w = 0; w < waves; w++) {
      const fresh = evs.slice(Math.floor((w * evs.length) / waves), Math.floor(((w + 1) * evs.length) / waves));
      const list = redeliveryList(fresh);
      const bEnd = Math.floor(((w + 1) * o.borrowers) / waves);
      while (bNext < bEnd) borrowerJobs.push(borrower(bNext++));
      let killing: Promise<void> | null = null;
      if (w < o.kills) {
        const target = targets[w];
        const killAfter = Math.max(1, Math.floor((0.1 + 0.8 * rand()) * list.length));
        const downMs = 50 + Math.floor(rand() * 450);
        await round(list, (k) => {
          if (k !== killAfter || killing) return;
          killing = (async () => {
            const victim = target === "server" ? server!.proc : worker!.proc;
            victim.kill("SIGKILL");
            await victim.exited;
            kills.push({ target, wave: w, afterDeliveries: k, downMs, at: Math.round(performance.now() - t0) });
            log(`crash-test: kill -9 ${target} (pid ${victim.pid}) in wave ${w + 1} after ${k}/${list.length} deliveries started; down ${downMs} ms`);
            await Bun.sleep(downMs);
            if (target === "server") await startServer();
            else await startTheWorker();
          })();
        });
        await killing;
      } else {
        await round(list);
      }
    }
    // ---- redelivery until every event is acknowledged (bounded) ----
    let redeliveryRounds = 0;
    const acknowledgedBeforeEnd = evs.filter((e) => e.acked).length;
    const redeliverEnd = Date.now() + 60_000;
    while (evs.some((e) => !e.acked) && redeliveryRounds < 50 && Date.now() < redeliverEnd) {
      redeliveryRounds++;
      await round(redeliveryList([]));
      if (evs.some((e) => !e.acked)) await Bun.sleep(200);
    }
    await Promise.race([Promise.all(borrowerJobs), Bun.sleep(90_000)]);
    log(`crash-test: ${evs.filter((e) => e.acked).length}/${evs.length} events acknowledged after ${deliveries} deliveries (${redeliveryRounds} redelivery rounds); ${bStats.applied}/${o.borrowers} applications`);

    // ---- 4. drain ----
    const drain0 = performance.now();
    const drainEnd = Date.now() + o.drainTimeoutMs;
    const notDone = () => q<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE state != 'completed'").n;
    const openApps = () => q<{ n: number }>("SELECT COUNT(*) AS n FROM applications WHERE status IN ('draft', 'submitted', 'checking')").n;
    let lastNote = 0;
    while (Date.now() < drainEnd && (notDone() > 0 || openApps() > 0)) {
      if (Date.now() - lastNote > 10_000) {
        lastNote = Date.now();
        const rows = db.query("SELECT name, state, COUNT(*) AS n FROM outbox WHERE state != 'completed' GROUP BY name, state").all();
        log(`crash-test: draining: ${JSON.stringify(rows)}, ${openApps()} applications open`);
      }
      await Bun.sleep(200);
    }
    const drainSeconds = (performance.now() - drain0) / 1000;
    const failedBull = o.embedded ? {} : await failedBullJobs(o.redisUrl, prefix);

    // ---- 5. graceful stop, then the proof ----
    const workerExit = worker ? await stopProc((worker as Proc).proc) : null;
    const serverExit = server ? await stopProc((server as Running).proc) : null;
    db.close();
    db = null;
    const checks: Check[] = [];
    let reran = 0;
    const ro = new Database(join(depot, "data/main.db"), { readonly: true });
    try {
      const pay = ro.query("SELECT COUNT(*) AS n, COUNT(DISTINCT provider_payment_id) AS d, COALESCE(SUM(amount), 0) AS s, SUM(status = 'applied') AS applied FROM payments WHERE provider_payment_id LIKE ?").get(`crash-${tag}-%`) as { n: number; d: number; s: number; applied: number };
      checks.push({ name: "every event acknowledged with 200", ok: evs.every((e) => e.acked), detail: { acknowledged: evs.filter((e) => e.acked).length, events: evs.length } });
      checks.push({ name: "payments = distinct events (count, sum, all applied)", ok: pay.n === evs.length && pay.d === evs.length && pay.s === sumAmount && pay.applied === evs.length, detail: { payments: pay.n, distinct: pay.d, sumAmount: pay.s, applied: pay.applied, expectedCount: evs.length, expectedSumAmount: sumAmount } });
      const wev = ro.query("SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d, SUM(status = 'applied') AS applied FROM webhook_events WHERE provider = 'standard' AND verified = 1 AND event_id LIKE ?").get(`msg_crash_${tag}_%`) as { n: number; d: number; applied: number };
      checks.push({ name: "one verified webhook event per event id", ok: wev.n === evs.length && wev.d === evs.length && wev.applied === evs.length, detail: wev });
      const perLoan = ro.query("SELECT v.va_number AS va, COALESCE(SUM(p.amount), 0) AS s FROM virtual_accounts v LEFT JOIN payments p ON p.loan_id = v.loan_id AND p.provider_payment_id LIKE ? GROUP BY v.va_number").all(`crash-${tag}-%`) as { va: string; s: number }[];
      const wantPerVa = new Map<string, number>();
      for (const e of evs) wantPerVa.set(e.va, (wantPerVa.get(e.va) ?? 0) + e.amount);
      const perLoanBad = perLoan.filter((r) => (wantPerVa.get(r.va) ?? 0) !== r.s);
      checks.push({ name: "each loan received exactly its events", ok: perLoanBad.length === 0, detail: { loans: perLoan.length, mismatched: perLoanBad.slice(0, 5) } });
      const byState = Object.fromEntries((ro.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
      const byName = Object.fromEntries((ro.query("SELECT name, COUNT(*) AS n FROM outbox GROUP BY name ORDER BY name").all() as { name: string; n: number }[]).map((r) => [r.name, r.n]));
      const outboxRows = Object.values(byState).reduce((a, b) => a + b, 0);
      const leftovers = ro.query("SELECT key, name, state, attempts, last_error FROM outbox WHERE state != 'completed' LIMIT 10").all();
      checks.push({ name: "no job lost: every outbox row completed (no pending/running/dispatched/dead)", ok: outboxRows > 0 && (byState.completed ?? 0) === outboxRows, detail: { byState, leftovers } });
      reran = (ro.query("SELECT COUNT(*) AS n FROM outbox WHERE attempts > 1").get() as { n: number }).n;
      if (!o.embedded) checks.push({ name: "no failed BullMQ job", ok: Object.keys(failedBull).length === 0, detail: failedBull });
      const ours = appIds.map((a) => a.id);
      const apps = ours.length ? (ro.query(`SELECT status, COUNT(*) AS n FROM applications WHERE id IN (${ours.map(() => "?").join(",")}) GROUP BY status`).all(...ours) as { status: string; n: number }[]) : [];
      const decisions = Object.fromEntries(apps.map((r) => [r.status, r.n]));
      const decided = apps.filter((r) => !OPEN_APP.has(r.status)).reduce((a, r) => a + r.n, 0);
      const scored = ours.length ? (ro.query(`SELECT COUNT(DISTINCT application_id) AS n FROM score_decisions WHERE application_id IN (${ours.map(() => "?").join(",")})`).get(...ours) as { n: number } | null) : { n: 0 };
      checks.push({ name: "every application decided (fraud-check + score-application + decide-application ran)", ok: ours.length > 0 && decided === ours.length && bStats.failed.length === 0, detail: { applications: ours.length, decided, decisions, scored: scored?.n ?? null, clientFailures: bStats.failed } });
      const integrity = (ro.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check);
      checks.push({ name: "PRAGMA integrity_check = ok", ok: integrity.length === 1 && integrity[0] === "ok", detail: integrity.slice(0, 5) });
      checks.push({ name: "graceful stop after the test (exit 0)", ok: serverExit === 0 && (workerExit === null || workerExit === 0), detail: { server: serverExit, worker: workerExit } });
      if (!o.embedded && drainSeconds > 20) findings.push(`BullMQ: jobs held by a killed process completed only after a ${Math.round(drainSeconds)} s drain — BullMQ hands an active job of a dead worker to another one after its lock expires (lockDuration 30 s) and a stalled-job check runs (stalledInterval 30 s); src/queue/bullmq.ts uses the defaults`);
      if (bStats.stuckIdempotencyKeys > 0) findings.push(`${bStats.stuckIdempotencyKeys} Idempotency-Key request(s) answered 409 idempotency-key-in-use after a restart: the 'running' marker of a request cut by kill -9 outlived the process (the server should release such keys at start)`);
      ro.close();
      const ledger = await runCli(["ledger", "check", "--depot", depot, "--json"]);
      let ledgerJson: any = null;
      try {
        ledgerJson = JSON.parse(ledger.stdout.trim().split("\n").at(-1) ?? "null");
      } catch {
        ledgerJson = ledger.stdout.slice(0, 500);
      }
      checks.push({ name: "kreditku ledger check exits 0", ok: ledger.code === 0, detail: { code: ledger.code, result: ledgerJson, stderr: ledger.stderr.slice(0, 500) } });
      if (kills.length !== o.kills) checks.push({ name: `${o.kills} kills done`, ok: false, detail: kills.length });
      const summary: CrashTestSummary = {
        ok: checks.every((c) => c.ok),
        mode,
        seed: o.seed,
        seconds: Math.round((performance.now() - t0) / 100) / 10,
        kills,
        webhooks: { events: evs.length, sumAmount, deliveries, duplicatesSent, acknowledgedBeforeEnd, redeliveryRounds, statuses },
        borrowers: { started: bStats.started, applied: bStats.applied, decided, decisions, clientRetries: bStats.clientRetries, stuckIdempotencyKeys: bStats.stuckIdempotencyKeys, failed: bStats.failed },
        jobs: { outboxRows, byState, byName, reranInProcess: reran, drainSeconds: Math.round(drainSeconds * 10) / 10 },
        checks,
        findings,
        ...(o.keep ? { depot } : {}),
      };
      mkdirSync(dirname(resolve(o.out)), { recursive: true });
      writeFileSync(resolve(o.out), JSON.stringify(summary, null, 2) + "\n");
      return summary;
    } finally {
      try {
        ro.close();
      } catch {
        /* closed */
      }
    }
  } finally {
    try {
      db?.close();
    } catch {
      /* closed */
    }
    for (const p of everything) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await Promise.all(everything.map((p) => Promise.race([p.exited, Bun.sleep(5000)])));
    if (!o.embedded) await deleteRedisPrefix(prefix, o.redisUrl).catch((e) => log(`crash-test: could not delete Redis keys ${prefix}:*: ${(e as Error).message}`));
    if (!o.keep) rmSync(root, { recursive: true, force: true });
  }
}

async function stopProc(p: Subprocess<any, any, any>): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
  p.kill("SIGTERM");
  const code = await Promise.race([p.exited, Bun.sleep(15_000).then(() => null)]);
  if (code === null) p.kill("SIGKILL");
  return code;
}

if (import.meta.main) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        embedded: { type: "boolean" },
        kills: { type: "string" },
        webhooks: { type: "string" },
        borrowers: { type: "string" },
        loans: { type: "string" },
        seed: { type: "string" },
        concurrency: { type: "string" },
        duplicates: { type: "string" },
        "drain-timeout": { type: "string" },
        binary: { type: "string" },
        "redis-url": { type: "string" },
        out: { type: "string" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`crash-test: ${(e as Error).message}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(readFileSync(import.meta.path, "utf8").split("\nimport")[0].split("\n").map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
    process.exit(0);
  }
  const num = (k: string, d: number, min: number, max: number) => {
    const v = values[k];
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n * 100) || n < min || n > max) {
      console.error(`crash-test: --${k} must be a number in [${min}, ${max}]`);
      process.exit(2);
    }
    return n;
  };
  const opts: Partial<CrashTestOptions> = {
    embedded: Boolean(values.embedded),
    kills: num("kills", DEFAULTS.kills, 0, 50),
    webhooks: num("webhooks", DEFAULTS.webhooks, 1, 100_000),
    borrowers: num("borrowers", DEFAULTS.borrowers, 0, 1000),
    loans: num("loans", DEFAULTS.loans, 1, 1000),
    seed: num("seed", DEFAULTS.seed, 0, 2 ** 31),
    concurrency: num("concurrency", DEFAULTS.concurrency, 1, 256),
    duplicates: num("duplicates", DEFAULTS.duplicates, 0, 1),
    drainTimeoutMs: num("drain-timeout", DEFAULTS.drainTimeoutMs / 1000, 1, 600) * 1000,
    binary: values.binary as string | undefined,
    redisUrl: (values["redis-url"] as string | undefined) ?? DEFAULTS.redisUrl,
    out: (values.out as string | undefined) ?? DEFAULTS.out,
    keep: Boolean(values.keep),
  };
  try {
    const s = await runCrashTest(opts);
    console.log(JSON.stringify(s, null, 2));
    for (const c of s.checks) console.error(`crash-test: ${c.ok ? "ok  " : "FAIL"} ${c.name}`);
    for (const f of s.findings) console.error(`crash-test: finding: ${f}`);
    console.error(`crash-test: ${s.ok ? "PASSED" : "FAILED"} in ${s.seconds} s (${s.mode}, ${s.kills.length} kills, seed ${s.seed})`);
    process.exit(s.ok ? 0 : 1);
  } catch (e) {
    console.error(`crash-test: ${(e as Error).stack ?? e}`);
    process.exit(1);
  }
}
