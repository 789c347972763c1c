// The dependency direction of DESIGN §2, checked on the import graph of the source (every import, type-only ones
// included, read with TypeScript's own scanner):
//   src        → nothing of ours outside src, except the composition root src/main.ts → extensions/index.ts and
//                jobs/index.ts (src tests may use the shared test kit, test/kit);
//   extensions → the runtime's public modules (src/runtime/index.ts; src/runtime/types.ts, the contract whose
//                EventPayloads an extension augments), schemas, jobs and other extensions' modules (never another extension's
//                index.ts: that is its definition, which only extensions/index.ts lists), without cycles between
//                extensions; nothing in extensions/ or schemas/ imports Hono, bun:sqlite, BullMQ, ioredis or the AWS SDK;
//   schemas    → src/runtime/index.ts only;
//   jobs       → the runtime's public modules, schemas, other jobs and extension modules (the services their
//                handlers call; never an extension's index.ts, its definition), and nothing of the platform's
//                internals (a job is written against the same API as an extension);
//   extensions, schemas and jobs read no environment variable (extension settings and secrets come from the runtime);
//   and no import cycle between the modules the binary is built from.
// The binary's modules are the ones reachable from src/main.ts; test files (*.test.ts) and test support (fixtures,
// kits: modules only tests reach) may import what they need, but no module of the binary imports them.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dir, "..");
const SCANNED = ["src", "extensions", "jobs", "schemas", "test", "scripts", "bench"];
/** Source of ours (as opposed to assets: SQL migrations, built dashboard files, package.json). */
const OUR_CODE = /^(src|extensions|jobs|schemas|test|scripts|bench|admin-ui\/src)\/.*\.(ts|tsx|mts|js|jsx)$/;
/** What extensions and schemas see of the platform. */
const RUNTIME_API = new Set(["src/runtime/index.ts", "src/runtime/types.ts"]);
const FORBIDDEN_PACKAGES = /^(hono|hono\/.*|@hono\/.*|bun:sqlite|bullmq|ioredis|@aws-sdk\/.*)$/;

interface Imports {
  /** Relative imports, resolved to repository paths. */
  files: string[];
  /** Package (bare) imports. */
  packages: string[];
}

function walk(dir: string, out: string[]) {
  for (const name of readdirSync(join(ROOT, dir))) {
    if (name === "node_modules" || name === "dist") continue;
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) walk(path, out);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
}

function resolveImport(from: string, spec: string): string {
  const base = relative(ROOT, resolve(ROOT, dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  }
  return base;
}

function importsOf(file: string): Imports {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
  const out: Imports = { files: [], packages: [] };
  for (const { fileName } of info.importedFiles) {
    if (fileName.startsWith(".")) out.files.push(resolveImport(file, fileName));
    else out.packages.push(fileName);
  }
  return out;
}

const files: string[] = [];
for (const dir of SCANNED) if (existsSync(join(ROOT, dir))) walk(dir, files);
const graph = new Map(files.map((f) => [f, importsOf(f)] as const));
const isTest = (f: string) => /\.test\.tsx?$/.test(f);

/** The modules of the binary: reachable from src/main.ts. */
const binary = new Set<string>();
for (const stack = ["src/main.ts"]; stack.length > 0; ) {
  const f = stack.pop()!;
  if (binary.has(f) || !graph.has(f)) continue;
  binary.add(f);
  for (const to of graph.get(f)!.files) if (OUR_CODE.test(to)) stack.push(to);
}

const extensionOf = (f: string) => /^extensions\/([^/]+)\//.exec(f)?.[1] ?? null;
const violations = (check: (from: string, to: string) => string | null, from: Iterable<string>) => {
  const out: string[] = [];
  for (const f of from) for (const to of graph.get(f)?.files ?? []) {
    const why = check(f, to);
    if (why) out.push(`${f} → ${to}: ${why}`);
  }
  return out;
};

describe("architecture: dependency direction", () => {
  test("the scan sees the binary: the composition root, the runtime, every extension", () => {
    expect(binary.has("src/main.ts")).toBe(true);
    expect(binary.has("src/runtime/runtime.ts")).toBe(true);
    expect(binary.has("extensions/index.ts")).toBe(true);
    for (const ext of ["loans", "scoring", "fraud", "ledger", "payments", "collections"]) expect(binary.has(`extensions/${ext}/index.ts`), ext).toBe(true);
  });

  test("src imports nothing of ours outside src, but for the composition root (src/main.ts → extensions/index.ts, jobs/index.ts)", () => {
    const src = files.filter((f) => f.startsWith("src/") && !isTest(f));
    expect(
      violations((from, to) => {
        if (to.startsWith("src/") || !OUR_CODE.test(to)) return null;
        if (from === "src/main.ts" && (to === "extensions/index.ts" || to === "jobs/index.ts")) return null;
        return "the platform may not import extensions, jobs, schemas or tests (take them from the composition root)";
      }, src),
    ).toEqual([]);
  });

  test("src tests import from outside src only the shared test kit", () => {
    const tests = files.filter((f) => f.startsWith("src/") && isTest(f));
    expect(violations((_from, to) => (to.startsWith("src/") || to.startsWith("test/kit/") || !OUR_CODE.test(to) ? null : "only test/kit"), tests)).toEqual([]);
  });

  test("extensions import the runtime's public modules, schemas, jobs and other extensions' modules (never their definitions)", () => {
    const exts = [...binary].filter((f) => f.startsWith("extensions/"));
    expect(
      violations((from, to) => {
        if (!OUR_CODE.test(to) || to.startsWith("schemas/") || to.startsWith("jobs/") || RUNTIME_API.has(to)) return null;
        if (from === "extensions/index.ts") return /^extensions\/[^/]+\/index\.ts$/.test(to) ? null : "the extension list names only extension definitions";
        if (to.startsWith("extensions/")) {
          if (isTest(to)) return "a test file";
          if (extensionOf(to) !== extensionOf(from) && /^extensions\/[^/]+\/index\.ts$/.test(to)) return "another extension's definition (index.ts): import the module that holds what you need";
          if (to === "extensions/index.ts") return "the extension list is the composition root's";
          return null;
        }
        return "extensions see the platform only through src/runtime/index.ts (and its contract, types.ts)";
      }, exts),
    ).toEqual([]);
  });

  test("schemas import only the runtime's public modules and other schemas", () => {
    const schemas = files.filter((f) => f.startsWith("schemas/") && !isTest(f));
    expect(violations((_from, to) => (!OUR_CODE.test(to) || to.startsWith("schemas/") || RUNTIME_API.has(to) ? null : "schemas depend only on the runtime's zod"), schemas)).toEqual([]);
  });

  test("jobs import the runtime's public modules, schemas, other jobs and extensions' modules (never their definitions)", () => {
    const jobs = [...binary].filter((f) => f.startsWith("jobs/"));
    expect(jobs.length).toBeGreaterThan(1);
    expect(
      violations((from, to) => {
        if (!OUR_CODE.test(to) || to.startsWith("schemas/") || to.startsWith("jobs/") || RUNTIME_API.has(to)) return null;
        if (to.startsWith("extensions/")) {
          if (isTest(to)) return "a test file";
          if (/^extensions\/([^/]+\/)?index\.ts$/.test(to)) return "an extension's definition (or the extension list): import the module that holds the service";
          return null;
        }
        return "jobs see the platform only through src/runtime/index.ts (and its contract, types.ts)";
      }, jobs),
    ).toEqual([]);
  });

  test("nothing in extensions/, jobs/ or schemas/ that the binary runs imports Hono, bun:sqlite, BullMQ, ioredis or the AWS SDK", () => {
    const bad: string[] = [];
    for (const f of binary) {
      if (!/^(extensions|jobs|schemas)\//.test(f)) continue;
      for (const p of graph.get(f)!.packages) if (FORBIDDEN_PACKAGES.test(p)) bad.push(`${f} → ${p}`);
    }
    expect(bad).toEqual([]);
  });

  test("extensions read no environment variable: settings and secrets come through the context and the runtime", () => {
    const code = (f: string) => readFileSync(join(ROOT, f), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    expect([...binary].filter((f) => /^(extensions|schemas|jobs)\//.test(f) && /\bprocess\.env\b/.test(code(f)))).toEqual([]);
  });

  test("no module of the binary imports a test file or test support", () => {
    expect(violations((_from, to) => (isTest(to) || to.startsWith("test/") || /\/fixtures\//.test(to) ? "test code in the binary" : null), binary)).toEqual([]);
  });
});

/** Strongly connected components with more than one member (or a self-import), by Tarjan's algorithm. */
function cycles(nodes: Iterable<string>, edges: (n: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || [...edges(v)].includes(v)) found.push(scc.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found;
}

describe("architecture: no cycles", () => {
  test("no import cycle between the modules of the binary", () => {
    expect(cycles(binary, (f) => graph.get(f)!.files.filter((t) => binary.has(t)))).toEqual([]);
  });

  test("no cycle between extensions (an extension's imports of another extension form a DAG)", () => {
    const deps = new Map<string, Set<string>>();
    for (const f of binary) {
      const from = extensionOf(f);
      if (!from) continue;
      for (const to of graph.get(f)!.files) {
        const target = extensionOf(to);
        if (target && target !== from && binary.has(to)) deps.set(from, (deps.get(from) ?? new Set()).add(target));
      }
    }
    expect(cycles(deps.keys(), (e) => deps.get(e) ?? [])).toEqual([]);
  });

  test("the cycle finder finds cycles", () => {
    const g: Record<string, string[]> = { a: ["b"], b: ["c"], c: ["a"], d: ["d"], e: ["a"] };
    expect(cycles(Object.keys(g), (n) => g[n]).map((c) => c.join(","))).toEqual(["a,b,c", "d"]);
  });
});

describe("architecture: names say what things do", () => {
  // Code, tests, file names and migrations name behaviour, never the tracker entry that asked for it.
  const TRACKER = /\bissue\s*#?\d+|\breview\s+(fix|finding|round|repro)|\bfinding\s*#\d+|\breview\s*#\d+/i;

  test("no issue or review numbers in code, tests or file names", () => {
    const found: string[] = [];
    for (const f of files) {
      if (TRACKER.test(f)) found.push(`${f}: file name`);
      readFileSync(join(ROOT, f), "utf8").split("\n").forEach((line, i) => {
        if (TRACKER.test(line) && !line.includes("TRACKER")) found.push(`${f}:${i + 1}`);
      });
    }
    for (const name of readdirSync(join(ROOT, "traildepot/migrations"))) if (TRACKER.test(name) || /fix(es)?\b/i.test(name)) found.push(`migration ${name}`);
    expect(found).toEqual([]);
  });
});
