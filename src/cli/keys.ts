import type { Command } from "./types.ts";
import { UsageError, depotFlag, helpFlag, parseFlags, requireExistingDepot } from "./types.ts";
import { loadConfig } from "../config.ts";
import { rotateSigningKey } from "../auth/signing-keys.ts";

export const keysCommand: Command = {
  name: "keys",
  summary: "Rotate the access-token signing key: keys rotate (old keys verify until their tokens expire)",
  usage: "kreditku keys rotate [--depot ./traildepot]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "--help" || sub === "-h") return -1;
    if (sub !== "rotate") throw new UsageError(sub ? `unknown keys subcommand "${sub}"` : "keys needs a subcommand (rotate)");
    const { values } = parseFlags(rest, { ...depotFlag, ...helpFlag });
    if (values.help) return -1;
    const config = loadConfig({ depot: values.depot });
    requireExistingDepot(config);
    const { kid, pruned } = rotateSigningKey(config.depot, config.auth.accessTtlSeconds);
    console.log(JSON.stringify({ rotated: true, kid, pruned }));
    return 0;
  },
};
