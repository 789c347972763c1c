// npm run bench: every benchmark in bench/ (each exports run()), one after another; `npm run bench -- jobs`
// runs only the named ones. Results are printed and written to test-results/bench.json.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { $ } from "bun";

const only = process.argv.slice(2);
if (!process.env.KREDITKU_SKIP_BUILD) await $`${process.execPath} run scripts/build.ts`;
const files = readdirSync(import.meta.dir)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "load.ts", "floor-server.ts"].includes(f) && !f.endsWith(".test.ts"))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();
const results: Record<string, unknown> = {};
for (const name of files) {
  const mod = await import(`./${name}.ts`);
  if (typeof mod.run !== "function") continue;
  console.log(`\n== ${name}`);
  const started = performance.now();
  try {
    results[name] = await mod.run();
  } catch (err) {
    console.error(`${name} failed:`, err);
    results[name] = { error: String(err) };
  }
  console.log(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const table = summaryTable(results);
if (table.length > 0) {
  results.table = table;
  console.log("\n| path | kreditku | floor, same run | ratio |\n| --- | --- | --- | --- |");
  for (const r of table) console.log(`| ${r.path} | ${r.kreditku} | ${r.floor} | ${r.ratio} |`);
}
if (!existsSync("test-results")) mkdirSync("test-results", { recursive: true });
writeFileSync("test-results/bench.json", JSON.stringify(results, null, 2));
console.log("\nwrote test-results/bench.json");

/** The side-by-side rows (bench/api.ts, webhooks.ts, jobs.ts) of whatever ran. */
function summaryTable(r: Record<string, any>) {
  const rows: { path: string; kreditku: string; floor: string; ratio: string }[] = [];
  const rq = (x: { rps: number; p50ms: number; p99ms?: number }) => `${Math.round(x.rps)} req/s, p50 ${x.p50ms.toFixed(2)} ms${x.p99ms !== undefined ? `, p99 ${x.p99ms.toFixed(2)} ms` : ""}`;
  const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
  const api = r.api;
  if (api?.rows) {
    const names: Record<string, string> = {
      "loan read": "borrower's `GET /api/v1/loans/{id}` (50 instalments)",
      "auth/me": "`GET /api/v1/auth/me` (3000 borrowers, one token each)",
      "blocklist insert": "admin `POST /api/v1/admin/blocklist`",
    };
    for (const [k, v] of Object.entries(api.rows as Record<string, any>)) {
      rows.push({ path: names[k] ?? k, kreditku: rq(v.kreditku), floor: rq(v.floor), ratio: pct(v.kreditku.rps, v.floor.rps) });
    }
  }
  if (r.webhooks?.kreditku) {
    const w = r.webhooks;
    rows.push({ path: "verified + applied payment webhooks", kreditku: rq(w.kreditku), floor: rq(w.floor), ratio: pct(w.kreditku.rps, w.floor.rps) });
  }
  if (Array.isArray(r.jobs)) {
    for (const j of r.jobs) {
      if (j.handler !== "noop") continue;
      rows.push({ path: `jobs end to end, ${j.backend}, noop`, kreditku: `${j.jobsPerSecond} jobs/s`, floor: `${j.floorTxPerSecond} tx/s`, ratio: pct(j.jobsPerSecond, j.floorTxPerSecond) });
    }
  }
  if (api?.restartToHealthz) {
    rows.push({ path: "restart on an existing depot → `/healthz` 200", kreditku: `${Math.round(api.restartToHealthz.kreditkuMs)} ms`, floor: `${Math.round(api.restartToHealthz.floorMs)} ms (bun run, bare Bun.serve)`, ratio: "—" });
    rows.push({ path: "idle RSS after start", kreditku: `${Math.round(api.idleRss.kreditkuMb)} MB`, floor: `${Math.round(api.idleRss.floorMb)} MB`, ratio: "—" });
  }
  return rows;
}
