// Disbursements for finance: one per loan, with its attempts and status.
import { defineRoute } from "../../../src/runtime/index.ts";
import { DisbursementList, DisbursementsQuery } from "../../../schemas/payments.ts";
import { disbursements, type DisbursementRow } from "../rows.ts";

const LISTED = ["id", "loan_id", "principal", "fee_amount", "net_amount", "status", "attempts", "provider", "gateway_ref", "failure_reason", "requested_at", "completed_at", "created_at"] as const;

export const listDisbursementsRoute = defineRoute({
  method: "get",
  path: "/api/v1/admin/disbursements",
  summary: "Disbursements (one per loan) with their attempts and status",
  tags: ["payments"],
  access: ["finance", "admin"],
  request: { query: DisbursementsQuery },
  responses: { 200: { description: "Disbursements, newest first", schema: DisbursementList } },
  handler(req, ctx) {
    const { status, limit } = req.query;
    const rows = ctx.db.all<Pick<DisbursementRow, (typeof LISTED)[number]>>(
      `${disbursements.select(LISTED)} ${status ? "WHERE status = ?" : ""} ORDER BY created_at DESC LIMIT ?`,
      ...(status ? [status, limit] : [limit]),
    );
    return {
      status: 200,
      body: {
        items: rows.map((r) => ({
          id: r.id,
          loanId: r.loan_id,
          principalAmount: r.principal,
          feeAmount: r.fee_amount,
          netAmount: r.net_amount,
          status: r.status,
          attempts: r.attempts,
          provider: r.provider,
          gatewayRef: r.gateway_ref,
          failureReason: r.failure_reason,
          requestedAt: r.requested_at,
          completedAt: r.completed_at,
          createdAt: r.created_at,
        })),
      },
    };
  },
});
