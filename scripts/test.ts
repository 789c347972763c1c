// npm test: build the binary (end-to-end suites start it), type-check the project (tsc --noEmit: the type-level
// tests, e.g. route results against their declared schemas, are compile errors), run every test with `bun test`,
// and close with the line CI reads: "N passed, N failed" (the type check counts as one).
import { $ } from "bun";

const bun = process.execPath;
const args = process.argv.slice(2);
if (!process.env.KREDITKU_SKIP_BUILD) await $`${bun} run scripts/build.ts`;

// The type check runs next to the tests; its errors are printed after them. KREDITKU_SKIP_TYPECHECK=1 skips it.
const typecheck = process.env.KREDITKU_SKIP_TYPECHECK
  ? null
  : Bun.spawn([bun, "x", "tsc", "--noEmit", "-p", "tsconfig.json"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, FORCE_COLOR: "0" } });

// End-to-end suites start binaries, browsers and Redis-backed workers: give each test a minute on a loaded 2-core box.
const hasTimeout = args.some((a) => a.startsWith("--timeout"));
const proc = Bun.spawn([bun, "test", ...(hasTimeout ? [] : ["--timeout=60000"]), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, FORCE_COLOR: "0" } });
let all = "";
async function pump(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) {
  const dec = new TextDecoder();
  for await (const chunk of stream) {
    const s = dec.decode(chunk, { stream: true });
    all += s;
    out.write(s);
  }
}
await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
const code = await proc.exited;
const num = (re: RegExp) => Number(all.match(re)?.[1] ?? 0);
const passed = num(/^\s*(\d+) pass$/m);
const failed = num(/^\s*(\d+) fail$/m);
const skipped = num(/^\s*(\d+) skip$/m);
const errors = num(/^\s*(\d+) errors?$/m);
let typeErrors = 0;
if (typecheck) {
  const [out, err, tscCode] = await Promise.all([new Response(typecheck.stdout).text(), new Response(typecheck.stderr).text(), typecheck.exited]);
  if (tscCode === 0) console.log("typecheck: tsc --noEmit passed");
  else {
    typeErrors = 1;
    console.log(`typecheck: tsc --noEmit failed\n${out}${err}`);
  }
}
const failedTotal = failed + errors + typeErrors;
console.log(`\n${passed + (typecheck && !typeErrors ? 1 : 0)} passed, ${failedTotal} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failedTotal > 0 ? 1 : code);
