// What the payments extension takes from the runtime, in one place.
export { defineExtension, defineJob, defineRoute, HttpProblem, problems, safeText, z } from "../../src/runtime/index.ts";
export type { PaymentGateway as PaymentGatewayLike } from "./gateway.ts";
