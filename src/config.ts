// One typed configuration: defaults → depot/config.json → environment (KREDITKU_*, REDIS_URL, S3_*).
// Validated with zod at start; an invalid setting stops start-up with one line naming it.
import { z } from "zod";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const csv = z.union([z.array(z.string()), z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))]);
const intish = z.coerce.number().int();
const boolish = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((s) => s === "true" || s === "1")]);

export const ConfigSchema = z.object({
  depot: z.string().min(1),
  /**
   * `development` (default) or `production`. In production `serve` refuses to start with a setting only fit for
   * development (sandbox or simulator gateway, a secret it would have to generate, the test clock, …): see
   * src/production.ts for the platform's refusals and each extension's `preflight` for its own.
   */
  env: z.enum(["development", "production"]).default("development"),
  host: z.string().min(1).default("0.0.0.0"),
  port: intish.min(0).max(65535).default(4000),
  /** When set, /metrics is served only on this port (same host) and the public port answers 404 for it. */
  metricsPort: intish.min(0).max(65535).optional(),
  publicUrl: z.string().url().optional(),
  logLevel: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  corsOrigins: csv.default([]),
  bodyLimitBytes: intish.positive().default(1024 * 1024),
  documentLimitBytes: intish.positive().default(10 * 1024 * 1024),
  readerConnections: intish.min(1).max(16).default(2),
  /**
   * Who checkpoints the WAL: `background` (a worker thread, off the request path), `inline` (SQLite's auto-checkpoint
   * in the committing request), or `external` (a replicator such as Litestream owns checkpoints: the server never
   * checkpoints, not even at shutdown).
   */
  checkpoints: z.enum(["background", "inline", "external"]).default("background"),
  shutdownTimeoutMs: intish.positive().default(15000),
  trustProxy: boolish.default(false),
  /** With trustProxy: how many proxies append to X-Forwarded-For in front of us (the client IP is that many from the right). */
  trustedProxyHops: intish.min(1).max(10).default(1),
  redisUrl: z.string().url().optional(),
  /** OpenTelemetry tracing: off unless otlpEndpoint (OTLP/HTTP base URL) is set; serviceName defaults per process. */
  tracing: z.object({ otlpEndpoint: z.string().url().optional(), serviceName: z.string().min(1).optional() }).default({}),
  queuePrefix: z.string().min(1).default("kreditku"),
  /** BullMQ job lock: a job held by a process that died is handed to another worker after about this long. */
  jobLockMs: intish.min(1000).max(600_000).default(30_000),
  s3: z
    .object({
      endpoint: z.string().url().optional(),
      bucket: z.string().min(1),
      region: z.string().default("us-east-1"),
      accessKeyId: z.string().optional(),
      secretAccessKey: z.string().optional(),
      forcePathStyle: boolish.default(true),
      sse: z.string().optional(),
    })
    .optional(),
  auth: z
    .object({
      issuer: z.string().default("kreditku"),
      audience: z.string().default("kreditku-api"),
      accessTtlSeconds: intish.positive().default(900),
      refreshTtlSeconds: intish.positive().default(7 * 24 * 3600),
      rpId: z.string().default("localhost"),
      rpName: z.string().default("KreditKu"),
      origins: csv.default(["http://localhost:4000"]),
    })
    .default({
      issuer: "kreditku",
      audience: "kreditku-api",
      accessTtlSeconds: 900,
      refreshTtlSeconds: 7 * 24 * 3600,
      rpId: "localhost",
      rpName: "KreditKu",
      origins: ["http://localhost:4000"],
    }),
  /**
   * One-time codes: the `log` adapter (development only: depot/data/sms.jsonl; refused in production) or `twilio`
   * (Twilio's Messages API; auth token KREDITKU_TWILIO_AUTH_TOKEN or depot/secrets/twilio-auth-token). WhatsApp (the
   * Cloud API) is a second channel when whatsapp.phoneNumberId is set (token KREDITKU_WHATSAPP_TOKEN or
   * depot/secrets/whatsapp-token). See src/auth/sms/.
   */
  sms: z
    .object({
      adapter: z.enum(["log", "twilio"]).default("log"),
      timeoutMs: intish.min(100).max(60_000).catch(10_000).default(10_000),
      retries: intish.min(0).max(5).catch(2).default(2),
      twilio: z
        .object({
          accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "a Twilio Account SID (AC + 32 hex digits)").optional(),
          from: z.string().max(64).optional(),
          messagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/).optional(),
          baseUrl: z.string().url().default("https://api.twilio.com"),
        })
        .prefault({}),
      whatsapp: z
        .object({
          phoneNumberId: z.string().regex(/^\d{1,30}$/).optional(),
          template: z.string().regex(/^[a-z0-9_]{1,512}$/).default("kreditku_otp"),
          language: z.string().max(15).default("id"),
          baseUrl: z.string().url().default("https://graph.facebook.com/v21.0"),
        })
        .prefault({}),
    })
    .refine((s) => s.adapter !== "twilio" || (!!s.twilio.accountSid && (!!s.twilio.from || !!s.twilio.messagingServiceSid)), { path: ["twilio"], message: "the twilio adapter needs twilio.accountSid and twilio.from (or messagingServiceSid)" })
    .prefault({}),
  /** Webhook deliveries that fail verification allowed per client IP and minute (a bad value keeps the default). */
  webhookRejectLimit: intish.positive().catch(600).default(600),
  /** Each extension's own settings, by extension name (validated by the schema the extension declares). */
  extensions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Environment variable → config path. Secrets are only read from the environment (or depot/secrets). */
const ENV_MAP: Record<string, string> = {
  KREDITKU_ENV: "env",
  KREDITKU_HOST: "host",
  KREDITKU_PORT: "port",
  KREDITKU_METRICS_PORT: "metricsPort",
  KREDITKU_PUBLIC_URL: "publicUrl",
  KREDITKU_LOG_LEVEL: "logLevel",
  KREDITKU_CORS_ORIGINS: "corsOrigins",
  KREDITKU_BODY_LIMIT_BYTES: "bodyLimitBytes",
  KREDITKU_DOCUMENT_LIMIT_BYTES: "documentLimitBytes",
  KREDITKU_READER_CONNECTIONS: "readerConnections",
  KREDITKU_CHECKPOINTS: "checkpoints",
  KREDITKU_SHUTDOWN_TIMEOUT_MS: "shutdownTimeoutMs",
  KREDITKU_TRUST_PROXY: "trustProxy",
  KREDITKU_TRUSTED_PROXY_HOPS: "trustedProxyHops",
  KREDITKU_QUEUE_PREFIX: "queuePrefix",
  KREDITKU_JOB_LOCK_MS: "jobLockMs",
  KREDITKU_WEBHOOK_REJECT_LIMIT: "webhookRejectLimit",
  KREDITKU_AUTH_ISSUER: "auth.issuer",
  KREDITKU_AUTH_AUDIENCE: "auth.audience",
  KREDITKU_AUTH_ACCESS_TTL_SECONDS: "auth.accessTtlSeconds",
  KREDITKU_AUTH_REFRESH_TTL_SECONDS: "auth.refreshTtlSeconds",
  KREDITKU_RP_ID: "auth.rpId",
  KREDITKU_RP_NAME: "auth.rpName",
  KREDITKU_RP_ORIGINS: "auth.origins",
  KREDITKU_SMS_ADAPTER: "sms.adapter",
  KREDITKU_SMS_TIMEOUT_MS: "sms.timeoutMs",
  KREDITKU_SMS_RETRIES: "sms.retries",
  KREDITKU_TWILIO_ACCOUNT_SID: "sms.twilio.accountSid",
  KREDITKU_TWILIO_FROM: "sms.twilio.from",
  KREDITKU_TWILIO_MESSAGING_SERVICE_SID: "sms.twilio.messagingServiceSid",
  KREDITKU_TWILIO_URL: "sms.twilio.baseUrl",
  KREDITKU_WHATSAPP_PHONE_NUMBER_ID: "sms.whatsapp.phoneNumberId",
  KREDITKU_WHATSAPP_TEMPLATE: "sms.whatsapp.template",
  KREDITKU_WHATSAPP_LANGUAGE: "sms.whatsapp.language",
  KREDITKU_WHATSAPP_URL: "sms.whatsapp.baseUrl",
  REDIS_URL: "redisUrl",
  OTEL_EXPORTER_OTLP_ENDPOINT: "tracing.otlpEndpoint",
  KREDITKU_OTLP_ENDPOINT: "tracing.otlpEndpoint",
  OTEL_SERVICE_NAME: "tracing.serviceName",
  S3_ENDPOINT: "s3.endpoint",
  S3_BUCKET: "s3.bucket",
  S3_REGION: "s3.region",
  S3_ACCESS_KEY_ID: "s3.accessKeyId",
  S3_SECRET_ACCESS_KEY: "s3.secretAccessKey",
  S3_FORCE_PATH_STYLE: "s3.forcePathStyle",
  S3_SSE: "s3.sse",
};

/** Settings that must never come from config.json (they are secrets). */
const SECRET_PATHS = new Set(["s3.accessKeyId", "s3.secretAccessKey"]);

type Json = Record<string, unknown>;

function setPath(obj: Json, path: string, value: unknown) {
  const parts = path.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== "object" || cur[p] === null) cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts[parts.length - 1]] = value;
}

function getPath(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, p) => (o == null || typeof o !== "object" ? undefined : (o as Json)[p]), obj);
}

export interface LoadOptions {
  depot?: string;
  env?: Record<string, string | undefined>;
  overrides?: Record<string, unknown>;
}

/** The object schema inside optional/default/nullable wrappers, or null when it is not an object. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  let def = (schema as any)._zod.def;
  while (def.innerType && (def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault")) def = def.innerType._zod.def;
  return def.type === "object" ? def.shape : null;
}

/** Keys of config.json no setting has (objects walked; `extensions` is checked against the installed extensions). */
function unknownKeys(schema: z.ZodType, value: unknown, prefix = ""): string[] {
  const shape = objectShape(schema);
  if (!shape || typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.keys(value).flatMap((k) => {
    const path = prefix + k;
    if (!Object.hasOwn(shape, k) || k === "depot") return [path];
    return k === "extensions" && !prefix ? [] : unknownKeys(shape[k]!, (value as Json)[k], `${path}.`);
  });
}

/** The known setting closest to a mistyped one (at most 3 edits away), for the refusal's hint. */
function closest(path: string, known: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0]!;
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = d[j]!;
        d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
        prev = cur;
      }
    }
    return d[b.length]!;
  };
  const best = known.map((k) => [k, distance(path, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 3 ? best[0] : undefined;
}

/** Every setting path of the schema (objects walked), for hints. */
function settingPaths(schema: z.ZodType, prefix = ""): string[] {
  const shape = objectShape(schema);
  if (!shape) return [];
  return Object.entries(shape).flatMap(([k, v]) => [prefix + k, ...(k === "extensions" ? [] : settingPaths(v, `${prefix + k}.`))]);
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const depot = resolve(opts.depot ?? env.KREDITKU_DEPOT ?? "./traildepot");
  // null prototype: a "__proto__" key in config.json stays an (unknown, stripped) own key, never the object's prototype
  const raw: Json = Object.create(null);
  const file = join(depot, "config.json");
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`config: ${file} is not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config: ${file} must hold a JSON object`);
    }
    for (const p of SECRET_PATHS) {
      if (getPath(parsed, p) !== undefined) {
        throw new ConfigError(`config: ${p} is a secret; set it by environment variable, not in config.json`);
      }
    }
    // a mistyped setting would silently keep its default: refused, with the closest known name
    const unknown = unknownKeys(ConfigSchema, parsed);
    if (unknown.length > 0) {
      const known = settingPaths(ConfigSchema).filter((p) => p !== "depot");
      const hints = unknown.map((k) => {
        const near = closest(k, known);
        return `${k}${near ? ` (did you mean ${near}?)` : ""}`;
      });
      throw new ConfigError(`config: ${file} has unknown setting${unknown.length > 1 ? "s" : ""} ${hints.join(", ")}; remove ${unknown.length > 1 ? "them" : "it"} or fix the name`);
    }
    for (const [k, v] of Object.entries(parsed)) raw[k] = v;
  }
  const fromEnv = new Set<string>();
  for (const [k, path] of Object.entries(ENV_MAP)) {
    const v = env[k];
    if (v !== undefined && v !== "") {
      setPath(raw, path, v);
      fromEnv.add(path);
    }
  }
  for (const [path, v] of Object.entries(opts.overrides ?? {})) if (v !== undefined) setPath(raw, path, v);
  // S3_* connection settings without a bucket are not a document store (documents stay in depot/uploads): they
  // serve backup targets (s3://bucket/prefix) and Litestream's replica, which name their own bucket.
  const s3raw = raw.s3;
  if (s3raw && typeof s3raw === "object" && !Array.isArray(s3raw) && (s3raw as Json).bucket === undefined) delete raw.s3;
  raw.depot = depot;
  const res = ConfigSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const path = issue.path.join(".") || "(root)";
    // name where the value came from: the environment variable when it is set, else config.json
    const envName = fromEnv.has(path) ? Object.entries(ENV_MAP).find(([, p]) => p === path)?.[0] : undefined;
    const source = envName ?? (existsSync(file) && getPath(raw, path) !== undefined && !Object.hasOwn(opts.overrides ?? {}, path) ? `${file}` : undefined);
    throw new ConfigError(`config: invalid setting ${path}${source ? ` (${source})` : ""}: ${issue.message}`);
  }
  return res.data;
}

export function depotPaths(depot: string) {
  return {
    root: depot,
    configFile: join(depot, "config.json"),
    data: join(depot, "data"),
    db: join(depot, "data", "main.db"),
    uploads: join(depot, "uploads"),
    secrets: join(depot, "secrets"),
    backups: join(depot, "backups"),
    migrations: join(depot, "migrations"),
    smsLog: join(depot, "data", "sms.jsonl"),
  };
}
