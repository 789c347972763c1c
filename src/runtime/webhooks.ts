// Mounts the extensions' webhooks as raw-body platform routes, documented in the OpenAPI `webhooks` section. Per
// delivery: a client IP over its limit of unverified deliveries gets 429 before its body is read (the route's
// guard) → the body is read with a size limit (413) and must be UTF-8 (400) → the extension's handler verifies and
// handles it. A handler that rejects a delivery calls req.rejected() first: that counts it against the client IP
// (webhookRejectLimit per minute, per process and in the shared rate-limit store) and throws the 429 once the IP is
// over. Verified deliveries never count. A handler's writes go through req.commit: the deliveries of one moment share
// one SQLite transaction (src/db/group-commit.ts), each in its own savepoint, each answered after that COMMIT.
import type { App } from "../http/router.ts";
import { problems } from "../http/problem.ts";
import { enforceRateLimit } from "../http/rate-limit.ts";
import { mountRoute } from "../http/mount.ts";
import type { Route } from "../http/route.ts";
import type { Runtime } from "./runtime.ts";
import { withSpan } from "../observability/tracing.ts";
import { groupCommitOf } from "../db/group-commit.ts";
import { txContextOf } from "./context.ts";
import type { ExtensionContext, TxContext, WebhookRequest } from "./types.ts";

export const WEBHOOK_BODY_LIMIT = 64 * 1024;

export function mountWebhooks(app: App, runtime: Runtime) {
  if (runtime.reg.webhooks.length === 0) return;
  const { platform } = runtime;
  const log = platform.log.child({ component: "webhooks" });
  // Unverified deliveries (anyone can send them) are limited per client IP: over the limit they answer 429 before
  // the body is read, and nothing is written. One limit across every webhook of the process.
  const limitOpts = { name: "webhooks-unverified", limit: platform.config.webhookRejectLimit, windowSeconds: 60 };
  const blocked = new Map<string, number>();
  // Group commit of the deliveries' writes (shared with every ctx.commit); one histogram of how many shared each transaction.
  const group = groupCommitOf(platform.db);
  const batchSize = platform.metrics.histogram("db_group_commit_size", "Write units (webhook deliveries, ctx.commit writes of routes and hooks) per shared SQLite transaction (group commit)", [], [1, 2, 4, 8, 16, 32, 64]);
  group.onBatch((b) => batchSize.observe(b.size));
  const commit = <T>(fn: (t: TxContext) => T): Promise<T> =>
    group.run((c) => {
      const wrote = { outbox: false };
      const out = fn(txContextOf(c, runtime.reg, platform.clock, wrote));
      // outbox rows written: wake the runner once the shared transaction committed (a microtask runs after the flush)
      if (wrote.outbox) queueMicrotask(runtime.nudge);
      return out;
    });
  const tooMany = (until: number) => problems.tooMany(Math.max(1, Math.ceil((until - Date.now()) / 1000)), `at most ${limitOpts.limit} unverified webhook deliveries per minute`);

  for (const { extension, def } of runtime.reg.webhooks) {
    const route: Route<ExtensionContext> = {
      method: "post",
      path: def.path,
      summary: def.summary,
      description: def.description,
      tags: def.tags ?? [extension],
      access: "public",
      request: { raw: { limitBytes: def.bodyLimitBytes ?? WEBHOOK_BODY_LIMIT } },
      responses: def.responses,
      openapi: { webhooks: def.deliveries },
      guard(req) {
        const until = blocked.get(req.ip);
        if (until === undefined) return;
        if (until > Date.now()) throw tooMany(until);
        blocked.delete(req.ip);
      },
      handler(req, ctx) {
        const ip = req.ip;
        const delivery: WebhookRequest = {
          method: req.method,
          path: req.path,
          params: req.params,
          headers: req.headers,
          rawBody: req.rawBody,
          ip,
          requestId: req.requestId,
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
          commit,
        };
        // tracing on: the delivery's span, under its request's (each delivery is a trace of its own)
        return withSpan(`webhook ${extension} ${def.path}`, { "kreditku.webhook.extension": extension, "url.path": req.path }, () => def.handler(delivery, ctx));
      },
    };
    mountRoute(app, route, { context: () => runtime.context({ log }) });
  }
}
