import type { Command } from "./types.ts";
import { helpFlag, parseFlags } from "./types.ts";
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

export const versionCommand: Command = {
  name: "version",
  summary: "Print the version",
  usage: "kreditku version",
  async run(argv) {
    const { values } = parseFlags(argv, { ...helpFlag });
    if (values.help) return -1;
    console.log(`kreditku ${VERSION} (bun ${Bun.version})`);
    return 0;
  },
};
