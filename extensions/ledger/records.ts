// Record APIs over the ledger: accounts, journals and their lines.
import { recordColumns, type RecordDeclaration } from "../../src/runtime/index.ts";

const { id, txt, status, ref, time, money } = recordColumns;

export const RECORDS: RecordDeclaration[] = [
  {
    name: "ledger_accounts",
    label: "Ledger accounts",
    source: "ledger_accounts",
    idColumn: "code",
    columns: { code: id, name: txt(), type: status, normal: txt() },
    access: { admin: true, finance: true },
    defaultSort: { column: "code", dir: "asc" },
  },
  {
    name: "ledger_journals",
    label: "Ledger journals",
    source: "ledger_journals",
    columns: { id: { type: "integer", filter: ["eq", "gte", "lte"], sortable: true }, kind: status, ref: txt({ filter: ["eq"], search: true }), loan_id: ref, memo: txt({ search: true }), total: money, posted_at: time },
    access: { admin: true, finance: true },
    defaultSort: { column: "id", dir: "desc" },
  },
  {
    name: "ledger_lines",
    label: "Ledger lines",
    source: "ledger_lines",
    columns: { id: { type: "integer", sortable: true }, journal_id: { type: "integer", filter: ["eq", "in"] }, account: status, loan_id: ref, debit: money, credit: money },
    access: { admin: true, finance: true },
    defaultSort: { column: "id", dir: "desc" },
  },
];
