// The rows of the tables the collections extension owns, declared once.
import type { Bucket } from "../../schemas/enums.ts";

/** A loan's collections view as the last sweep (or payment) left it (table collection_state). */
export interface CollectionStateRow {
  loan_id: string;
  dpd: number;
  bucket: Bucket;
  status: string;
  outstanding_amount: number;
  outstanding_principal: number;
  late_fee_outstanding: number;
  overdue_amount: number;
  late_fee_through: string | null;
  last_sweep_date: string;
  updated_at: string;
}

/** A written-off loan (table write_offs): what was written off, by whom, why. */
export interface WriteOffRow {
  loan_id: string;
  dpd: number;
  principal_amount: number;
  interest_amount: number;
  fee_amount: number;
  late_fee_amount: number;
  total_amount: number;
  journal_id: number | null;
  actor: string;
  reason: string;
  created_at: string;
}
