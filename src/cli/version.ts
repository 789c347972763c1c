import type { Command } from "./types.ts";
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

export const versionCommand: Command = {
  name: "version",
  summary: "Print the version",
  usage: "kreditku version",
  async run() {
    console.log(`kreditku ${VERSION} (bun ${Bun.version})`);
    return 0;
  },
};
