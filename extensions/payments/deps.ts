// What the payments extension takes from the runtime, in one place.
export { decodeCursor, defineCheck, defineExtension, defineJob, defineRoute, defineSettings, defineWebhook, encodeCursor, HttpProblem, jakartaDate, problems, readSecret, safeText, z } from "../../src/runtime/index.ts";
export type { ExtensionContext, WebhookRequest } from "../../src/runtime/index.ts";
export type { PaymentGateway as PaymentGatewayLike } from "./gateway.ts";
