// Load and crash tests in a small, bounded configuration, run through their command lines against the
// built binary ($KREDITKU_BINARY or dist/kreditku): the load test (5 borrowers, 3 s of webhooks), the crash test in
// BullMQ mode (serve + one worker, 2 × kill -9, 300 webhooks; needs Redis on 127.0.0.1:6379, private key prefix)
// and in embedded mode (1 × kill -9). Each script proves its own claims and exits 0 only when all hold; this suite
// checks the exit code and the JSON it wrote. The three runs start together (beforeAll) and each test awaits its
// own: ~10 s in all when no kill lands on an active BullMQ job; one that does adds 30–90 s, the time BullMQ takes to
// hand a job held by a dead process to another (30 s lock, then its stalled-job check) — the BullMQ drain allows 120 s.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BINARY } from "./kit/binary.ts";

const ROOT = resolve(import.meta.dir, "..");
const out = mkdtempSync(join(tmpdir(), "kreditku-crash-e2e-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function script(name: string, args: string[], timeoutMs: number) {
  const proc = Bun.spawn([process.execPath, "run", join(ROOT, "scripts", name), "--binary", BINARY, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) console.error(`${name} exited ${code}\n${stderr}\n${stdout.slice(-4000)}`);
    return { stdout, stderr, code };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}

type Run = Awaited<ReturnType<typeof script>> & { file: string };
const runs: Record<string, Promise<Run>> = {};
const start = (key: string, name: string, args: string[], timeoutMs: number) => {
  const file = join(out, `${key}.json`);
  runs[key] = script(name, [...args, "--out", file], timeoutMs).then((r) => ({ ...r, file }));
  runs[key].catch(() => {});
};
const crashArgs = (kills: number) => ["--kills", String(kills), "--webhooks", "300", "--borrowers", "6", "--loans", "5", "--seed", String(7 + kills), "--drain-timeout", "120"];

beforeAll(() => {
  start("load", "load-test.ts", ["--users", "5", "--concurrency", "5", "--duration", "3", "--loans", "5", "--webhook-concurrency", "16"], 60_000);
  start("bullmq", "crash-test.ts", crashArgs(2), 170_000);
  start("embedded", "crash-test.ts", [...crashArgs(1), "--embedded"], 90_000);
});

describe("load and crash tests (small configuration)", () => {
  test("load test: 5 borrower journeys, 3 s of signed payment webhooks, no error, every payment recorded", async () => {
    const r = await runs.load;
    const file = r.file;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("p99 ms");
    const rep = JSON.parse(readFileSync(file, "utf8"));
    expect(rep.ok).toBe(true);
    expect(rep.journeys).toMatchObject({ users: 5, completed: 5, failed: 0 });
    expect(rep.totalErrors).toBe(0);
    for (const step of ["otp_request", "otp_verify", "profile", "upload_ktp", "upload_selfie", "quote", "apply", "webhook_payment"]) {
      expect(rep.steps[step].count).toBeGreaterThan(0);
      expect(rep.steps[step].p99ms).toBeGreaterThanOrEqual(rep.steps[step].p50ms);
    }
    expect(rep.steps.apply.count).toBe(5);
    expect(rep.webhooks.events).toBeGreaterThan(100);
    expect(rep.webhooks.verified).toMatchObject({ ok: true, payments: rep.webhooks.acknowledged });
    console.log(`load: ${rep.webhooks.events} webhooks at ${rep.steps.webhook_payment.rps} req/s, p99 ${rep.steps.webhook_payment.p99ms} ms; apply p99 ${rep.steps.apply.p99ms} ms`);
  }, 60_000);

  const crash = async (mode: "bullmq" | "embedded", kills: number) => {
    const r = await runs[mode];
    const s = JSON.parse(readFileSync(r.file, "utf8"));
    expect(JSON.parse(r.stdout)).toEqual(s);
    for (const c of s.checks) expect({ check: c.name, ok: c.ok, detail: c.ok ? null : c.detail }).toEqual({ check: c.name, ok: true, detail: null });
    expect(r.code).toBe(0);
    expect(s.ok).toBe(true);
    expect(s.mode).toBe(mode);
    expect(s.kills).toHaveLength(kills);
    if (mode === "bullmq") expect(new Set(s.kills.map((k: any) => k.target))).toEqual(new Set(["server", "worker"]));
    expect(s.webhooks.events).toBe(300);
    expect(s.webhooks.deliveries).toBeGreaterThan(300); // redeliveries and duplicates
    expect(s.borrowers.decided).toBe(6);
    expect(s.jobs.byState).toEqual({ completed: s.jobs.outboxRows });
    for (const f of s.findings) console.log(`crash (${mode}) finding: ${f}`);
    console.log(`crash (${mode}): ${kills} kill(s) ${JSON.stringify(s.kills.map((k: any) => k.target))}, ${s.webhooks.deliveries} deliveries ${JSON.stringify(s.webhooks.statuses)}, ${s.jobs.outboxRows} jobs completed, drain ${s.jobs.drainSeconds} s, ${s.seconds} s`);
  };

  test("crash test, BullMQ (serve + worker): 2 × kill -9 in a 300-webhook burst with job traffic → nothing lost or doubled", () => crash("bullmq", 2), 180_000);
  test("crash test, embedded: kill -9 in a 300-webhook burst with job traffic → nothing lost or doubled", () => crash("embedded", 1), 100_000);
});
