// bull-board (@bull-board/api + @bull-board/hono) at /_/admin/queues for admins when BullMQ is on (REDIS_URL):
// every queue the runtime uses (owner, hooks, results, and one per runsOn 'any' job). With BullMQ off the path
// answers 404 `bullmq-disabled`.
//
// Access (see access.ts): POST /api/v1/admin/queues/session with an admin Bearer token → a one-time 60 s ticket URL
// /_/admin/queues/login?ticket=…; opening it sets the `kreditku_queues` cookie (HttpOnly, SameSite=Strict,
// Path=/_/admin/queues; Secure on https) with a 15-minute HMAC-signed token and redirects into the board. Every
// request under /_/admin/queues checks the cookie (signature, expiry) and that its session is live and its user
// still an active admin; state-changing requests must also come from the same origin.
//
// The board itself (bull-board, BullMQ's Queue, ejs: board.ts) is imported on the first admitted board request.
import { z } from "@hono/zod-openapi";
import { generateCookie } from "hono/cookie";
import { parse as parseCookies } from "hono/utils/cookie";
import type { App, AppModule } from "../http/app.ts";
import type { Platform } from "../http/types.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { declareRoute, type Route, type RouteRequest } from "../http/route.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import { audit, metaOf } from "../auth/audit.ts";
import { sessionIsLive } from "../auth/sessions.ts";
import { symmetricKey } from "../auth/secrets.ts";
import { COOKIE_TTL_SECONDS, signQueuesCookie, TicketStore, verifyQueuesCookie, type TicketClaims } from "./access.ts";
import type { BullBoardUi } from "./ui-assets.ts";
import type { Board } from "./board.ts";

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

function isSecureRequest(p: Platform, req: RouteRequest) {
  if (p.config.publicUrl?.startsWith("https:")) return true;
  if (req.url.protocol === "https:") return true;
  return !!p.config.trustProxy && req.headers.get("x-forwarded-proto")?.split(",")[0].trim() === "https";
}

const cookieOf = (req: RouteRequest, name: string): string | undefined => {
  const header = req.headers.get("cookie");
  return header ? parseCookies(header, name)[name] : undefined;
};

const NO_STORE = { "Cache-Control": "no-store" };

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

      const sessionRoute = declareRoute({
        method: "post",
        path: QUEUES_SESSION_PATH,
        tags: ["admin"],
        summary: "A one-time ticket URL that opens the queue dashboard (bull-board) in a browser (admin)",
        description:
          "Admin. Only when BullMQ is on (REDIS_URL); otherwise 404 `bullmq-disabled`. The returned URL works once within 60 s: opening it sets an HttpOnly cookie (15 minutes, Path=/_/admin/queues) and redirects to /_/admin/queues.",
        access: ["admin"],
        rateLimit: { name: "queues-session", key: "user", limit: 30, windowSeconds: 60 },
        responses: {
          201: { description: "The ticket URL", schema: SessionSchema, example: { url: "/_/admin/queues/login?ticket=2QeYl0c8vXr4", expiresAt: "2026-03-02T03:01:00.000Z" } },
          404: { description: "BullMQ is not enabled (`bullmq-disabled`)", example: { type: "https://kreditku.dev/problems/bullmq-disabled", title: "BullMQ is not enabled", status: 404, detail: "The queue dashboard needs the BullMQ job backend: set REDIS_URL and restart." } },
        },
        handler: (req) => {
          if (!enabled) throw bullmqDisabled();
          const user = req.user!;
          if (!user.sessionId) throw problems.unauthorized();
          const now = platform.clock.now();
          const { ticket, expiresAt } = tickets.issue({ userId: user.id, sessionId: user.sessionId }, now.getTime());
          platform.db.tx((w) => audit(w, { event: "queues.ticket", userId: user.id, ...metaOf(req), at: now }));
          return { status: 201, body: { url: `${QUEUES_LOGIN}?ticket=${ticket}`, expiresAt: new Date(expiresAt).toISOString() }, headers: NO_STORE };
        },
      });

      /** The caller of a request with the cookie, or a problem: 401 (no/invalid/expired cookie, ended session), 403 (not an admin). */
      const checkCaller = (req: RouteRequest): TicketClaims => {
        const value = cookieOf(req, QUEUES_COOKIE);
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

      const loginRoute = declareRoute({
        method: "get",
        path: QUEUES_LOGIN,
        tags: ["admin"],
        summary: "Open the queue dashboard with a ticket URL: sets its cookie and redirects into it",
        description: "Browsers open the URL from POST /api/v1/admin/queues/session. 404 `bullmq-disabled` without BullMQ.",
        access: "public",
        rateLimit: { name: "queues-login", key: "ip", limit: 30, windowSeconds: 60 },
        request: { query: z.object({ ticket: z.string().optional().openapi({ description: "The one-time ticket", example: "2QeYl0c8vXr4" }) }) },
        responses: {
          303: {
            description: "Signed in to the queue dashboard: to /_/admin/queues",
            headers: { Location: { description: "The dashboard", example: QUEUES_BASE }, "Set-Cookie": { description: "The dashboard cookie (HttpOnly, SameSite=Strict)", example: `${QUEUES_COOKIE}=…; Max-Age=900; Path=${QUEUES_BASE}; HttpOnly; SameSite=Strict` } },
          },
          401: { description: "The ticket is unknown, used or expired; or the session behind it ended" },
          403: { description: "The ticket's user is no longer an admin" },
          404: { description: "BullMQ is not enabled (`bullmq-disabled`)" },
        },
        handler: (req) => {
          if (!enabled) throw bullmqDisabled();
          const now = platform.clock.now();
          const claims = tickets.consume(req.query.ticket ?? "", now.getTime());
          if (!claims) throw unauthorizedQueues("This sign-in link is unknown, used or expired (links work once, within 60 s); open the queue dashboard again from the admin dashboard");
          requireAdmin(claims);
          const { value } = signQueuesCookie(key(), claims, now.getTime());
          const cookie = generateCookie(QUEUES_COOKIE, value, { path: QUEUES_BASE, httpOnly: true, sameSite: "Strict", secure: isSecureRequest(platform, req), maxAge: COOKIE_TTL_SECONDS });
          platform.db.tx((w) => audit(w, { event: "queues.login", userId: claims.userId, ...metaOf(req), at: now }));
          return { status: 303, headers: { ...NO_STORE, Location: QUEUES_BASE, "Set-Cookie": cookie } };
        },
      });

      const logoutRoute = declareRoute({
        method: "get",
        path: QUEUES_LOGOUT,
        tags: ["admin"],
        summary: "Sign out of the queue dashboard: clears its cookie and redirects to the admin dashboard",
        access: "public",
        responses: {
          303: { description: "Signed out: to /_/admin/", headers: { Location: { description: "The admin dashboard", example: "/_/admin/" }, "Set-Cookie": { description: "The cleared cookie", example: `${QUEUES_COOKIE}=; Max-Age=0; Path=${QUEUES_BASE}; HttpOnly; SameSite=Strict` } } },
          404: { description: "BullMQ is not enabled (`bullmq-disabled`)" },
        },
        handler: (req) => {
          if (!enabled) throw bullmqDisabled();
          const cookie = generateCookie(QUEUES_COOKIE, "", { path: QUEUES_BASE, httpOnly: true, sameSite: "Strict", secure: isSecureRequest(platform, req), maxAge: 0 });
          return { status: 303, headers: { ...NO_STORE, Location: "/_/admin/", "Set-Cookie": cookie } };
        },
      });

      const boardRoutes = (handler: Route<Platform>["handler"], guard?: Route<Platform>["guard"]) =>
        [QUEUES_BASE, `${QUEUES_BASE}/*`].map((path) =>
          declareRoute({
            method: "get",
            methods: "all",
            path,
            summary: "The queue dashboard (bull-board): its page, files and API, behind the dashboard cookie",
            access: "public",
            openapi: false,
            guard,
            responses: { 200: { description: "The dashboard" } },
            handler: handler as never,
          }),
        );

      if (!enabled) {
        mountPlatformRoutes(app, platform, [
          sessionRoute,
          loginRoute,
          logoutRoute,
          ...boardRoutes(() => {
            throw bullmqDisabled();
          }),
        ]);
        return;
      }

      // The board (bull-board, its queues) is made on the first admitted request.
      let board: Promise<Board> | undefined;
      const boardOf = () =>
        (board ??= import("./board.ts").then(
          (m) => m.createBoard(platform, { base: QUEUES_BASE, logout: QUEUES_LOGOUT, ui: opts.ui }),
          (e) => {
            board = undefined;
            throw e;
          },
        ));

      mountPlatformRoutes(app, platform, [
        sessionRoute,
        loginRoute,
        logoutRoute,
        ...boardRoutes(
          async (req) => {
            const b = await boardOf();
            b.ensureQueues();
            return { response: await b.fetch(req.raw) };
          },
          (req) => {
            requireAdmin(checkCaller(req));
            if (req.method !== "GET" && req.method !== "HEAD") {
              // the cookie is SameSite=Strict already; also refuse any request a browser marks as cross-origin
              const site = req.headers.get("sec-fetch-site");
              const origin = req.headers.get("origin");
              if ((site && site !== "same-origin") || (origin !== null && hostOf(origin) !== req.headers.get("host"))) {
                throw problems.forbidden("Cross-origin requests to the queue dashboard are refused");
              }
            }
          },
        ),
      ]);
    },
  };
}
