// The scoring metrics, registered at start (init) so they are exported before the first job runs.
import type { ExtensionContext } from "../../src/runtime/index.ts";

type MetricsLike = ExtensionContext["metrics"];

export const scoreHistogram = (m: MetricsLike) =>
  m.histogram("kreditku_application_score", "Scores of applications", ["model"], [450, 500, 540, 560, 580, 600, 610, 620, 640, 660, 700]);
export const decisionCounter = (m: MetricsLike) => m.counter("kreditku_application_decisions_total", "Automated decisions by outcome", ["outcome"]);
