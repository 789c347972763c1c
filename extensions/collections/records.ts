// Record APIs over the collections tables: delinquent loans, reminders, write-offs.
import { recordColumns, type RecordDeclaration } from "../../src/runtime/index.ts";
import { PII } from "../loans/personal-data.ts";

const { id, txt, status, ref, time, money, int, STAFF, everyRow } = recordColumns;

export const RECORDS: RecordDeclaration[] = [
  {
    name: "collections",
    label: "Collections",
    source: "collection_state",
    idColumn: "loan_id",
    where: "r.dpd > 0",
    columns: {
      loan_id: id,
      dpd: { type: "integer", filter: ["eq", "gte", "lte"], sortable: true },
      bucket: status,
      status,
      outstanding_amount: money,
      outstanding_principal: money,
      late_fee_outstanding: money,
      overdue_amount: money,
      last_sweep_date: time,
      updated_at: time,
    },
    access: everyRow(STAFF),
    defaultSort: { column: "dpd", dir: "desc" },
  },
  {
    name: "collection_reminders",
    label: "Reminders",
    source: "collection_reminders",
    columns: {
      id: { type: "integer", filter: ["eq"], sortable: true },
      loan_id: ref,
      reminder_date: time,
      kind: status,
      installment_seq: int,
      amount: money,
      phone: txt({ pii: PII.column("borrower.phone") }),
      status,
      scheduled_for: time,
      sent_at: time,
      detail: txt(),
    },
    access: everyRow(STAFF),
    defaultSort: { column: "id", dir: "desc" },
  },
  {
    name: "write_offs",
    label: "Write-offs",
    source: "write_offs",
    idColumn: "loan_id",
    columns: { loan_id: id, dpd: int, principal_amount: money, interest_amount: money, fee_amount: money, late_fee_amount: money, total_amount: money, actor: ref, reason: txt(), created_at: time },
    access: { admin: true, finance: true },
    defaultSort: { column: "created_at", dir: "desc" },
  },
];
