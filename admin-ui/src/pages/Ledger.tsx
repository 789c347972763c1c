import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, rupiah } from "../api.ts";
import { useI18n } from "../i18n/index.tsx";
import { useCapabilities } from "../capabilities.ts";
import { RecordTable } from "../components/RecordTable.tsx";
import { ErrorState, Loading, NotAvailable, FormProblem } from "../components/States.tsx";

const TB = "/api/v1/admin/ledger/trial-balance";
const CHECK = "/api/v1/admin/ledger/check";
const FUNDING = "/api/v1/admin/ledger/funding";

interface CheckFigures {
  cashAmount: number;
  fundingCapitalAmount: number;
  creditLineAmount: number;
  cashNegative: boolean;
}

interface TrialBalance {
  accounts: { account: string; debitAmount: number; creditAmount: number; balanceAmount: number }[];
  totalDebitAmount: number;
  totalCreditAmount: number;
  balanced: boolean;
}

function TrialBalancePanel() {
  const { t, val } = useI18n();
  const caps = useCapabilities();
  const q = useQuery({ queryKey: ["trial-balance"], enabled: caps.ready && caps.has(TB), queryFn: () => api<TrialBalance>(TB) });
  if (!caps.ready) return <Loading />;
  if (!caps.has(TB)) return <NotAvailable detail="trial balance" />;
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const tb = q.data!;
  return (
    <>
      <p data-testid="balanced">
        {tb.balanced ? <span className="badge b-applied">{t("balanced", "seimbang")}</span> : <span className="badge b-failed">{t("NOT balanced", "TIDAK seimbang")}</span>}{" "}
        {t("debits", "debit")} {rupiah(tb.totalDebitAmount)} · {t("credits", "kredit")} {rupiah(tb.totalCreditAmount)}
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t("Account", "Akun")}</th>
              <th>{t("Debit", "Debit")}</th>
              <th>{t("Credit", "Kredit")}</th>
              <th>{t("Balance", "Saldo")}</th>
            </tr>
          </thead>
          <tbody>
            {tb.accounts.map((a) => (
              <tr key={a.account}>
                <td title={a.account}>{val(a.account)}</td>
                <td>{rupiah(a.debitAmount)}</td>
                <td>{rupiah(a.creditAmount)}</td>
                <td>{rupiah(a.balanceAmount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Cash (what the bank account should hold) and the funding behind it, from the ledger check. */
function CashPanel() {
  const { t } = useI18n();
  const caps = useCapabilities();
  const q = useQuery({ queryKey: ["ledger-check"], enabled: caps.ready && caps.has(CHECK), queryFn: () => api<{ ok: boolean; figures?: CheckFigures }>(CHECK) });
  if (!caps.ready || q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const f = q.data?.figures;
  if (!f) return null;
  return (
    <div data-testid="cash-figures">
      <p>
        {t("Cash", "Kas")} <strong data-testid="cash-amount">{rupiah(f.cashAmount)}</strong> · {t("capital", "modal")} {rupiah(f.fundingCapitalAmount)} ·{" "}
        {t("credit line drawn", "fasilitas kredit ditarik")} {rupiah(f.creditLineAmount)} ·{" "}
        {q.data!.ok ? <span className="badge b-applied">{t("book proven", "pembukuan terbukti")}</span> : <span className="badge b-failed">{t("discrepancies", "ada selisih")}</span>}
      </p>
      {f.cashNegative && (
        <p className="form-error" data-testid="cash-negative">
          {t(
            "Cash is below zero: money went out that no recorded funding brought in. Record the capital or credit-line drawdown that paid for it.",
            "Kas di bawah nol: ada uang keluar yang tidak didanai oleh pendanaan yang tercatat. Catat setoran modal atau penarikan fasilitas kredit yang membiayainya.",
          )}
        </p>
      )}
    </div>
  );
}

const SOURCES = [
  ["capital", "Capital injection (equity)", "Setoran modal (ekuitas)"],
  ["credit_line", "Credit-line drawdown (liability)", "Penarikan fasilitas kredit (kewajiban)"],
] as const;

/** Finance records money the lender received in the bank account: one balanced journal, Dr cash / Cr funding or credit line. */
function FundingForm() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [f, setF] = useState({ source: "capital", amount: "", reference: "", reason: "", receivedAt: "" });
  const [key, setKey] = useState(() => `funding-${crypto.randomUUID()}`);
  const [done, setDone] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      api<{ journalId: number; cashAmount: number }>(FUNDING, {
        method: "POST",
        headers: { "Idempotency-Key": key },
        json: { source: f.source, amount: Number(f.amount), reference: f.reference, reason: f.reason, ...(f.receivedAt ? { receivedAt: f.receivedAt } : {}) },
      }),
    onSuccess: (r) => {
      setDone(
        t(
          `Journal ${r.journalId} posted: ${rupiah(Number(f.amount))} received (${f.reference}); cash is now ${rupiah(r.cashAmount)}.`,
          `Jurnal ${r.journalId} diposting: ${rupiah(Number(f.amount))} diterima (${f.reference}); kas sekarang ${rupiah(r.cashAmount)}.`,
        ),
      );
      setF({ source: f.source, amount: "", reference: "", reason: "", receivedAt: "" });
      setKey(`funding-${crypto.randomUUID()}`);
      for (const k of [["trial-balance"], ["ledger-check"], ["record", "ledger_journals"], ["record", "ledger_lines"]]) qc.invalidateQueries({ queryKey: k });
    },
  });
  const err = save.error as ApiError | null;
  const set = (k: keyof typeof f, v: string) => (setDone(null), setF({ ...f, [k]: v }));
  return (
    <form
      className="card editor"
      aria-label={t("Record funding", "Catat pendanaan")}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2>{t("Record funding received", "Catat pendanaan yang diterima")}</h2>
      <div className="grid">
        <label>
          {t("Source", "Sumber")}
          <select name="source" value={f.source} onChange={(e) => set("source", e.target.value)}>
            {SOURCES.map(([v, en, id]) => (
              <option key={v} value={v}>
                {t(en, id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("Amount (Rp)", "Jumlah (Rp)")}
          <input name="amount" type="number" min={1} step={1} required value={f.amount} onChange={(e) => set("amount", e.target.value)} />
          {f.amount && <span className="muted">{rupiah(Number(f.amount))}</span>}
        </label>
        <label>
          {t("Bank reference", "Referensi bank")}
          <input name="reference" required maxLength={200} value={f.reference} onChange={(e) => set("reference", e.target.value)} />
        </label>
        <label>
          {t("Received on (WIB date)", "Diterima tanggal (WIB)")}
          <input name="receivedAt" type="date" value={f.receivedAt} onChange={(e) => set("receivedAt", e.target.value)} />
        </label>
      </div>
      <label>
        {t("Reason", "Alasan")}
        <textarea name="reason" required minLength={3} maxLength={500} value={f.reason} onChange={(e) => set("reason", e.target.value)} />
      </label>
      {err && <FormProblem error={err} />}
      {done && (
        <p className="notice ok" role="status" data-testid="funding-notice">
          {done}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? t("Posting…", "Memposting…") : t("Post funding journal", "Posting jurnal pendanaan")}
        </button>
      </div>
    </form>
  );
}

export function Ledger() {
  const { t } = useI18n();
  const caps = useCapabilities();
  return (
    <div className="page">
      <h1>{t("Ledger", "Buku besar")}</h1>
      <section className="card" aria-label={t("Cash", "Kas")}>
        <h2>{t("Cash and funding", "Kas dan pendanaan")}</h2>
        <CashPanel />
      </section>
      {caps.has(FUNDING, "post") && <FundingForm />}
      <section className="card">
        <h2>{t("Trial balance", "Neraca saldo")}</h2>
        <TrialBalancePanel />
      </section>
      <RecordTable record="ledger_journals" title={t("Journals", "Jurnal")} columns={["id", "kind", "ref", "loan_id", "total", "memo", "posted_at"]} />
      <RecordTable record="ledger_lines" title={t("Lines", "Baris jurnal")} columns={["id", "journal_id", "account", "loan_id", "debit", "credit"]} />
    </div>
  );
}
