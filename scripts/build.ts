// npm run build: one self-contained executable at dist/kreditku (migrations and static assets embedded).
//
// Start-up (bench/PROFILE.md, "Cold start and memory"): the bundle is compiled to bytecode (no parse at start), the
// binary starts with JavaScriptCore's tier-up thresholds scaled ×8 (--compile-jit-policy; serve puts the normal policy
// back once listening), and the bytecode is laid out by a profile of serve's own start: the built binary is started
// once on a scratch depot (BUN_BYTECODE_ORDER_OUT) and the executable is built again with --bytecode-order, so a start
// reads the bytecode it runs and not the rest (about 6 MB less resident). KREDITKU_BUILD_NO_PROFILE=1 skips that
// second pass (a quicker build that behaves the same).
import { $ } from "bun";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const started = performance.now();
const bun = process.execPath;
// Admin UI assets are built first when the dashboard exists, so the compile step embeds them.
if (existsSync("admin-ui/package.json") || existsSync("admin-ui/vite.config.ts")) {
  if (existsSync("scripts/build-admin.ts")) await $`${bun} run scripts/build-admin.ts`;
}
// bull-board's UI (the /_/admin/queues page) is embedded the same way (src/bull-board/generated/ui-manifest.ts).
await $`${bun} run scripts/build-bull-board.ts`;
const out = process.env.KREDITKU_BUILD_OUT ?? "dist/kreditku";
const compile = (order?: string) =>
  $`${bun} build --compile --minify --bytecode --compile-jit-policy=8 ${order ? [`--bytecode-order=${order}`] : []} --sourcemap=none src/main.ts --outfile ${out}`.quiet();
await compile();

/** Start the binary's `serve` on a scratch depot until /healthz answers, then stop it: its bytecode profile. */
async function recordStartProfile(scratch: string): Promise<string | null> {
  const depot = join(scratch, "depot");
  const order = join(scratch, "serve.order");
  const env = { ...process.env, KREDITKU_LOG_LEVEL: "warn", KREDITKU_ENV: "development" };
  if ((await $`${out} migrate --depot ${depot}`.env(env).quiet().nothrow()).exitCode !== 0) return null;
  const proc = Bun.spawn([out, "serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot], {
    stdout: "pipe",
    stderr: "ignore",
    env: { ...env, KREDITKU_LOG_LEVEL: "info", BUN_BYTECODE_ORDER_OUT: order },
  });
  let port: number | undefined;
  // read every line (a reader that stopped would leave serve writing into a full pipe)
  void (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += dec.decode(chunk, { stream: true });
      const m = /"msg":"listening".*?"port":(\d+)/.exec(buf);
      if (m) port ??= Number(m[1]);
      buf = buf.slice(buf.lastIndexOf("\n") + 1);
    }
  })();
  for (const deadline = Date.now() + 60_000; !port && proc.exitCode === null && Date.now() < deadline; ) await Bun.sleep(20);
  if (port) await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
  proc.kill("SIGTERM"); // the profile is written at exit
  await proc.exited;
  return port && existsSync(order) ? order : null;
}

if (process.env.KREDITKU_BUILD_NO_PROFILE !== "1") {
  const scratch = mkdtempSync(join(tmpdir(), "kreditku-build-"));
  try {
    const order = await recordStartProfile(scratch);
    if (order) await compile(order);
    else console.log("build: no start-up profile recorded; the bytecode keeps the bundle's order");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
const size = Bun.file(out).size;
console.log(`built ${out} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
