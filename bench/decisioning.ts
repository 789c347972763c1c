// bench/decisioning: applications decided per second end to end on the built binary — application
// submitted → fraud-check + score-application → decide-application → final status (approved | rejected |
// manual_review) — on the embedded backend (serve alone) and on BullMQ (serve + two `kreditku worker` processes,
// real Redis at REDIS_URL or 127.0.0.1:6379, a private key prefix deleted afterwards).
//
// Seeding goes straight into SQLite: borrowers (user, profile, KTP + selfie documents) and their applications are
// written into a fresh depot before the server starts, each application left exactly as POST /api/v1/applications
// leaves it (status `checking`, its events). Once the server (and workers) are up, one transaction inserts the
// `application.submitted` hook rows the submit route would have written; the clock runs from the first of them being
// picked up until no application is left in `checking`. Every borrower has its own NIK, phone, device, bank account, IP and document
// hashes, so the fraud velocity/reuse rules see ordinary traffic. Loopback only; bounded to ~30 s in total.
// Run: bun run bench/decisioning.ts (KREDITKU_BINARY picks another binary; BENCH_DECISIONING_APPS the count;
// BENCH_DECISIONING_BACKENDS=embedded or bullmq runs one side).
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { BINARY, runCli, spawnUntilLog, startBinary, tempDepot } from "../test/kit/binary.ts";
import { makeNik } from "../extensions/fraud/nik.ts";
import { deleteRedisPrefix, uniquePrefix } from "../test/kit/queue.ts";

const SUBMITTED_HOOK = "scoring:application.submitted:0"; // the hook id the registry gives scoring's onSubmitted
const FINAL = ["approved", "rejected", "manual_review"] as const;

export interface DecisioningResult {
  backend: "embedded" | "bullmq";
  workers: number;
  workerConcurrency: number | null;
  applications: number;
  decided: number;
  /** From the first submitted event picked up until the last application left `checking`. */
  seconds: number;
  decidedPerSecond: number;
  /** From the first pick-up until the first decision. */
  firstDecisionMs: number | null;
  /** From the commit of the submitted events until the first was picked up (the slow poll: rows come from another process). */
  pickupMs: number;
  outcomes: Record<string, number>;
  error?: string;
}

/** Borrowers and their applications in `checking`, as the submit route leaves them (no outbox rows yet). */
function seed(db: Database, n: number, at: string) {
  const user = db.query("INSERT INTO users (id, role, phone, created_at, updated_at) VALUES (?, 'borrower', ?, ?, ?)");
  const profile = db.query(
    `INSERT INTO borrower_profiles (user_id, nik, full_name, birth_date, sex, address_line, city, province, postal_code, employment_status,
       employer_name, monthly_income_amount, bank_code, bank_account_number, bank_account_name, emergency_name, emergency_phone,
       emergency_relation, emergency_consent, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'Jl. Asia Afrika 1', 'Bandung', 'Jawa Barat', '40111', 'employed', 'PT Maju', ?, 'BCA', ?, ?, 'Budi', '+6281299990000', 'sibling', 1, ?, ?)`,
  );
  const doc = db.query("INSERT INTO documents (id, user_id, kind, content_type, size_bytes, sha256, blob_key, created_at) VALUES (?, ?, ?, 'image/png', 100, ?, ?, ?)");
  const app = db.query(
    `INSERT INTO applications (id, user_id, product_id, status, principal_amount, tenor, tenor_unit, purpose, instalment_amount, device_json, ip, user_agent, submitted_at, created_at, updated_at)
     VALUES (?, ?, 'prod_reference_weekly', 'checking', 5000000, 50, 'weeks', 'Modal usaha warung', 110000, ?, ?, 'bench', ?, ?, ?)`,
  );
  const appDoc = db.query("INSERT INTO application_documents (application_id, document_id) VALUES (?, ?)");
  const event = db.query("INSERT INTO application_events (application_id, from_status, to_status, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)");
  const apps: { id: string; userId: string }[] = [];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const userId = `bench-user-${i}`;
      const id = `bench-app-${i}`;
      const birthDate = `19${80 + (i % 20)}-0${1 + (i % 9)}-1${i % 10}`;
      const sex = i % 2 ? "F" : "M";
      const nik = makeNik({ birthDate, sex, province: "32", regency: "73", district: String(1 + Math.floor(i / 9999)).padStart(2, "0"), sequence: String(1 + (i % 9999)).padStart(4, "0") });
      user.run(userId, `+62812${String(10_000_000 + i)}`, at, at);
      profile.run(userId, nik, `Peminjam ${i}`, birthDate, sex, 8_000_000 + (i % 7) * 500_000, String(7_000_000_000 + i), `PEMINJAM ${i}`, at, at);
      const docs = ["ktp", "selfie"].map((kind) => {
        const did = `bench-doc-${kind}-${i}`;
        doc.run(did, userId, kind, new Bun.CryptoHasher("sha256").update(did).digest("hex"), `documents/${userId}/${did}`, at);
        return did;
      });
      app.run(id, userId, JSON.stringify({ id: `android-bench-${i}`, platform: "android" }), `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, at, at, at);
      for (const d of docs) appDoc.run(id, d);
      event.run(id, null, "draft", userId, "created", at);
      event.run(id, "draft", "submitted", userId, "submitted by the borrower", at);
      event.run(id, "submitted", "checking", "system:loans", "queued for fraud and credit checks", at);
      apps.push({ id, userId });
    }
  })();
  return apps;
}

/** What the submit route's t.emit("application.submitted") writes: one hook row per application, due now. */
function submit(db: Database, apps: { id: string; userId: string }[]) {
  const ins = db.query(`INSERT INTO outbox (key, kind, name, queue, payload, max_attempts, run_at, created_at, updated_at) VALUES (?, 'hook', ?, 'hooks', ?, 5, ?, ?, ?)`);
  const now = Date.now();
  db.transaction(() => {
    for (const a of apps) ins.run(crypto.randomUUID(), SUBMITTED_HOOK, JSON.stringify({ applicationId: a.id, userId: a.userId }), now, now, now);
  })();
}

/** Start `kreditku worker` and wait for its "worker ready" line. */
function spawnWorker(env: Record<string, string>, depot: string, concurrency: number) {
  return spawnUntilLog([BINARY, "worker", "--concurrency", String(concurrency), "--depot", depot], { env, until: '"msg":"worker ready"', keepLines: 200 });
}

async function one(backend: "embedded" | "bullmq", n: number, budgetMs: number, opts: { workers: number; workerConcurrency: number }): Promise<DecisioningResult> {
  const root = tempDepot(`kreditku-bench-dec-${backend}-`);
  const depot = join(root, "depot");
  const prefix = uniquePrefix("bench-decisioning");
  const env: Record<string, string> = backend === "bullmq" ? { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", KREDITKU_QUEUE_PREFIX: prefix } : { REDIS_URL: "" };
  const workers: Awaited<ReturnType<typeof spawnWorker>>[] = [];
  let srv: Awaited<ReturnType<typeof startBinary>> | null = null;
  let db: Database | null = null;
  try {
    const m = await runCli(["migrate", "--depot", depot], env);
    if (m.code !== 0) throw new Error(`migrate failed: ${m.stderr || m.stdout}`);
    db = new Database(join(depot, "data/main.db"));
    db.exec("PRAGMA busy_timeout = 10000");
    const apps = seed(db, n, new Date().toISOString());
    srv = await startBinary({ depot, env });
    if (backend === "bullmq") {
      const started = await Promise.allSettled(Array.from({ length: opts.workers }, (_, i) => spawnWorker(env, join(root, `worker-${i}`), opts.workerConcurrency)));
      for (const s of started) if (s.status === "fulfilled") workers.push(s.value);
      const failed = started.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    const count = db.query("SELECT COUNT(*) AS n FROM applications WHERE status = 'checking'");
    const decidedQ = db.query(`SELECT COUNT(*) AS n FROM applications WHERE status IN (${FINAL.map((s) => `'${s}'`).join(", ")})`);
    const picked = db.query("SELECT 1 FROM outbox WHERE state != 'pending' LIMIT 1");
    submit(db, apps);
    const committed = performance.now();
    // The runner (or the BullMQ dispatcher) sees rows written by another process on its slow poll (≤ 1 s): the
    // clock starts when the first row is picked up, so the figure is the pipeline's rate, not the poll interval.
    while (!picked.get() && performance.now() - committed < 5000) await Bun.sleep(2);
    const t0 = performance.now();
    let first: number | null = null;
    let left = n;
    while (left > 0 && performance.now() - t0 < budgetMs) {
      await Bun.sleep(10);
      left = (count.get() as { n: number }).n;
      if (first === null && (decidedQ.get() as { n: number }).n > 0) first = performance.now() - t0;
    }
    const seconds = (performance.now() - t0) / 1000;
    const pickupMs = Math.round(t0 - committed);
    const outcomes: Record<string, number> = {};
    for (const r of db.query("SELECT status, COUNT(*) AS n FROM applications GROUP BY status").all() as { status: string; n: number }[]) outcomes[r.status] = r.n;
    const decided = FINAL.reduce((s, k) => s + (outcomes[k] ?? 0), 0);
    return {
      backend,
      workers: backend === "bullmq" ? opts.workers : 0,
      workerConcurrency: backend === "bullmq" ? opts.workerConcurrency : null,
      applications: n,
      decided,
      seconds: +seconds.toFixed(2),
      decidedPerSecond: Math.round(decided / seconds),
      firstDecisionMs: first === null ? null : Math.round(first),
      pickupMs,
      outcomes,
      ...(decided < n ? { error: `only ${decided}/${n} decided within ${budgetMs} ms` } : {}),
    };
  } finally {
    db?.close();
    await Promise.all(
      workers.map(async (w) => {
        if (w.proc.exitCode === null) w.proc.kill("SIGTERM");
        await Promise.race([w.proc.exited, Bun.sleep(5000)]);
        if (w.proc.exitCode === null) w.proc.kill("SIGKILL");
      }),
    );
    if (srv) {
      await Promise.race([srv.stop(), Bun.sleep(5000)]);
      srv.cleanup();
    }
    rmSync(root, { recursive: true, force: true });
    if (backend === "bullmq") await deleteRedisPrefix(prefix).catch(() => {});
  }
}

function line(r: DecisioningResult) {
  const setup = r.backend === "bullmq" ? `bullmq + ${r.workers} workers × ${r.workerConcurrency}` : "embedded";
  const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(", ");
  return `decisioning ${setup.padEnd(26)} ${String(r.decidedPerSecond).padStart(5)} applications decided/s (${r.decided}/${r.applications} in ${r.seconds} s; first decision after ${r.firstDecisionMs ?? "–"} ms; picked up ${r.pickupMs} ms after commit; ${outcomes})${r.error ? ` — ${r.error}` : ""}`;
}

export async function run(opts: { applications?: number; budgetMs?: number; backends?: ("embedded" | "bullmq")[] } = {}): Promise<DecisioningResult[]> {
  const n = opts.applications ?? Number(process.env.BENCH_DECISIONING_APPS ?? 1500);
  const budgetMs = opts.budgetMs ?? 10_000;
  const backends = opts.backends ?? ((process.env.BENCH_DECISIONING_BACKENDS?.split(",") ?? ["embedded", "bullmq"]) as ("embedded" | "bullmq")[]);
  const out: DecisioningResult[] = [];
  for (const backend of backends) {
    let r: DecisioningResult;
    try {
      r = await one(backend, n, budgetMs, { workers: 2, workerConcurrency: 8 });
    } catch (err) {
      r = { backend, workers: backend === "bullmq" ? 2 : 0, workerConcurrency: backend === "bullmq" ? 8 : null, applications: n, decided: 0, seconds: 0, decidedPerSecond: 0, firstDecisionMs: null, pickupMs: 0, outcomes: {}, error: String(err) };
    }
    out.push(r);
    console.log(line(r));
  }
  return out;
}

if (import.meta.main) {
  await run();
  process.exit(0);
}
