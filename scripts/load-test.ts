// Load test of the borrower journey and of payment-webhook bursts against the built binary.
//
//   bun run scripts/load-test.ts [--users 50] [--concurrency 10] [--duration 20] [--webhook-concurrency 32]
//                                [--duplicates 0.1] [--loans 10] [--binary dist/kreditku] [--out test-results/load-test.json]
//   bun run scripts/load-test.ts --url http://127.0.0.1:4000 --depot ./traildepot [--secret whsec_…]
//
// Phase 1 — journeys: `--users` virtual borrowers, `--concurrency` at a time, each with its own phone (the OTP request
// limit is 3/min per phone) and its own client IP (X-Forwarded-For; the server must trust the proxy header): OTP
// request → code read from <depot>/data/sms.jsonl → OTP verify → KYC profile → KTP + selfie upload → quote → apply
// (Idempotency-Key) → wait for the automatic decision → accept an approved offer → wait for the loan to be active
// (in-process sandbox gateway) → payoff quote (the loan's VA).
// Phase 2 — webhooks: for `--duration` seconds, `--webhook-concurrency` closed-loop senders post signed Standard
// Webhooks payment events (distinct event + payment ids, 1,000 rupiah) to the VAs of the active loans; a share
// `--duplicates` are redeliveries of an event already sent (must answer 200, no second payment). When the script
// started the binary and fewer than `--loans` loans became active, it seeds the rest the way the payments suite
// does (test/kit/accepted-loan.ts) and waits for their disbursement.
//
// Without --url it starts the binary (--binary, $KREDITKU_BINARY or dist/kreditku) on a temporary depot with
// KREDITKU_TRUST_PROXY=true and a known webhook secret, and removes it afterwards. With --url the server must trust
// X-Forwarded-For, --depot must be its depot (for the SMS log) and the webhook secret comes from --secret,
// $KREDITKU_WEBHOOK_SECRET_STANDARD or <depot>/secrets/webhook-standard.
//
// Prints a latency report (count, rps, p50/p95/p99/max per step, errors by status) and writes it as JSON to --out.
// Exits 0 when no request failed, 1 otherwise, 2 on bad flags. Bounded: every phase has a deadline; the server it
// started is always stopped.
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { makeNik } from "../extensions/fraud/nik.ts";
import { paymentPayload, signedWebhook } from "../extensions/payments/sandbox.ts";
import { startBinary, tempDepot, type Running } from "../test/kit/binary.ts";
import { seedLoan } from "../test/kit/accepted-loan.ts";
import { documentFor } from "../test/kit/images.ts";
import { freshIp } from "../test/kit/ip.ts";
import { otpReader } from "../test/kit/otp.ts";

const ROOT = resolve(import.meta.dir, "..");
const DECIDED = new Set(["approved", "rejected", "manual_review", "cancelled", "expired"]);

export interface LoadTestOptions {
  url?: string;
  depot?: string;
  binary?: string;
  secret?: string;
  users: number;
  concurrency: number;
  durationS: number;
  webhookConcurrency: number;
  duplicates: number;
  loans: number;
  out: string;
  seed: number;
  /** Hard bound on the journey phase (ms). */
  journeyTimeoutMs: number;
  log?: (line: string) => void;
}

export const DEFAULTS: LoadTestOptions = {
  users: 50,
  concurrency: 10,
  durationS: 20,
  webhookConcurrency: 32,
  duplicates: 0.1,
  loans: 10,
  out: join(ROOT, "test-results/load-test.json"),
  seed: 1,
  journeyTimeoutMs: 120_000,
};

export interface StepStats {
  count: number;
  ok: number;
  errors: number;
  rps: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  maxms: number;
  statuses: Record<string, number>;
}

export interface LoadTestReport {
  ok: boolean;
  startedAt: string;
  target: string;
  options: Omit<LoadTestOptions, "log" | "secret">;
  journeys: { users: number; completed: number; failed: number; decisions: Record<string, number>; activeLoans: number; seconds: number; firstErrors: string[] };
  webhooks: { seconds: number; loans: number; seededLoans: number; events: number; duplicates: number; acknowledged: number; verified: null | { payments: number; expected: number; sumAmount: number; expectedSumAmount: number; ok: boolean } };
  steps: Record<string, StepStats>;
  errorsByStatus: Record<string, number>;
  totalRequests: number;
  totalErrors: number;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pct = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
const round = (n: number) => Math.round(n * 100) / 100;

class Recorder {
  private lat = new Map<string, number[]>();
  private st = new Map<string, Map<string, number>>();
  private errs = new Map<string, number>();
  private windows = new Map<string, number>();
  private errStatus = new Map<string, number>();
  /** Seconds each step's phase lasted (for rps). */
  window(step: string, seconds: number) {
    this.windows.set(step, seconds);
  }
  record(step: string, ms: number, status: number | string, ok: boolean) {
    if (!this.lat.has(step)) {
      this.lat.set(step, []);
      this.st.set(step, new Map());
    }
    this.lat.get(step)!.push(ms);
    const m = this.st.get(step)!;
    m.set(String(status), (m.get(String(status)) ?? 0) + 1);
    if (!ok) {
      this.errs.set(step, (this.errs.get(step) ?? 0) + 1);
      this.errStatus.set(String(status), (this.errStatus.get(String(status)) ?? 0) + 1);
    }
  }
  stats(): { steps: Record<string, StepStats>; errorsByStatus: Record<string, number>; total: number; errors: number } {
    const steps: Record<string, StepStats> = {};
    const errorsByStatus = this.errorStatuses();
    let total = 0;
    let errors = 0;
    for (const [step, l] of this.lat) {
      const sorted = [...l].sort((a, b) => a - b);
      const statuses = Object.fromEntries(this.st.get(step)!);
      const e = this.errs.get(step) ?? 0;
      const secs = this.windows.get(step) ?? 1;
      steps[step] = { count: l.length, ok: l.length - e, errors: e, rps: round(l.length / Math.max(secs, 0.001)), p50ms: round(pct(sorted, 50)), p95ms: round(pct(sorted, 95)), p99ms: round(pct(sorted, 99)), maxms: round(sorted.at(-1) ?? 0), statuses };
      total += l.length;
      errors += e;
    }
    return { steps, errorsByStatus, total, errors };
  }
  errorStatuses(): Record<string, number> {
    return Object.fromEntries(this.errStatus);
  }
}

interface Res {
  status: number | string;
  body: any;
  ms: number;
}

export async function runLoadTest(input: Partial<LoadTestOptions> = {}): Promise<LoadTestReport> {
  const o: LoadTestOptions = { ...DEFAULTS, ...input };
  const log = o.log ?? ((l: string) => console.error(l));
  const rand = rng(o.seed);
  const runTag = `${Date.now().toString(36)}${Math.floor(rand() * 1e6).toString(36)}`;
  const startedAt = new Date().toISOString();
  let srv: Running | null = null;
  let base = o.url?.replace(/\/$/, "");
  let depot = o.depot ? resolve(o.depot) : undefined;
  let secret = o.secret ?? process.env.KREDITKU_WEBHOOK_SECRET_STANDARD?.split(",")[0];
  const ownDepot = !base;
  let depotRoot: string | null = null;
  if (!base) {
    if (o.binary) process.env.KREDITKU_BINARY = resolve(o.binary);
    secret = "whsec_" + Buffer.from(`load-test-secret-${runTag}`.padEnd(32, "x")).toString("base64");
    depotRoot = tempDepot("kreditku-load-");
    srv = await startBinary({ depot: join(depotRoot, "depot"), env: { KREDITKU_TRUST_PROXY: "true", KREDITKU_WEBHOOK_SECRET_STANDARD: secret, KREDITKU_LOG_LEVEL: "info" }, timeoutMs: 30_000 });
    base = srv.url;
    depot = srv.depot;
    log(`load-test: started ${process.env.KREDITKU_BINARY ?? "dist/kreditku"} at ${base} on ${depot}`);
  }
  try {
    return await drive();
  } finally {
    if (srv) {
      await srv.stop("SIGTERM");
      srv.cleanup();
    }
    if (depotRoot) rmSync(depotRoot, { recursive: true, force: true });
  }

  async function drive(): Promise<LoadTestReport> {
  if (!depot) throw new Error("--url needs --depot (the server's depot: OTP codes are read from <depot>/data/sms.jsonl)");
  if (!secret && existsSync(join(depot, "secrets/webhook-standard"))) secret = readFileSync(join(depot, "secrets/webhook-standard"), "utf8").trim().split(/[\s,]+/)[0];
  const rec = new Recorder();

  async function call(step: string | null, method: string, path: string, body?: unknown, opts: { token?: string; headers?: Record<string, string>; form?: FormData; expect?: number[] } = {}): Promise<Res> {
    const t0 = performance.now();
    let status: number | string;
    let parsed: any = null;
    try {
      const r = await fetch(base + path, {
        method,
        headers: { ...(opts.form ? {} : { "Content-Type": "application/json" }), "X-Forwarded-For": freshIp(), "User-Agent": "kreditku-load-test/1", ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
        body: opts.form ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.timeout(30_000),
      });
      status = r.status;
      const text = await r.text();
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
    } catch (e) {
      status = (e as any)?.code ?? (e as Error).name ?? "network";
    }
    const ms = performance.now() - t0;
    if (step) rec.record(step, ms, status, typeof status === "number" && (opts.expect ?? [200]).includes(status));
    return { status, body: parsed, ms };
  }

  const otp = otpReader(depot);
  const codeFor = (phone: string) => otp.code(phone);

  const upload = (token: string, kind: string, salt: string) => {
    // A real image, padded (in its comment) to about the size the load test has always sent.
    const doc = documentFor(kind, `${salt}-${kind}-${Math.random()}`.padEnd(2048, "."));
    const form = new FormData();
    form.set("kind", kind);
    form.set("file", new File([doc.bytes as BlobPart], doc.name, { type: doc.type }));
    return call(`upload_${kind}`, "POST", "/api/v1/documents", undefined, { token, form, expect: [201] });
  };

  const decisions: Record<string, number> = {};
  const vas: string[] = [];
  const firstErrors: string[] = [];
  let completed = 0;
  let failed = 0;
  const phoneBase = 10_000_000 + Math.floor(rand() * 80_000_000);

  async function journey(i: number, deadline: number) {
    const fail = (what: string, r: Res) => {
      failed++;
      if (firstErrors.length < 10) firstErrors.push(`user ${i}: ${what} → ${r.status} ${typeof r.body === "object" ? JSON.stringify(r.body)?.slice(0, 200) : String(r.body).slice(0, 200)}`);
    };
    const local = `0819${String((phoneBase + i) % 100_000_000).padStart(8, "0")}`;
    const phone = "+62" + local.slice(1);
    const req = await call("otp_request", "POST", "/api/v1/auth/otp/request", { phone: local }, { expect: [202] });
    if (req.status !== 202) return fail("otp_request", req);
    let code: string | null = null;
    for (let k = 0; k < 100 && !code; k++) {
      code = codeFor(phone);
      if (!code) await Bun.sleep(20);
    }
    if (!code) return fail("sms", { status: "no-sms", body: phone, ms: 0 });
    const v = await call("otp_verify", "POST", "/api/v1/auth/otp/verify", { challengeId: req.body.challengeId, code });
    if (v.status !== 200) return fail("otp_verify", v);
    const token = v.body.accessToken as string;
    const userId = v.body.user.id as string;
    const n = (phoneBase + i) % 8000;
    const birthDate = "1990-05-15";
    const profile = {
      nik: makeNik({ birthDate, sex: "F", province: "31", regency: "71", district: "01", sequence: String(1000 + n) }),
      fullName: `Peminjam Beban ${i}`,
      birthDate,
      sex: "F",
      address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
      employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
      monthlyIncomeAmount: 8_000_000,
      bankAccount: { bankCode: "BCA", accountNumber: String(6_600_000_000 + phoneBase + i), accountName: `PEMINJAM ${i}` },
      emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
    };
    const p = await call("profile", "PUT", "/api/v1/me/profile", profile, { token });
    if (p.status !== 200) return fail("profile", p);
    const ktp = await upload(token, "ktp", userId);
    if (ktp.status !== 201) return fail("upload_ktp", ktp);
    const selfie = await upload(token, "selfie", userId);
    if (selfie.status !== 201) return fail("upload_selfie", selfie);
    const q = await call("quote", "POST", "/api/v1/quotes", { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50 }, { token });
    if (q.status !== 200) return fail("quote", q);
    const applyBody = { productId: "prod_reference_weekly", principalAmount: 5_000_000, tenor: 50, purpose: "Modal usaha warung", documentIds: [ktp.body.id, selfie.body.id], device: { id: `load-${runTag}-${i}`, platform: "android" } };
    const a = await call("apply", "POST", "/api/v1/applications", applyBody, { token, headers: { "Idempotency-Key": `load-${runTag}-${i}` }, expect: [201] });
    if (a.status !== 201) return fail("apply", a);
    const appId = a.body.id as string;
    const t0 = performance.now();
    let status = a.body.status as string;
    while (!DECIDED.has(status) && Date.now() < deadline) {
      await Bun.sleep(50);
      const g = await call("application_poll", "GET", `/api/v1/applications/${appId}`, undefined, { token });
      if (g.status !== 200) return fail("application_poll", g);
      status = g.body.status;
    }
    rec.record("decision_wait", performance.now() - t0, status, DECIDED.has(status));
    decisions[status] = (decisions[status] ?? 0) + 1;
    if (!DECIDED.has(status)) return fail("decision", { status, body: appId, ms: 0 });
    if (status === "approved") {
      const acc = await call("accept", "POST", `/api/v1/applications/${appId}/accept`, {}, { token, headers: { "Idempotency-Key": `load-accept-${runTag}-${i}` }, expect: [201] });
      if (acc.status !== 201) return fail("accept", acc);
      const loanId = (acc.body.loanId ?? acc.body.loan?.id) as string;
      const t1 = performance.now();
      let loanStatus = "";
      while (loanStatus !== "active" && Date.now() < deadline) {
        await Bun.sleep(50);
        const l = await call("loan_poll", "GET", `/api/v1/loans/${loanId}`, undefined, { token });
        if (l.status !== 200) return fail("loan_poll", l);
        loanStatus = l.body.status;
      }
      rec.record("disbursement_wait", performance.now() - t1, loanStatus || "none", loanStatus === "active");
      if (loanStatus !== "active") return fail("disbursement", { status: loanStatus, body: loanId, ms: 0 });
      const po = await call("payoff_quote", "GET", `/api/v1/loans/${loanId}/payoff`, undefined, { token });
      if (po.status !== 200) return fail("payoff_quote", po);
      vas.push(po.body.virtualAccount.vaNumber);
    }
    completed++;
  }

  // ---- phase 1: journeys ----
  const j0 = performance.now();
  const jDeadline = Date.now() + o.journeyTimeoutMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(o.concurrency, o.users)) }, async () => {
      while (next < o.users && Date.now() < jDeadline) await journey(next++, jDeadline);
    }),
  );
  const jSeconds = (performance.now() - j0) / 1000;
  for (const s of ["otp_request", "otp_verify", "profile", "upload_ktp", "upload_selfie", "quote", "apply", "application_poll", "decision_wait", "accept", "loan_poll", "disbursement_wait", "payoff_quote"]) rec.window(s, jSeconds);
  log(`load-test: ${completed}/${o.users} journeys completed in ${jSeconds.toFixed(1)} s (${JSON.stringify(decisions)}), ${vas.length} active loans`);

  // ---- phase 2: webhook bursts ----
  let seeded = 0;
  if (ownDepot && vas.length < o.loans) {
    const db = new Database(join(depot, "data/main.db"));
    db.exec("PRAGMA busy_timeout = 10000");
    const ids: string[] = [];
    try {
      db.transaction(() => {
        for (let k = vas.length; k < o.loans; k++) ids.push(seedLoan(db, { enqueueDisburse: true }).loanId);
      })();
      seeded = ids.length;
      const end = Date.now() + 30_000;
      let got: string[] = [];
      while (Date.now() < end) {
        got = (db.query(`SELECT v.va_number AS va FROM virtual_accounts v JOIN loans l ON l.id = v.loan_id WHERE l.status = 'active' AND l.id IN (${ids.map(() => "?").join(",")})`).all(...ids) as { va: string }[]).map((r) => r.va);
        if (got.length === ids.length) break;
        await Bun.sleep(100);
      }
      vas.push(...got);
    } finally {
      db.close();
    }
    log(`load-test: seeded ${seeded} loans for the webhook burst (${vas.length} active loans in all)`);
  }
  let events = 0;
  let dups = 0;
  let acked = 0;
  let ackedAmount = 0;
  let wSeconds = 0;
  const sentIds: number[] = [];
  if (!secret) log("load-test: no webhook secret known (--secret, KREDITKU_WEBHOOK_SECRET_STANDARD or <depot>/secrets/webhook-standard): webhook phase skipped");
  else if (vas.length === 0) log("load-test: no active loan: webhook phase skipped");
  else {
    const payload = (n: number) => paymentPayload("standard", { paymentId: `lt-${runTag}-${n}`, vaNumber: vas[n % vas.length], amount: 1_000, currency: "IDR", paidAt: new Date().toISOString() });
    const send = async (step: string, n: number) => {
      const w = signedWebhook("standard", secret!, "payment", payload(n), { eventId: `msg_lt_${runTag}_${n}` });
      const t0 = performance.now();
      let status: number | string;
      try {
        const r = await fetch(base + w.path, { method: "POST", headers: w.headers, body: w.body, signal: AbortSignal.timeout(30_000) });
        await r.arrayBuffer();
        status = r.status;
      } catch (e) {
        status = (e as any)?.code ?? (e as Error).name ?? "network";
      }
      rec.record(step, performance.now() - t0, status, status === 200);
      return status;
    };
    const w0 = performance.now();
    const until = w0 + o.durationS * 1000;
    let seq = 0;
    await Promise.all(
      Array.from({ length: o.webhookConcurrency }, async () => {
        while (performance.now() < until) {
          if (sentIds.length > 0 && rand() < o.duplicates) {
            dups++;
            await send("webhook_duplicate", sentIds[Math.floor(rand() * sentIds.length)]);
          } else {
            const n = seq++;
            events++;
            if ((await send("webhook_payment", n)) === 200) {
              acked++;
              ackedAmount += 1_000;
              sentIds.push(n);
            }
          }
        }
      }),
    );
    wSeconds = (performance.now() - w0) / 1000;
    rec.window("webhook_payment", wSeconds);
    rec.window("webhook_duplicate", wSeconds);
    log(`load-test: ${events} payment events + ${dups} duplicate deliveries in ${wSeconds.toFixed(1)} s`);
  }

  // ---- verification (own depot: read the database) ----
  let verified: LoadTestReport["webhooks"]["verified"] = null;
  if (ownDepot && events > 0) {
    const db = new Database(join(depot, "data/main.db"), { readonly: true });
    try {
      const r = db.query("SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS s FROM payments WHERE provider_payment_id LIKE ?").get(`lt-${runTag}-%`) as { n: number; s: number };
      verified = { payments: r.n, expected: acked, sumAmount: r.s, expectedSumAmount: ackedAmount, ok: r.n === acked && r.s === ackedAmount };
    } finally {
      db.close();
    }
  }

  const s = rec.stats();
  const errorsByStatus = s.errorsByStatus;
  const report: LoadTestReport = {
    ok: s.errors === 0 && failed === 0 && (verified?.ok ?? true),
    startedAt,
    target: base!,
    options: { ...o, log: undefined, secret: undefined } as any,
    journeys: { users: o.users, completed, failed, decisions, activeLoans: vas.length - seeded, seconds: round(jSeconds), firstErrors },
    webhooks: { seconds: round(wSeconds), loans: vas.length, seededLoans: seeded, events, duplicates: dups, acknowledged: acked, verified },
    steps: s.steps,
    errorsByStatus,
    totalRequests: s.total,
    totalErrors: s.errors,
  };
  delete (report.options as any).log;
  delete (report.options as any).secret;
  mkdirSync(dirname(resolve(o.out)), { recursive: true });
  writeFileSync(resolve(o.out), JSON.stringify(report, null, 2) + "\n");
  return report;
  }
}

export function formatReport(r: LoadTestReport): string {
  const lines = [
    `load test against ${r.target} — ${r.ok ? "OK" : "FAILED"}`,
    `journeys: ${r.journeys.completed}/${r.journeys.users} completed in ${r.journeys.seconds} s, decisions ${JSON.stringify(r.journeys.decisions)}, ${r.journeys.activeLoans} loans disbursed`,
    `webhooks: ${r.webhooks.events} events + ${r.webhooks.duplicates} duplicates in ${r.webhooks.seconds} s over ${r.webhooks.loans} loans (${r.webhooks.seededLoans} seeded)` +
      (r.webhooks.verified ? `; payments in the database ${r.webhooks.verified.payments}/${r.webhooks.verified.expected} ${r.webhooks.verified.ok ? "✓" : "✗"}` : ""),
    "",
    `${"step".padEnd(18)}${"count".padStart(8)}${"rps".padStart(9)}${"p50 ms".padStart(9)}${"p95 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}${"errors".padStart(8)}  statuses`,
  ];
  for (const [k, v] of Object.entries(r.steps)) {
    lines.push(`${k.padEnd(18)}${String(v.count).padStart(8)}${v.rps.toFixed(1).padStart(9)}${v.p50ms.toFixed(1).padStart(9)}${v.p95ms.toFixed(1).padStart(9)}${v.p99ms.toFixed(1).padStart(9)}${v.maxms.toFixed(1).padStart(9)}${String(v.errors).padStart(8)}  ${JSON.stringify(v.statuses)}`);
  }
  lines.push("", `requests ${r.totalRequests}, errors ${r.totalErrors}, errors by status ${JSON.stringify(r.errorsByStatus)}`);
  if (r.journeys.firstErrors.length) lines.push("first journey errors:", ...r.journeys.firstErrors.map((e) => "  " + e));
  return lines.join("\n");
}

if (import.meta.main) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        url: { type: "string" },
        depot: { type: "string" },
        binary: { type: "string" },
        secret: { type: "string" },
        users: { type: "string" },
        concurrency: { type: "string" },
        duration: { type: "string" },
        "webhook-concurrency": { type: "string" },
        duplicates: { type: "string" },
        loans: { type: "string" },
        out: { type: "string" },
        seed: { type: "string" },
        "journey-timeout": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`load-test: ${(e as Error).message}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(readFileSync(import.meta.path, "utf8").split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n").split("\nimport")[0]);
    process.exit(0);
  }
  const num = (k: string, d: number, min: number, max: number) => {
    const v = values[k];
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      console.error(`load-test: --${k} must be a number in [${min}, ${max}]`);
      process.exit(2);
    }
    return n;
  };
  const opts: Partial<LoadTestOptions> = {
    url: values.url as string | undefined,
    depot: values.depot as string | undefined,
    binary: values.binary as string | undefined,
    secret: values.secret as string | undefined,
    users: num("users", DEFAULTS.users, 0, 10_000),
    concurrency: num("concurrency", DEFAULTS.concurrency, 1, 500),
    durationS: num("duration", DEFAULTS.durationS, 0, 600),
    webhookConcurrency: num("webhook-concurrency", DEFAULTS.webhookConcurrency, 1, 1000),
    duplicates: num("duplicates", DEFAULTS.duplicates, 0, 0.9),
    loans: num("loans", DEFAULTS.loans, 0, 1000),
    out: (values.out as string | undefined) ?? DEFAULTS.out,
    seed: num("seed", DEFAULTS.seed, 0, 2 ** 31),
    journeyTimeoutMs: num("journey-timeout", DEFAULTS.journeyTimeoutMs / 1000, 1, 3600) * 1000,
  };
  if (opts.url && !opts.depot) {
    console.error("load-test: --url needs --depot (OTP codes are read from <depot>/data/sms.jsonl)");
    process.exit(2);
  }
  try {
    const report = await runLoadTest(opts);
    console.log(formatReport(report));
    console.log(`\nJSON report: ${resolve(opts.out!)}`);
    process.exit(report.ok ? 0 : 1);
  } catch (e) {
    console.error(`load-test: ${(e as Error).stack ?? e}`);
    process.exit(1);
  }
}
