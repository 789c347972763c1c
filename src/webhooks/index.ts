// Payment-gateway webhooks (platform HTTP, because verification needs the RAW body):
//   POST /webhooks/payments/:provider       POST /webhooks/disbursements/:provider      provider ∈ standard|snap|xendit
// Order: read the raw body (size-limited) → verify signature/token in constant time against the provider's
// secrets (two during rotation) → timestamp window → record (provider, event id) and apply the effect in ONE
// transaction (extensions/payments/events.ts) → 200; duplicates answer 200 with the original result.
// Forged/stale/malformed/unknown: 401/400 problem+json, logged, recorded with the failure reason, no state change.
// Also registers the payment-gateway port (sandbox in-process by default, or an HTTP gateway).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { AppModule, App } from "../http/app.ts";
import type { Platform } from "../http/types.ts";
import { HttpProblem, problemResponse, problems } from "../http/problem.ts";
import { ConfigError, depotPaths } from "../config.ts";
import { writeSecretFile } from "../auth/secrets.ts";
import { getRuntime } from "../runtime/runtime.ts";
import { PROVIDERS, verifyWebhook, webhookSecretProblem, type Provider, type WebhookKind } from "../../extensions/payments/verify.ts";
import { clientIp, enforceRateLimit } from "../http/rate-limit.ts";
import { processVerifiedEvent, recordFailedDelivery } from "../../extensions/payments/events.ts";
import { GATEWAY_PORT, HttpGateway, type PaymentGateway } from "../../extensions/payments/gateway.ts";
import { SandboxGateway } from "../../extensions/payments/sandbox.ts";

export const WEBHOOK_BODY_LIMIT = 64 * 1024;
const KEPT_HEADERS = ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature", "x-timestamp", "x-signature", "x-external-id", "x-partner-id", "channel-id"];

/**
 * The provider's configured secrets, newest first, and where they came from: KREDITKU_WEBHOOK_SECRET_<PROVIDER>
 * (comma-separated for rotation), else depot/secrets/webhook-<provider> (comma- or newline-separated). The standard
 * provider gets a generated whsec_ secret on first start so the sandbox works out of the box.
 */
function configuredSecrets(platform: Platform, provider: Provider, env: Record<string, string | undefined>): { source: string; secrets: string[] } {
  const name = `KREDITKU_WEBHOOK_SECRET_${provider.toUpperCase()}`;
  const fromEnv = env[name];
  if (fromEnv) return { source: name, secrets: fromEnv.split(",").map((s) => s.trim()).filter(Boolean).slice(0, 2) };
  const file = join(depotPaths(platform.config.depot).secrets, `webhook-${provider}`);
  if (!existsSync(file) && provider === "standard") {
    try {
      writeSecretFile(file, `whsec_${randomBytes(32).toString("base64")}\n`);
    } catch {
      /* read-only depot: no secret */
    }
  }
  if (!existsSync(file)) return { source: file, secrets: [] };
  return { source: file, secrets: readFileSync(file, "utf8").split(/[,\n]/).map((s) => s.trim()).filter(Boolean).slice(0, 2) };
}

/**
 * The provider's usable secrets, newest first. A weak or malformed secret (see webhookSecretProblem: standard needs
 * `whsec_` + base64 of ≥ 24 bytes, snap/xendit ≥ 16 characters) is never used: the server refuses to start with
 * one (webhookSecretProblems), and one that appears later is left out (deliveries then answer no_secret).
 */
export function webhookSecrets(platform: Platform, provider: Provider, env: Record<string, string | undefined> = process.env): string[] {
  return configuredSecrets(platform, provider, env).secrets.filter((s) => webhookSecretProblem(provider, s) === null);
}

/** Every configured webhook secret that is refused, as messages naming its source (never the secret). */
export function webhookSecretProblems(platform: Platform, env: Record<string, string | undefined> = process.env): string[] {
  const out: string[] = [];
  for (const provider of PROVIDERS) {
    const { source, secrets } = configuredSecrets(platform, provider, env);
    secrets.forEach((s, i) => {
      const problem = webhookSecretProblem(provider, s);
      if (problem) out.push(`${source}: ${provider} secret${secrets.length > 1 ? ` #${i + 1}` : ""} ${problem}`);
    });
  }
  return out;
}

/** Deliveries that fail verification allowed per client IP and minute (KREDITKU_WEBHOOK_REJECT_LIMIT, default 600). */
function rejectLimit(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.KREDITKU_WEBHOOK_REJECT_LIMIT ?? 600);
  return Number.isInteger(n) && n > 0 ? n : 600;
}

function keptHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h.get(k);
    if (v !== null) out[k] = v.slice(0, 512);
  }
  if (h.has("x-callback-token")) out["x-callback-token"] = "[redacted]";
  return out;
}

async function readRawBody(req: Request): Promise<string> {
  const len = req.headers.get("content-length");
  if (len !== null && Number(len) > WEBHOOK_BODY_LIMIT) throw new HttpProblem(413, "payload-too-large", "Payload too large", `webhook bodies are limited to ${WEBHOOK_BODY_LIMIT} bytes`);
  const buf = await req.arrayBuffer();
  if (buf.byteLength > WEBHOOK_BODY_LIMIT) throw new HttpProblem(413, "payload-too-large", "Payload too large", `webhook bodies are limited to ${WEBHOOK_BODY_LIMIT} bytes`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new HttpProblem(400, "malformed-webhook", "Malformed webhook", "the body is not UTF-8");
  }
}

/** Build the configured gateway adapter. KREDITKU_GATEWAY=sandbox (default) | http (+ KREDITKU_GATEWAY_URL). */
export function createGateway(platform: Platform, app: App, env: Record<string, string | undefined> = process.env): PaymentGateway {
  const provider = (env.KREDITKU_GATEWAY_PROVIDER ?? "standard") as Provider;
  if (!PROVIDERS.includes(provider)) throw new Error(`KREDITKU_GATEWAY_PROVIDER must be one of ${PROVIDERS.join(", ")}`);
  const kind = env.KREDITKU_GATEWAY ?? "sandbox";
  if (kind === "http") {
    if (!env.KREDITKU_GATEWAY_URL) throw new Error("KREDITKU_GATEWAY=http needs KREDITKU_GATEWAY_URL");
    return new HttpGateway(env.KREDITKU_GATEWAY_URL, provider, platform.config.publicUrl);
  }
  if (kind !== "sandbox") throw new Error(`KREDITKU_GATEWAY must be sandbox or http, got ${kind}`);
  // In-process sandbox: it signs with this server's own secret and delivers straight into the app (same
  // verification path as a real delivery), or to publicUrl when one is configured.
  const secret = webhookSecrets(platform, provider, env)[0] ?? "";
  const sandbox = new SandboxGateway({ provider, secret, callbackBase: platform.config.publicUrl, now: () => platform.clock.now() });
  if (!platform.config.publicUrl) {
    (sandbox as any).post = async (req: { path: string; headers: Record<string, string>; body: string }) => {
      const res = await app.fetch(new Request(`http://sandbox.local${req.path}`, { method: "POST", headers: req.headers, body: req.body }));
      sandbox.deliveries.push({ path: req.path, status: res.status, at: new Date().toISOString() });
    };
  }
  return sandbox;
}

export const webhooksModule: AppModule = {
  register(app, platform) {
    const log = platform.log.child({ component: "webhooks" });
    const weak = webhookSecretProblems(platform);
    if (weak.length > 0) throw new ConfigError(`refusing to start: weak or malformed webhook secret(s): ${weak.join("; ")}`);
    if (!platform.ports.has(GATEWAY_PORT)) platform.ports.set(GATEWAY_PORT, createGateway(platform, app));
    const secretCache = new Map<Provider, { at: number; secrets: string[] }>();
    const secretsOf = (p: Provider) => {
      const hit = secretCache.get(p);
      if (hit && Date.now() - hit.at < 30_000) return hit.secrets;
      const secrets = webhookSecrets(platform, p);
      secretCache.set(p, { at: Date.now(), secrets });
      return secrets;
    };
    const received = platform.metrics.counter("webhook_deliveries_total", "Webhook deliveries by provider, kind and outcome", ["provider", "kind", "outcome"]);

    // Unverified deliveries (anyone can send them) are limited per client IP: over the limit they answer 429 before
    // the body is read, and nothing is written. Verified deliveries (the gateway) are never limited.
    const limitOpts = { name: "webhooks-unverified", limit: rejectLimit(), windowSeconds: 60 };
    const blocked = new Map<string, number>();
    const tooMany = (c: any, until: number) => problemResponse(c, problems.tooMany(Math.max(1, Math.ceil((until - Date.now()) / 1000)), `at most ${limitOpts.limit} unverified webhook deliveries per minute`));

    const handle = (kind: WebhookKind) => async (c: any) => {
      const providerParam = String(c.req.param("provider"));
      const ip = clientIp(c);
      const until = blocked.get(ip);
      if (until !== undefined) {
        if (until > Date.now()) return tooMany(c, until);
        blocked.delete(ip);
      }
      const now = platform.clock.now();
      const raw = await readRawBody(c.req.raw);
      const headers = keptHeaders(c.req.raw.headers);
      const reject = async (status: number, slug: string, title: string, reason: string, detail: string, eventId: string | null = null, verified = false) => {
        received.inc({ provider: PROVIDERS.includes(providerParam as Provider) ? providerParam : "unknown", kind, outcome: "rejected" });
        try {
          await enforceRateLimit(limitOpts, ip);
        } catch {
          if (blocked.size > 10_000) for (const [k, t] of blocked) if (t <= Date.now()) blocked.delete(k);
          const until = Date.now() + limitOpts.windowSeconds * 1000;
          blocked.set(ip, until);
          log.warn("webhook deliveries rate-limited", { ip, provider: providerParam, kind });
          return tooMany(c, until);
        }
        log.warn("webhook rejected", { requestId: c.get("requestId"), ip, provider: providerParam, kind, reason, detail });
        try {
          platform.db.tx((t) => recordFailedDelivery(t, { provider: providerParam, kind, eventId, verified, status: "rejected", reason: `${reason}: ${detail}`, headers, rawBody: raw, now }));
        } catch (err) {
          log.error("could not record rejected webhook", { err });
        }
        return problemResponse(c, new HttpProblem(status, slug, title, detail, { reason }));
      };
      if (!PROVIDERS.includes(providerParam as Provider)) return reject(400, "unknown-provider", "Unknown provider", "unknown_provider", `provider must be one of ${PROVIDERS.join(", ")}`);
      const provider = providerParam as Provider;
      const v = verifyWebhook({ provider, method: c.req.method, path: c.req.path, headers: c.req.raw.headers, rawBody: raw, secrets: secretsOf(provider), now });
      if (!v.ok) {
        if (v.reason === "malformed_body" || v.reason === "bad_timestamp" || v.reason === "missing_headers") return reject(400, "malformed-webhook", "Malformed webhook", v.reason, v.detail);
        return reject(401, "webhook-unauthorized", "Webhook not verified", v.reason, v.detail);
      }
      const ctx = getRuntime(platform).context({ log });
      let out;
      try {
        out = ctx.tx((t) => processVerifiedEvent(t, { provider, kind, eventId: v.eventId, body: v.body, rawBody: raw, headers, now }));
      } catch (err) {
        // The effect crashed: nothing was applied (rolled back). Record the event as failed so an admin can replay
        // it, and answer 500 so the gateway retries.
        log.error("webhook effect failed", { requestId: c.get("requestId"), provider, kind, eventId: v.eventId, err: err as Error });
        received.inc({ provider, kind, outcome: "failed" });
        try {
          platform.db.tx((t) => recordFailedDelivery(t, { provider, kind, eventId: v.eventId, verified: true, status: "failed", reason: (err as Error).message?.slice(0, 500) ?? "error", headers, rawBody: raw, now }));
        } catch (e2) {
          log.error("could not record failed webhook", { err: e2 as Error });
        }
        return problemResponse(c, new HttpProblem(500, "webhook-failed", "Webhook not applied", "The event was recorded and will be applied on retry or replay"));
      }
      received.inc({ provider, kind, outcome: out.duplicate ? "duplicate" : out.status });
      if (out.status === "needs_attention" && !out.duplicate) log.warn("webhook needs attention", { provider, kind, eventId: v.eventId, result: out.result });
      if (out.httpStatus === 400) {
        return problemResponse(c, new HttpProblem(400, "malformed-webhook", "Malformed webhook", String((out.result as any).detail ?? "unusable payload"), { reason: "malformed_payload", eventId: v.eventId }));
      }
      return c.json({ received: true, eventId: v.eventId, status: out.status, result: out.result }, 200, out.duplicate ? { "Webhook-Duplicate": "true" } : {});
    };
    app.post("/webhooks/payments/:provider", handle("payment"));
    app.post("/webhooks/disbursements/:provider", handle("disbursement"));
  },
};
