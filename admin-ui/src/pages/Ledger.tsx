import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, rupiah } from "../api.ts";
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
        {tb.balanced ? <span className="badge b-applied">balanced</span> : <span className="badge b-failed">NOT balanced</span>} debits {rupiah(tb.totalDebitAmount)} · credits{" "}
        {rupiah(tb.totalCreditAmount)}
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>account</th>
              <th>debit</th>
              <th>credit</th>
              <th>balance</th>
            </tr>
          </thead>
          <tbody>
            {tb.accounts.map((a) => (
              <tr key={a.account}>
                <td>{a.account}</td>
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
  const caps = useCapabilities();
  const q = useQuery({ queryKey: ["ledger-check"], enabled: caps.ready && caps.has(CHECK), queryFn: () => api<{ ok: boolean; figures?: CheckFigures }>(CHECK) });
  if (!caps.ready || q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const f = q.data?.figures;
  if (!f) return null;
  return (
    <div data-testid="cash-figures">
      <p>
        Cash <strong data-testid="cash-amount">{rupiah(f.cashAmount)}</strong> · capital {rupiah(f.fundingCapitalAmount)} · credit line drawn {rupiah(f.creditLineAmount)} ·{" "}
        {q.data!.ok ? <span className="badge b-applied">book proven</span> : <span className="badge b-failed">discrepancies</span>}
      </p>
      {f.cashNegative && (
        <p className="form-error" data-testid="cash-negative">
          Cash is below zero: money went out that no recorded funding brought in. Record the capital or credit-line drawdown that paid for it.
        </p>
      )}
    </div>
  );
}

const SOURCES = [
  ["capital", "Capital injection (equity)"],
  ["credit_line", "Credit-line drawdown (liability)"],
] as const;

/** Finance records money the lender received in the bank account: one balanced journal, Dr cash / Cr funding or credit line. */
function FundingForm() {
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
      setDone(`Journal ${r.journalId} posted: ${rupiah(Number(f.amount))} received (${f.reference}); cash is now ${rupiah(r.cashAmount)}.`);
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
      aria-label="Record funding"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2>Record funding received</h2>
      <div className="grid">
        <label>
          Source
          <select name="source" value={f.source} onChange={(e) => set("source", e.target.value)}>
            {SOURCES.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Amount (Rp)
          <input name="amount" type="number" min={1} step={1} required value={f.amount} onChange={(e) => set("amount", e.target.value)} />
        </label>
        <label>
          Bank reference
          <input name="reference" required maxLength={200} value={f.reference} onChange={(e) => set("reference", e.target.value)} />
        </label>
        <label>
          Received on
          <input name="receivedAt" type="date" value={f.receivedAt} onChange={(e) => set("receivedAt", e.target.value)} />
        </label>
      </div>
      <label>
        Reason
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
          {save.isPending ? "Posting…" : "Post funding journal"}
        </button>
      </div>
    </form>
  );
}

export function Ledger() {
  const caps = useCapabilities();
  return (
    <div className="page">
      <h1>Ledger</h1>
      <section className="card" aria-label="Cash">
        <h2>Cash and funding</h2>
        <CashPanel />
      </section>
      {caps.has(FUNDING, "post") && <FundingForm />}
      <section className="card">
        <h2>Trial balance</h2>
        <TrialBalancePanel />
      </section>
      <RecordTable record="ledger_journals" title="Journals" columns={["id", "kind", "ref", "loan_id", "total", "memo", "posted_at"]} />
      <RecordTable record="ledger_lines" title="Lines" columns={["id", "journal_id", "account", "loan_id", "debit", "credit"]} />
    </div>
  );
}
