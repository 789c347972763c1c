// Record APIs over the payments tables: repayments, the webhook log, disbursements, virtual accounts, refunds.
import { recordColumns, type RecordDeclaration } from "../../src/runtime/index.ts";

const { id, txt, status, ref, time, money, int } = recordColumns;
const ownLoans = "r.loan_id IN (SELECT l.id FROM loans l WHERE l.user_id = $caller.id)";

export const RECORDS: RecordDeclaration[] = [
  {
    name: "payments",
    label: "Payments",
    source: "payments",
    columns: {
      id,
      provider: status,
      provider_payment_id: txt({ filter: ["eq"], search: true }),
      va_number: txt({ filter: ["eq"], search: true }),
      loan_id: ref,
      amount: money,
      paid_at: time,
      status,
      reason: txt(),
      allocation: txt(),
      source: status,
      webhook_event_id: { type: "integer", filter: ["eq"] },
      created_at: time,
    },
    access: { admin: true, finance: true, analyst: true, borrower: ownLoans },
    defaultSort: { column: "paid_at", dir: "desc" },
  },
  {
    name: "webhook_events",
    label: "Webhook log",
    source: "webhook_events",
    columns: {
      id: { type: "integer", filter: ["eq", "gte", "lte"], sortable: true },
      provider: status,
      kind: status,
      event_id: txt({ filter: ["eq"], search: true }),
      verified: { type: "integer", filter: ["eq"] },
      status,
      failure_reason: txt(),
      body: txt(),
      result: txt(),
      attempts: int,
      received_at: time,
      updated_at: time,
    },
    access: { admin: true, finance: true },
    defaultSort: { column: "id", dir: "desc" },
  },
  {
    name: "disbursements",
    label: "Disbursements",
    source: "disbursements",
    columns: { id, loan_id: ref, principal: money, fee_amount: money, net_amount: money, status, attempts: int, provider: status, gateway_ref: txt({ filter: ["eq"] }), failure_reason: txt(), requested_at: time, completed_at: time, created_at: time },
    access: { admin: true, finance: true },
    defaultSort: { column: "created_at", dir: "desc" },
  },
  {
    name: "virtual_accounts",
    label: "Virtual accounts",
    source: "virtual_accounts",
    idColumn: "va_number",
    columns: { va_number: id, loan_id: ref, provider: status, bank_code: status, created_at: time },
    access: { admin: true, finance: true, borrower: ownLoans },
    defaultSort: { column: "created_at", dir: "desc" },
  },
  {
    name: "refunds",
    label: "Refunds",
    source: "refunds",
    columns: { id, loan_id: ref, amount: money, reason: txt(), created_by: ref, created_at: time },
    access: { admin: true, finance: true },
    defaultSort: { column: "created_at", dir: "desc" },
  },
];
