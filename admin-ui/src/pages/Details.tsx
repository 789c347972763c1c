// Detail pages: an application (documents, fraud hits, score and reasons, timeline, decision), a loan, a borrower.
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, dateTime, qs, rupiah } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { RecordTable, formatCell } from "../components/RecordTable.tsx";
import { ErrorState, Loading, NotAvailable } from "../components/States.tsx";
import { EP, T } from "../endpoints.ts";
import { useCapabilities } from "../capabilities.ts";
import { NoticeLine, RefundCreditDialog, WriteOffDialog, useCanWrite, useWriteOffThreshold, type Notice } from "./FinanceActions.tsx";

type Row = Record<string, any>;

function useRecord(name: string, id: string | undefined) {
  return useQuery({ queryKey: ["record", name, id], queryFn: () => api<Row>(`/api/v1/records/${name}/${encodeURIComponent(id!)}`), enabled: !!id, retry: false });
}

/** A query whose 404/405 means "this backend is not there": resolves to null instead of failing. */
function useOptional<T>(key: unknown[], path: string | null, template?: string) {
  const caps = useCapabilities();
  const installed = !template || caps.has(template);
  return useQuery({
    queryKey: key,
    enabled: !!path && caps.ready && installed,
    retry: false,
    queryFn: async () => {
      try {
        return await api<T>(path!);
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 403)) return null;
        throw e;
      }
    },
  });
}

function Fields({ row, keys }: { row: Row; keys: string[] }) {
  return (
    <dl className="fields">
      {keys
        .filter((k) => k in row)
        .map((k) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{formatCell(k, row[k])}</dd>
          </div>
        ))}
    </dl>
  );
}

function parseJson(s: unknown): any {
  if (typeof s !== "string") return s ?? null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function Timeline({ applicationId }: { applicationId: string }) {
  const q = useQuery({
    queryKey: ["record", "application_events", applicationId],
    queryFn: () => api<{ items: Row[] }>(`/api/v1/records/application_events${qs({ "filter[application_id]": applicationId, sort: "id", limit: 100 })}`),
    retry: false,
  });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} />;
  if (!q.data!.items.length) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {q.data!.items.map((e) => (
        <li key={e.id}>
          <span className="when">{dateTime(e.at)}</span> {e.from_status ? <span className={`badge b-${e.from_status}`}>{e.from_status}</span> : null} →{" "}
          <span className={`badge b-${e.to_status}`}>{e.to_status}</span> <span className="muted">by {e.actor}</span>
          {e.reason ? <div className="reason">{e.reason}</div> : null}
        </li>
      ))}
    </ol>
  );
}

function Score({ applicationId }: { applicationId: string }) {
  const caps = useCapabilities();
  const hasExplanation = caps.has(T.explanation);
  // The explanation (scoring feature) answers 200 with nulls when nothing is scored yet. Without it, fall back to
  // the score_decisions record; the list form answers 200 with no items (a 404 would be logged by the browser).
  const expl = useOptional<Row>(["explanation", applicationId], EP.explanation(applicationId), T.explanation);
  const rec = useOptional<{ items: Row[] }>(
    ["record", "score_decisions", applicationId],
    caps.ready && !hasExplanation ? `/api/v1/records/score_decisions${qs({ "filter[application_id]": applicationId, limit: 1 })}` : null,
  );
  if (!caps.ready || expl.isLoading || rec.isLoading) return <Loading />;
  const e = expl.data?.score as Row | null | undefined;
  const r = rec.data?.items[0];
  if (!e && !r) return <p className="muted">No score for this application (yet).</p>;
  const score = e?.score ?? r?.score;
  const pd = e?.pd ?? r?.pd;
  const reasons: any[] = e?.reasons ?? parseJson(r?.reasons_json) ?? [];
  const features: Row[] = e?.features ?? [];
  const decision = expl.data?.decision as Row | null | undefined;
  return (
    <div className="score" data-testid="score">
      <div className="big">{score ?? "—"}</div>
      <div className="muted">
        model {e?.modelVersion ?? r?.model_version ?? "—"}
        {typeof pd === "number" ? ` · PD ${(pd * 100).toFixed(1)} %` : ""}
        {decision?.outcome ?? r?.decision ? ` · policy: ${decision?.outcome ?? r?.decision}` : ""}
      </div>
      {Array.isArray(reasons) && reasons.length > 0 && (
        <>
          <h3>Top reasons</h3>
          <ol className="reasons">
            {reasons.slice(0, 4).map((x, i) => (
              <li key={i}>{typeof x === "string" ? x : [x.code, x.en ?? x.description ?? x.message].filter(Boolean).join(" — ")}</li>
            ))}
          </ol>
        </>
      )}
      {features.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>feature</th>
                <th>bin</th>
                <th>points</th>
              </tr>
            </thead>
            <tbody>
              {features.map((f) => (
                <tr key={f.feature}>
                  <td>{f.label ?? f.feature}</td>
                  <td>{String(f.bin)}</td>
                  <td>
                    {f.points} / {f.maxPoints}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Documents({ app, detail }: { app: Row; detail: Row | null | undefined }) {
  const docs: Row[] | undefined = detail?.documents;
  if (docs) {
    if (docs.length === 0) return <p className="muted">No documents attached to this application.</p>;
    return (
      <ul className="docs" data-testid="documents">
        {docs.map((d) => (
          <li key={d.id}>
            {d.downloadUrl ? (
              <a href={d.downloadUrl} target="_blank" rel="noreferrer">
                {d.kind}
                {d.filename ? ` (${d.filename})` : ""}
              </a>
            ) : (
              <span>{d.kind} (no download link)</span>
            )}{" "}
            <span className="muted">
              {d.contentType} · {Math.round((d.sizeBytes ?? 0) / 1024)} KiB
            </span>
          </li>
        ))}
      </ul>
    );
  }
  // Without the application-detail endpoint: the borrower's documents from the record API (no download links).
  return <RecordTable record="documents" compact fixed={{ user_id: String(app.user_id) }} columns={["kind", "content_type", "size_bytes", "filename", "created_at"]} limit={10} />;
}

function Decision({ app }: { app: Row }) {
  const { user } = useAuth();
  const qc = useQueryClient();
  const [decision, setDecision] = useState<"approve" | "reject" | "">("");
  const [note, setNote] = useState("");
  const m = useMutation({
    mutationFn: () =>
      api(EP.decision(app.id), {
        method: "POST",
        json: { decision, note },
        headers: { "Idempotency-Key": `decision-${app.id}-${Date.now()}` },
      }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["record"] });
      qc.invalidateQueries({ queryKey: ["application", app.id] });
    },
  });
  const caps = useCapabilities();
  // What "approve" without an explicit offer approves: scoring's income-fitted offer (the requested amount without one).
  const expl = useOptional<Row>(["explanation", app.id], EP.explanation(app.id), T.explanation);
  const scoredOffer = (expl.data?.decision as Row | null | undefined)?.offer as Row | null | undefined;
  if (app.status !== "manual_review") return null;
  if (!user || !["admin", "analyst"].includes(user.role)) return <p className="muted">Waiting for an analyst's decision.</p>;
  if (caps.ready && !caps.has(T.decision, "post")) return <NotAvailable detail="decisions" />;
  const err = m.error as ApiError | null;
  return (
    <form
      className="card decision"
      aria-label="Decision"
      onSubmit={(e) => {
        e.preventDefault();
        if (decision && note.trim()) m.mutate();
      }}
    >
      <h2>Decision</h2>
      <div className="row">
        <label className="check">
          <input type="radio" name="decision" value="approve" checked={decision === "approve"} onChange={() => setDecision("approve")} /> Approve
        </label>
        <label className="check">
          <input type="radio" name="decision" value="reject" checked={decision === "reject"} onChange={() => setDecision("reject")} /> Reject
        </label>
      </div>
      {decision === "approve" && (
        <p className="muted" data-testid="approve-offer">
          {scoredOffer?.principalAmount
            ? `Approves scoring's offer: ${rupiah(scoredOffer.principalAmount)} over ${app.tenor} ${app.tenor_unit}${scoredOffer.lowered ? " (lowered to fit the income rule)" : ""}.`
            : `Approves the requested ${rupiah(app.principal_amount)} over ${app.tenor} ${app.tenor_unit}.`}{" "}
          The offer lapses after 7 days.
        </p>
      )}
      <label>
        Note (required)
        <textarea name="note" required minLength={3} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      {err && (
        <p className="form-error" role="alert">
          {err.status === 404 || err.status === 405 ? "Decisions are not available in this deployment." : err.message}
        </p>
      )}
      <button type="submit" disabled={!decision || note.trim().length < 3 || m.isPending}>
        {m.isPending ? "Saving…" : "Submit decision"}
      </button>
    </form>
  );
}

export function ApplicationDetail() {
  const { id } = useParams();
  const app = useRecord("applications", id);
  const detail = useOptional<Row>(["application", id], id ? EP.application(id) : null, T.application);
  if (app.isLoading) return <Loading />;
  if (app.error) return <ErrorState error={app.error} retry={() => app.refetch()} />;
  const a = app.data!;
  return (
    <div className="page">
      <p>
        <Link to="/applications">← Applications</Link>
      </p>
      <h1>
        Application <code>{a.id}</code> <span className={`badge b-${a.status}`} data-testid="app-status">{a.status}</span>
      </h1>
      <div className="cols">
        <section className="card">
          <h2>Request</h2>
          <Fields row={a} keys={["principal_amount", "instalment_amount", "tenor", "tenor_unit", "purpose", "product_id", "user_id", "loan_id", "submitted_at", "decided_at", "decision_note", "ip"]} />
          <p>
            <Link to={`/borrowers/${a.user_id}`}>Borrower →</Link>
            {a.loan_id ? (
              <>
                {" · "}
                <Link to={`/loans/${a.loan_id}`}>Loan →</Link>
              </>
            ) : null}
          </p>
        </section>
        <section className="card">
          <h2>Score and reasons</h2>
          <Score applicationId={a.id} />
        </section>
      </div>
      <Decision app={a} />
      <div className="cols">
        <section className="card">
          <h2>Fraud hits</h2>
          <RecordTable record="fraud_hits" compact fixed={{ application_id: a.id }} columns={["rule_id", "severity", "message", "created_at"]} />
        </section>
        <section className="card">
          <h2>Documents</h2>
          <Documents app={a} detail={detail.data} />
        </section>
      </div>
      <section className="card">
        <h2>Timeline</h2>
        <Timeline applicationId={a.id} />
      </section>
    </div>
  );
}

/** Refund of a credit balance (finance) and write-off past the DPD threshold (finance, admin), for this loan. */
function LoanActions({ loan, onNotice }: { loan: Row; onNotice: (n: Notice) => void }) {
  const canRefund = useCanWrite("loanRefunds");
  const canWriteOff = useCanWrite("loanWriteOff");
  const threshold = useWriteOffThreshold(canWriteOff);
  const [open, setOpen] = useState<"refund" | "write-off" | null>(null);
  const credit = Number(loan.credit_balance_amount ?? 0);
  const showRefund = canRefund && credit > 0;
  const limit = threshold.data?.writeOffDpd;
  const showWriteOff = canWriteOff && loan.status === "delinquent" && typeof limit === "number" && typeof loan.dpd === "number" && loan.dpd >= limit;
  if (!showRefund && !showWriteOff) return null;
  const done = (text: string) => {
    setOpen(null);
    onNotice({ ok: true, text });
  };
  return (
    <section className="card" aria-label="Finance actions">
      <h2>Finance actions</h2>
      <div className="row">
        {showRefund && (
          <button type="button" onClick={() => (onNotice(null), setOpen("refund"))}>
            Refund credit balance
          </button>
        )}
        {showWriteOff && (
          <button type="button" className="danger" onClick={() => (onNotice(null), setOpen("write-off"))}>
            Write off
          </button>
        )}
        <span className="muted">
          {showRefund ? `Credit balance ${rupiah(credit)}.` : ""} {showWriteOff ? `${loan.dpd} days past due (write-off from ${limit}).` : ""}
        </span>
      </div>
      {open === "refund" && <RefundCreditDialog loan={loan} onClose={() => setOpen(null)} onDone={done} />}
      {open === "write-off" && limit !== undefined && <WriteOffDialog loan={loan} threshold={limit} onClose={() => setOpen(null)} onDone={done} />}
    </section>
  );
}

interface Instalment {
  seq: number;
  dueDate: string;
  principalDue: number;
  interestDue: number;
  feeDue: number;
  lateFeeDue: number;
  totalDueAmount: number;
  outstandingAmount: number;
  status: "paid" | "partial" | "overdue" | "due" | "upcoming";
}

/**
 * The schedule as GET /api/v1/loans/{id} shows it: each instalment's status derived from what is paid and the date
 * (paid, partial, overdue, due, upcoming), not the stored column (which stays "pending" after the due date).
 */
function Schedule({ loanId }: { loanId: string }) {
  const q = useQuery({ queryKey: ["loan", loanId], queryFn: () => api<{ installments: Instalment[] }>(`/api/v1/loans/${encodeURIComponent(loanId)}`), retry: false });
  return (
    <section className="record" data-record="installments" aria-label="Schedule">
      <h2>Schedule</h2>
      {q.error ? (
        <ErrorState error={q.error} retry={() => q.refetch()} />
      ) : (
        <div className="table-wrap" aria-busy={q.isFetching ? "true" : "false"}>
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Due date</th>
                <th>Status</th>
                <th>Principal</th>
                <th>Interest</th>
                <th>Fees</th>
                <th>Late fees</th>
                <th>Total due</th>
                <th>Outstanding</th>
              </tr>
            </thead>
            <tbody>
              {(q.data?.installments ?? []).map((i) => (
                <tr key={i.seq} data-seq={i.seq}>
                  <td>{i.seq}</td>
                  <td>{i.dueDate}</td>
                  <td>
                    <span className={`badge b-${i.status}`} data-testid="instalment-status">
                      {i.status}
                    </span>
                  </td>
                  <td>{rupiah(i.principalDue)}</td>
                  <td>{rupiah(i.interestDue)}</td>
                  <td>{rupiah(i.feeDue)}</td>
                  <td>{rupiah(i.lateFeeDue)}</td>
                  <td>{rupiah(i.totalDueAmount)}</td>
                  <td>{rupiah(i.outstandingAmount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function LoanDetail() {
  const { id } = useParams();
  const loan = useRecord("loans", id);
  const { user } = useAuth();
  const [notice, setNotice] = useState<Notice>(null);
  if (loan.isLoading) return <Loading />;
  if (loan.error) return <ErrorState error={loan.error} retry={() => loan.refetch()} />;
  const l = loan.data!;
  const money = !!user && ["finance", "admin"].includes(user.role);
  return (
    <div className="page">
      <p>
        <Link to="/loans">← Loans</Link>
      </p>
      <h1>
        Loan <code>{l.id}</code> <span className={`badge b-${l.status}`} data-testid="loan-status">{l.status}</span>
      </h1>
      <NoticeLine notice={notice} />
      <section className="card">
        <Fields row={l} keys={["principal_amount", "interest_amount", "fee_amount", "disbursed_amount", "credit_balance_amount", "dpd", "tenor", "tenor_unit", "start_date", "maturity_date", "disbursed_at", "closed_at"]} />
        <p>
          <Link to={`/applications/${l.application_id}`}>Application →</Link> · <Link to={`/borrowers/${l.user_id}`}>Borrower →</Link>
        </p>
      </section>
      <LoanActions loan={l} onNotice={setNotice} />
      <section className="card">
        <Schedule loanId={l.id} />
      </section>
      <section className="card">
        <RecordTable record="payments" title="Payments" compact fixed={{ loan_id: l.id }} columns={["id", "status", "amount", "provider", "paid_at", "reason"]} />
      </section>
      {money && (
        <section className="card">
          <RecordTable record="refunds" title="Refunds" compact fixed={{ loan_id: l.id }} columns={["id", "amount", "reason", "created_by", "created_at"]} />
        </section>
      )}
      <section className="card">
        <RecordTable record="loan_events" title="Events" compact fixed={{ loan_id: l.id }} columns={["at", "from_status", "to_status", "actor", "reason"]} />
      </section>
    </div>
  );
}

export function BorrowerDetail() {
  const { id } = useParams();
  const user = useRecord("borrowers", id);
  const profiles = useOptional<{ items: Row[] }>(["record", "borrower_profiles", id], id ? `/api/v1/records/borrower_profiles${qs({ "filter[user_id]": id, limit: 1 })}` : null);
  const profile = { isLoading: profiles.isLoading, data: profiles.data?.items[0] };
  if (user.isLoading) return <Loading />;
  if (user.error) return <ErrorState error={user.error} retry={() => user.refetch()} />;
  const u = user.data!;
  const p = profile.data;
  return (
    <div className="page">
      <p>
        <Link to="/borrowers">← Borrowers</Link>
      </p>
      <h1>{p?.full_name ?? u.display_name ?? u.id}</h1>
      <div className="cols">
        <section className="card">
          <h2>Account</h2>
          <Fields row={u} keys={["id", "phone", "status", "created_at"]} />
        </section>
        <section className="card">
          <h2>KYC profile</h2>
          {p ? (
            <Fields row={p} keys={["nik", "full_name", "birth_date", "sex", "address_line", "city", "province", "employment_status", "employer_name", "monthly_income_amount", "bank_code", "bank_account_number", "bank_account_name", "emergency_name", "emergency_phone"]} />
          ) : profile.isLoading ? (
            <Loading />
          ) : (
            <NotAvailable detail="no profile" />
          )}
        </section>
      </div>
      <section className="card">
        <RecordTable record="applications" title="Applications" compact fixed={{ user_id: u.id }} columns={["id", "status", "principal_amount", "submitted_at"]} link={(r) => `/applications/${r.id}`} />
      </section>
      <section className="card">
        <RecordTable record="loans" title="Loans" compact fixed={{ user_id: u.id }} columns={["id", "status", "principal_amount", "dpd", "maturity_date"]} link={(r) => `/loans/${r.id}`} />
      </section>
    </div>
  );
}

export { rupiah };
