// Entry point for test/jobs.e2e.test.ts: the real CLI (serve, worker, jobs) plus one test extension with an `e2e.square` job, run from
// source with `bun run test/kit/square-job-cli.ts <command> …`. The binary never contains this extension.
import { existsSync, writeFileSync } from "node:fs";
import { defineExtension, defineJob, defineRoute, z } from "../../src/runtime/index.ts";
import { registerExtensions } from "../../src/runtime/runtime.ts";
import { main } from "../../src/main.ts";

const square = defineJob({
  name: "e2e.square",
  payload: z.object({ id: z.string(), n: z.number().int(), hangOnceMarker: z.string().optional() }),
  runsOn: "any",
  attempts: 3,
  timeoutMs: 60_000,
  backoff: { type: "fixed", delayMs: 50 },
  async handler(p, ctx) {
    if (p.hangOnceMarker && !existsSync(p.hangOnceMarker)) {
      writeFileSync(p.hangOnceMarker, String(process.pid));
      await Bun.sleep(60_000); // the test kills the process here
    }
    ctx.log.info("e2e.square ran", { id: p.id, pid: process.pid });
    return { square: p.n * p.n, pid: process.pid };
  },
  apply(result, p, t) {
    t.run("INSERT INTO e2e_results (id, value, worker_pid) VALUES (?, ?, ?)", p.id, result.square, result.pid);
  },
});

registerExtensions(
  defineExtension({
    name: "e2e-jobs",
    jobs: [square],
    init(ctx) {
      ctx.tx((t) => t.run("CREATE TABLE IF NOT EXISTS e2e_results (id TEXT NOT NULL, value INTEGER NOT NULL, worker_pid INTEGER NOT NULL) STRICT"));
    },
    routes: [
      defineRoute({
        method: "post",
        path: "/api/v1/e2e/squares",
        summary: "Enqueue a square job",
        access: "public",
        request: { body: z.object({ id: z.string(), n: z.number().int(), hangOnceMarker: z.string().optional() }) },
        responses: { 202: { description: "queued", schema: z.object({ key: z.string() }) } },
        handler(req, ctx) {
          const key = ctx.tx((t) => t.enqueue(square, req.body, { key: `square-${req.body.id}` }));
          return { status: 202, body: { key } };
        },
      }),
      defineRoute({
        method: "get",
        path: "/api/v1/e2e/squares/{id}",
        summary: "Results applied for an id",
        access: "public",
        request: { params: z.object({ id: z.string() }) },
        responses: { 200: { description: "results", schema: z.object({ count: z.number(), rows: z.array(z.object({ value: z.number(), worker_pid: z.number() })) }) } },
        handler(req, ctx) {
          const rows = ctx.db.all<{ value: number; worker_pid: number }>("SELECT value, worker_pid FROM e2e_results WHERE id = ?", req.params.id);
          return { status: 200, body: { count: rows.length, rows } };
        },
      }),
    ],
  }),
);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
