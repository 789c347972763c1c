// The Hono app type every route is mounted on, and the per-app list of paths whose bodies may be as large as a
// document (routes declaring bodyLimit: "documents"); the app's body-limit middleware reads it.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./types.ts";

export type App = OpenAPIHono<AppEnv>;

const LARGE_BODY_PATHS = new WeakMap<App, RegExp[]>();

export function newRouter(): App {
  return new OpenAPIHono<AppEnv>();
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
