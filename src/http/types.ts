import type { Config } from "../config.ts";
import type { Db } from "../db/database.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Clock } from "../clock.ts";

/** The signed-in caller, set by the auth middleware. */
export interface AuthUser {
  id: string;
  role: "borrower" | "analyst" | "finance" | "admin";
  sessionId?: string;
}

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
  /**
   * The process still serves when this check fails (a dependency only some requests need: Redis, S3): /readyz
   * answers 200 with the check `"degraded"` instead of 503.
   */
  degradable?: boolean;
}

/** The process-wide services the HTTP layer and extensions are built on. */
export interface Platform {
  config: Config;
  db: Db;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  readiness: ReadinessCheck[];
  /** Named ports (sms, blob store, and those extensions provide) registered at start or on first use; see ExtensionContext.port. */
  ports: Map<string, unknown>;
  /** Hooks run on shutdown, in reverse order of registration. */
  onShutdown: Array<() => Promise<void> | void>;
  /** The environment the configuration was read from (extension settings read it too); process.env when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** In-process requests to the platform's HTTP app (set by createApp): sandboxes that call the server back. */
  loopback?: (request: Request) => Promise<Response>;
}

export type AppEnv = {
  Variables: {
    requestId: string;
    user?: AuthUser;
    platform: Platform;
    /** The template of the declared route that matched (set by src/http/mount.ts; logs and metrics). */
    route?: string;
  };
};
