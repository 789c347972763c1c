// Building blocks shared by the domain schemas: money and rates, dates, path ids, pages. (Problem details are the
// platform's: src/http declares the Problem component every error answers with.)
// Money is integer rupiah in fields ending `Amount`; rates are integer ppm.
import { z } from "../src/runtime/index.ts";

/** An integer rupiah amount (≥ 0). */
export const money = (desc: string, example?: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ description: `${desc} (integer rupiah)`, ...(example !== undefined ? { example } : {}) });

/** A rate in parts per million. */
export const ppm = (desc: string, example?: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .openapi({ description: `${desc} (parts per million)`, ...(example !== undefined ? { example } : {}) });

/** A calendar date YYYY-MM-DD. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v, "must be a real calendar date");

/** The reference ids the examples use (UUIDv7, as the API issues them). */
export const EXAMPLE_IDS = {
  user: "0193a1b2-0000-7000-8000-000000000001",
  staff: "0193a1b2-0000-7000-8000-0000000000e1",
  application: "0193a1b2-0000-7000-8000-0000000000a1",
  loan: "0193a1b2-0000-7000-8000-0000000000b1",
  product: "prod_reference_weekly",
  ktp: "0193a1b2-0000-7000-8000-0000000000d1",
  selfie: "0193a1b2-0000-7000-8000-0000000000d2",
} as const;

/** `{id}` path parameters of at most `max` characters. */
export const idParams = (max: number, example: string) =>
  z.object({ id: z.string().min(1).max(max).openapi({ param: { name: "id", in: "path" }, example }) });

/** A loan (or other entity) id in the path. */
export const IdParams = idParams(100, EXAMPLE_IDS.loan);
export type IdParams = z.infer<typeof IdParams>;

/** A page of items with the cursor of the next page (null on the last). */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
