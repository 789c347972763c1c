import type { Command } from "./types.ts";
import { CommandError, UsageError, depotFlag, helpFlag, parseFlags, requireInstalled } from "./types.ts";
import { DepotInUseError, PortInUseError, startServer } from "../server.ts";

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the API server on the depot (creates it on first start)",
  usage: "kreditku serve [--port 4000] [--host 0.0.0.0] [--depot ./traildepot]",
  async run(argv, installed) {
    const { values } = parseFlags(argv, { ...depotFlag, ...helpFlag, port: { type: "string", short: "p" }, host: { type: "string" } });
    if (values.help) return -1;
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(values.port) || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer 0-65535, got "${values.port}"`);
    }
    const srv = await startServer({ depot: values.depot, overrides: { port, host: values.host }, ...requireInstalled(installed) }).catch((e) => {
      throw e instanceof PortInUseError || e instanceof DepotInUseError ? new CommandError(e.message) : e;
    });
    await new Promise<void>((resolve) => {
      const onSignal = (sig: string) => {
        srv.stop(sig).then(resolve, (err) => {
          console.error(err);
          resolve();
        });
      };
      process.once("SIGTERM", () => onSignal("SIGTERM"));
      process.once("SIGINT", () => onSignal("SIGINT"));
    });
    return 0;
  },
};
