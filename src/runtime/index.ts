// What extensions import: the define* helpers, zod (with OpenAPI metadata), problems and the types.
export { z } from "@hono/zod-openapi";
export { HttpProblem, problems } from "../http/problem.ts";
export { definePiiPolicy, maskString, maskValue, type MaskKind, type PiiPolicy, type PiiRole, type PiiRule } from "../records/mask.ts";
/** Who sees which personal data in clear, and the mask for everyone else: staff views and exports use it like the record APIs. */
export { PII, type PiiField } from "../records/personal-data.ts";
export { safeText, unsafeTextIssue, type SafeTextOptions } from "../text/safe-text.ts";
export { probeDocument, EXTENSION_OF, type DocumentContentType, type ProbeResult } from "../storage/document-probe.ts";
export { documentFilename } from "../storage/filename.ts";
export type * from "./types.ts";
import type { ExtensionDefinition, HookDefinition, JobDefinition, RouteDefinition, EventName } from "./types.ts";

export const defineExtension = (e: ExtensionDefinition): ExtensionDefinition => e;
export const defineRoute = <B = any, Q = any, P = any>(r: RouteDefinition<B, Q, P>): RouteDefinition => r as RouteDefinition;
export const defineJob = <P, R = void>(j: JobDefinition<P, R>): JobDefinition<P, R> => j;
export const defineHook = <E extends EventName>(h: HookDefinition<E>): HookDefinition<NoInfer<E>> => h;
