// Passkey registration for the signed-in user: options for navigator.credentials.create, then the verified
// credential stored.
import { declareRoute } from "../../http/route.ts";
import { HttpProblem } from "../../http/problem.ts";
import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import { metaOf } from "../audit.ts";
import { PasskeyError, registrationOptions, verifyRegistration } from "../passkeys.ts";
import { CeremonyOptionsSchema, PasskeySchema, RegisterVerifySchema } from "../schemas.ts";
import { AUTH_USER_LIMIT } from "./limits.ts";

export const passkeyRegisterOptionsRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/passkeys/register/options",
  tags: ["auth"],
  summary: "Start registering a passkey for the signed-in user",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  responses: {
    200: {
      description: "Options for navigator.credentials.create",
      schema: CeremonyOptionsSchema,
      example: { challengeId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", options: { challenge: "mF3k…", rp: { name: "KreditKu", id: "kreditku.id" }, user: { id: "dXNlcg", name: "+6281234567890", displayName: "+6281234567890" }, pubKeyCredParams: [{ alg: -8, type: "public-key" }] } },
    },
  },
  handler: async (req, platform) => ({ status: 200, body: (await registrationOptions(platform, req.user!)) as any }),
});

export const passkeyRegisterVerifyRoute = declareRoute({
  method: "post",
  path: "/api/v1/auth/passkeys/register/verify",
  tags: ["auth"],
  summary: "Finish registering a passkey",
  access: "authenticated",
  rateLimit: AUTH_USER_LIMIT,
  request: {
    body: RegisterVerifySchema,
    example: { challengeId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", deviceName: "Pixel 8", response: { id: "hS0lWq2tNsJ1", rawId: "hS0lWq2tNsJ1", type: "public-key", response: { clientDataJSON: "eyJ0eXBlIjoi…", attestationObject: "o2NmbXRk…" }, clientExtensionResults: {} } },
  },
  responses: {
    201: { description: "Passkey stored", schema: PasskeySchema, example: { id: "hS0lWq2tNsJ1", deviceName: "Pixel 8", transports: ["internal", "hybrid"], deviceType: "multiDevice", backedUp: true, createdAt: "2026-03-02T03:00:00.000Z", lastUsedAt: null } },
    400: { description: "The credential was not accepted (`passkey-invalid`)" },
  },
  handler: async (req, platform) => {
    const { challengeId, response, deviceName } = req.body;
    try {
      const info = await verifyRegistration(platform, req.user!, challengeId, response as unknown as RegistrationResponseJSON, deviceName ?? "Passkey", metaOf(req));
      return { status: 201, body: info };
    } catch (e) {
      if (e instanceof PasskeyError) throw new HttpProblem(400, "passkey-invalid", "Passkey not accepted", e.message);
      throw e;
    }
  },
});
