// Mounts every extension's routes and webhooks through the platform's route mount (src/http/mount.ts): the same
// routing, validation, guards, rate limits, Idempotency-Key, body limits and OpenAPI as the platform's own routes,
// with the extension context as the handler's context and the extension's name as the default tag.
import type { App } from "../http/router.ts";
import { mountRoute } from "../http/mount.ts";
import type { Runtime } from "./runtime.ts";
import { mountWebhooks } from "./webhooks.ts";

/** Mount every extension's routes and webhooks. */
export function mountExtensions(app: App, runtime: Runtime) {
  for (const ext of runtime.reg.extensions) {
    for (const route of ext.routes ?? []) {
      mountRoute(app, route, {
        tags: [ext.name],
        context: (req) => runtime.context({ user: req.user, log: runtime.platform.log.child({ requestId: req.requestId, extension: ext.name }) }),
      });
    }
  }
  mountWebhooks(app, runtime);
}
