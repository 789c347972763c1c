// Mounts the extensions' webhooks: raw-body POST endpoints for signed callbacks, outside the OpenAPI document.
// Per delivery: a client IP over its limit of unverified deliveries gets 429 before its body is read → the body is
// read with a size limit (413) and must be UTF-8 (400) → the extension's handler verifies and handles it. A handler
// that rejects a delivery calls req.rejected() first: that counts it against the client IP (webhookRejectLimit per
// minute, per process and in the shared rate-limit store) and throws the 429 once the IP is over. Verified
// deliveries never count.
import type { Context } from "hono";
import type { App } from "../http/app.ts";
import type { AppEnv } from "../http/types.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { clientIp, enforceRateLimit } from "../http/rate-limit.ts";
import type { Runtime } from "./runtime.ts";
import { toResponse } from "./response.ts";
import type { WebhookRequest } from "./types.ts";

export const WEBHOOK_BODY_LIMIT = 64 * 1024;

/** The raw body as UTF-8 text, at most `limit` bytes. */
export async function readRawBody(req: Request, limit: number): Promise<string> {
  const tooLarge = () => new HttpProblem(413, "payload-too-large", "Payload too large", `webhook bodies are limited to ${limit} bytes`);
  const len = req.headers.get("content-length");
  if (len !== null && Number(len) > limit) throw tooLarge();
  const buf = await req.arrayBuffer();
  if (buf.byteLength > limit) throw tooLarge();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new HttpProblem(400, "malformed-webhook", "Malformed webhook", "the body is not UTF-8");
  }
}

/** OpenAPI-style {param} → Hono's :param. */
const honoPath = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");

export function mountWebhooks(app: App, runtime: Runtime) {
  if (runtime.reg.webhooks.length === 0) return;
  const { platform } = runtime;
  const log = platform.log.child({ component: "webhooks" });
  // Unverified deliveries (anyone can send them) are limited per client IP: over the limit they answer 429 before
  // the body is read, and nothing is written. One limit across every webhook of the process.
  const limitOpts = { name: "webhooks-unverified", limit: platform.config.webhookRejectLimit, windowSeconds: 60 };
  const blocked = new Map<string, number>();
  const tooMany = (until: number) => problems.tooMany(Math.max(1, Math.ceil((until - Date.now()) / 1000)), `at most ${limitOpts.limit} unverified webhook deliveries per minute`);

  for (const { def } of runtime.reg.webhooks) {
    const limit = def.bodyLimitBytes ?? WEBHOOK_BODY_LIMIT;
    app.post(honoPath(def.path), async (c: Context<AppEnv>) => {
      const ip = clientIp(c);
      const until = blocked.get(ip);
      if (until !== undefined) {
        if (until > Date.now()) throw tooMany(until);
        blocked.delete(ip);
      }
      const rawBody = await readRawBody(c.req.raw, limit);
      const req: WebhookRequest = {
        method: c.req.method,
        path: c.req.path,
        params: c.req.param() as Record<string, string>,
        headers: c.req.raw.headers,
        rawBody,
        ip,
        requestId: c.get("requestId"),
        async rejected(logFields = {}) {
          try {
            await enforceRateLimit(limitOpts, ip);
          } catch {
            if (blocked.size > 10_000) for (const [k, t] of blocked) if (t <= Date.now()) blocked.delete(k);
            const until = Date.now() + limitOpts.windowSeconds * 1000;
            blocked.set(ip, until);
            log.warn("webhook deliveries rate-limited", { ip, ...logFields });
            throw tooMany(until);
          }
        },
      };
      const res = await def.handler(req, runtime.context({ log }));
      return toResponse(res);
    });
  }
}
