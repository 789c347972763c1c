// Owner-side pieces on a real (in-memory) database: snapshots, apply idempotency, the decision, stuck applications.
import { describe, expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { applicants, type Applicants } from "./fixtures/applicants.ts";
import { startChecks } from "./checks.ts";
import scoring from "./index.ts";
import { fraudCheckJob } from "../../jobs/fraud-check.ts";
import { decideApplicationJob } from "../../jobs/decide-application.ts";
import { scoreApplicationJob } from "../../jobs/score-application.ts";
import type { FraudCheckPayload } from "../../schemas/fraud.ts";
import type { ScorePayload } from "../../schemas/scoring.ts";
import { buildFraudSnapshot, loadRuleConfig } from "../fraud/store.ts";
import { countStuck, decideApplication, stuckApplications } from "./store.ts";
import type { JobContext } from "../../src/runtime/index.ts";

const jobCtx = (env: Applicants) => Object.assign(Object.create(env.ctx), { jobId: "j", attempt: 1, signal: new AbortController().signal }) as JobContext;

/** Run both check jobs the way the runtime does: handler (pure) then apply on the owner. */
async function runChecks(env: Applicants, applicationId: string, times = 1) {
  const f = env.outbox("fraud-check").find((r) => r.payload.applicationId === applicationId)!;
  const s = env.outbox("score-application").find((r) => r.payload.applicationId === applicationId)!;
  const fp = fraudCheckJob.payload.parse(f.payload) as FraudCheckPayload;
  const sp = scoreApplicationJob.payload.parse(s.payload) as ScorePayload;
  const fr = await fraudCheckJob.handler(fp, jobCtx(env));
  const sr = await scoreApplicationJob.handler(sp, jobCtx(env));
  for (let i = 0; i < times; i++) {
    env.tx((t) => fraudCheckJob.apply!(fr, fp, t, env.ctx));
    env.tx((t) => scoreApplicationJob.apply!(sr, sp, t, env.ctx));
  }
  return { fr, sr };
}

const status = (env: Applicants, id: string) => env.db.read.get<{ status: string }>("SELECT status FROM applications WHERE id = ?", id)!.status;

describe("checks pipeline on the owner", () => {
  test("submitted → checking with both jobs queued (keyed, once) in one transaction", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower());
    expect(startChecks(env.ctx, app)).toBe(true);
    expect(status(env, app)).toBe("checking");
    expect(startChecks(env.ctx, app)).toBe(true); // redelivered hook: already checking, same keys
    const jobs = env.outbox().filter((r) => r.kind === "job");
    expect(jobs.map((j) => j.key).sort()).toEqual([`fraud-check:${app}`, `score-application:${app}`]);
    const ev = env.db.read.all<any>("SELECT from_status, to_status, actor FROM application_events WHERE application_id = ?", app);
    expect(ev).toEqual([{ from_status: "submitted", to_status: "checking", actor: "system:scoring" }]);
    // the rule config travels in the payload (workers never read the database)
    expect(jobs.find((j) => j.name === "fraud-check")!.payload.rules).toHaveLength(17);
  });

  test("results applied twice change nothing the second time; the decision is queued once", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower());
    startChecks(env.ctx, app);
    await runChecks(env, app, 3);
    const count = (sql: string) => env.db.read.get<{ n: number }>(sql, app)!.n;
    expect(count("SELECT COUNT(*) AS n FROM fraud_checks WHERE application_id = ?")).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM score_decisions WHERE application_id = ?")).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM score_feature_points WHERE application_id = ?")).toBe(9);
    expect(count("SELECT COUNT(*) AS n FROM application_checks WHERE application_id = ?")).toBe(2);
    expect(env.outbox("decide-application").map((r) => r.key)).toEqual([`decide-application:${app}`]);
  });

  test("an unknown model version fails the job; a malformed result is refused by apply and changes nothing", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower());
    startChecks(env.ctx, app);
    const sp = scoreApplicationJob.payload.parse(env.outbox("score-application")[0].payload) as ScorePayload;
    expect(() => scoreApplicationJob.handler({ ...sp, modelVersion: "v0" }, jobCtx(env))).toThrow(/unknown scorecard model v0/);
    const good = (await scoreApplicationJob.handler(sp, jobCtx(env))) as any;
    expect(() => env.tx((t) => scoreApplicationJob.apply!({ ...good, pd: 2 }, sp, t, env.ctx))).toThrow();
    expect(() => env.tx((t) => scoreApplicationJob.apply!({ ...good, reasons: [...good.reasons, ...good.reasons] }, sp, t, env.ctx))).toThrow();
    expect(env.db.read.get<any>("SELECT COUNT(*) AS n FROM score_decisions").n).toBe(0);
  });

  test("the decision waits for both results", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower());
    startChecks(env.ctx, app);
    const f = env.outbox("fraud-check")[0];
    const fp = fraudCheckJob.payload.parse(f.payload) as FraudCheckPayload;
    env.tx((t) => fraudCheckJob.apply!(fraudCheckJob.handler(fp, jobCtx(env)) as any, fp, t, env.ctx));
    expect(env.outbox("decide-application")).toEqual([]);
    expect(env.tx((t) => decideApplication(t, app, env.clock.now()))).toBeNull();
    expect(status(env, app)).toBe("checking");
  });

  test("a clean, affordable applicant is approved with an offer; deciding again is a no-op", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower());
    startChecks(env.ctx, app);
    const { sr } = await runChecks(env, app);
    expect(sr.score).toBe(615);
    await decideApplicationJob.handler({ applicationId: app }, jobCtx(env));
    expect(status(env, app)).toBe("approved");
    const a = env.db.read.get<any>("SELECT offer_json, decided_at FROM applications WHERE id = ?", app);
    expect(JSON.parse(a.offer_json)).toMatchObject({ principalAmount: 5_000_000, tenor: 50 });
    // auto-approved offers lapse too: 7 days after the decision 
    expect(Date.parse(JSON.parse(a.offer_json).expiresAt) - Date.parse(a.decided_at)).toBe(7 * 86_400_000);
    const sd = env.db.read.get<any>("SELECT decision, offer_json, decision_reasons_json FROM score_decisions WHERE application_id = ?", app);
    expect(sd.decision).toBe("approved");
    expect(JSON.parse(sd.offer_json)).toMatchObject({ principalAmount: 5_000_000, lowered: false, incomeRatio: 0.3 });
    expect(JSON.parse(sd.decision_reasons_json).map((r: any) => r.code)).toEqual(["R03", "R06", "R01", "R09"]);
    await decideApplicationJob.handler({ applicationId: app }, jobCtx(env));
    expect(env.db.read.get<any>("SELECT COUNT(*) AS n FROM application_events WHERE application_id = ? AND to_status = 'approved'", app).n).toBe(1);
  });

  test("a low income lowers the offer to fit 30 % (grey score → manual review with the lowered offer)", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower({ income: 1_500_000 }));
    startChecks(env.ctx, app);
    const { sr } = await runChecks(env, app);
    expect(sr.score).toBe(550);
    const d = env.tx((t) => decideApplication(t, app, env.clock.now()))!;
    expect(d.decision).toBe("manual_review");
    expect(d.offer).toMatchObject({ principalAmount: 4_750_000, lowered: true, maxMonthlyInstalmentAmount: 450_000 });
    expect(d.reasons.map((r) => r.code).slice(0, 2)).toEqual(["P04", "P05"]);
    expect(status(env, app)).toBe("manual_review");
  });

  test("before 2026 the 40 % rule applies (regulatory_caps)", async () => {
    await using t = testApp({ now: "2025-06-02T03:00:00Z" });
    const env = applicants(t);
    const app = env.application(env.borrower({ income: 1_500_000 }));
    startChecks(env.ctx, app);
    await runChecks(env, app);
    const d = env.tx((t) => decideApplication(t, app, env.clock.now()))!;
    expect(d.offer).toMatchObject({ principalAmount: 5_000_000, lowered: false, incomeRatio: 0.4 });
  });
});

describe("fraud snapshot from the database", () => {
  test("velocity per NIK (same NIK on several accounts) counts applications in the window", async () => {
    await using t = testApp();
    const env = applicants(t);
    const nik = "3273015505900001";
    const old = new Date(env.clock.now().getTime() - 40 * 86_400_000).toISOString();
    env.application(env.borrower({ nik }), { status: "rejected", at: old }); // outside the 30-day window
    env.application(env.borrower({ nik }), { status: "rejected" });
    env.application(env.borrower({ nik }), { status: "rejected" });
    env.application(env.borrower({ nik }), { status: "draft" }); // drafts do not count
    const app = env.application(env.borrower({ nik }));
    const s = buildFraudSnapshot(env.db.read, app, loadRuleConfig(env.db.read), env.clock.now())!;
    expect(s.velocity.find((v) => v.key === "nik")).toEqual({ key: "nik", windowHours: 720, count: 3 });
    env.application(env.borrower({ nik }), { status: "cancelled" });
    const s2 = buildFraudSnapshot(env.db.read, app, loadRuleConfig(env.db.read), env.clock.now())!;
    expect(s2.velocity.find((v) => v.key === "nik")!.count).toBe(4);
  });

  test("device, IP, phone and bank-account velocity; document and bank-account reuse; blocklist", async () => {
    await using t = testApp();
    const env = applicants(t);
    const other = env.borrower({ bankCode: "BRI", bankAccount: "5550001", docs: [{ kind: "ktp", sha256: "f".repeat(64) }] });
    env.application(other, { device: { id: "dev-X" }, ip: "198.51.100.9", status: "rejected" });
    const me = env.borrower({ bankCode: "BRI", bankAccount: "5550001", phone: "+6281311112222", docs: [{ kind: "ktp", sha256: "f".repeat(64) }, { kind: "selfie" }] });
    const app = env.application(me, { device: { id: "dev-X" }, ip: "198.51.100.9" });
    env.db.tx((c) => {
      c.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at) VALUES ('bl1', 'phone', '+6281311112222', 'mule', 'admin', '2026-01-01')");
      c.run("INSERT INTO blocklist (id, kind, value, reason, created_by, created_at, removed_at) VALUES ('bl2', 'device', 'dev-X', 'old', 'admin', '2026-01-01', '2026-02-01')");
    });
    const s = buildFraudSnapshot(env.db.read, app, loadRuleConfig(env.db.read), env.clock.now())!;
    expect(s.identity).toMatchObject({ deviceId: "dev-X", bankAccount: "BRI:5550001", ip: "198.51.100.9", phone: "+6281311112222" });
    expect(Object.fromEntries(s.velocity.map((v) => [v.key, v.count]))).toEqual({ nik: 1, phone: 1, device: 2, bank_account: 2, ip: 2 });
    expect(s.documentReuse).toEqual([{ sha256: "f".repeat(64), kind: "ktp", otherBorrowers: 1 }]);
    expect(s.bankAccountOtherBorrowers).toBe(1);
    expect(s.blocklistMatches).toEqual([{ id: "bl1", kind: "phone", reason: "mule" }]); // removed entries do not match
  });

  test("a block hit rejects; every hit is stored with its evidence", async () => {
    await using t = testApp();
    const env = applicants(t);
    const sha = "e".repeat(64);
    env.borrower({ docs: [{ kind: "ktp", sha256: sha }] });
    const app = env.application(env.borrower({ docs: [{ kind: "ktp", sha256: sha }, { kind: "selfie" }] }));
    startChecks(env.ctx, app);
    await runChecks(env, app);
    const hits = env.db.read.all<any>("SELECT rule_id, severity, evidence_json FROM fraud_hits WHERE application_id = ?", app);
    expect(hits.map((h) => h.rule_id)).toEqual(["document_reuse"]);
    expect(JSON.parse(hits[0].evidence_json)).toEqual({ documents: [{ kind: "ktp", sha256: sha, otherBorrowers: 1 }] });
    const d = env.tx((t) => decideApplication(t, app, env.clock.now()))!;
    expect(d.decision).toBe("rejected");
    expect(d.reasons.map((r) => r.code)).toEqual(["P01"]);
    expect(status(env, app)).toBe("rejected");
  });

  test("a NIK that disagrees with the declared birth date is blocked", async () => {
    await using t = testApp();
    const env = applicants(t);
    const app = env.application(env.borrower({ birthDate: "1990-05-15", sex: "F", nik: "3273015605900001" }));
    startChecks(env.ctx, app);
    await runChecks(env, app);
    expect(env.db.read.all<any>("SELECT rule_id FROM fraud_hits WHERE application_id = ?", app).map((h) => h.rule_id)).toEqual(["nik_dob_mismatch"]);
    expect(env.tx((t) => decideApplication(t, app, env.clock.now()))!.decision).toBe("rejected");
  });
});

describe("stuck applications", () => {
  test("in checking longer than risk_settings.stuck_after_minutes: gauge and list", async () => {
    await using t = testApp();
    const env = applicants(t);
    const now = env.clock.now().getTime();
    const oldApp = env.application(env.borrower(), { status: "checking", at: new Date(now - 31 * 60_000).toISOString() });
    env.application(env.borrower(), { status: "checking", at: new Date(now - 29 * 60_000).toISOString() });
    env.application(env.borrower(), { status: "approved", at: new Date(now - 5 * 3_600_000).toISOString() });
    expect(countStuck(env.db.read, env.clock.now())).toBe(1);
    expect(stuckApplications(env.db.read, env.clock.now())).toEqual([
      { applicationId: oldApp, userId: expect.any(String), checkingSince: new Date(now - 31 * 60_000).toISOString(), minutes: 31, fraudChecked: false, scored: false },
    ]);
    await scoring.init!(env.ctx);
    expect(await env.metrics.text()).toContain("kreditku_applications_stuck 1");
    env.db.tx((c) => c.run("UPDATE risk_settings SET value = '10' WHERE key = 'stuck_after_minutes'"));
    expect(await env.metrics.text()).toContain("kreditku_applications_stuck 2");
  });
});
