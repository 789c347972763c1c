// Cold start: what the configuration does not use is not imported at start. Two views of the same rule:
//  - the static import graph of the binary's entry (src/main.ts) and of the serve command's module: no heavy package
//    is reachable through static imports (they are imported where they are used: import() or require() inside a
//    function);
//  - `serve` on the embedded defaults (no REDIS_URL, no S3, no tracing, the fake payment gateway), run from source with
//    a preload that lists the loaded modules: none of those packages was evaluated once /healthz answered, and a
//    passkey ceremony then loads @simplewebauthn/server (the listing sees lazy loads).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { removeDepot, spawnUntilLog, tempDepot } from "./kit/binary.ts";
import { waitFor } from "./kit/wait.ts";

const ROOT = resolve(import.meta.dir, "..");

/** Packages a server on the defaults must not evaluate at start (each is imported on first use). */
const HEAVY = [
  "bullmq", // BullMQ backend: only with REDIS_URL
  "ioredis", // Redis rate limits and BullMQ: only with REDIS_URL
  "@aws-sdk/", // S3 documents or backups
  "@smithy/",
  "@bull-board/", // the queue dashboard: first admitted request under /_/admin/queues
  "ejs",
  "@opentelemetry/sdk-trace-base", // tracing: only with an OTLP endpoint
  "@opentelemetry/exporter-trace-otlp-http",
  "@opentelemetry/resources",
  "xendit-node", // only when the xendit gateway makes a call
  "@simplewebauthn/server", // first passkey ceremony
  "@peculiar/",
];

const packageOf = (spec: string) => HEAVY.find((h) => (h.endsWith("/") ? spec.startsWith(h) : spec === h || spec.startsWith(`${h}/`)));

describe("static imports", () => {
  const ts = new Bun.Transpiler({ loader: "ts" });
  const tsx = new Bun.Transpiler({ loader: "tsx" });

  /** Every package reachable from the roots through static imports (type-only imports are erased), with a path to it. */
  function reachable(roots: string[]): Map<string, string[]> {
    const from = new Map<string, string | null>(roots.map((r) => [join(ROOT, r), null]));
    const queue = [...from.keys()];
    const packages = new Map<string, string[]>();
    const chain = (f: string) => {
      const c: string[] = [];
      for (let x: string | null | undefined = f; x; x = from.get(x)) c.unshift(x.slice(ROOT.length + 1));
      return c;
    };
    while (queue.length) {
      const file = queue.shift()!;
      const source = readFileSync(file, "utf8").replace(/^#!.*/, "");
      for (const imp of (file.endsWith(".tsx") ? tsx : ts).scanImports(source)) {
        if (imp.kind !== "import-statement") continue; // import() and require() are deferred to their call
        if (imp.path.startsWith(".")) {
          const target = resolve(dirname(file), imp.path);
          if (!from.has(target) && /\.(ts|tsx)$/.test(target) && existsSync(target)) {
            from.set(target, file);
            queue.push(target);
          }
        } else if (!packages.has(imp.path)) packages.set(imp.path, [...chain(file), imp.path]);
      }
    }
    return packages;
  }

  test("no heavy package is statically reachable from src/main.ts or the serve command", () => {
    const packages = reachable(["src/main.ts", "src/cli/serve.ts"]);
    const eager = [...packages].filter(([p]) => packageOf(p)).map(([, path]) => path.join(" → "));
    expect(eager).toEqual([]);
    // the walk does see packages (a broken walk would pass the check above vacuously)
    expect(packages.has("@hono/zod-openapi")).toBe(true);
    expect(packages.has("zod")).toBe(true);
  });

  test("the walk finds a heavy import when one is there", () => {
    const eager = [...reachable(["src/bull-board/board.ts"]).keys()].filter(packageOf);
    expect(eager).toContain("bullmq");
    expect(eager).toContain("@bull-board/api");
  });
});

describe("serve on the defaults, from source", () => {
  const depot = tempDepot("kreditku-startup-");
  afterAll(() => removeDepot(depot));

  test("once /healthz answers no heavy package was loaded; a passkey ceremony loads @simplewebauthn/server", async () => {
    const out = join(depot, "loaded.json");
    const env: Record<string, string> = { KREDITKU_LOADED_MODULES_OUT: out, KREDITKU_LOG_LEVEL: "info" };
    const { proc, line } = await spawnUntilLog(
      [process.execPath, "--preload", join(ROOT, "test/kit/loaded-modules.ts"), join(ROOT, "src/main.ts"), "serve", "--port", "0", "--host", "127.0.0.1", "--depot", join(depot, "depot")],
      { until: '"msg":"listening"', env, cwd: ROOT, timeoutMs: 60_000 },
    );
    const loaded = async () => {
      rmSync(out, { force: true });
      proc.kill("SIGUSR2");
      await waitFor(() => existsSync(out), 10_000, "the loaded-module list");
      // "…/node_modules/bullmq/dist/esm/index.js" → "bullmq/dist/esm/index.js"
      return (JSON.parse(readFileSync(out, "utf8")) as string[]).filter((p) => p.includes("node_modules/")).map((p) => p.slice(p.lastIndexOf("node_modules/") + 13));
    };
    try {
      const url = `http://127.0.0.1:${JSON.parse(line).port}`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const atStart = await loaded();
      expect(atStart.some((p) => p.startsWith("hono/"))).toBe(true); // the listing works
      expect([...new Set(atStart.map(packageOf).filter(Boolean))]).toEqual([]);

      const options = await fetch(`${url}/api/v1/auth/passkeys/login/options`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      expect(options.status).toBe(200);
      const after = await loaded();
      expect(after.some((p) => p.startsWith("@simplewebauthn/server/"))).toBe(true);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  }, 90_000);
});
