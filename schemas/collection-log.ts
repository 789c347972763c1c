// Zod contracts of a loan's collection log (staff): notes, call attempts with their outcome, and promises to pay whose
// state (pending, kept, broken) is derived from the payments applied to the loan.
import { safeText, z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, isoDate } from "./common.ts";

export const COLLECTION_LOG_KINDS = ["note", "call_attempt", "promise_to_pay"] as const;
export const CALL_OUTCOMES = ["reached", "no_answer", "busy", "wrong_number", "refused"] as const;
export const PROMISE_STATES = ["pending", "kept", "broken"] as const;

const note = (min: number) => safeText({ min, max: 1000, multiline: true });
/** At most 10 000 000 000 rupiah: far above any loan, far below the safe-integer limit. */
const promisedAmount = z.number().int().min(1).max(10_000_000_000).openapi({ description: "Amount the borrower promised to pay (integer rupiah)" });

export const CollectionLogRequest = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("note"), note: note(3) }).strict(),
    z.object({ kind: z.literal("call_attempt"), outcome: z.enum(CALL_OUTCOMES), note: note(0).optional() }).strict(),
    z
      .object({
        kind: z.literal("promise_to_pay"),
        promisedAmount,
        promisedDate: isoDate.openapi({ description: "Asia/Jakarta date by which the amount is promised: today up to 90 days ahead" }),
        note: note(0).optional(),
      })
      .strict(),
  ])
  .openapi("CollectionLogRequest", { example: { kind: "promise_to_pay", promisedAmount: 220_000, promisedDate: "2026-03-20", note: "Will pay after payday" } });
export type CollectionLogRequest = z.infer<typeof CollectionLogRequest>;

export const Actor = z
  .object({
    id: z.string(),
    name: z.string().openapi({ description: "The staff member's display name, else their email, else the id (or 'system' for automated actors)" }),
    email: z.string().nullable(),
  })
  .openapi("Actor");

export const COLLECTION_LOG_ENTRY_EXAMPLE = {
  id: "0193a1b2-0000-7000-8000-0000000000c1",
  loanId: EXAMPLE_IDS.loan,
  kind: "promise_to_pay",
  outcome: null,
  note: "Will pay after payday",
  promisedAmount: 220_000,
  promisedDate: "2026-03-20",
  promise: { state: "pending", paidAmount: 0 },
  actor: { id: EXAMPLE_IDS.staff, name: "Rina Analyst", email: "rina@kreditku.test" },
  createdAt: "2026-03-16T03:00:00.000Z",
} as const;

export const CollectionLogEntry = z
  .object({
    id: z.string(),
    loanId: z.string(),
    kind: z.enum(COLLECTION_LOG_KINDS),
    outcome: z.enum(CALL_OUTCOMES).nullable().openapi({ description: "A call attempt's outcome (null for other kinds)" }),
    note: z.string(),
    promisedAmount: z.number().int().nullable(),
    promisedDate: z.string().nullable(),
    promise: z
      .object({
        state: z.enum(PROMISE_STATES).openapi({
          description:
            "kept: payments applied to the loan from the promise until the end of its date (Asia/Jakarta) reach the promised amount; broken: its date has passed without that; pending: not yet",
        }),
        paidAmount: z.number().int().openapi({ description: "Payments applied to the loan from the promise until the end of its date (or today)" }),
      })
      .nullable(),
    actor: Actor,
    createdAt: z.string(),
  })
  .openapi("CollectionLogEntry", { example: COLLECTION_LOG_ENTRY_EXAMPLE });
export type CollectionLogEntry = z.infer<typeof CollectionLogEntry>;

export const CollectionLog = z
  .object({ items: z.array(CollectionLogEntry).openapi({ description: "Newest first (at most 200)" }) })
  .openapi("CollectionLog", { example: { items: [COLLECTION_LOG_ENTRY_EXAMPLE] } });
