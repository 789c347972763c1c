// OpenAPI 3.1 document assembly (generated from the zod route definitions) and a self-contained reference page.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./types.ts";

export const OPENAPI_INFO = {
  title: "KreditKu API",
  version: "1.0.0",
  description:
    "REST API of KreditKu, an online-lending backend. Money is integer rupiah in fields ending `_amount`/`Amount`; " +
    "timestamps are ISO-8601 UTC; errors are RFC 9457 `application/problem+json`.",
};

export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "EdDSA-signed access token from /api/v1/auth",
  });
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: "/" }],
  });
}

const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A reference page rendered on the server from the document: works offline, no CDN scripts. */
export function renderDocsPage(doc: any): string {
  const sections: string[] = [];
  const paths = Object.entries<any>(doc.paths ?? {}).sort(([a], [b]) => a.localeCompare(b));
  for (const [path, ops] of paths) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const params = (op.parameters ?? []).map((p: any) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ", required" : ""}) ${esc(p.description)}</li>`).join("");
      const body = op.requestBody?.content?.["application/json"]?.schema;
      const responses = Object.entries<any>(op.responses ?? {})
        .map(([code, r]) => `<li><b>${esc(code)}</b> ${esc(r.description)}</li>`)
        .join("");
      sections.push(`<section id="${esc(op.operationId ?? method + path)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}${op.description ? " — " + esc(op.description) : ""}</p>
${op.tags ? `<p class="tags">${op.tags.map((t: string) => esc(t)).join(", ")}</p>` : ""}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}
${body ? `<h4>Request body</h4><pre>${esc(JSON.stringify(body, null, 2))}</pre>` : ""}
<h4>Responses</h4><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info?.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-size:.8rem;padding:.1rem .4rem;border-radius:4px;color:#fff;background:#555}
.get{background:#2b7bb9}.post{background:#2f9e44}.put{background:#c77d00}.delete{background:#c92a2a}.patch{background:#7048e8}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.8rem}.tags{color:#666;font-size:.85rem}</style></head>
<body><h1>${esc(doc.info?.title)} <small>${esc(doc.info?.version)}</small></h1><p>${esc(doc.info?.description)}</p>
<p>Machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a></p>${sections.join("\n")}</body></html>`;
}
