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
if (!existsSync("test-results")) mkdirSync("test-results", { recursive: true });
writeFileSync("test-results/bench.json", JSON.stringify(results, null, 2));
console.log("\nwrote test-results/bench.json");
