// Passkey sign-in without a password (discoverable credential): options for navigator.credentials.get, then the
// verified assertion exchanged for tokens.
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { declareRoute } from "../../http/route.ts";
import { HttpProblem } from "../../http/problem.ts";
import { metaOf } from "../audit.ts";
import { loginOptions, verifyLogin } from "../passkeys.ts";
import { issueTokens } from "../sessions.ts";
import { CeremonyOptionsSchema, LoginVerifySchema, TokenPairSchema } from "../schemas.ts";
import { perIp } from "./limits.ts";

export const passkeyLoginOptionsRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/passkeys/login/options",
  tags: ["auth"],
  summary: "Start a passkey sign-in (no password, discoverable credential)",
  description: "Public. 20 requests/min per IP.",
  access: "public",
  rateLimit: { name: "passkey-login-ip", key: "ip", limit: 20, windowSeconds: 60 },
  responses: {
    200: {
      description: "Options for navigator.credentials.get",
      schema: CeremonyOptionsSchema,
      example: { challengeId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", options: { challenge: "pQ9x…", rpId: "kreditku.id", userVerification: "required", timeout: 60000 } },
    },
  },
  handler: async (_req, platform) => ({ status: 200, body: (await loginOptions(platform)) as any }),
});

export const passkeyLoginVerifyRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/passkeys/login/verify",
  tags: ["auth"],
  summary: "Finish a passkey sign-in",
  description: "Public. 20 requests/min per IP.",
  access: "public",
  rateLimit: perIp("passkey-verify-ip", 20),
  request: {
    body: LoginVerifySchema,
    example: { challengeId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", response: { id: "hS0lWq2tNsJ1", rawId: "hS0lWq2tNsJ1", type: "public-key", response: { clientDataJSON: "eyJ0eXBlIjoi…", authenticatorData: "SZYN5YgO…", signature: "MEUCIQ…", userHandle: "dXNlcg" }, clientExtensionResults: {} } },
  },
  responses: {
    200: { description: "Signed in", schema: TokenPairSchema },
    401: { description: "The passkey was not accepted (`passkey-invalid`)", example: { type: "https://kreditku.dev/problems/passkey-invalid", title: "Passkey not accepted", status: 401, detail: "unknown credential" } },
  },
  handler: async (req, platform) => {
    const out = await verifyLogin(platform, req.body.challengeId, req.body.response as unknown as AuthenticationResponseJSON, metaOf(req));
    if (!out.ok) throw new HttpProblem(401, "passkey-invalid", "Passkey not accepted", out.reason);
    return { status: 200, body: await issueTokens(platform, out.user, out.sessionId, out.refreshToken) };
  },
});
