// zod schemas of the auth API (request/response bodies, with OpenAPI examples). Errors use the one Problem schema
// (src/http/openapi.ts).
import { z } from "@hono/zod-openapi";
import { safeText } from "../text/safe-text.ts";

export const RoleSchema = z.enum(["borrower", "analyst", "finance", "admin"]);

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }),
    role: RoleSchema,
    phone: z.string().nullable().openapi({ example: "+6281234567890" }),
    email: z.string().nullable().openapi({ example: null }),
    displayName: z.string().nullable(),
    createdAt: z.string().openapi({ example: "2026-01-05T03:04:05.000Z" }),
  })
  .openapi("User");

export const TokenPairSchema = z
  .object({
    accessToken: z.string().openapi({ description: "EdDSA JWT, send as `Authorization: Bearer …`", example: "eyJhbGciOiJFZERTQSIs…" }),
    refreshToken: z.string().openapi({ description: "Opaque, single use: rotated by POST /api/v1/auth/refresh", example: "q3Jb0mZ…" }),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Access token lifetime in seconds", example: 900 }),
    user: UserSchema,
  })
  .openapi("TokenPair");

export const OtpRequestSchema = z
  .object({
    phone: z.string().min(1).max(32).openapi({ description: "Indonesian mobile number: 08…, 628… or +628…", example: "081234567890" }),
    channel: z.enum(["sms", "whatsapp"]).optional().openapi({ description: "Where the code goes: sms (when absent) or whatsapp (when the server has WhatsApp configured)", example: "sms" }),
  })
  .openapi("OtpRequest", { example: { phone: "081234567890", channel: "whatsapp" } });

export const OtpChallengeSchema = z
  .object({
    challengeId: z.string().openapi({ example: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }),
    expiresAt: z.string().openapi({ example: "2026-01-05T03:09:05.000Z" }),
  })
  .openapi("OtpChallenge");

export const OtpVerifySchema = z
  .object({
    challengeId: z.string().min(1).max(64).openapi({ example: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }),
    code: z.string().regex(/^\d{6}$/, "must be 6 digits").openapi({ example: "482913" }),
  })
  .openapi("OtpVerify");

export const LoginSchema = z
  .object({
    email: z.string().min(3).max(254).openapi({ example: "analyst@kreditku.id" }),
    password: z.string().min(1).max(1024).openapi({ example: "correct horse battery staple" }),
  })
  .openapi("StaffLogin");

export const RefreshSchema = z.object({ refreshToken: z.string().min(1).max(512).openapi({ example: "q3Jb0mZ…" }) }).openapi("RefreshRequest");

export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string(), kid: z.string(), alg: z.literal("EdDSA"), use: z.literal("sig") }),
    ),
  })
  .openapi("Jwks", { example: { keys: [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "AZOhsnxNfl-KmwwdHi9KWw", alg: "EdDSA", use: "sig" }] } });

export const PasskeySchema = z
  .object({
    id: z.string().openapi({ description: "Credential id (base64url)", example: "hS0lWq2tNsJ1…" }),
    deviceName: z.string().openapi({ example: "Pixel 8" }),
    transports: z.array(z.string()).openapi({ example: ["internal", "hybrid"] }),
    deviceType: z.string().nullable().openapi({ example: "multiDevice" }),
    backedUp: z.boolean(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("Passkey");

export const CeremonyOptionsSchema = z
  .object({
    challengeId: z.string(),
    options: z.record(z.string(), z.unknown()).openapi({ description: "PublicKeyCredential{Creation,Request}OptionsJSON for navigator.credentials" }),
  })
  .openapi("WebAuthnOptions");

const CredentialJson = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal("public-key"),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().optional(),
  })
  .openapi({ description: "PublicKeyCredential.toJSON() of the browser" });

export const RegisterVerifySchema = z
  .object({ challengeId: z.string().min(1).max(64), response: CredentialJson, deviceName: safeText({ min: 1, max: 100 }).optional().openapi({ example: "Pixel 8" }) })
  .openapi("PasskeyRegisterVerify");

export const LoginVerifySchema = z.object({ challengeId: z.string().min(1).max(64), response: CredentialJson }).openapi("PasskeyLoginVerify");

export const RoleChangeSchema = z.object({ role: z.enum(["analyst", "finance", "admin"]) }).openapi("RoleChange");
