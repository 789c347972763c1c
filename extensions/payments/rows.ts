// The rows of the tables the payments extension owns (payments, disbursements, virtual accounts, webhook events,
// refunds), declared once, with typed read handles.
import { rowsOf } from "../../src/runtime/index.ts";
import type { DisbursementStatus, PaymentProvider, PaymentSource, PaymentStatus, WebhookEventStatus, WebhookKind } from "../../schemas/enums.ts";

export interface PaymentRow {
  id: string;
  provider: PaymentProvider;
  provider_payment_id: string;
  va_number: string;
  loan_id: string | null;
  amount: number;
  paid_at: string;
  status: PaymentStatus;
  reason: string | null;
  /** The processing's answer (PaymentResult JSON), replayed for a duplicate delivery. */
  allocation: string;
  source: PaymentSource;
  webhook_event_id: number | null;
  /** The part held in suspense (unapplied_cash) until finance resolves it. */
  unapplied_amount: number;
  resolution: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  /** A report contradicting an earlier payment: that payment's id. */
  conflict_of: string | null;
  created_at: string;
  updated_at: string;
}

export interface DisbursementRow {
  id: string;
  loan_id: string;
  principal: number;
  fee_amount: number;
  net_amount: number;
  status: DisbursementStatus;
  attempts: number;
  provider: string | null;
  gateway_ref: string | null;
  failure_reason: string | null;
  requested_at: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface VirtualAccountRow {
  va_number: string;
  loan_id: string;
  provider: PaymentProvider;
  bank_code: string;
  name: string | null;
  created_at: string;
}

export interface WebhookEventRow {
  id: number;
  provider: string;
  kind: WebhookKind;
  event_id: string | null;
  verified: 0 | 1;
  status: WebhookEventStatus;
  failure_reason: string | null;
  headers: string;
  body: string;
  result: string | null;
  attempts: number;
  received_at: string;
  updated_at: string;
}

export interface RefundRow {
  id: string;
  loan_id: string;
  amount: number;
  reason: string | null;
  transfer_reference: string | null;
  created_by: string;
  created_at: string;
}

export const payments = rowsOf<PaymentRow>("payments");
export const disbursements = rowsOf<DisbursementRow>("disbursements");
export const virtualAccounts = rowsOf<VirtualAccountRow>("virtual_accounts", "va_number");
export const webhookEvents = rowsOf<WebhookEventRow>("webhook_events");
