// Opens the depot (creating it on first start), the database and the shared services.
import { mkdirSync } from "node:fs";
import { loadConfig, depotPaths, type Config, type LoadOptions } from "./config.ts";
import { Db } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { Metrics } from "./observability/metrics.ts";
import { OffsetClock, systemClock, type Clock } from "./clock.ts";
import type { Platform } from "./http/types.ts";
import { createBlobStore } from "./storage/index.ts";
import { tightenDepot } from "./private-files.ts";

export interface PlatformOptions extends LoadOptions {
  config?: Config;
  log?: Logger;
  clock?: Clock;
  migrate?: boolean;
}

export function ensureDepot(config: Config) {
  const p = depotPaths(config.depot);
  mkdirSync(p.root, { recursive: true });
  tightenDepot(p);
  mkdirSync(p.secrets, { recursive: true, mode: 0o700 });
  return p;
}

export function createPlatform(opts: PlatformOptions = {}): Platform {
  const config = opts.config ?? loadConfig(opts);
  const log = opts.log ?? createLogger(config.logLevel, { service: "kreditku" });
  const paths = ensureDepot(config);
  const db = new Db(paths.db, config.readerConnections);
  if (opts.migrate !== false) migrate(db, undefined, (m) => log.info(m));
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? (env.KREDITKU_TEST_CLOCK === "1" ? new OffsetClock() : systemClock);
  const platform: Platform = { config, db, log, metrics: new Metrics(), clock, readiness: [], ports: new Map(), onShutdown: [], env };
  // Documents (DESIGN §1): fs under depot/uploads, or S3/MinIO when S3_* is set (then /readyz checks the bucket).
  const blobs = createBlobStore(config, { clock });
  platform.ports.set("blobs", blobs);
  if (blobs.kind === "s3") platform.readiness.push({ name: "s3", check: () => blobs.ping(), degradable: true });
  return platform;
}
