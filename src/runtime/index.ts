// What extensions import: the define* helpers, zod (with OpenAPI metadata), problems, secrets, record columns,
// the personal-data policy mechanism, text and document checks, and the types.
export { z } from "@hono/zod-openapi";
export { HttpProblem, problems } from "../http/problem.ts";
export { callDependency, DependencyUnavailable, isConnectionError, type DependencyCallOptions } from "./dependency.ts";
export { definePiiPolicy, maskString, maskValue, type MaskKind, type PiiPolicy, type PiiRole, type PiiRule } from "../records/mask.ts";
export * as recordColumns from "../records/columns.ts";
export { readSecret, type SecretSpec } from "./secrets.ts";
export { safeText, unsafeTextIssue, type SafeTextOptions } from "../text/safe-text.ts";
export { probeDocument, EXTENSION_OF, type DocumentContentType, type ProbeResult } from "../storage/document-probe.ts";
export { documentFilename } from "../storage/filename.ts";
export { JAKARTA_OFFSET_MS, addDays, addMonths, daysBetween, jakartaDate, jakartaInstant, jakartaTime } from "./calendar.ts";
export { MAX_CURSOR_LENGTH, decodeCursor, encodeCursor, readCursor, type CursorValue } from "./cursor.ts";
export { rowsOf, sqlIn, type SqlValue, type TableRows } from "./sql.ts";
/** Platform maintenance for jobs/outbox-purge.ts: forget completed outbox rows (and applied results) older than `before`. */
export { purgeCompleted as purgeCompletedOutbox } from "../queue/outbox.ts";
/** The business audit trail (a staff change to a record, in the change's transaction) and four-eyes approval. */
export { auditChange, type ChangeEntry } from "../auth/audit.ts";
export { proposeOrRun, PendingApprovalSchema, PENDING_EXAMPLE, type ProposeOrRun } from "../approvals/service.ts";
export type * from "./types.ts";
import type { z } from "@hono/zod-openapi";
import type { ApprovableAction, CheckDefinition, ExtensionContext, ExtensionDefinition, HookDefinition, JobDefinition, RouteDefinition, EventName, SettingsDefinition, WebhookDefinition } from "./types.ts";
import type { RouteDeclarer } from "../http/route.ts";

export const defineExtension = (e: ExtensionDefinition): ExtensionDefinition => e;
/**
 * Declare a route: the request types are inferred from its request schemas, and every result its handler returns
 * must be a declared status with a body of that status's schema (checked by the compiler).
 */
export const defineRoute: RouteDeclarer<ExtensionContext> = (r) => r as unknown as RouteDefinition;
export const defineJob = <P, R = void>(j: JobDefinition<P, R>): JobDefinition<P, R> => j;
export const defineHook = <E extends EventName>(h: HookDefinition<E>): HookDefinition<NoInfer<E>> => h;
export const defineWebhook = (w: WebhookDefinition): WebhookDefinition => w;
export const defineCheck = (c: CheckDefinition): CheckDefinition => c;
/** An extension's events: name → payload schema (add their types with EventPayloadsOf, see EventPayloads). */
export const defineEvents = <T extends Record<string, z.ZodType>>(events: T): T => events;
/** An action that may need a second staff member's approval (list it in defineExtension `approvals`). */
export const defineApprovable = <I, R>(a: ApprovableAction<I, R>): ApprovableAction<I, R> => a;
export const defineSettings = <T>(s: SettingsDefinition<T>): SettingsDefinition<T> => s;
