// Credit scoring and decisioning (DESIGN §4): on application.submitted the owner snapshots what the checks need
// into the fraud-check and score-application jobs; their results come back through apply; when both are in,
// decide-application moves the application (approved | rejected | manual_review) in one transaction.
import { defineExtension, defineHook, defineRoute, problems } from "../../src/runtime/index.ts";
import { SUGGESTED_OFFERS_PORT, type SuggestedOffers } from "../loans/ports.ts";
import { applications } from "../loans/rows.ts";
import { loadFraudCheck } from "../fraud/store.ts";
import { decideApplicationJob } from "../../jobs/decide-application.ts";
import { fraudCheckJob } from "../../jobs/fraud-check.ts";
import { scoreApplicationJob } from "../../jobs/score-application.ts";
import { OFFER_SHOWN_STATUSES, type ApplicationStatus } from "../../schemas/enums.ts";
import { IdParams } from "../../schemas/common.ts";
import { ApplicationDecision, ApplicationExplanation, StuckApplications, StuckQuery } from "../../schemas/scoring.ts";
import { startChecks } from "./checks.ts";
import { decisionCounter, scoreHistogram } from "./metrics.ts";
import { CURRENT_MODEL, MODELS, scaling } from "./scorecard.ts";
import { countStuck, loadDecision, stuckAfterMinutes, stuckApplications } from "./store.ts";
import { RECORDS } from "./records.ts";

/** An analyst's approval defaults to the offer scoring stored (lowered to fit the income rule). */
const suggestedOffers: SuggestedOffers = {
  suggestedOffer(db, applicationId) {
    const offer = loadDecision(db, applicationId)?.offer;
    return offer ? { principalAmount: offer.principalAmount, lowered: offer.lowered } : null;
  },
};

const onSubmitted = defineHook({
  event: "application.submitted",
  handler(p, ctx) {
    startChecks(ctx, p.applicationId);
  },
});

const explanation = defineRoute({
  method: "get",
  path: "/api/v1/admin/applications/{id}/explanation",
  summary: "Why an application was decided: every fraud rule evaluated, every scorecard feature and its points",
  tags: ["scoring"],
  access: ["analyst", "admin"],
  request: { params: IdParams },
  responses: {
    200: {
      description: "The explanation (fraud/score/decision are null until that step has run)",
      schema: ApplicationExplanation,
    },
    404: { description: "No such application" },
  },
  handler(req, ctx) {
    const id = req.params.id;
    const app = ctx.db.get<{ status: ApplicationStatus }>("SELECT status FROM applications WHERE id = ?", id);
    if (!app) throw problems.notFound("Application");
    const fraud = loadFraudCheck(ctx.db, id);
    const sd = loadDecision(ctx.db, id);
    let score = null;
    if (sd) {
      const model = MODELS[sd.modelVersion] ?? CURRENT_MODEL;
      const labels = new Map(model.features.map((f, i) => [f.id, { label: f.label, i }]));
      const features = ctx.db
        .all<{ feature: string; value_json: string; bin: string; points: number; max_points: number }>(
          "SELECT feature, value_json, bin, points, max_points FROM score_feature_points WHERE application_id = ?",
          id,
        )
        .sort((a, b) => (labels.get(a.feature)?.i ?? 99) - (labels.get(b.feature)?.i ?? 99))
        .map((f) => ({ feature: f.feature, label: labels.get(f.feature)?.label ?? f.feature, value: JSON.parse(f.value_json), bin: f.bin, points: f.points, maxPoints: f.max_points }));
      score = {
        modelVersion: sd.modelVersion,
        score: sd.score,
        pd: sd.pd,
        scoredAt: sd.scoredAt,
        scaling: { ...model.scaling, ...scaling(model), basePoints: model.basePoints },
        features,
        reasons: sd.reasons,
      };
    }
    return {
      status: 200,
      body: {
        applicationId: id,
        status: app.status,
        fraud: fraud ? { outcome: fraud.outcome, checkedAt: fraud.checkedAt, rules: fraud.evaluations } : null,
        score,
        decision:
          sd?.decision && sd.decidedAt
            ? { outcome: sd.decision, reasons: sd.decisionReasons ?? [], offer: sd.offer, note: sd.decisionNote, decidedAt: sd.decidedAt }
            : null,
      },
    };
  },
});

const borrowerDecision = defineRoute({
  method: "get",
  path: "/api/v1/applications/{id}/decision",
  summary: "The decision on an application as the borrower sees it: status, offer and reasons (Indonesian and English)",
  tags: ["scoring"],
  access: ["borrower", "analyst", "admin"],
  request: { params: IdParams },
  responses: {
    200: {
      description: "Status, offer and reasons",
      schema: ApplicationDecision,
    },
    404: { description: "No such application (or not yours)" },
  },
  handler(req, ctx) {
    const app = ctx.db.get<{ user_id: string; status: ApplicationStatus; offer_json: string | null; tenor: number; decided_at: string | null }>(
      "SELECT user_id, status, offer_json, tenor, decided_at FROM applications WHERE id = ?",
      req.params.id,
    );
    if (!app || (req.user?.role === "borrower" && app.user_id !== req.user.id)) throw problems.notFound("Application");
    const sd = loadDecision(ctx.db, req.params.id);
    const appOffer = app.offer_json ? (JSON.parse(app.offer_json) as { principalAmount: number; tenor?: number }) : null;
    const showOffer = (OFFER_SHOWN_STATUSES as readonly string[]).includes(app.status);
    const offer = showOffer
      ? appOffer
        ? {
            principalAmount: appOffer.principalAmount,
            tenor: appOffer.tenor ?? app.tenor,
            monthlyInstalmentAmount: sd?.offer && sd.offer.principalAmount === appOffer.principalAmount ? sd.offer.monthlyInstalmentAmount : null,
            lowered: sd?.offer?.lowered ?? false,
          }
        : sd?.offer
          ? { principalAmount: sd.offer.principalAmount, tenor: app.tenor, monthlyInstalmentAmount: sd.offer.monthlyInstalmentAmount, lowered: sd.offer.lowered }
          : null
      : null;
    return {
      status: 200,
      body: { applicationId: req.params.id, status: app.status, decidedAt: app.decided_at, offer, reasons: sd?.decisionReasons ?? [] },
    };
  },
});

const stuckList = defineRoute({
  method: "get",
  path: "/api/v1/admin/risk/stuck-applications",
  summary: "Applications in 'checking' longer than the configured limit (risk_settings.stuck_after_minutes)",
  tags: ["scoring"],
  access: ["analyst", "admin"],
  request: { query: StuckQuery },
  responses: { 200: { description: "Stuck applications, oldest first", schema: StuckApplications } },
  handler(req, ctx) {
    return { status: 200, body: { stuckAfterMinutes: stuckAfterMinutes(ctx.db), items: stuckApplications(ctx.db, ctx.clock.now(), req.query.limit) } };
  },
});

export default defineExtension({
  name: "scoring",
  routes: [explanation, borrowerDecision, stuckList],
  hooks: [onSubmitted],
  jobs: [fraudCheckJob, scoreApplicationJob, decideApplicationJob],
  records: RECORDS,
  ports: { [SUGGESTED_OFFERS_PORT]: () => suggestedOffers },
  init(ctx) {
    scoreHistogram(ctx.metrics);
    decisionCounter(ctx.metrics);
    ctx.metrics.gauge("kreditku_applications_stuck", "Applications in 'checking' longer than risk_settings.stuck_after_minutes", [], function () {
      try {
        this.set(countStuck(ctx.db, ctx.clock.now()));
      } catch {
        /* database closing */
      }
    });
  },
});
