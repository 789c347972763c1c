// Preloaded into `bun src/main.ts serve` (bun --preload) by test/startup-modules.test.ts: on SIGUSR2 it writes the
// paths of every module loaded so far (require.cache, which lists ES modules too) to KREDITKU_LOADED_MODULES_OUT as a
// JSON array, so a test can tell which packages start-up evaluated.
import { renameSync, writeFileSync } from "node:fs";

const out = process.env.KREDITKU_LOADED_MODULES_OUT;
if (out) {
  process.on("SIGUSR2", () => {
    writeFileSync(`${out}.tmp`, JSON.stringify(Object.keys(require.cache)));
    renameSync(`${out}.tmp`, out); // the reader never sees half a file
  });
}
