// Record APIs over the fraud tables: blocklist, rule hits, checks and rule settings.
import { recordColumns, type RecordDeclaration } from "../../src/runtime/index.ts";
import { PII } from "./personal-data.ts";

const { id, txt, status, ref, time, int } = recordColumns;

export const RECORDS: RecordDeclaration[] = [
  {
    name: "blocklist",
    label: "Blocklist",
    source: "blocklist",
    columns: {
      id,
      kind: status,
      value: txt({ filter: ["eq"], search: true, pii: PII.column("blocklist.value") }),
      reason: txt({ search: true }),
      created_by: ref,
      created_at: time,
      removed_at: time,
      removed_by: ref,
    },
    access: { admin: true, analyst: true },
    defaultSort: { column: "created_at", dir: "desc" },
  },
  {
    name: "fraud_hits",
    label: "Fraud hits",
    source: "fraud_hits",
    columns: {
      id: { type: "integer", filter: ["eq"], sortable: true },
      application_id: ref,
      user_id: ref,
      rule_id: status,
      severity: status,
      message: txt({ search: true }),
      evidence_json: txt({ pii: PII.column("fraud.evidence") }),
      created_at: time,
    },
    access: { admin: true, analyst: true },
    defaultSort: { column: "id", dir: "desc" },
  },
  {
    name: "fraud_checks",
    label: "Fraud checks",
    source: "fraud_checks",
    idColumn: "application_id",
    columns: { application_id: id, outcome: status, evaluations_json: txt(), checked_at: time },
    access: { admin: true, analyst: true },
    defaultSort: { column: "checked_at", dir: "desc" },
  },
  {
    name: "fraud_rules",
    label: "Fraud rules",
    source: "fraud_rules",
    columns: { id, enabled: { type: "integer", filter: ["eq"] }, severity: status, threshold: int, window_hours: int, message: txt(), updated_at: time, updated_by: ref },
    access: { admin: true, analyst: true },
    defaultSort: { column: "id", dir: "asc" },
  },
];
