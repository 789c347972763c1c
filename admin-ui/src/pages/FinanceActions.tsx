// Finance writes, each through its domain route with an Idempotency-Key: resolve a needs_attention payment (apply it
// to a loan or record its refund), refund a loan's credit balance, write a delinquent loan off.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, rupiah } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { useCapabilities } from "../capabilities.ts";
import { ActionDialog, isPendingApproval, pendingNotice } from "../components/ActionDialog.tsx";
import { useI18n } from "../i18n/index.tsx";
import { EP, T, WRITE_ROLES } from "../endpoints.ts";

type Row = Record<string, any>;

/** Whether the signed-in role may call this write route, and the deployment has it. */
export function useCanWrite(route: keyof typeof WRITE_ROLES) {
  const { user } = useAuth();
  const caps = useCapabilities();
  const roles: readonly string[] = WRITE_ROLES[route];
  return !!user && roles.includes(user.role) && caps.has(T[route], "post");
}

export type Notice = { ok: boolean; text: string } | null;

export function NoticeLine({ notice }: { notice: Notice }) {
  if (!notice) return null;
  return (
    <p className={notice.ok ? "notice ok" : "notice bad"} role="status" data-testid="action-notice">
      {notice.text}
    </p>
  );
}

// ---- resolve a needs_attention payment ---------------------------------------------------------------------------

export function ResolvePaymentDialog({ payment, onClose, onDone }: { payment: Row; onClose: () => void; onDone: (text: string) => void }) {
  const [mode, setMode] = useState<"loan" | "refund">("loan");
  const [loanId, setLoanId] = useState("");
  const [transferReference, setTransferReference] = useState("");
  const id = String(payment.id);
  const valid = mode === "loan" ? loanId.trim().length > 0 : transferReference.trim().length > 0;
  const body = mode === "loan" ? { loanId: loanId.trim() } : { refund: true as const, transferReference: transferReference.trim() };
  const { t } = useI18n();
  return (
    <ActionDialog
      title={t(`Resolve payment ${id}`, `Selesaikan pembayaran ${id}`)}
      action="resolve"
      resourceId={id}
      valid={valid}
      confirmLabel={mode === "loan" ? t("Apply to loan", "Terapkan ke pinjaman") : t("Record refund", "Catat pengembalian dana")}
      summary={
        <>
          <p>
            Payment <code>{id}</code> of <strong>{rupiah(payment.amount)}</strong> ({String(payment.reason ?? "needs attention")})
          </p>
          {mode === "loan" ? (
            <p>
              will be <strong>applied to loan <code>{loanId.trim()}</code></strong>: taken out of suspense and allocated to its instalments (any excess becomes
              borrower credit).
            </p>
          ) : (
            <p>
              will be <strong>recorded as refunded</strong> by bank transfer <code>{transferReference.trim()}</code> (Dr unapplied cash / Cr cash). Make the transfer
              first: nothing is paid out from here.
            </p>
          )}
          <p className="muted">This is posted to the ledger and cannot be undone from the dashboard.</p>
        </>
      }
      run={(key) => api<Row>(EP.paymentResolve(id), { method: "POST", json: body, headers: { "Idempotency-Key": key } })}
      onDone={(r) => onDone(mode === "loan" ? `Payment ${id} applied to loan ${r?.loanId ?? loanId.trim()} (${r?.status ?? "applied"}).` : `Payment ${id} recorded as refunded (transfer ${transferReference.trim()}).`)}
      onClose={onClose}
    >
      <p className="muted">
        {rupiah(payment.amount)} · VA {String(payment.va_number ?? "—")} · {String(payment.reason ?? "")}
      </p>
      <div className="row">
        <label className="check">
          <input type="radio" name="resolution" value="loan" checked={mode === "loan"} onChange={() => setMode("loan")} /> {t("Apply to a loan", "Terapkan ke pinjaman")}
        </label>
        <label className="check">
          <input type="radio" name="resolution" value="refund" checked={mode === "refund"} onChange={() => setMode("refund")} /> {t("Refund to the payer", "Kembalikan ke pembayar")}
        </label>
      </div>
      {mode === "loan" ? (
        <label>
          {t("Loan id (required)", "ID pinjaman (wajib)")}
          <input name="loanId" required autoFocus value={loanId} maxLength={100} onChange={(e) => setLoanId(e.target.value)} />
        </label>
      ) : (
        <label>
          {t("Transfer reference (required)", "Referensi transfer (wajib)")}
          <input name="transferReference" required autoFocus value={transferReference} maxLength={200} onChange={(e) => setTransferReference(e.target.value)} />
        </label>
      )}
    </ActionDialog>
  );
}

// ---- refund a loan's credit balance ------------------------------------------------------------------------------

export function RefundCreditDialog({ loan, onClose, onDone }: { loan: Row; onClose: () => void; onDone: (text: string) => void }) {
  const credit = Number(loan.credit_balance_amount ?? 0);
  const [amount, setAmount] = useState(String(credit));
  const [transferReference, setTransferReference] = useState("");
  const [reason, setReason] = useState("");
  const n = Number(amount);
  const amountOk = /^\d+$/.test(amount.trim()) && Number.isSafeInteger(n) && n > 0 && n <= credit;
  const valid = amountOk && transferReference.trim().length > 0 && reason.trim().length >= 3;
  const id = String(loan.id);
  const { t } = useI18n();
  return (
    <ActionDialog
      title={t(`Refund credit balance of loan ${id}`, `Kembalikan saldo kredit pinjaman ${id}`)}
      action="refund"
      resourceId={id}
      valid={valid}
      confirmLabel={t("Record refund", "Catat pengembalian dana")}
      summary={
        <>
          <p>
            Record a refund of <strong>{rupiah(n)}</strong> of the {rupiah(credit)} credit balance of loan <code>{id}</code>, paid by bank transfer{" "}
            <code>{transferReference.trim()}</code>.
          </p>
          <p>Reason: {reason.trim()}</p>
          <p className="muted">Posted to the ledger (Dr borrower credit / Cr cash). Make the transfer first: nothing is paid out from here.</p>
          <p className="muted">{t("From the approval threshold another finance staff member must approve it first (four-eyes).", "Mulai batas persetujuan, staf keuangan lain harus menyetujuinya dulu (empat mata).")}</p>
        </>
      }
      run={(key) =>
        api<Row>(EP.loanRefunds(id), { method: "POST", json: { amount: n, reason: reason.trim(), transferReference: transferReference.trim() }, headers: { "Idempotency-Key": key } })
      }
      onDone={(r) => onDone(isPendingApproval(r) ? pendingNotice(t, r) : `Refund of ${rupiah(n)} recorded for loan ${id}; credit balance now ${rupiah(r?.creditBalanceAmount)}.`)}
      onClose={onClose}
    >
      <label>
        {t(`Amount in rupiah (at most ${rupiah(credit)})`, `Jumlah dalam rupiah (paling banyak ${rupiah(credit)})`)}
        <input name="amount" inputMode="numeric" required autoFocus value={amount} onChange={(e) => setAmount(e.target.value)} aria-invalid={!amountOk} />
      </label>
      {!amountOk && amount !== "" && <p className="form-error">A whole number of rupiah from 1 to {credit.toLocaleString("id-ID")}.</p>}
      <label>
        {t("Transfer reference (required)", "Referensi transfer (wajib)")}
        <input name="transferReference" required value={transferReference} maxLength={200} onChange={(e) => setTransferReference(e.target.value)} />
      </label>
      <label>
        {t("Reason (required)", "Alasan (wajib)")}
        <textarea name="reason" required minLength={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
    </ActionDialog>
  );
}

// ---- write a loan off --------------------------------------------------------------------------------------------

export function useWriteOffThreshold(enabled: boolean) {
  const caps = useCapabilities();
  return useQuery({
    queryKey: ["collections-settings"],
    enabled: enabled && caps.ready && caps.has(T.collectionsSettings),
    retry: false,
    queryFn: () => api<{ writeOffDpd: number }>(EP.collectionsSettings),
  });
}

export function WriteOffDialog({ loan, threshold, onClose, onDone }: { loan: Row; threshold: number; onClose: () => void; onDone: (text: string) => void }) {
  const [reason, setReason] = useState("");
  const id = String(loan.id);
  const { t } = useI18n();
  return (
    <ActionDialog
      title={t(`Write off loan ${id}`, `Hapus buku pinjaman ${id}`)}
      action="write-off"
      resourceId={id}
      valid={reason.trim().length >= 3}
      confirmLabel={t("Write off", "Hapus buku")}
      danger
      summary={
        <>
          <p>
            Write off loan <code>{id}</code> ({loan.dpd} days past due; threshold {threshold}). Every receivable it still carries moves to write-off expense and the
            loan becomes <strong>written_off</strong>.
          </p>
          <p>Reason: {reason.trim()}</p>
          <p className="muted">Later payments on it are booked as recoveries. This cannot be undone from the dashboard.</p>
          <p className="muted">{t("From the approval threshold another staff member must approve it first (four-eyes).", "Mulai batas persetujuan, staf lain harus menyetujuinya dulu (empat mata).")}</p>
        </>
      }
      run={(key) => api<Row>(EP.loanWriteOff(id), { method: "POST", json: { reason: reason.trim() }, headers: { "Idempotency-Key": key } })}
      onDone={(r) => onDone(isPendingApproval(r) ? pendingNotice(t, r) : `Loan ${id} written off (${rupiah(r?.totalAmount)}).`)}
      onClose={onClose}
    >
      <label>
        {t("Reason (required)", "Alasan (wajib)")}
        <textarea name="reason" required minLength={3} maxLength={500} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
    </ActionDialog>
  );
}
