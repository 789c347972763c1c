// The list pages: each one a RecordTable over a record API, with page-specific columns, filters and links.
import { useState } from "react";
import { RecordTable } from "../components/RecordTable.tsx";
import { NoticeLine, ResolvePaymentDialog, useCanWrite, type Notice } from "./FinanceActions.tsx";
import { useI18n } from "../i18n/index.tsx";

import { APPLICATION_STATUSES, BUCKETS, DISBURSEMENT_STATUSES, LOAN_STATUSES, PAYMENT_PROVIDERS, PAYMENT_STATUSES, REMINDER_STATUSES } from "../../../schemas/enums.ts";

export function Applications() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t("Applications", "Pengajuan")}</h1>
      <p className="muted">
        {t(
          "The review queue: filter by status (manual review first) and submission date, search by application or borrower id.",
          "Antrean peninjauan: saring menurut status (tinjauan manual lebih dulu) dan tanggal pengajuan, cari menurut ID pengajuan atau peminjam.",
        )}
      </p>
      <RecordTable
        record="applications"
        columns={["id", "status", "principal_amount", "tenor", "tenor_unit", "purpose", "user_id", "submitted_at", "decided_at"]}
        initial={{ status: "manual_review" }}
        options={{ status: APPLICATION_STATUSES }}
        link={(r) => `/applications/${r.id}`}
      />
    </div>
  );
}

export function Borrowers() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t("Borrowers", "Peminjam")}</h1>
      <RecordTable record="borrowers" columns={["id", "display_name", "phone", "status", "created_at"]} options={{ status: ["active", "disabled"] }} link={(r) => `/borrowers/${r.id}`} />
      <RecordTable record="borrower_profiles" title={t("KYC profiles", "Profil KYC")} columns={["user_id", "full_name", "nik", "city", "province", "employment_status", "monthly_income_amount", "created_at"]} link={(r) => `/borrowers/${r.user_id}`} />
    </div>
  );
}

export function Loans() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t("Loans", "Pinjaman")}</h1>
      <RecordTable
        record="loans"
        columns={["id", "status", "principal_amount", "disbursed_amount", "dpd", "tenor", "tenor_unit", "user_id", "start_date", "maturity_date"]}
        options={{ status: LOAN_STATUSES }}
        link={(r) => `/loans/${r.id}`}
      />
    </div>
  );
}

export function Payments() {
  // Finance resolves needs_attention payments (apply to a loan, or record the refund) through the payments route.
  const canResolve = useCanWrite("paymentResolve");
  const [resolving, setResolving] = useState<Record<string, unknown> | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t("Payments", "Pembayaran")}</h1>
      <NoticeLine notice={notice} />
      <RecordTable
        record="payments"
        columns={["id", "status", "amount", "provider", "va_number", "loan_id", "paid_at", "source", "reason"]}
        options={{ status: PAYMENT_STATUSES, provider: PAYMENT_PROVIDERS }}
        link={(r) => (r.loan_id ? `/loans/${r.loan_id}` : undefined)}
        actions={
          canResolve
            ? (r) =>
                r.status === "needs_attention" ? (
                  <button type="button" className="small" onClick={() => (setNotice(null), setResolving(r))}>
                    {t("Resolve", "Selesaikan")}
                  </button>
                ) : null
            : undefined
        }
      />
      {resolving && (
        <ResolvePaymentDialog
          payment={resolving}
          onClose={() => setResolving(null)}
          onDone={(text) => {
            setResolving(null);
            setNotice({ ok: true, text });
          }}
        />
      )}
      <RecordTable record="disbursements" title={t("Disbursements", "Pencairan")} columns={["id", "status", "net_amount", "principal", "loan_id", "provider", "failure_reason", "completed_at"]} options={{ status: DISBURSEMENT_STATUSES }} />
    </div>
  );
}

export function Collections() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t("Collections", "Penagihan")}</h1>
      <RecordTable
        record="collections"
        columns={["loan_id", "dpd", "bucket", "status", "outstanding_amount", "overdue_amount", "late_fee_outstanding", "last_sweep_date"]}
        options={{ bucket: BUCKETS.filter((b) => b !== "lancar") }}
        link={(r) => `/loans/${r.loan_id}`}
      />
      <RecordTable record="collection_reminders" title={t("Reminders", "Pengingat")} columns={["id", "loan_id", "kind", "status", "amount", "phone", "scheduled_for", "sent_at"]} options={{ status: REMINDER_STATUSES }} />
    </div>
  );
}

// Jobs: pages/Jobs.tsx (summary and retry of dead jobs); staff: pages/Staff.tsx.
