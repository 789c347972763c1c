// Zod contracts of the fraud checks: the rule configuration, the snapshot the `fraud-check` job evaluates (its
// payload) and its result, and the admin API over the blocklist and the rules.
import { safeText, z } from "../src/runtime/index.ts";
import { BLOCKLIST_KINDS, FRAUD_OUTCOMES, FRAUD_RULE_IDS, FRAUD_SEVERITIES, SEXES, VELOCITY_KEYS } from "./enums.ts";

// ---- rules ----
/** One row of fraud_rules. `threshold`: the most allowed (velocity: applications in the window, this one included). */
export const RuleConfigSchema = z
  .object({
    id: z.enum(FRAUD_RULE_IDS),
    enabled: z.boolean(),
    severity: z.enum(FRAUD_SEVERITIES),
    threshold: z.number().int().nonnegative().nullable(),
    windowHours: z.number().int().positive().nullable(),
    message: z.string(),
  })
  .openapi("FraudRuleConfig", {
    example: { id: "velocity_phone", enabled: true, severity: "review", threshold: 3, windowHours: 720, message: "Too many applications from this phone number" },
  });
export type RuleConfig = z.infer<typeof RuleConfigSchema>;

export const RuleList = z.object({ items: z.array(RuleConfigSchema) }).openapi("FraudRuleList");

export const RuleIdParams = z.object({ id: z.string().max(64).openapi({ param: { name: "id", in: "path" }, example: "velocity_phone" }) });

export const RuleChange = z
  .object({
    enabled: z.boolean().optional(),
    severity: z.enum(FRAUD_SEVERITIES).optional(),
    threshold: z.number().int().min(0).max(100000).nullable().optional(),
    windowHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 366)
      .nullable()
      .optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" })
  .openapi("FraudRuleChange", { example: { threshold: 5, windowHours: 168 } });
export type RuleChange = z.infer<typeof RuleChange>;

// ---- the check: snapshot (job payload) and result ----
export const FraudSnapshotSchema = z.object({
  applicationId: z.string(),
  userId: z.string(),
  takenAt: z.string(),
  identity: z.object({
    nik: z.string().nullable(),
    birthDate: z.string().nullable(),
    sex: z.enum(SEXES).nullable(),
    phone: z.string().nullable(),
    deviceId: z.string().nullable(),
    bankAccount: z.string().nullable(),
    ip: z.string().nullable(),
  }),
  /** Applications (this one included) sharing each identifier within the rule's window. */
  velocity: z.array(z.object({ key: z.enum(VELOCITY_KEYS), windowHours: z.number(), count: z.number().int() })),
  /** This borrower's documents whose SHA-256 another borrower also uploaded. */
  documentReuse: z.array(z.object({ sha256: z.string(), kind: z.string(), otherBorrowers: z.number().int() })),
  /** Other borrowers with the same bank account. */
  bankAccountOtherBorrowers: z.number().int(),
  /** Blocklist entries matching this application's identifiers. */
  blocklistMatches: z.array(z.object({ id: z.string(), kind: z.enum(BLOCKLIST_KINDS), reason: z.string() })),
});
export type FraudSnapshot = z.infer<typeof FraudSnapshotSchema>;

/** One rule evaluated against a snapshot. */
export const RuleEvaluationSchema = z.object({
  ruleId: z.enum(FRAUD_RULE_IDS),
  severity: z.enum(FRAUD_SEVERITIES),
  hit: z.boolean(),
  /** Rule message; for a hit, what exactly matched. */
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  /** Not evaluated (disabled, or the data it needs is absent). */
  skipped: z.string().optional(),
});
export type RuleEvaluation = z.infer<typeof RuleEvaluationSchema>;

/** Payload of the `fraud-check` job: everything the rules need (it may run on a worker without the database). */
export const FraudCheckPayload = z.object({
  applicationId: z.string(),
  snapshot: FraudSnapshotSchema,
  rules: z.array(RuleConfigSchema),
});
export type FraudCheckPayload = z.infer<typeof FraudCheckPayload>;

/** Result of the `fraud-check` job, applied by the owner (validated: it crossed the results queue). */
export const FraudCheckResult = z.object({ evaluations: z.array(RuleEvaluationSchema) });
export type FraudCheckResult = z.infer<typeof FraudCheckResult>;

/** The fraud step of an application's explanation. */
export const FraudExplanation = z.object({
  outcome: z.enum(FRAUD_OUTCOMES),
  checkedAt: z.string(),
  rules: z.array(RuleEvaluationSchema),
});

// ---- blocklist ----
export const BlocklistEntry = z
  .object({
    id: z.string(),
    kind: z.enum(BLOCKLIST_KINDS),
    value: z.string(),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi("BlocklistEntry", {
    example: {
      id: "bl_0193a1b2-0000-7000-8000-0000000000f1",
      kind: "phone",
      value: "+6281234567890",
      reason: "Reported stolen identity",
      createdBy: "0193a1b2-0000-7000-8000-0000000000e1",
      createdAt: "2026-03-02T03:00:00.000Z",
    },
  });
export type BlocklistEntry = z.infer<typeof BlocklistEntry>;

export const BlocklistQuery = z.object({
  kind: z.enum(BLOCKLIST_KINDS).optional().openapi({ example: "phone" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/).optional().openapi({ description: "nextCursor of the previous page" }),
});
export type BlocklistQuery = z.infer<typeof BlocklistQuery>;

export const BlocklistPage = z.object({ items: z.array(BlocklistEntry), nextCursor: z.string().nullable() }).openapi("BlocklistPage");

export const BlocklistAdd = z
  .object({
    kind: z.enum(BLOCKLIST_KINDS),
    value: safeText({ min: 1, max: 200 }),
    reason: safeText({ min: 3, max: 500, multiline: true }),
  })
  .openapi("BlocklistAdd", { example: { kind: "phone", value: "081234567890", reason: "Reported stolen identity" } });
export type BlocklistAdd = z.infer<typeof BlocklistAdd>;

export const BlocklistIdParams = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" }, example: "bl_0193a1b2-0000-7000-8000-0000000000f1" }) });
