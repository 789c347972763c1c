// The signed-in user's passkeys: list them, delete one.
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../http/route.ts";
import { problems } from "../../http/problem.ts";
import { metaOf } from "../audit.ts";
import { deletePasskey, listPasskeys } from "../passkeys.ts";
import { PasskeySchema } from "../schemas.ts";
import { AUTH_USER_LIMIT } from "./limits.ts";

const passkeyExample = { id: "hS0lWq2tNsJ1", deviceName: "Pixel 8", transports: ["internal", "hybrid"], deviceType: "multiDevice", backedUp: true, createdAt: "2026-03-02T03:00:00.000Z", lastUsedAt: "2026-03-03T01:00:00.000Z" };

export const listPasskeysRoute = declareRoute({
  method: "get",
  path: "/api/v1/auth/passkeys",
  tags: ["auth"],
  summary: "The signed-in user's passkeys",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  responses: { 200: { description: "Passkeys", schema: z.object({ items: z.array(PasskeySchema) }).openapi("PasskeyList"), example: { items: [passkeyExample] } } },
  handler: (req, platform) => ({ status: 200, body: { items: listPasskeys(platform, req.user!.id) } }),
});

export const deletePasskeyRoute = declareRoute({
  method: "delete",
  path: "/api/v1/auth/passkeys/{id}",
  tags: ["auth"],
  summary: "Delete one of the signed-in user's passkeys",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  request: { params: z.object({ id: z.string().min(1).max(1024).openapi({ description: "Credential id (base64url)", example: "hS0lWq2tNsJ1" }) }) },
  responses: { 204: { description: "Deleted" }, 404: { description: "No such passkey of yours" } },
  handler: (req, platform) => {
    if (!deletePasskey(platform, req.user!.id, req.params.id, metaOf(req))) throw problems.notFound("Passkey");
    return { status: 204 };
  },
});
