// A Hono adapter for bull-board that serves its UI from embedded files (ui-assets.ts) instead of
// node_modules/@bull-board/ui/dist on disk: static files come from the file map, and the index.ejs template is
// read from it and rendered with ejs.render (the stock adapter calls ejs.renderFile on a disk path). The API routes
// are the stock adapter's. The page's Google Fonts stylesheet is dropped: the admin tool makes no third-party
// requests (and the CSP, style-src 'self', would refuse it); the UI falls back to system fonts.
import { HonoAdapter } from "@bull-board/hono";
import { Hono } from "hono";
import ejs from "ejs";
import { HttpProblem } from "../http/problem.ts";
import { contentTypeOf } from "../admin-assets/module.ts";
import type { BullBoardUi } from "./ui-assets.ts";

/** Passed to createBullBoard as uiBasePath so it never resolves @bull-board/ui on disk; only a key prefix here. */
export const VIRTUAL_UI_BASE = "/@bull-board-ui";

export const uiNotBuilt = () =>
  new HttpProblem(503, "queues-ui-not-built", "Queue dashboard not built", "The bull-board UI files are not in this build. Run `npm run build` (which embeds them) or `npm ci` when running from source.");

/** bull-board's JS/CSS carry a content hash (`main.f10757109b.js`); everything else must be revalidated. */
export function isHashedUiFile(rel: string) {
  return /\.[0-9a-f]{8,}\.(js|css)$/.test(rel);
}

export function stripThirdPartyFonts(template: string) {
  return template.replace(/<link[^>]*fonts\.(googleapis|gstatic)\.com[^>]*>\s*/g, "");
}

export class EmbeddedHonoAdapter extends HonoAdapter {
  private template: Promise<string> | undefined;

  constructor(private readonly files: () => Promise<BullBoardUi | null>) {
    // The stock serveStatic is never called: registerPlugin below serves the embedded files itself.
    super((() => {
      throw new Error("unused");
    }) as never);
  }

  private async file(rel: string): Promise<string> {
    const files = await this.files();
    if (!files) throw uiNotBuilt();
    const f = Object.hasOwn(files, rel) ? files[rel] : undefined; // rel is client input: own entries only
    if (!f) throw new HttpProblem(404, "not-found", "Not found", `No queue dashboard file ${rel}`);
    return f;
  }

  private async render(name: string, params: Record<string, unknown>): Promise<string> {
    if (name !== "index.ejs") throw new Error(`unexpected bull-board view ${name}`);
    this.template ??= this.file("index.ejs").then((f) => Bun.file(f).text()).then(stripThirdPartyFonts);
    const tpl = await this.template.catch((e) => {
      this.template = undefined;
      throw e;
    });
    return ejs.render(tpl, params);
  }

  override registerPlugin() {
    const { staticRoute, entryRoute, uiConfig } = this;
    if (!staticRoute || !entryRoute || !uiConfig) throw new Error("createBullBoard must configure the adapter before registerPlugin");
    const base = this.basePath.replace(/\/+$/, "");
    const app = new Hono();

    app.get(`${staticRoute}/*`, async (c) => {
      let rel = c.req.path.slice(base.length).replace(/^\/+/, "");
      try {
        rel = decodeURIComponent(rel);
      } catch {
        throw new HttpProblem(400, "bad-request", "Bad request", "Malformed path");
      }
      // a lookup in the file map: no path ever reaches the file system, so no traversal
      const f = await this.file(rel);
      return new Response(c.req.method === "HEAD" ? null : Bun.file(f), {
        headers: {
          "Content-Type": contentTypeOf(rel),
          // behind the admin cookie: browsers may cache, shared caches may not
          "Cache-Control": isHashedUiFile(rel) ? "private, max-age=31536000, immutable" : "private, no-cache",
        },
      });
    });

    app.route("/", this.apiRoutes);

    const routes = Array.isArray(entryRoute.route) ? entryRoute.route : [entryRoute.route];
    for (const route of routes) {
      app.get(route, async (c) => {
        const { name, params } = entryRoute.handler({ basePath: this.basePath, uiConfig });
        const html = await this.render(name, params as Record<string, unknown>);
        c.header("Cache-Control", "no-store");
        return c.html(html);
      });
    }
    return app;
  }
}
