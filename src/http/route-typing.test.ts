// Compile-time checks of route declarations, the platform's (declareRoute) and the extensions' (defineRoute) (the `@ts-expect-error` lines are checked by `npm run typecheck`, which
// npm test runs): a handler's request is typed by its request schemas, and every result it returns must be a declared
// status with a body of that status's schema — a wrong body, an undeclared status, a body where none is declared or a
// Response from a route in the document does not compile. The routes that do compile answer as declared.
import { describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { declareRoute } from "./route.ts";
import { mountPlatformRoutes } from "./mount.ts";
import type { App } from "./router.ts";
import type { Platform } from "./types.ts";
import { defineRoute } from "../runtime/index.ts";
import { testApp } from "../../test/kit/app.ts";

const Item = z.object({ id: z.string(), state: z.enum(["open", "closed"]), tags: z.array(z.string()), note: z.string().optional() });

const typed = declareRoute({
  method: "post",
  path: "/typed/{id}",
  summary: "Typed",
  access: "public",
  request: { params: z.object({ id: z.string() }), body: z.object({ close: z.boolean() }), query: z.object({ tag: z.string().optional() }) },
  responses: { 200: { description: "The item", schema: Item }, 204: { description: "Nothing" }, 404: { description: "No such item" } },
  handler: (req) => {
    const id: string = req.params.id;
    const close: boolean = req.body.close;
    const tag: string | undefined = req.query.tag;
    if (id === "none") return { status: 204 };
    const tags: string[] = tag ? [tag] : [];
    return { status: 200, body: { id, state: close ? "closed" : "open", tags } };
  },
});

const streamed = declareRoute({
  method: "get",
  path: "/typed-stream",
  summary: "A stream",
  access: "public",
  responses: { 200: { description: "Events", contentType: "text/event-stream" } },
  handler: () => ({ status: 200, stream: new Blob(["data: hi\n\n"]).stream() }),
});

const outside = declareRoute({
  method: "get",
  path: "/typed-outside",
  summary: "Outside the document",
  access: "public",
  openapi: false,
  responses: { 200: { description: "Anything" } },
  handler: () => ({ response: new Response("raw", { status: 200 }) }),
});

// ---- what does not compile -----------------------------------------------------------------------------------------

declareRoute({
  method: "get",
  path: "/wrong-body",
  summary: "A body that is not the declared schema's",
  access: "public",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error state "lost" is not one of the schema's states
  handler: () => ({ status: 200, body: { id: "a", state: "lost", tags: [] } }),
});

declareRoute({
  method: "get",
  path: "/missing-field",
  summary: "A body without a required field",
  access: "public",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error tags is required
  handler: () => ({ status: 200, body: { id: "a", state: "open" } }),
});

declareRoute({
  method: "get",
  path: "/undeclared-status",
  summary: "A status the declaration does not list",
  access: "public",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error 201 is not declared
  handler: async () => ({ status: 201, body: { id: "a", state: "open", tags: [] } }),
});

declareRoute({
  method: "delete",
  path: "/no-body",
  summary: "A body where none is declared",
  access: "public",
  responses: { 204: { description: "Deleted" } },
  // @ts-expect-error 204 declares no body
  handler: () => ({ status: 204, body: { deleted: true } }),
});

declareRoute({
  method: "get",
  path: "/not-a-stream",
  summary: "A stream where JSON is declared",
  access: "public",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error 200 declares a JSON body, not a stream
  handler: () => ({ status: 200, stream: new Blob([]).stream() }),
});

declareRoute({
  method: "get",
  path: "/raw-response",
  summary: "A Response from a route in the document",
  access: "public",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error only routes outside the document may answer with a Response
  handler: () => ({ response: new Response("raw") }),
});

declareRoute({
  method: "post",
  path: "/undeclared-input",
  summary: "Reading a body the route does not declare",
  access: "public",
  responses: { 204: { description: "Done" } },
  handler: (req) => {
    // @ts-expect-error no body schema: the body is unknown
    void req.body.close;
    return { status: 204 };
  },
});

// ---- and what does ---------------------------------------------------------------------------------------------------

describe("typed route declarations", () => {
  test("answer as declared", async () => {
    const mod = { register: (app: App, platform: Platform) => mountPlatformRoutes(app, platform, [typed, streamed, outside]) };
    await using t = testApp({ modules: [mod], extensionRuntime: false });
    const ok = await t.call("POST", "/typed/a?tag=x", { body: { close: true } });
    expect(ok).toMatchObject({ status: 200, body: { id: "a", state: "closed", tags: ["x"] } });
    expect((await t.call("POST", "/typed/none", { body: { close: false } })).status).toBe(204);
    expect((await t.call("POST", "/typed/a", { body: { close: "yes" } })).status).toBe(422);
    const s = await t.get("/typed-stream");
    expect(s.headers.get("content-type")).toStartWith("text/event-stream");
    expect(await s.text()).toBe("data: hi\n\n");
    expect(await (await t.get("/typed-outside")).text()).toBe("raw");
  });
});

// ---- extensions declare routes the same way (defineRoute, the extension context) ----------------------------------

defineRoute({
  method: "post",
  path: "/api/v1/typed-extension/{id}",
  summary: "An extension route",
  access: ["admin"],
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: "The item", schema: Item } },
  handler: (req, ctx) => ({ status: 200, body: { id: `${req.params.id}@${ctx.config.queuePrefix}`, state: "open", tags: [] } }),
});

defineRoute({
  method: "get",
  path: "/api/v1/typed-extension-wrong",
  summary: "An extension route answering what it does not declare",
  access: "authenticated",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error 404 is not declared, and its body is not the schema's
  handler: () => ({ status: 404, body: { missing: true } }),
});

defineRoute({
  method: "get",
  path: "/api/v1/typed-extension-body",
  summary: "An extension route with a wrong body",
  access: "authenticated",
  responses: { 200: { description: "The item", schema: Item } },
  // @ts-expect-error tags must be strings
  handler: () => ({ status: 200, body: { id: "a", state: "open", tags: [1] } }),
});
