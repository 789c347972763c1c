// The API reference at /api/docs: Scalar's API reference (the standalone browser bundle of @scalar/api-reference,
// embedded in the binary with `with { type: "file" }`, so it works offline) rendering /api/openapi.json: resolved
// schemas, examples, Markdown descriptions, search and "try it" against this same origin. The page loads only
// files of this server: the platform's Content-Security-Policy (script-src/connect-src 'self', no inline script)
// stays as it is; Scalar's default web fonts, telemetry and proxy are switched off in init.js.
import { z } from "@hono/zod-openapi";
import { declareRoute, type Route } from "../http/route.ts";
import type { Platform } from "../http/types.ts";
// @ts-ignore: a file asset (its path on disk, or in the binary's $bunfs); the package's exports do not list it.
import scalarBundle from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with { type: "file" };
import scalarPackage from "../../node_modules/@scalar/api-reference/package.json" with { type: "json" };

export const SCALAR_VERSION: string = (scalarPackage as { version: string }).version;
/** The bundle's URL names its version, so it can be cached for good. */
export const SCALAR_PATH = `/api/docs/scalar-${SCALAR_VERSION}.js`;
export const INIT_PATH = "/api/docs/init.js";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>KreditKu API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="app"></div>
<noscript>The reference needs JavaScript. The machine-readable document is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
<script src="${SCALAR_PATH}"></script>
<script src="${INIT_PATH}"></script>
</body>
</html>
`;

// Runs after the bundle (a file of its own: the CSP allows no inline script).
const INIT = `"use strict";
Scalar.createApiReference("#app", {
  url: "/api/openapi.json",
  servers: [{ url: location.origin, description: "This server" }],
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: "never",
  agent: { disabled: true },
  hideClientButton: false,
  persistAuth: false,
  documentDownloadType: "json",
  metaData: { title: "KreditKu API reference" },
});
`;

const TEXT = z.string();

export function apiDocsRoutes(): Route<Platform>[] {
  return [
    declareRoute({
      method: "get",
      path: "/api/docs",
      summary: "The API reference page (Scalar, rendering /api/openapi.json)",
      access: "public",
      openapi: false,
      responses: { 200: { description: "The reference page", contentType: "text/html; charset=utf-8", schema: TEXT } },
      handler: () => ({ status: 200, body: PAGE, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" } }),
    }),
    declareRoute({
      method: "get",
      path: INIT_PATH,
      summary: "The API reference page's start-up script",
      access: "public",
      openapi: false,
      responses: { 200: { description: "The script", contentType: "text/javascript; charset=utf-8", schema: TEXT } },
      handler: () => ({ status: 200, body: INIT, headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" } }),
    }),
    declareRoute({
      method: "get",
      path: SCALAR_PATH,
      summary: "Scalar's API reference bundle (embedded)",
      access: "public",
      openapi: false,
      responses: { 200: { description: "The bundle", file: true } },
      handler: () => ({
        status: 200,
        file: Bun.file(scalarBundle as unknown as string),
        headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable" },
      }),
    }),
  ];
}
