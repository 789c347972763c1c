#!/usr/bin/env bun
// The composition root: the only module of the platform that names the extensions (extensions/index.ts) and the
// jobs of no extension (jobs/index.ts). It hands them to the CLI, which passes them to the runtime, the HTTP app
// and the commands. Test entry points may add extensions with registerExtensions() before calling main().
import { EXTENSIONS } from "../extensions/index.ts";
import { JOBS } from "../jobs/index.ts";
import { runCli } from "./cli/run.ts";
import { extraExtensionList } from "./runtime/runtime.ts";

export function main(argv: string[]): Promise<number> {
  return runCli(argv, { extensions: [...EXTENSIONS, ...extraExtensionList()], jobs: JOBS });
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
