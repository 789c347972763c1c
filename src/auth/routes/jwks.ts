// GET /.well-known/jwks.json: the public keys that verify access tokens.
import { declareRoute } from "../../http/route.ts";
import { authServices } from "../services.ts";
import { JwksSchema } from "../schemas.ts";

export const jwksRoute = declareRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["auth"],
  summary: "Public keys that verify access tokens (JWKS)",
  access: "public",
  responses: { 200: { description: "The key set", schema: JwksSchema, headers: { "Cache-Control": { description: "Cacheable for a minute", example: "public, max-age=60" } } } },
  handler: (_req, platform) => ({ status: 200, body: authServices(platform).keys.jwks(), headers: { "Cache-Control": "public, max-age=60" } }),
});
