// Zod contracts of credit scoring and decisioning: the scorecard model file (models/*.json), the snapshot the
// `score-application` job scores (its payload) and its result, the `decide-application` payload, and what the API
// answers about a decision (the borrower's view, the staff explanation, stuck applications).
import { z } from "../src/runtime/index.ts";
import { APPLICATION_STATUSES, DECISION_OUTCOMES } from "./enums.ts";
import { FraudExplanation } from "./fraud.ts";

// ---- the model file ----
const Text = z.object({ code: z.string().regex(/^R\d{2}$/), id: z.string().min(1), en: z.string().min(1) });
const NumericBin = z.object({ below: z.number().nullable(), points: z.number().int() });
const CategoricalBin = z.object({ values: z.array(z.string()).min(1), points: z.number().int(), reason: Text.optional() });

const Feature = z.discriminatedUnion("type", [
  z.object({ id: z.string(), type: z.literal("numeric"), label: z.string(), reason: Text, missingPoints: z.number().int(), bins: z.array(NumericBin).min(1) }),
  z.object({ id: z.string(), type: z.literal("categorical"), label: z.string(), reason: Text, missingPoints: z.number().int(), bins: z.array(CategoricalBin).min(1) }),
]);

export const ModelSchema = z
  .object({
    version: z.string().min(1),
    description: z.string(),
    scaling: z.object({ baseScore: z.number(), baseOdds: z.number().positive(), pdo: z.number().positive() }),
    basePoints: z.number().int(),
    features: z.array(Feature).min(1),
    policy: z.object({
      approveFrom: z.number().int(),
      rejectBelow: z.number().int(),
      minimumAge: z.number().int().positive(),
      offerStep: z.number().int().positive(),
      incomeRatio: z.array(z.object({ from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), ratio: z.number().positive().max(1) })).min(1),
      requiredDocuments: z.array(z.string()).min(1),
    }),
  })
  .superRefine((m, ctx) => {
    const ids = new Set<string>();
    for (const f of m.features) {
      if (ids.has(f.id)) ctx.addIssue({ code: "custom", message: `duplicate feature ${f.id}` });
      ids.add(f.id);
      if (f.type === "numeric") {
        const b = f.bins;
        if (b[b.length - 1].below !== null) ctx.addIssue({ code: "custom", message: `${f.id}: last bin must be open (below: null)` });
        for (let i = 0; i < b.length - 1; i++) {
          if (b[i].below == null || (i > 0 && b[i].below! <= b[i - 1].below!)) ctx.addIssue({ code: "custom", message: `${f.id}: bins must rise` });
        }
      } else {
        const seen = new Set<string>();
        for (const v of f.bins.flatMap((x) => x.values)) {
          if (seen.has(v)) ctx.addIssue({ code: "custom", message: `${f.id}: value ${v} in two bins` });
          seen.add(v);
        }
      }
    }
    if (m.policy.rejectBelow > m.policy.approveFrom) ctx.addIssue({ code: "custom", message: "policy.rejectBelow above approveFrom" });
    for (const f of REQUIRED_FEATURES) if (!ids.has(f)) ctx.addIssue({ code: "custom", message: `missing feature ${f}` });
  });
export type Model = z.infer<typeof ModelSchema>;
export type FeatureDef = Model["features"][number];

/** Features the snapshot can derive; a model uses all of them. */
export const REQUIRED_FEATURES = [
  "monthly_income",
  "employment_type",
  "employment_tenure_months",
  "age_years",
  "instalment_to_income",
  "repayment_history",
  "document_completeness",
  "email_signal",
  "device_signal",
] as const;


// ---- score-application: snapshot (payload) → result ----
export const ScoreSnapshotSchema = z.object({
  applicationId: z.string(),
  userId: z.string(),
  /** When the owner took the snapshot (ISO); age is computed at this date. */
  takenAt: z.string(),
  applicant: z.object({
    birthDate: z.string().nullable(),
    monthlyIncome: z.number().int().nonnegative().nullable(),
    employmentType: z.string().nullable(),
    employmentTenureMonths: z.number().nonnegative().nullable(),
    email: z.enum(["verified", "unverified", "disposable", "none"]).nullable(),
  }),
  application: z.object({
    amount: z.number().int().positive(),
    /** The instalment the owner estimated for the requested amount and tenor (integer rupiah). */
    instalmentAmount: z.number().int().nonnegative().nullable(),
  }),
  history: z.object({
    paidOffLoans: z.number().int().nonnegative(),
    /** Worst days past due on any previous or current loan. */
    maxDpd: z.number().int().nonnegative(),
    writtenOffLoans: z.number().int().nonnegative(),
    delinquentNow: z.number().int().nonnegative(),
  }),
  documents: z.object({ present: z.array(z.string()) }),
  device: z.object({ signal: z.enum(["clean", "shared", "emulator", "rooted"]).nullable() }),
});
export type ScoreSnapshot = z.infer<typeof ScoreSnapshotSchema>;

export type FeatureValue = number | string | null;

/** A borrower-facing reason (Indonesian and English). */
export const BorrowerReason = z.object({ code: z.string(), id: z.string(), en: z.string() }).openapi("DecisionReason", {
  example: { code: "P04", id: "Jumlah pinjaman disesuaikan agar cicilan tidak melebihi batas pendapatan Anda", en: "The loan amount was lowered so the instalment fits your income" },
});
export type BorrowerReason = z.infer<typeof BorrowerReason>;

/** A scorecard reason code: a feature that lost points against its best bin. */
export const ScoreReason = z.object({ code: z.string(), feature: z.string(), pointsLost: z.number(), id: z.string(), en: z.string() });
export type ReasonCode = z.infer<typeof ScoreReason>;

/** One feature's contribution to a score. */
export const FeaturePoints = z.object({
  feature: z.string(),
  label: z.string(),
  value: z.union([z.number(), z.string(), z.null()]),
  /** The bin that matched: "< 5000000", "≥ 20000000", "permanent", or "missing". */
  bin: z.string(),
  points: z.number().int(),
  maxPoints: z.number().int(),
  reason: z.object({ code: z.string(), id: z.string(), en: z.string() }),
});
export type FeaturePoints = z.infer<typeof FeaturePoints>;

/** Result of the `score-application` job, applied by the owner (validated: it crossed the results queue). */
export const ScoreResult = z.object({
  modelVersion: z.string(),
  score: z.number().int(),
  pd: z.number().min(0).max(1),
  features: z.array(FeaturePoints),
  /** The top four reason codes. */
  reasons: z.array(ScoreReason).max(4),
});
export type ScoreResult = z.infer<typeof ScoreResult>;

export const ScorePayload = z.object({
  applicationId: z.string(),
  modelVersion: z.string(),
  snapshot: ScoreSnapshotSchema,
});
export type ScorePayload = z.infer<typeof ScorePayload>;

export const DecidePayload = z.object({ applicationId: z.string() });
export type DecidePayload = z.infer<typeof DecidePayload>;

// ---- decisions ----
/** The offer scoring made: the requested amount, or lowered to fit the income rule. */
export const ScoredOffer = z.object({
  principalAmount: z.number().int(),
  /** Monthly-equivalent instalment of the offered amount (what the income rule compares). */
  monthlyInstalmentAmount: z.number().int(),
  maxMonthlyInstalmentAmount: z.number().int(),
  incomeRatio: z.number(),
  /** True when the amount was lowered from the requested one to fit the income rule. */
  lowered: z.boolean(),
  requestedAmount: z.number().int(),
});
export type ScoredOffer = z.infer<typeof ScoredOffer>;

const APPLICATION_ID = "0193a1b2-0000-7000-8000-0000000000a1";

export const ApplicationDecision = z
  .object({
    applicationId: z.string(),
    status: z.enum(APPLICATION_STATUSES),
    decidedAt: z.string().nullable(),
    offer: z.object({ principalAmount: z.number().int(), tenor: z.number().int().optional(), monthlyInstalmentAmount: z.number().int().nullable(), lowered: z.boolean() }).nullable(),
    reasons: z.array(BorrowerReason),
  })
  .openapi("ApplicationDecision", {
    example: {
      applicationId: APPLICATION_ID,
      status: "approved",
      decidedAt: "2026-03-02T03:00:02.000Z",
      offer: { principalAmount: 5_000_000, tenor: 50, monthlyInstalmentAmount: 476_667, lowered: false },
      reasons: [],
    },
  });

export const ApplicationExplanation = z
  .object({
    applicationId: z.string(),
    status: z.enum(APPLICATION_STATUSES),
    fraud: FraudExplanation.nullable(),
    score: z
      .object({
        modelVersion: z.string(),
        score: z.number().int(),
        pd: z.number(),
        scoredAt: z.string(),
        scaling: z.object({ baseScore: z.number(), baseOdds: z.number(), pdo: z.number(), factor: z.number(), offset: z.number(), basePoints: z.number() }),
        features: z.array(z.object({ feature: z.string(), label: z.string(), value: z.unknown(), bin: z.string(), points: z.number(), maxPoints: z.number() })),
        reasons: z.array(ScoreReason),
      })
      .nullable(),
    decision: z
      .object({ outcome: z.enum(DECISION_OUTCOMES), reasons: z.array(BorrowerReason), offer: ScoredOffer.nullable(), note: z.string().nullable(), decidedAt: z.string() })
      .nullable(),
  })
  .openapi("ApplicationExplanation", {
    example: {
      applicationId: APPLICATION_ID,
      status: "approved",
      fraud: { outcome: "clear", checkedAt: "2026-03-02T03:00:01.000Z", rules: [{ ruleId: "nik_format", severity: "block", hit: false, message: "NIK is not 16 digits", evidence: {} }] },
      score: {
        modelVersion: "v1",
        score: 642,
        pd: 0.0208,
        scoredAt: "2026-03-02T03:00:01.000Z",
        scaling: { baseScore: 600, baseOdds: 50, pdo: 20, factor: 28.85, offset: 487.12, basePoints: 400 },
        features: [{ feature: "monthly_income", label: "Monthly income", value: 8_000_000, bin: "5000000 – < 10000000", points: 40, maxPoints: 55 }],
        reasons: [{ code: "R01", feature: "monthly_income", pointsLost: 15, id: "Pendapatan bulanan", en: "Monthly income" }],
      },
      decision: {
        outcome: "approved",
        reasons: [],
        offer: { principalAmount: 5_000_000, monthlyInstalmentAmount: 476_667, maxMonthlyInstalmentAmount: 2_400_000, incomeRatio: 0.3, lowered: false, requestedAmount: 5_000_000 },
        note: "score 642 ≥ 620; offer 5000000",
        decidedAt: "2026-03-02T03:00:02.000Z",
      },
    },
  });

export const StuckQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export type StuckQuery = z.infer<typeof StuckQuery>;

export const StuckApplications = z
  .object({
    stuckAfterMinutes: z.number(),
    items: z.array(z.object({ applicationId: z.string(), userId: z.string(), checkingSince: z.string(), minutes: z.number(), fraudChecked: z.boolean(), scored: z.boolean() })),
  })
  .openapi("StuckApplications", {
    example: {
      stuckAfterMinutes: 30,
      items: [{ applicationId: APPLICATION_ID, userId: "0193a1b2-0000-7000-8000-000000000001", checkingSince: "2026-03-02T03:00:00.000Z", minutes: 45, fraudChecked: true, scored: false }],
    },
  });
