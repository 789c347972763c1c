// Record APIs over the scoring tables: score decisions.
import { recordColumns, type RecordDeclaration } from "../../src/runtime/index.ts";

const { id, txt, status, time } = recordColumns;

export const RECORDS: RecordDeclaration[] = [
  {
    name: "score_decisions",
    label: "Score decisions",
    source: "score_decisions",
    idColumn: "application_id",
    columns: {
      application_id: id,
      model_version: status,
      score: { type: "integer", filter: ["gte", "lte"], sortable: true },
      pd: { type: "real", filter: ["gte", "lte"], sortable: true },
      reasons_json: txt(),
      decision: status,
      decision_reasons_json: txt(),
      decision_note: txt(),
      scored_at: time,
      decided_at: time,
    },
    access: { admin: true, analyst: true },
    defaultSort: { column: "scored_at", dir: "desc" },
  },
];
