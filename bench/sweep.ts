// Delinquency sweep on 1,000,000 instalments (20,000 loans × 50 weekly) in a temporary SQLite file (WAL), against
// a floor measured in the same run: reading the same loans and instalments in the same batches without doing
// anything. Sizes: BENCH_SWEEP_LOANS (default 20000). Bounded: one seed, one floor pass, three sweeps.
import { depotPaths } from "../src/config.ts";
import { addDays } from "../src/runtime/index.ts";
import { LOAN_SELECT, loadInstalments } from "../extensions/collections/sweep-loan.ts";
import { runSweep } from "../extensions/collections/sweep.ts";
import { at, seedLoan } from "../extensions/collections/fixtures/reference-loan.ts";
import { testApp } from "../test/kit/app.ts";

export interface SweepBenchResult {
  bench: "sweep";
  loans: number;
  instalments: number;
  seedSeconds: number;
  floorSeconds: number;
  firstSweepSeconds: number;
  firstSweepLoansPerSecond: number;
  ratioToFloor: number;
  rerunSameDaySeconds: number;
  nextDaySweepSeconds: number;
  delinquentLoans: number;
  lateFeeAmount: number;
  reminders: number;
  dbBytes: number;
}

export async function run(opts: { loans?: number } = {}): Promise<SweepBenchResult> {
  const loans = opts.loans ?? Number(process.env.BENCH_SWEEP_LOANS ?? 20_000);
  const h = testApp({ now: "2026-01-01T00:00:00Z", recordEvents: false, prefix: "kreditku-sweep-", config: { readerConnections: 1 } });
  const today = "2026-09-01";
  try {
    // Seed: start dates spread over the last 300 days; 70 % of the loans paid everything due so far.
    let t0 = performance.now();
    const chunk = 2000;
    for (let from = 0; from < loans; from += chunk) {
      h.ctx.tx((t) => {
        for (let i = from; i < Math.min(loans, from + chunk); i++) {
          seedLoan(t, { id: `L${String(i).padStart(7, "0")}`, startDate: addDays(today, -(i % 300)), ledger: i % 10 === 0 });
        }
      });
    }
    h.ctx.tx((t) =>
      t.run(
        `UPDATE installments SET principal_paid = principal_due, interest_paid = interest_due, fee_paid = fee_due, status = 'paid'
          WHERE due_date < ? AND (CAST(substr(loan_id, 2) AS INTEGER) % 10) < 7`,
        today,
      ),
    );
    const instalments = h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM installments")!.n;
    const seedSeconds = (performance.now() - t0) / 1000;
    h.db.checkpoint();

    // Floor: the same reads, batch by batch, without computing or writing anything.
    t0 = performance.now();
    let checkpoint = "";
    let seen = 0;
    for (;;) {
      const batch = h.ctx.tx((t) => {
        const rows = t.all<{ id: string }>(`${LOAN_SELECT} WHERE l.status IN ('active', 'delinquent') AND l.id > ? ORDER BY l.id LIMIT 500`, checkpoint);
        if (rows.length) seen += [...loadInstalments(t, rows.map((r) => r.id)).values()].reduce((s, x) => s + x.length, 0);
        return rows;
      });
      if (batch.length === 0) break;
      checkpoint = batch[batch.length - 1].id;
    }
    const floorSeconds = (performance.now() - t0) / 1000;
    if (seen !== instalments) throw new Error(`floor read ${seen} of ${instalments} instalments`);

    at(h, today, 7);
    t0 = performance.now();
    const first = await runSweep(h.ctx, { batchSize: 500 });
    const firstSweepSeconds = (performance.now() - t0) / 1000;

    t0 = performance.now();
    const again = await runSweep(h.ctx);
    const rerunSameDaySeconds = (performance.now() - t0) / 1000;
    if (again.status !== "already_done") throw new Error("second run was not a no-op");

    at(h, addDays(today, 1), 7);
    t0 = performance.now();
    await runSweep(h.ctx, { batchSize: 500 });
    const nextDaySweepSeconds = (performance.now() - t0) / 1000;

    const delinquentLoans = h.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM loans WHERE status = 'delinquent'")!.n;
    const dbBytes = Bun.file(depotPaths(h.depot).db).size;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const result: SweepBenchResult = {
      bench: "sweep",
      loans,
      instalments,
      seedSeconds: r3(seedSeconds),
      floorSeconds: r3(floorSeconds),
      firstSweepSeconds: r3(firstSweepSeconds),
      firstSweepLoansPerSecond: Math.round(first.loans / firstSweepSeconds),
      ratioToFloor: Math.round((firstSweepSeconds / floorSeconds) * 100) / 100,
      rerunSameDaySeconds: r3(rerunSameDaySeconds),
      nextDaySweepSeconds: r3(nextDaySweepSeconds),
      delinquentLoans,
      lateFeeAmount: first.lateFeeAmount,
      reminders: first.reminders,
      dbBytes,
    };
    console.log(
      `sweep ${loans} loans / ${instalments} instalments: first ${result.firstSweepSeconds} s (${result.firstSweepLoansPerSecond} loans/s, ${result.ratioToFloor}× the read floor of ${result.floorSeconds} s), ` +
        `same-day rerun ${result.rerunSameDaySeconds} s, next day ${result.nextDaySweepSeconds} s; ${delinquentLoans} delinquent, late fees Rp${first.lateFeeAmount}, ${first.reminders} reminders`,
    );
    return result;
  } finally {
    await h.close();
  }
}

if (import.meta.main) await run();
