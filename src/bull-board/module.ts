// bull-board (@bull-board/api + @bull-board/hono) at /_/admin/queues for admins when BullMQ is on (REDIS_URL):
// every queue the runtime uses (owner, hooks, results, and one per runsOn 'any' job). With BullMQ off the path
// answers 404 `bullmq-disabled`.
//
// Access (see access.ts): POST /api/v1/admin/queues/session with an admin Bearer token → a one-time 60 s ticket URL
// /_/admin/queues/login?ticket=…; opening it sets the `kreditku_queues` cookie (HttpOnly, SameSite=Strict,
// Path=/_/admin/queues; Secure on https) with a 15-minute HMAC-signed token and redirects into the board. Every
// request under /_/admin/queues checks the cookie (signature, expiry) and that its session is live and its user
// still an active admin; state-changing requests must also come from the same origin.
import { createRoute, z } from "@hono/zod-openapi";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { Queue } from "bullmq";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { App, AppModule } from "../http/app.ts";
import type { AppEnv, Platform } from "../http/types.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { perUserLimit, requireAccess } from "../auth/guard.ts";
import { audit, requestMeta } from "../auth/audit.ts";
import { sessionIsLive } from "../auth/sessions.ts";
import { symmetricKey } from "../auth/secrets.ts";
import { json, problemResponses } from "../auth/schemas.ts";
import { enforceRateLimit, clientIp } from "../http/rate-limit.ts";
import { getRuntime } from "../runtime/runtime.ts";
import { HOOKS_QUEUE, OWNER_QUEUE, RESULTS_QUEUE } from "../runtime/registry.ts";
import { BullOwner, connectionOf } from "../queue/bullmq.ts";
import { COOKIE_TTL_SECONDS, signQueuesCookie, TicketStore, verifyQueuesCookie, type TicketClaims } from "./access.ts";
import { EmbeddedHonoAdapter, VIRTUAL_UI_BASE } from "./adapter.ts";
import { loadBullBoardUi, type BullBoardUi } from "./ui-assets.ts";

export const QUEUES_BASE = "/_/admin/queues";
export const QUEUES_LOGIN = `${QUEUES_BASE}/login`;
export const QUEUES_LOGOUT = `${QUEUES_BASE}/logout`;
export const QUEUES_COOKIE = "kreditku_queues";
export const QUEUES_SESSION_PATH = "/api/v1/admin/queues/session";

export const bullmqDisabled = () =>
  new HttpProblem(404, "bullmq-disabled", "BullMQ is not enabled", "The queue dashboard needs the BullMQ job backend: set REDIS_URL and restart. Without it jobs run in-process (see `kreditku jobs list` and the dashboard's Jobs page).");

const SessionSchema = z
  .object({
    url: z.string().openapi({ example: "/_/admin/queues/login?ticket=2Qe…" }),
    expiresAt: z.string().openapi({ description: "The ticket works once, until this time (60 s)" }),
  })
  .openapi("QueuesSession");

/** The queues the runtime uses, with a line for bull-board's list. */
function queueList(platform: Platform): { name: string; description: string }[] {
  const reg = getRuntime(platform).reg;
  return [
    { name: OWNER_QUEUE, description: "runsOn 'owner' jobs, consumed by serve" },
    { name: HOOKS_QUEUE, description: "event hooks, consumed by serve" },
    { name: RESULTS_QUEUE, description: "results of stateless workers, applied by serve" },
    ...reg.workerQueues().map((name) => ({ name, description: "runsOn 'any' job, consumed by `kreditku worker`" })),
  ];
}

function isSecureRequest(c: Context<AppEnv>) {
  const p = c.get("platform");
  if (p.config.publicUrl?.startsWith("https:")) return true;
  if (new URL(c.req.url).protocol === "https:") return true;
  return !!p.config.trustProxy && c.req.header("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" or garbage: never our host
  }
};

const unauthorizedQueues = (detail: string) => new HttpProblem(401, "unauthorized", "Unauthorized", detail);

export function bullBoardModule(opts: { ui?: BullBoardUi | null } = {}): AppModule {
  return {
    register(app: App, platform: Platform) {
      const enabled = !!platform.config.redisUrl;
      const tickets = new TicketStore();
      let cookieKey: Buffer | undefined;
      const key = () => (cookieKey ??= symmetricKey(platform.config.depot, "queues-cookie.key"));

      app.openapi(
        createRoute({
          method: "post",
          path: QUEUES_SESSION_PATH,
          tags: ["admin"],
          summary: "A one-time ticket URL that opens the queue dashboard (bull-board) in a browser (admin)",
          description:
            "Admin. Only when BullMQ is on (REDIS_URL); otherwise 404 `bullmq-disabled`. The returned URL works once within 60 s: opening it sets an HttpOnly cookie (15 minutes, Path=/_/admin/queues) and redirects to /_/admin/queues.",
          security: [{ bearerAuth: [] }],
          middleware: [requireAccess(["admin"]), perUserLimit("queues-session", 30)],
          responses: { 201: json(SessionSchema, "The ticket URL"), ...problemResponses(401, 403, 404, 429) },
        }),
        (c) => {
          if (!enabled) throw bullmqDisabled();
          const user = c.get("user")!;
          if (!user.sessionId) throw problems.unauthorized();
          const now = platform.clock.now();
          const { ticket, expiresAt } = tickets.issue({ userId: user.id, sessionId: user.sessionId }, now.getTime());
          platform.db.tx((w) => audit(w, { event: "queues.ticket", userId: user.id, ...requestMeta(c), at: now }));
          c.header("Cache-Control", "no-store");
          return c.json({ url: `${QUEUES_LOGIN}?ticket=${ticket}`, expiresAt: new Date(expiresAt).toISOString() }, 201);
        },
      );

      if (!enabled) {
        const off = () => {
          throw bullmqDisabled();
        };
        app.all(QUEUES_BASE, off);
        app.all(`${QUEUES_BASE}/*`, off);
        return;
      }

      /** The caller of a request with the cookie, or a problem: 401 (no/invalid/expired cookie, ended session), 403 (not an admin). */
      const checkCaller = (c: Context<AppEnv>): TicketClaims => {
        const value = getCookie(c, QUEUES_COOKIE);
        if (!value) throw unauthorizedQueues(`Open the queue dashboard from the admin dashboard (POST ${QUEUES_SESSION_PATH} gives a sign-in link)`);
        const res = verifyQueuesCookie(key(), value, platform.clock.now().getTime());
        if (!res.ok) throw unauthorizedQueues(`Queue dashboard session refused: ${res.reason}; open it again from the admin dashboard`);
        return res.claims;
      };
      const requireAdmin = (claims: TicketClaims) => {
        if (!sessionIsLive(platform, claims.sessionId, claims.userId)) throw unauthorizedQueues("Your session has ended; sign in to the admin dashboard again");
        const row = platform.db.read.get<{ role: string }>("SELECT role FROM users WHERE id = ? AND status = 'active'", claims.userId);
        if (!row) throw unauthorizedQueues("Your account is not active");
        if (row.role !== "admin") throw problems.forbidden("The queue dashboard is for admins");
      };

      app.get(QUEUES_LOGIN, async (c) => {
        await enforceRateLimit({ name: "queues-login", limit: 30, windowSeconds: 60 }, clientIp(c));
        const ticket = c.req.query("ticket") ?? "";
        const now = platform.clock.now();
        const claims = tickets.consume(ticket, now.getTime());
        c.header("Cache-Control", "no-store");
        if (!claims) throw unauthorizedQueues("This sign-in link is unknown, used or expired (links work once, within 60 s); open the queue dashboard again from the admin dashboard");
        requireAdmin(claims);
        const { value } = signQueuesCookie(key(), claims, now.getTime());
        setCookie(c, QUEUES_COOKIE, value, { path: QUEUES_BASE, httpOnly: true, sameSite: "Strict", secure: isSecureRequest(c), maxAge: COOKIE_TTL_SECONDS });
        platform.db.tx((w) => audit(w, { event: "queues.login", userId: claims.userId, ...requestMeta(c), at: now }));
        return c.redirect(QUEUES_BASE, 303);
      });

      app.get(QUEUES_LOGOUT, (c) => {
        deleteCookie(c, QUEUES_COOKIE, { path: QUEUES_BASE, httpOnly: true, sameSite: "Strict", secure: isSecureRequest(c) });
        c.header("Cache-Control", "no-store");
        return c.redirect("/_/admin/", 303);
      });

      // Queues: the serve process's own BullMQ queues when the runtime runs (same connections), otherwise private
      // ones (closed at shutdown). Created on the first admitted request, so building the app never touches Redis.
      const ownQueues: Queue[] = [];
      platform.onShutdown.push(async () => {
        await Promise.allSettled(ownQueues.map((q) => q.close()));
      });
      const queueOf = (name: string): Queue => {
        const backend = getRuntime(platform).backend;
        if (backend instanceof BullOwner) return backend.queues.get(name);
        const q = new Queue(name, { connection: connectionOf(platform.config.redisUrl!), prefix: platform.config.queuePrefix });
        q.on("error", () => {});
        ownQueues.push(q);
        return q;
      };

      let files: Promise<BullBoardUi | null> | undefined = opts.ui !== undefined ? Promise.resolve(opts.ui) : undefined;
      const adapter = new EmbeddedHonoAdapter(() => (files ??= loadBullBoardUi()));
      adapter.setBasePath(QUEUES_BASE);
      const board = createBullBoard({
        queues: [],
        serverAdapter: adapter,
        options: {
          uiBasePath: VIRTUAL_UI_BASE,
          uiConfig: {
            boardTitle: "KreditKu queues",
            miscLinks: [
              { text: "Admin dashboard", url: "/_/admin/" },
              { text: "Sign out of queues", url: QUEUES_LOGOUT },
            ],
            hideDocsLink: true,
          },
        },
      });
      let queuesReady = false;
      const ensureQueues = () => {
        if (queuesReady) return;
        queuesReady = true;
        board.replaceQueues(queueList(platform).map((q) => new BullMQAdapter(queueOf(q.name), { description: q.description })));
      };

      const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
        if (c.req.path === QUEUES_LOGIN || c.req.path === QUEUES_LOGOUT) return next();
        const claims = checkCaller(c);
        requireAdmin(claims);
        const method = c.req.method;
        if (method !== "GET" && method !== "HEAD") {
          // the cookie is SameSite=Strict already; also refuse any request a browser marks as cross-origin
          const site = c.req.header("sec-fetch-site");
          const origin = c.req.header("origin");
          if ((site && site !== "same-origin") || (origin !== undefined && hostOf(origin) !== c.req.header("host"))) {
            throw problems.forbidden("Cross-origin requests to the queue dashboard are refused");
          }
        }
        ensureQueues();
        return next();
      };
      app.use(QUEUES_BASE, guard);
      app.use(`${QUEUES_BASE}/*`, guard);
      app.route(QUEUES_BASE, adapter.registerPlugin() as never);
      // the board lives at /_/admin/queues (its <base href> ends in '/', so relative URLs resolve either way)
      app.get(`${QUEUES_BASE}/`, (c) => c.redirect(QUEUES_BASE, 308));
      // anything else under the board is a 404 here (not the admin dashboard's client-side fallback)
      app.all(`${QUEUES_BASE}/*`, (c) => {
        throw new HttpProblem(404, "not-found", "Not found", `No route for ${c.req.method} ${c.req.path}`);
      });
    },
  };
}
