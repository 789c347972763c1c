// Payment-gateway webhooks (raw-body endpoints the platform mounts from this extension's `webhooks`):
//   POST /webhooks/payments/{provider}       POST /webhooks/disbursements/{provider}      provider ∈ standard|snap|xendit
// The platform reads the raw body (size-limited) and limits unverified deliveries per client IP. Here: verify the
// signature/token in constant time against the provider's secrets (two during rotation) → timestamp window → record
// (provider, event id) and apply the effect in ONE transaction (./events.ts), shared with the other deliveries of the
// same moment (group commit, req.commit; each in its own savepoint) → 200 after that COMMIT; duplicates answer 200
// with the original result. Forged/stale/malformed/unknown: 401/400 problem+json, logged, recorded with the failure reason,
// no state change. Also the payment-gateway port (sandbox in-process by default, or an HTTP gateway) and the
// start-up refusal of weak webhook secrets.
import { randomBytes } from "node:crypto";
import { defineWebhook, HttpProblem, readSecret, type ExtensionContext, type WebhookRequest } from "./deps.ts";
import { PROVIDERS, verifyWebhook, webhookSecretProblem, type Provider, type WebhookKind } from "./verify.ts";
import { processVerifiedEvent, recordFailedDelivery } from "./events.ts";
import { HttpGateway, type PaymentGateway } from "./gateway.ts";
import { SandboxGateway, type SignedWebhook } from "./sandbox.ts";
import { XenditGateway } from "./xendit.ts";
import type { PaymentSettings } from "../../schemas/payments.ts";
import { paymentSettings } from "./settings.ts";
import { WEBHOOK_RESPONSES, webhookDeliveries } from "./webhook-docs.ts";

const KEPT_HEADERS = ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature", "x-timestamp", "x-signature", "x-external-id", "x-partner-id", "channel-id"];

type Env = Readonly<Record<string, string | undefined>>;
/** What reading secrets needs: the configuration (the depot's secrets folder). A platform or a context. */
type Base = Pick<ExtensionContext, "config">;
type Config = ExtensionContext["config"];

/**
 * The provider's configured secrets, newest first, and where they came from: KREDITKU_WEBHOOK_SECRET_<PROVIDER>
 * (comma-separated for rotation), else depot/secrets/webhook-<provider> (comma- or newline-separated). The standard
 * provider gets a generated whsec_ secret on first start so the sandbox works out of the box.
 */
/** `env`: the environment to read (the process environment when absent, as the platform reads secrets). */
function configuredSecrets(base: Base, provider: Provider, env?: Env): { source: string; secrets: string[] } {
  const { source, value } = readSecret(
    base,
    {
      env: `KREDITKU_WEBHOOK_SECRET_${provider.toUpperCase()}`,
      file: `webhook-${provider}`,
      generate: provider === "standard" ? () => `whsec_${randomBytes(32).toString("base64")}\n` : undefined,
    },
    env,
  );
  return { source, secrets: (value ?? "").split(/[,\n]/).map((s) => s.trim()).filter(Boolean).slice(0, 2) };
}

/**
 * The provider's usable secrets, newest first. A weak or malformed secret (see webhookSecretProblem: standard needs
 * `whsec_` + base64 of ≥ 24 bytes, snap/xendit ≥ 16 characters) is never used: the server refuses to start with
 * one (webhookSecretProblems), and one that appears later is left out (deliveries then answer no_secret).
 */
export function webhookSecrets(base: Base, provider: Provider, env?: Env): string[] {
  return configuredSecrets(base, provider, env).secrets.filter((s) => webhookSecretProblem(provider, s) === null);
}

/** Every configured webhook secret that is refused, as messages naming its source (never the secret). */
export function webhookSecretProblems(base: Base, env?: Env): string[] {
  const out: string[] = [];
  for (const provider of PROVIDERS) {
    const { source, secrets } = configuredSecrets(base, provider, env);
    secrets.forEach((s, i) => {
      const problem = webhookSecretProblem(provider, s);
      if (problem) out.push(`${source}: ${provider} secret${secrets.length > 1 ? ` #${i + 1}` : ""} ${problem}`);
    });
  }
  return out;
}

/** Start-up refusal: one problem naming every weak or malformed secret. */
export function weakSecretsPreflight(ctx: ExtensionContext): string[] {
  const weak = webhookSecretProblems(ctx);
  return [...(weak.length > 0 ? [`weak or malformed webhook secret(s): ${weak.join("; ")}`] : []), ...gatewayPreflight(ctx), ...productionPreflight(ctx)];
}

/**
 * Production refusals (config `env` = production): the sandbox and the simulator move no real money, and a gateway's
 * webhook secret is never generated there — the provider's callbacks could not verify after a restore.
 */
export function productionPreflight(ctx: ExtensionContext): string[] {
  if (ctx.config.env !== "production") return [];
  const s = ctx.settings(paymentSettings);
  const out: string[] = [];
  if (s.gateway === "sandbox") out.push("payments gateway is the in-process sandbox (KREDITKU_GATEWAY=sandbox, the default): set KREDITKU_GATEWAY=xendit");
  if (s.gateway === "http") out.push("payments gateway is the HTTP gateway simulator (KREDITKU_GATEWAY=http): set KREDITKU_GATEWAY=xendit");
  const provider = gatewayProvider(s);
  if (webhookSecrets(ctx, provider).length === 0) {
    out.push(`no ${provider} webhook secret: set KREDITKU_WEBHOOK_SECRET_${provider.toUpperCase()} (or depot/secrets/webhook-${provider})`);
  }
  return out;
}

/** The webhook format of the configured gateway (the xendit gateway always speaks xendit). */
const gatewayProvider = (s: PaymentSettings): Provider => (s.gateway === "xendit" ? "xendit" : s.gatewayProvider);

/** The Xendit secret API key: KREDITKU_XENDIT_SECRET_KEY, else depot/secrets/xendit-secret-key (never generated). */
export const xenditSecretKey = (ctx: Base) => (readSecret(ctx, { env: "KREDITKU_XENDIT_SECRET_KEY", file: "xendit-secret-key" }).value ?? "").trim();

/** Refusals in every mode: the xendit gateway without its secret key. */
export function gatewayPreflight(ctx: ExtensionContext): string[] {
  const s = ctx.settings(paymentSettings);
  if (s.gateway === "xendit" && !xenditSecretKey(ctx)) return ["no Xendit secret key: set KREDITKU_XENDIT_SECRET_KEY (or depot/secrets/xendit-secret-key)"];
  return [];
}

/** The configured gateway adapter: settings gateway = sandbox (default) | http (+ gatewayUrl) | xendit, gatewayProvider. */
export function createGateway(ctx: ExtensionContext): PaymentGateway {
  const s = ctx.settings(paymentSettings);
  const provider = gatewayProvider(s);
  if (s.gateway === "xendit") return new XenditGateway({ secretKey: () => xenditSecretKey(ctx), xenditUrl: s.xenditUrl, vaChannel: s.xenditVaChannel, timeoutMs: s.xenditTimeoutMs });
  if (s.gateway === "http") return new HttpGateway(s.gatewayUrl!, provider, ctx.config.publicUrl);
  // In-process sandbox: it signs with this server's own secret and delivers straight into the app (same
  // verification path as a real delivery), or to publicUrl when one is configured.
  const secret = webhookSecrets(ctx, provider)[0] ?? "";
  const deliver = async (req: SignedWebhook) => (await ctx.loopback(new Request(`http://sandbox.local${req.path}`, { method: "POST", headers: req.headers, body: req.body }))).status;
  return new SandboxGateway({ provider, secret, callbackBase: ctx.config.publicUrl, now: () => ctx.clock.now(), deliver });
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

/** Secrets per provider, re-read at most every 30 s (a rotated secret is picked up without a restart). */
const secretCaches = new WeakMap<Config, Map<Provider, { at: number; secrets: string[] }>>();
function secretsOf(ctx: ExtensionContext, p: Provider): string[] {
  let cache = secretCaches.get(ctx.config);
  if (!cache) secretCaches.set(ctx.config, (cache = new Map()));
  const hit = cache.get(p);
  if (hit && Date.now() - hit.at < 30_000) return hit.secrets;
  const secrets = webhookSecrets(ctx, p);
  cache.set(p, { at: Date.now(), secrets });
  return secrets;
}

const deliveries = (ctx: ExtensionContext) => ctx.metrics.counter("webhook_deliveries_total", "Webhook deliveries by provider, kind and outcome", ["provider", "kind", "outcome"]);

async function handle(kind: WebhookKind, req: WebhookRequest, ctx: ExtensionContext) {
  const log = ctx.log;
  const received = deliveries(ctx);
  const providerParam = String(req.params.provider);
  const now = ctx.clock.now();
  const raw = req.rawBody;
  const headers = keptHeaders(req.headers);
  const reject = async (status: number, slug: string, title: string, reason: string, detail: string, eventId: string | null = null, verified = false): Promise<never> => {
    received.inc({ provider: PROVIDERS.includes(providerParam as Provider) ? providerParam : "unknown", kind, outcome: "rejected" });
    await req.rejected({ provider: providerParam, kind });
    log.warn("webhook rejected", { requestId: req.requestId, ip: req.ip, provider: providerParam, kind, reason, detail });
    try {
      await req.commit((t) => recordFailedDelivery(t, { provider: providerParam, kind, eventId, verified, status: "rejected", reason: `${reason}: ${detail}`, headers, rawBody: raw, now }));
    } catch (err) {
      log.error("could not record rejected webhook", { err });
    }
    throw new HttpProblem(status, slug, title, detail, { reason });
  };
  if (!PROVIDERS.includes(providerParam as Provider)) return reject(400, "unknown-provider", "Unknown provider", "unknown_provider", `provider must be one of ${PROVIDERS.join(", ")}`);
  const provider = providerParam as Provider;
  const v = verifyWebhook({ provider, method: req.method, path: req.path, headers: req.headers, rawBody: raw, secrets: secretsOf(ctx, provider), now });
  if (!v.ok) {
    if (v.reason === "malformed_body" || v.reason === "bad_timestamp" || v.reason === "missing_headers") return reject(400, "malformed-webhook", "Malformed webhook", v.reason, v.detail);
    return reject(401, "webhook-unauthorized", "Webhook not verified", v.reason, v.detail);
  }
  const disburseRetryMs = ctx.settings(paymentSettings).disburseRetryMs;
  let out;
  try {
    // One short write: the event's uniqueness key, the effect (allocation, journal, outbox rows) and the event's
    // outcome, in a transaction shared with the other deliveries of this moment (group commit), answered after it commits.
    out = await req.commit((t) => processVerifiedEvent(t, { provider, kind, eventId: v.eventId, body: v.body, rawBody: raw, headers, now, disburseRetryMs }));
  } catch (err) {
    // The effect crashed: nothing of it was applied (rolled back to its savepoint). Record the event as failed so
    // an admin can replay it, and answer 500 so the gateway retries.
    log.error("webhook effect failed", { requestId: req.requestId, provider, kind, eventId: v.eventId, err: err as Error });
    received.inc({ provider, kind, outcome: "failed" });
    try {
      await req.commit((t) => recordFailedDelivery(t, { provider, kind, eventId: v.eventId, verified: true, status: "failed", reason: (err as Error).message?.slice(0, 500) ?? "error", headers, rawBody: raw, now }));
    } catch (e2) {
      log.error("could not record failed webhook", { err: e2 as Error });
    }
    throw new HttpProblem(500, "webhook-failed", "Webhook not applied", "The event was recorded and will be applied on retry or replay");
  }
  received.inc({ provider, kind, outcome: out.duplicate ? "duplicate" : out.status });
  if (out.status === "needs_attention" && !out.duplicate) log.warn("webhook needs attention", { provider, kind, eventId: v.eventId, result: out.result });
  if (out.httpStatus === 400) {
    throw new HttpProblem(400, "malformed-webhook", "Malformed webhook", String(out.result.detail ?? "unusable payload"), { reason: "malformed_payload", eventId: v.eventId });
  }
  return { status: 200, body: { received: true, eventId: v.eventId, status: out.status, result: out.result }, headers: out.duplicate ? { "Webhook-Duplicate": "true" } : undefined };
}

export const WEBHOOKS = [
  defineWebhook({
    path: "/webhooks/payments/{provider}",
    summary: "A gateway confirms a repayment into a loan's virtual account",
    description: "Verified before anything else; recorded once per (provider, event id), so duplicate or concurrent deliveries have one effect.",
    tags: ["Webhooks"],
    deliveries: webhookDeliveries("payment"),
    responses: WEBHOOK_RESPONSES,
    handler: (req, ctx) => handle("payment", req, ctx),
  }),
  defineWebhook({
    path: "/webhooks/disbursements/{provider}",
    summary: "A gateway reports a disbursement's outcome",
    description: "Verified before anything else; recorded once per (provider, event id). A failed disbursement is retried, or needs attention.",
    tags: ["Webhooks"],
    deliveries: webhookDeliveries("disbursement"),
    responses: WEBHOOK_RESPONSES,
    handler: (req, ctx) => handle("disbursement", req, ctx),
  }),
];

export { deliveries as webhookDeliveriesCounter };
