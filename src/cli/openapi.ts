import type { Command } from "./types.ts";
import { helpFlag, parseFlags, requireInstalled } from "./types.ts";
import { createApp, buildOpenApiDocument } from "../http/app.ts";
import { MODULES } from "../modules.ts";
import { loadConfig } from "../config.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { systemClock } from "../clock.ts";
import { getRuntime } from "../runtime/runtime.ts";
import type { Platform } from "../http/types.ts";

export const openapiCommand: Command = {
  name: "openapi",
  summary: "Print the OpenAPI 3.1 document as JSON",
  usage: "kreditku openapi",
  async run(argv, installed) {
    const { values } = parseFlags(argv, { ...helpFlag });
    if (values.help) return -1;
    // An in-memory platform: the document depends only on the route definitions.
    const db = new Db(":memory:");
    migrate(db);
    const config = loadConfig({ depot: "/nonexistent-kreditku-depot", env: {} });
    const platform: Platform = { config, db, log: createLogger("silent"), metrics: new Metrics({ defaultMetrics: false }), clock: systemClock, readiness: [], ports: new Map(), onShutdown: [], env: {} };
    const { extensions, jobs } = requireInstalled(installed);
    getRuntime(platform, { extensions, jobs });
    const app = createApp(platform, MODULES);
    const text = JSON.stringify(buildOpenApiDocument(app), null, 2) + "\n";
    // Wait for stdout to drain: main() exits right after, and a pipe takes 64 KiB at a time.
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    db.close();
    return 0;
  },
};
