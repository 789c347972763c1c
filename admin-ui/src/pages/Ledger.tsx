import { useQuery } from "@tanstack/react-query";
import { api, rupiah } from "../api.ts";
import { useCapabilities } from "../capabilities.ts";
import { RecordTable } from "../components/RecordTable.tsx";
import { ErrorState, Loading, NotAvailable } from "../components/States.tsx";

const TB = "/api/v1/admin/ledger/trial-balance";

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

export function Ledger() {
  return (
    <div className="page">
      <h1>Ledger</h1>
      <section className="card">
        <h2>Trial balance</h2>
        <TrialBalancePanel />
      </section>
      <RecordTable record="ledger_journals" title="Journals" columns={["id", "kind", "ref", "loan_id", "total", "memo", "posted_at"]} />
      <RecordTable record="ledger_lines" title="Lines" columns={["id", "journal_id", "account", "loan_id", "debit", "credit"]} />
    </div>
  );
}
