// Zod contracts of the platform's own background jobs (the domain jobs' payloads live with their domain's schemas).
import { z } from "../src/runtime/index.ts";

/** Payload of `outbox.purge`: nothing (it forgets completed rows older than the retention). */
export const OutboxPurgePayload = z.object({});
export type OutboxPurgePayload = z.infer<typeof OutboxPurgePayload>;
