// The collections routes on the real app (auth, access, Idempotency-Key), the sweep and the reminder job through
// the embedded job runner, and the gauges on /metrics. Every test has its own depot with two loans: H-ok (current)
// and H-bad (200 days past due).
import { expect, test } from "bun:test";
import { readFileSync, existsSync } from "node:fs";
import { depotPaths } from "../../src/config.ts";
import { waitFor } from "../../test/kit/wait.ts";
import { testApp, type TestApp } from "../../test/kit/app.ts";
import { scenarios } from "../../test/kit/scenario.ts";
import { runSweep } from "./sweep.ts";
import { seedLoan } from "./fixtures/reference-loan.ts";
import { addDays, jakartaDate } from "../../src/runtime/index.ts";

/** H-ok (started 3 days ago) and H-bad (DPD 200), with the job runner started. */
async function book(t: TestApp) {
  const today = jakartaDate(t.clock.now()); // 10:00 Asia/Jakarta
  t.db.tx((c) => {
    seedLoan(c, { id: "H-ok", startDate: addDays(today, -3), vaNumber: "880811110001" });
    seedLoan(c, { id: "H-bad", startDate: addDays(today, -207), vaNumber: "880811110002" }); // DPD 200
  });
  await t.start();
}
/** The book after today's sweep. */
async function sweptBook(t: TestApp) {
  await book(t);
  expect((await runSweep(t.ctx)).status).toBe("done");
}
const swept = ({ app }: { app: TestApp }) => sweptBook(app);
const writeOff = "/api/v1/admin/loans/H-bad/write-off";

scenarios("collections over HTTP", [
  { name: "an analyst may not queue the sweep", method: "POST", url: "/api/v1/admin/collections/sweep", body: {}, asUser: "analyst", beforeTest: ({ app }) => book(app), expectedStatus: 403, expectedEvents: {} },
  {
    name: "admin queues the sweep; it runs on the owner and the reminder SMS goes out through the port",
    method: "POST",
    url: "/api/v1/admin/collections/sweep",
    body: {},
    asUser: "admin",
    beforeTest: ({ app }) => book(app),
    expectedStatus: 202,
    async afterTest({ app }) {
      await waitFor(() => app.db.read.get("SELECT 1 AS ok FROM sweep_runs WHERE status = 'done'"), 5000, "sweep done");
      await waitFor(() => app.db.read.get("SELECT 1 AS ok FROM collection_reminders WHERE loan_id = 'H-bad' AND status = 'sent'"), 5000, "reminder sent");
      const log = depotPaths(app.depot).smsLog;
      expect(existsSync(log)).toBe(true);
      expect(readFileSync(log, "utf8")).toContain("880811110002");
    },
  },
  { name: "the summary needs a signed-in caller", method: "GET", url: "/api/v1/admin/portfolio/summary", beforeTest: swept, expectedStatus: 401 },
  {
    name: "staff see the portfolio summary",
    method: "GET",
    url: "/api/v1/admin/portfolio/summary",
    asUser: "analyst",
    beforeTest: swept,
    expectedStatus: 200,
    expectedContent: { loans: 2, totalOutstandingAmount: 11_000_000, outstandingOver90Amount: 5_500_000, twp90: 0.5, tkb90: 0.5 },
  },
  {
    name: "the collections list by bucket, with the VA",
    method: "GET",
    url: "/api/v1/admin/collections?bucket=macet&limit=5",
    asUser: "finance",
    beforeTest: swept,
    expectedStatus: 200,
    afterTest: ({ res }) => expect(res.body.items.map((i: any) => [i.loanId, i.dpd, i.vaNumber])).toEqual([["H-bad", 200, "880811110002"]]),
  },
  { name: "an unknown bucket is 422", method: "GET", url: "/api/v1/admin/collections?bucket=nope", asUser: "finance", beforeTest: swept, expectedStatus: 422 },
  { name: "roll rates: impossible dates are 422", method: "GET", url: "/api/v1/admin/portfolio/roll-rates?from=9999-99-99&to=2026-02-30", asUser: "analyst", beforeTest: swept, expectedStatus: 422, expectedContent: ["must be a real calendar date"] },
  { name: "roll rates: to before from is 422", method: "GET", url: "/api/v1/admin/portfolio/roll-rates?from=2026-03-31&to=2026-03-01", asUser: "analyst", beforeTest: swept, expectedStatus: 422, expectedContent: ["must not be before from"] },
  { name: "roll rates: a real period is 200", method: "GET", url: "/api/v1/admin/portfolio/roll-rates?from=2024-02-29&to=2026-03-01", asUser: "analyst", beforeTest: swept, expectedStatus: 200 },
  { name: "the gauges on /metrics", method: "GET", url: "/metrics", beforeTest: swept, expectedStatus: 200, expectedContent: ["kreditku_twp90_ratio 0.5", 'kreditku_outstanding_amount{bucket="macet"} 5500000'] },
  { name: "write-off: signed out 401", method: "POST", url: writeOff, body: { reason: "uncollectible" }, beforeTest: swept, expectedStatus: 401 },
  { name: "write-off: an analyst may not (403)", method: "POST", url: writeOff, body: { reason: "uncollectible" }, asUser: "analyst", beforeTest: swept, expectedStatus: 403 },
  { name: "write-off: a reason is required (422)", method: "POST", url: writeOff, body: {}, asUser: "finance", beforeTest: swept, expectedStatus: 422 },
  { name: "write-off: 409 below the threshold", method: "POST", url: "/api/v1/admin/loans/H-ok/write-off", body: { reason: "uncollectible" }, asUser: "finance", beforeTest: swept, expectedStatus: 409 },
]);

test("collections over HTTP > write-off: finance writes off once; the same Idempotency-Key replays it", async () => {
  await using t = testApp();
  await sweptBook(t);
  const finance = t.staff("finance");
  const headers = { "Idempotency-Key": "wo-h-bad-1" };
  const first = await t.call("POST", writeOff, { as: finance, body: { reason: "uncollectible" }, headers });
  expect(first.status).toBe(201);
  const wo = first.body;
  // 29 instalments fell due by DPD 200: only their interest (recognised) is expensed; the rest is reversed
  expect(wo).toMatchObject({ loanId: "H-bad", dpd: 200, principalAmount: 5_000_000, interestAmount: 290_000 });
  expect(wo.totalAmount).toBe(5_290_000 + wo.lateFeeAmount);
  const replay = await t.call("POST", writeOff, { as: finance, body: { reason: "uncollectible" }, headers });
  expect(replay.status).toBe(201);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(replay.body.journalId).toBe(wo.journalId);
  expect(t.db.read.get<any>("SELECT status FROM loans WHERE id = 'H-bad'").status).toBe("written_off");
});

test("collections over HTTP > a second manual sweep the same day runs, and re-evaluates a loan whose standing changed since the first", async () => {
  await using t = testApp();
  await sweptBook(t);
  // a loan the day's sweep saw current, left delinquent by a change after it (its standing is current again)
  t.db.tx((c) => {
    c.run("UPDATE loans SET status = 'delinquent' WHERE id = 'H-ok'");
    c.run("UPDATE collection_state SET status = 'delinquent' WHERE loan_id = 'H-ok'");
  });
  const r = await t.call("POST", "/api/v1/admin/collections/sweep", { as: t.staff("admin"), body: {} });
  expect(r.status).toBe(202);
  const { jobKey } = r.body as { jobKey: string };
  await waitFor(() => t.db.read.get("SELECT 1 AS ok FROM outbox WHERE key = ? AND state = 'completed'", jobKey), 5000, "second sweep ran");
  expect(t.db.read.get<any>("SELECT status, dpd FROM loans WHERE id = 'H-ok'")).toEqual({ status: "active", dpd: 0 });
  expect(t.db.read.get<any>("SELECT status FROM collection_state WHERE loan_id = 'H-ok'").status).toBe("active");
  expect(t.db.read.get<any>("SELECT from_status, to_status, actor FROM loan_events WHERE loan_id = 'H-ok' ORDER BY id DESC LIMIT 1")).toEqual({
    from_status: "delinquent",
    to_status: "active",
    actor: "system:collections",
  });
});

test("collections over HTTP > one outstanding and TWP90: overview, portfolio summary, /metrics and the loans agree, late fees apart", async () => {
  await using t = testApp();
  await sweptBook(t);
  const admin = t.staff("admin");
  const lateFees = t.db.read.get<{ n: number }>("SELECT SUM(late_fee_due - late_fee_paid) AS n FROM installments WHERE loan_id IN ('H-ok', 'H-bad')")!.n;
  expect(lateFees).toBeGreaterThan(0);
  const summary = (await t.call("GET", "/api/v1/admin/portfolio/summary", { as: admin })).body;
  const overview = (await t.call("GET", "/api/v1/admin/overview?days=30", { as: admin })).body.loans;
  const loans = await Promise.all(["H-ok", "H-bad"].map(async (id) => (await t.call("GET", `/api/v1/loans/${id}`, { as: admin })).body));
  const metrics = String((await t.call("GET", "/metrics")).body);
  const gauge = (line: RegExp) => Number(line.exec(metrics)?.[1]);
  const metricBuckets = [...metrics.matchAll(/^kreditku_outstanding_amount\{bucket="[a-z0-9_]+"\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);

  const loansTotal = loans.reduce((s: number, l: any) => s + l.outstandingAmount, 0);
  expect(summary.totalOutstandingAmount).toBe(11_000_000);
  expect(overview.outstandingAmount).toBe(summary.totalOutstandingAmount);
  expect(loansTotal).toBe(summary.totalOutstandingAmount);
  expect(metricBuckets).toBe(summary.totalOutstandingAmount);
  // late fees are reported apart, the same sum everywhere
  expect(summary.lateFeeOutstandingAmount).toBe(lateFees);
  expect(overview.lateFeeOutstandingAmount).toBe(lateFees);
  expect(loans.reduce((s: number, l: any) => s + l.lateFeeOutstandingAmount, 0)).toBe(lateFees);
  // and TWP90 is one figure
  expect(summary.twp90).toBe(0.5);
  expect(overview.twp90).toBe(summary.twp90);
  expect(gauge(/^kreditku_twp90_ratio (\S+)$/m)).toBe(summary.twp90);
  expect(loans.find((l: any) => l.id === "H-bad").outstandingAmount).toBe(summary.outstandingOver90Amount);
});
