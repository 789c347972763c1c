// The queue dashboard itself (bull-board's API, its BullMQ adapter and the embedded-UI Hono adapter, with BullMQ's
// Queue): imported by module.ts on the first admitted request under /_/admin/queues, so a serve process (with or
// without REDIS_URL) evaluates none of it until an admin opens the board.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { Queue } from "bullmq";
import { Hono } from "hono";
import type { Platform } from "../http/types.ts";
import { HttpProblem } from "../http/problem.ts";
import { getRuntime } from "../runtime/runtime.ts";
import { HOOKS_QUEUE, OWNER_QUEUE, RESULTS_QUEUE } from "../runtime/registry.ts";
import { BullOwner, connectionOf } from "../queue/bullmq.ts";
import { EmbeddedHonoAdapter, VIRTUAL_UI_BASE } from "./adapter.ts";
import { loadBullBoardUi, type BullBoardUi } from "./ui-assets.ts";

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

export interface Board {
  /** Give bull-board the runtime's queues (once). */
  ensureQueues(): void;
  /** The board's page, files and API under `base`. */
  fetch(req: Request): Response | Promise<Response>;
}

export function createBoard(platform: Platform, o: { base: string; logout: string; ui?: BullBoardUi | null }): Board {
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

  let files: Promise<BullBoardUi | null> | undefined = o.ui !== undefined ? Promise.resolve(o.ui) : undefined;
  const adapter = new EmbeddedHonoAdapter(() => (files ??= loadBullBoardUi()));
  adapter.setBasePath(o.base);
  const board = createBullBoard({
    queues: [],
    serverAdapter: adapter,
    options: {
      uiBasePath: VIRTUAL_UI_BASE,
      uiConfig: {
        boardTitle: "KreditKu queues",
        miscLinks: [
          { text: "Admin dashboard", url: "/_/admin/" },
          { text: "Sign out of queues", url: o.logout },
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

  // The board's own Hono app (its page, files and API under the base); what it does not know is a 404 problem,
  // and its errors reach the platform's problem handler.
  const boardApp = new Hono();
  boardApp.route(o.base, adapter.registerPlugin() as never);
  // the board lives at the base (its <base href> ends in '/', so relative URLs resolve either way)
  boardApp.get(`${o.base}/`, (c) => c.redirect(o.base, 308));
  boardApp.notFound((c) => {
    throw new HttpProblem(404, "not-found", "Not found", `No route for ${c.req.method} ${c.req.path}`);
  });
  boardApp.onError((err) => {
    throw err;
  });
  return { ensureQueues, fetch: (req) => boardApp.fetch(req) };
}
