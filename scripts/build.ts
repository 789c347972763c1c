// npm run build: one self-contained executable at dist/kreditku (migrations and static assets embedded).
import { $ } from "bun";
import { existsSync } from "node:fs";

const started = performance.now();
const bun = process.execPath;
// Admin UI assets are built first when the dashboard exists, so the compile step embeds them.
if (existsSync("admin-ui/package.json") || existsSync("admin-ui/vite.config.ts")) {
  if (existsSync("scripts/build-admin.ts")) await $`${bun} run scripts/build-admin.ts`;
}
// bull-board's UI (the /_/admin/queues page) is embedded the same way (src/bull-board/generated/ui-manifest.ts).
await $`${bun} run scripts/build-bull-board.ts`;
const out = process.env.KREDITKU_BUILD_OUT ?? "dist/kreditku";
await $`${bun} build --compile --minify --sourcemap=none src/main.ts --outfile ${out}`.quiet();
const size = Bun.file(out).size;
console.log(`built ${out} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
