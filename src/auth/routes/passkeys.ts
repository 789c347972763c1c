// Passkey routes: register (signed in), sign in without a password, list and delete one's own.
import { createRoute, z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { App } from "../../http/app.ts";
import { HttpProblem, problems } from "../../http/problem.ts";
import { clientIp, enforceRateLimit } from "../../http/rate-limit.ts";
import { perUserLimit, requireAccess } from "../guard.ts";
import { requestMeta } from "../audit.ts";
import { deletePasskey, listPasskeys, loginOptions, PasskeyError, registrationOptions, verifyLogin, verifyRegistration } from "../passkeys.ts";
import { issueTokens } from "../sessions.ts";
import { body, CeremonyOptionsSchema, json, LoginVerifySchema, PasskeySchema, problemResponses, RegisterVerifySchema, TokenPairSchema } from "../schemas.ts";

const bearer = [{ bearerAuth: [] }];

export function registerPasskeyRoutes(app: App) {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/passkeys/register/options",
      tags: ["auth"],
      summary: "Start registering a passkey for the signed-in user",
      security: bearer,
      middleware: [requireAccess("authenticated"), perUserLimit("auth-user")],
      responses: { 200: json(CeremonyOptionsSchema, "Options for navigator.credentials.create"), ...problemResponses(401) },
    }),
    async (c) => c.json((await registrationOptions(c.get("platform"), c.get("user")!)) as any, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/passkeys/register/verify",
      tags: ["auth"],
      summary: "Finish registering a passkey",
      security: bearer,
      middleware: [requireAccess("authenticated"), perUserLimit("auth-user")],
      request: body(RegisterVerifySchema),
      responses: { 201: json(PasskeySchema, "Passkey stored"), ...problemResponses(400, 401, 422) },
    }),
    async (c) => {
      const { challengeId, response, deviceName } = c.req.valid("json");
      try {
        const info = await verifyRegistration(c.get("platform"), c.get("user")!, challengeId, response as unknown as RegistrationResponseJSON, deviceName ?? "Passkey", requestMeta(c));
        return c.json(info, 201);
      } catch (e) {
        if (e instanceof PasskeyError) throw new HttpProblem(400, "passkey-invalid", "Passkey not accepted", e.message);
        throw e;
      }
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/passkeys/login/options",
      tags: ["auth"],
      summary: "Start a passkey sign-in (no password, discoverable credential)",
      description: "Public. 20 requests/min per IP.",
      middleware: [requireAccess("public")],
      responses: { 200: json(CeremonyOptionsSchema, "Options for navigator.credentials.get"), ...problemResponses(429) },
    }),
    async (c) => {
      await enforceRateLimit({ name: "passkey-login-ip", limit: 20, windowSeconds: 60 }, clientIp(c));
      return c.json((await loginOptions(c.get("platform"))) as any, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/auth/passkeys/login/verify",
      tags: ["auth"],
      summary: "Finish a passkey sign-in",
      description: "Public. 20 requests/min per IP.",
      middleware: [requireAccess("public")],
      request: body(LoginVerifySchema),
      responses: { 200: json(TokenPairSchema, "Signed in"), ...problemResponses(401, 422, 429) },
    }),
    async (c) => {
      const p = c.get("platform");
      await enforceRateLimit({ name: "passkey-verify-ip", limit: 20, windowSeconds: 60 }, clientIp(c));
      const { challengeId, response } = c.req.valid("json");
      const out = await verifyLogin(p, challengeId, response as unknown as AuthenticationResponseJSON, requestMeta(c));
      if (!out.ok) throw new HttpProblem(401, "passkey-invalid", "Passkey not accepted", out.reason);
      return c.json(await issueTokens(p, out.user, out.sessionId, out.refreshToken), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/auth/passkeys",
      tags: ["auth"],
      summary: "The signed-in user's passkeys",
      security: bearer,
      middleware: [requireAccess("authenticated"), perUserLimit("auth-user")],
      responses: { 200: json(z.object({ items: z.array(PasskeySchema) }), "Passkeys"), ...problemResponses(401) },
    }),
    (c) => c.json({ items: listPasskeys(c.get("platform"), c.get("user")!.id) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/auth/passkeys/{id}",
      tags: ["auth"],
      summary: "Delete one of the signed-in user's passkeys",
      security: bearer,
      middleware: [requireAccess("authenticated"), perUserLimit("auth-user")],
      request: { params: z.object({ id: z.string().min(1).max(1024) }) },
      responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404) },
    }),
    (c) => {
      if (!deletePasskey(c.get("platform"), c.get("user")!.id, c.req.valid("param").id, requestMeta(c))) throw problems.notFound("Passkey");
      return c.body(null, 204);
    },
  );
}
