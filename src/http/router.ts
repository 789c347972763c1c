// The Hono app type every route is mounted on, and the per-app list of paths whose bodies may be as large as a
// document (routes declaring bodyLimit: "documents"); the app's body-limit middleware reads it.
import { OpenAPIHono } from "@hono/zod-openapi";
import { TrieRouter } from "hono/router/trie-router";
import type { Router, Result } from "hono/router";
import type { AppEnv } from "./types.ts";

export type App = OpenAPIHono<AppEnv>;

const LARGE_BODY_PATHS = new WeakMap<App, RegExp[]>();

/** Distinct method + path pairs whose match is remembered; past this the memo starts over. */
export const MATCH_MEMO_SIZE = 2048;
/** Longer paths are matched every time (the memo stays small whatever paths a client makes up). */
const MEMO_PATH_CHARS = 256;

/**
 * Hono's trie router with its answers remembered per method and concrete path: a busy API answers the same few paths
 * over and over (`/api/v1/auth/me`, a borrower's own loan, the blocklist), and each match otherwise splits the path
 * and walks the trie again. Hono's RegExpRouter cannot take this API's routes (a static segment after a parameter
 * beside a second parameter: `/records/{name}/export.csv` and `/records/{name}/{id}`), so the default SmartRouter
 * falls back to the trie anyway. A match result is never mutated by Hono (handlers and parameters are only read), so
 * one result serves every request for its path; adding a route forgets every answer.
 */
export class MemoRouter<T> implements Router<T> {
  readonly name = "MemoRouter(TrieRouter)";
  private readonly trie = new TrieRouter<T>();
  private memo = new Map<string, Result<T>>();
  add(method: string, path: string, handler: T) {
    this.memo = new Map();
    this.trie.add(method, path, handler);
  }
  match(method: string, path: string): Result<T> {
    if (path.length > MEMO_PATH_CHARS) return this.trie.match(method, path);
    const key = method + " " + path;
    let r = this.memo.get(key);
    if (r === undefined) {
      r = this.trie.match(method, path);
      if (this.memo.size >= MATCH_MEMO_SIZE) this.memo = new Map();
      this.memo.set(key, r);
    }
    return r;
  }
}

export function newRouter(): App {
  return new OpenAPIHono<AppEnv>({ router: new MemoRouter() });
}

/** Let `path` (OpenAPI-style, `{param}` segments) and its sub-paths take bodies up to the document limit. */
export function allowLargeBodies(app: App, path: string) {
  const src = path
    .split("/")
    .map((seg) => (/^\{[^/]+\}$/.test(seg) ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  const list = LARGE_BODY_PATHS.get(app) ?? [];
  list.push(new RegExp(`^${src}(?:/.*)?$`));
  LARGE_BODY_PATHS.set(app, list);
}

/** Does `path` take bodies up to the document limit on this app? */
export function takesLargeBodies(app: App, path: string): boolean {
  return (LARGE_BODY_PATHS.get(app) ?? []).some((p) => p.test(path));
}
