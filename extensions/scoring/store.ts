// Owner-side data access of scoring and decisioning: the score snapshot, recording a score (idempotent), the
// decision that moves the application (one transaction, through the loans state machine), stuck applications.
import { jakartaDate, type Sql, type TxContext } from "../../src/runtime/index.ts";
import { deviceInfo, DEVICE_ID_SQL, loadFraudCheck } from "../fraud/store.ts";
import { transitionApplication } from "../loans/state.ts";
import { buildSchedule, monthlyEquivalent } from "../loans/schedule.ts";
import { loadCaps, strictest } from "../loans/caps.ts";
import { CURRENT_MODEL, MODELS, ageOn } from "./scorecard.ts";
import { decide, incomeRatioOn, type Decision } from "./policy.ts";
import type { DecisionOutcome } from "../../schemas/enums.ts";
import type { BorrowerReason, Model, ReasonCode, ScoredOffer, ScoreResult, ScoreSnapshot } from "../../schemas/scoring.ts";
import { applications, products, type ApplicationRow, type ProductRow, type ProfileRow } from "../loans/rows.ts";

export const SYSTEM_ACTOR = "system:scoring";

const APP_COLUMNS = ["id", "user_id", "status", "principal_amount", "tenor", "tenor_unit", "device_json", "product_id", "purpose", "updated_at"] as const;
const PRODUCT_COLUMNS = ["min_amount", "interest_method", "interest_rate_ppm", "upfront_fee_ppm", "admin_fee_amount", "purpose"] as const;
type ScoredApplication = Pick<ApplicationRow, (typeof APP_COLUMNS)[number]>;
type PricedProduct = Pick<ProductRow, (typeof PRODUCT_COLUMNS)[number]>;

/** A row of score_decisions: the score, and once decided the decision, its reasons and offer. */
export interface ScoreDecisionRow {
  application_id: string;
  model_version: string;
  score: number;
  pd: number;
  reasons_json: string;
  snapshot_json: string;
  scored_at: string;
  decision: DecisionOutcome | null;
  decision_reasons_json: string | null;
  offer_json: string | null;
  decision_note: string | null;
  decided_at: string | null;
}

/** The profile facts scoring reads; tenure columns are read when a later schema has them. */
type ScoredProfile = ProfileRow & { employment_tenure_months?: number | null; employment_months?: number | null };
/** The sign-in facts scoring reads of the platform's users table (email verification when the schema has it). */
interface ScoredUser {
  email: string | null;
  email_verified_at?: string | null;
}

const loadApp = (db: Sql, id: string) => applications.get(db, id, APP_COLUMNS);
const loadProduct = (db: Sql, id: string) => products.get(db, id, PRODUCT_COLUMNS);

/** Monthly-equivalent instalment of `amount` on the application's product and tenor (the loans schedule). */
export function monthlyInstalmentFn(app: Pick<ScoredApplication, "tenor" | "tenor_unit">, p: PricedProduct, startDate: string) {
  return (amount: number) => {
    const s = buildSchedule(
      { principal: amount, tenor: app.tenor, tenorUnit: app.tenor_unit, method: p.interest_method, ratePpm: p.interest_rate_ppm, upfrontFeePpm: p.upfront_fee_ppm, adminFeeAmount: p.admin_fee_amount },
      startDate,
      { apr: false }, // only the instalment matters here: skip the effective-rate bisection (≈ 60 % of a decision's CPU)
    );
    return monthlyEquivalent(s, app.tenor_unit);
  };
}

/** The snapshot a score-application job needs. Employment tenure and email verification are read when the schema has them. */
export function buildScoreSnapshot(db: Sql, applicationId: string, now: Date): ScoreSnapshot | null {
  const app = loadApp(db, applicationId);
  if (!app) return null;
  const prof = db.get<ScoredProfile>("SELECT * FROM borrower_profiles WHERE user_id = ?", app.user_id);
  const user = db.get<ScoredUser>("SELECT * FROM users WHERE id = ?", app.user_id);
  const product = loadProduct(db, app.product_id);
  const today = now.toISOString().slice(0, 10);

  let instalment: number | null = null;
  if (product) {
    try {
      instalment = monthlyInstalmentFn(app, product, today)(app.principal_amount);
    } catch {
      instalment = null;
    }
  }

  const tenure = prof?.employment_tenure_months ?? prof?.employment_months ?? null;
  let email: ScoreSnapshot["applicant"]["email"] = "none";
  if (user?.email) email = user.email_verified_at ? "verified" : "unverified";

  const nowIso = now.toISOString();
  const hist = db.get<{ paid: number; wo: number; del: number }>(
    `SELECT COALESCE(SUM(status = 'paid_off'), 0) AS paid, COALESCE(SUM(status = 'written_off'), 0) AS wo, COALESCE(SUM(status = 'delinquent'), 0) AS del
       FROM loans WHERE user_id = ? AND application_id != ?`,
    app.user_id,
    applicationId,
  )!;
  const late = db.get<{ d: number | null }>(
    `SELECT MAX(CAST(julianday(substr(COALESCE(i.paid_at, ?), 1, 10)) - julianday(i.due_date) AS INTEGER)) AS d
       FROM installments i JOIN loans l ON l.id = i.loan_id
      WHERE l.user_id = ? AND l.application_id != ? AND i.due_date < substr(COALESCE(i.paid_at, ?), 1, 10)`,
    nowIso,
    app.user_id,
    applicationId,
    nowIso,
  );
  const loanDpd = db.get<{ d: number | null }>("SELECT MAX(dpd) AS d FROM loans WHERE user_id = ? AND application_id != ?", app.user_id, applicationId);

  const docs = db.all<{ kind: string }>("SELECT DISTINCT kind FROM documents WHERE user_id = ? ORDER BY kind", app.user_id).map((d) => d.kind);

  const dev = deviceInfo(app.device_json);
  let signal: ScoreSnapshot["device"]["signal"] = null;
  if (dev.emulator) signal = "emulator";
  else if (dev.rooted) signal = "rooted";
  else if (dev.id) {
    const shared = db.get<{ n: number }>(`SELECT COUNT(DISTINCT a.user_id) AS n FROM applications a WHERE ${DEVICE_ID_SQL} = ? AND a.user_id != ?`, dev.id, app.user_id);
    signal = (shared?.n ?? 0) > 0 ? "shared" : "clean";
  }

  return {
    applicationId,
    userId: app.user_id,
    takenAt: nowIso,
    applicant: {
      birthDate: prof?.birth_date ?? null,
      monthlyIncome: prof?.monthly_income_amount ?? null,
      employmentType: prof ? (prof.employment_status === "employed" ? "employed" : prof.employment_status) : null,
      employmentTenureMonths: typeof tenure === "number" ? tenure : null,
      email,
    },
    application: { amount: app.principal_amount, instalmentAmount: instalment },
    history: {
      paidOffLoans: hist.paid,
      maxDpd: Math.max(0, late?.d ?? 0, loanDpd?.d ?? 0),
      writtenOffLoans: hist.wo,
      delinquentNow: hist.del,
    },
    documents: { present: docs },
    device: { signal },
  };
}

/** Record a score (score, PD, model version, top four reasons, every feature's points). Idempotent. */
export function recordScoreResult(t: Sql, snapshot: ScoreSnapshot, r: ScoreResult, at: Date): boolean {
  const now = at.toISOString();
  const ins = t.run(
    "INSERT INTO score_decisions (application_id, model_version, score, pd, reasons_json, snapshot_json, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (application_id) DO NOTHING",
    snapshot.applicationId,
    r.modelVersion,
    r.score,
    r.pd,
    JSON.stringify(r.reasons),
    JSON.stringify(snapshot),
    now,
  );
  if (ins.changes === 0) return false;
  for (const f of r.features) {
    t.run(
      "INSERT INTO score_feature_points (application_id, feature, value_json, bin, points, max_points) VALUES (?, ?, ?, ?, ?, ?)",
      snapshot.applicationId,
      f.feature,
      JSON.stringify(f.value),
      f.bin,
      f.points,
      f.maxPoints,
    );
  }
  t.run(
    "INSERT INTO application_checks (application_id, kind, rule_id, outcome, detail_json, created_at) VALUES (?, 'score', ?, ?, ?, ?)",
    snapshot.applicationId,
    r.modelVersion,
    String(r.score),
    JSON.stringify({ score: r.score, pd: r.pd, reasons: r.reasons.map((x) => x.code) }),
    now,
  );
  return true;
}

export interface StoredDecision {
  decision: Decision["outcome"];
  reasons: BorrowerReason[];
  offer: ScoredOffer | null;
  note: string;
  decidedAt: string;
}

/**
 * Decide a checked application and move it (approved | rejected | manual_review) in the caller's transaction.
 * Idempotent: an application no longer in `checking`, or already decided, is left alone (returns null).
 */
export function decideApplication(t: TxContext, applicationId: string, at: Date): (StoredDecision & { score: number }) | null {
  const app = loadApp(t, applicationId);
  if (!app || app.status !== "checking") return null;
  const sd = t.get<Pick<ScoreDecisionRow, "model_version" | "score" | "reasons_json" | "snapshot_json" | "decision">>(
    "SELECT model_version, score, reasons_json, snapshot_json, decision FROM score_decisions WHERE application_id = ?",
    applicationId,
  );
  const fraud = loadFraudCheck(t, applicationId);
  if (!sd || !fraud || sd.decision) return null;
  const model: Model = MODELS[sd.model_version] ?? CURRENT_MODEL;
  const snap = JSON.parse(sd.snapshot_json) as ScoreSnapshot;
  const product = loadProduct(t, app.product_id);
  if (!product) return null;

  const date = jakartaDate(at);
  const caps = loadCaps(t);
  const ratioCap = strictest(caps, "income_ratio", date);
  const ageCap = strictest(caps, "min_age", date);
  const m: Model = ageCap ? { ...model, policy: { ...model.policy, minimumAge: Math.max(model.policy.minimumAge, ageCap.value) } } : model;
  const incomeRatio = ratioCap ? Math.min(ratioCap.value / 1_000_000, incomeRatioOn(model, date)) : incomeRatioOn(model, date);

  const hits = fraud.evaluations.filter((e) => e.hit);
  const d = decide({
    model: m,
    score: sd.score,
    scoreReasons: JSON.parse(sd.reasons_json) as ReasonCode[],
    fraud: { blockHits: hits.filter((h) => h.severity === "block").map((h) => h.ruleId), reviewHits: hits.filter((h) => h.severity === "review").map((h) => h.ruleId) },
    age: ageOn(snap.applicant.birthDate, date),
    monthlyIncome: snap.applicant.monthlyIncome,
    requestedAmount: app.principal_amount,
    minAmount: product.min_amount,
    incomeRatio,
    monthlyInstalmentFor: monthlyInstalmentFn(app, product, date),
  });
  const decidedAt = at.toISOString();
  t.run(
    "UPDATE score_decisions SET decision = ?, decision_reasons_json = ?, offer_json = ?, decision_note = ?, decided_at = ? WHERE application_id = ?",
    d.outcome,
    JSON.stringify(d.reasons),
    d.offer ? JSON.stringify(d.offer) : null,
    d.note,
    decidedAt,
    applicationId,
  );
  transitionApplication(t, {
    applicationId,
    to: d.outcome,
    actor: SYSTEM_ACTOR,
    reason: d.note,
    at,
    ...(d.outcome === "approved" && d.offer ? { offer: { principalAmount: d.offer.principalAmount, ...(d.offer.lowered ? { note: "amount lowered to fit the income rule" } : {}) } } : {}),
  });
  return { decision: d.outcome, reasons: d.reasons, offer: d.offer, note: d.note, decidedAt, score: sd.score };
}

export function loadDecision(db: Sql, applicationId: string) {
  const r = db.get<ScoreDecisionRow>("SELECT * FROM score_decisions WHERE application_id = ?", applicationId);
  if (!r) return null;
  return {
    modelVersion: r.model_version,
    score: r.score,
    pd: r.pd,
    reasons: JSON.parse(r.reasons_json) as ReasonCode[],
    scoredAt: r.scored_at,
    decision: r.decision,
    decisionReasons: r.decision_reasons_json ? (JSON.parse(r.decision_reasons_json) as BorrowerReason[]) : null,
    offer: r.offer_json ? (JSON.parse(r.offer_json) as ScoredOffer) : null,
    decisionNote: r.decision_note,
    decidedAt: r.decided_at,
  };
}

// ---- stuck applications ------------------------------------------------------------------------------------------

export function stuckAfterMinutes(db: Sql): number {
  const r = db.get<{ value: string }>("SELECT value FROM risk_settings WHERE key = 'stuck_after_minutes'");
  const n = Number(r?.value);
  return Number.isFinite(n) && n > 0 ? n : 30;
}

export interface StuckApplication {
  applicationId: string;
  userId: string;
  checkingSince: string;
  minutes: number;
  fraudChecked: boolean;
  scored: boolean;
}

/** Applications in `checking` for longer than the configured limit, oldest first. */
export function stuckApplications(db: Sql, now: Date, limit = 100): StuckApplication[] {
  const minutes = stuckAfterMinutes(db);
  const before = new Date(now.getTime() - minutes * 60_000).toISOString();
  return db
    .all<Pick<ApplicationRow, "id" | "user_id" | "updated_at"> & { fraud: 0 | 1; scored: 0 | 1 }>(
      `SELECT a.id, a.user_id, a.updated_at,
              EXISTS (SELECT 1 FROM fraud_checks f WHERE f.application_id = a.id) AS fraud,
              EXISTS (SELECT 1 FROM score_decisions s WHERE s.application_id = a.id) AS scored
         FROM applications a WHERE a.status = 'checking' AND a.updated_at < ? ORDER BY a.updated_at, a.id LIMIT ?`,
      before,
      limit,
    )
    .map((r) => ({
      applicationId: r.id,
      userId: r.user_id,
      checkingSince: r.updated_at,
      minutes: Math.floor((now.getTime() - Date.parse(r.updated_at)) / 60_000),
      fraudChecked: r.fraud === 1,
      scored: r.scored === 1,
    }));
}

export function countStuck(db: Sql, now: Date): number {
  const before = new Date(now.getTime() - stuckAfterMinutes(db) * 60_000).toISOString();
  return db.get<{ n: number }>("SELECT COUNT(*) AS n FROM applications WHERE status = 'checking' AND updated_at < ?", before)?.n ?? 0;
}
