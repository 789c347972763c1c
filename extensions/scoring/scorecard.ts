// The points scorecard (DESIGN §4 "Scoring"): versioned weights in models/*.json, validated with zod at load.
// score = basePoints + Σ points(feature bin); odds(good:bad) = exp((score − offset) / factor), PD = 1 / (1 + odds),
// factor = PDO / ln 2, offset = baseScore − factor · ln(baseOdds). Pure: no I/O.
import { parseIsoDate } from "../fraud/nik.ts";
import v1 from "./models/v1.json" with { type: "json" };
import { ModelSchema, REQUIRED_FEATURES, type FeatureDef, type FeaturePoints, type FeatureValue, type Model, type ReasonCode, type ScoreResult, type ScoreSnapshot } from "../../schemas/scoring.ts";

/** Parse and validate a model; throws a readable error naming the problem (called at start). */
export function loadModel(raw: unknown): Model {
  const r = ModelSchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid scorecard model: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

/** The model in force (embedded in the binary; validated when this module loads). */
export const MODEL_V1: Model = loadModel(v1);
export const CURRENT_MODEL = MODEL_V1;
export const MODELS: Record<string, Model> = { [MODEL_V1.version]: MODEL_V1 };

export function scaling(m: Model) {
  const factor = m.scaling.pdo / Math.LN2;
  const offset = m.scaling.baseScore - factor * Math.log(m.scaling.baseOdds);
  return { factor, offset };
}

/** Probability of default for a score: PD = 1 / (1 + odds), odds = exp((score − offset) / factor). */
export function scoreToPd(m: Model, score: number): number {
  const { factor, offset } = scaling(m);
  const odds = Math.exp((score - offset) / factor);
  return 1 / (1 + odds);
}

// ---- snapshot → features -------------------------------------------------------------------------------------


export function ageOn(birthDate: string | null, on: string): number | null {
  const b = parseIsoDate(birthDate);
  const d = parseIsoDate(on.slice(0, 10));
  if (!b || !d) return null;
  let age = d.year - b.year;
  if (d.month < b.month || (d.month === b.month && d.day < b.day)) age--;
  return age;
}

export function repaymentHistory(h: ScoreSnapshot["history"]): string {
  if (h.writtenOffLoans > 0 || h.maxDpd > 30) return "bad";
  if (h.maxDpd > 7 || h.delinquentNow > 0) return "late";
  if (h.paidOffLoans >= 2) return "good_multiple";
  if (h.paidOffLoans === 1) return "good";
  return "none";
}

export function deriveFeatures(s: ScoreSnapshot, m: Model = CURRENT_MODEL): Record<(typeof REQUIRED_FEATURES)[number], FeatureValue> {
  const income = s.applicant.monthlyIncome;
  const required = m.policy.requiredDocuments;
  const present = new Set(s.documents.present);
  return {
    monthly_income: income,
    employment_type: s.applicant.employmentType,
    employment_tenure_months: s.applicant.employmentTenureMonths,
    age_years: ageOn(s.applicant.birthDate, s.takenAt),
    instalment_to_income:
      income && income > 0 && s.application.instalmentAmount != null ? round(s.application.instalmentAmount / income, 4) : null,
    repayment_history: repaymentHistory(s.history),
    document_completeness: round(required.filter((k) => present.has(k)).length / required.length, 4),
    email_signal: s.applicant.email,
    device_signal: s.device.signal,
  };
}

// ---- features → score ----------------------------------------------------------------------------------------

function binOf(f: FeatureDef, value: FeatureValue): { bin: string; points: number; reason?: FeaturePoints["reason"] } {
  if (value == null || value === "") return { bin: "missing", points: f.missingPoints };
  if (f.type === "numeric") {
    const v = typeof value === "number" ? value : Number(value);
    if (!Number.isFinite(v)) return { bin: "missing", points: f.missingPoints };
    let lower: number | null = null;
    for (const b of f.bins) {
      if (b.below == null || v < b.below) {
        const bin = b.below == null ? `≥ ${lower}` : lower == null ? `< ${b.below}` : `${lower} – < ${b.below}`;
        return { bin, points: b.points };
      }
      lower = b.below;
    }
    return { bin: "missing", points: f.missingPoints };
  }
  const b = f.bins.find((x) => x.values.includes(String(value)));
  return b ? { bin: String(value), points: b.points, reason: b.reason } : { bin: `unknown (${value})`, points: f.missingPoints };
}

/** Score features with a model. Reason codes: the four features losing most points against their best bin. */
export function scoreFeatures(features: Record<string, FeatureValue>, m: Model = CURRENT_MODEL): ScoreResult {
  const rows: FeaturePoints[] = m.features.map((f) => {
    const value = features[f.id] ?? null;
    const b = binOf(f, value);
    const maxPoints = Math.max(f.missingPoints, ...f.bins.map((x) => x.points));
    return { feature: f.id, label: f.label, value, bin: b.bin, points: b.points, maxPoints, reason: b.reason ?? f.reason };
  });
  const score = m.basePoints + rows.reduce((a, r) => a + r.points, 0);
  const reasons = rows
    .map((r, i) => ({ r, i, lost: r.maxPoints - r.points }))
    .filter((x) => x.lost > 0)
    .sort((a, b) => b.lost - a.lost || a.i - b.i)
    .slice(0, 4)
    .map(({ r, lost }) => ({ code: r.reason.code, feature: r.feature, pointsLost: lost, id: r.reason.id, en: r.reason.en }));
  return { modelVersion: m.version, score, pd: round(scoreToPd(m, score), 6), features: rows, reasons };
}

export function scoreSnapshot(s: ScoreSnapshot, m: Model = CURRENT_MODEL): ScoreResult {
  return scoreFeatures(deriveFeatures(s, m), m);
}

function round(x: number, digits: number) {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}
