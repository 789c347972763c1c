// Services the loans extension looks up by port name and another extension provides, so loans depends on none of
// them (the decision pipeline, extensions/scoring, depends on loans).
import type { Sql } from "../../src/runtime/index.ts";

/** The offer the decision pipeline suggests for an application: what an analyst's approval defaults to. */
export interface SuggestedOffers {
  /** The suggested principal, and whether it was lowered from the requested amount; null when there is none. */
  suggestedOffer(db: Sql, applicationId: string): { principalAmount: number; lowered: boolean } | null;
}
export const SUGGESTED_OFFERS_PORT = "loans.suggested-offers";
