// The fraud extension's metrics.
import type { ExtensionContext } from "../../src/runtime/index.ts";

/** Fraud rule hits by rule and severity. Registered at start (init) too, so the metric is exported before the first check runs. */
export const fraudHitCounter = (m: ExtensionContext["metrics"]) => m.counter("kreditku_fraud_hits_total", "Fraud rule hits by rule and severity", ["rule", "severity"]);
