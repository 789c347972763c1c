// The loan account page: who the borrower is (phone masked by role), the figures (outstanding, overdue, next due,
// payoff — from GET /api/v1/admin/loans/{id}, the one definition the portfolio uses), VA and payout account, DPD
// bucket, the schedule with each instalment's derived status, payments, events with actors by name, the collection
// log (call attempts, promises to pay, notes: who and when) and the finance actions (refund, write-off).
import { useRef, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { dateTimeWib, dateWib, isoDateWib, phoneLocal, rupiah } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { ErrorState, FormProblem, Loading } from "../components/States.tsx";
import { RecordTable } from "../components/RecordTable.tsx";
import { QueryView } from "../components/QueryView.tsx";
import { History } from "../components/History.tsx";
import { idempotencyKey } from "../components/ActionDialog.tsx";
import { NoticeLine, RefundCreditDialog, WriteOffDialog, useCanWrite, useWriteOffThreshold, type Notice } from "./FinanceActions.tsx";
import { useRecord } from "./Details.tsx";

type Row = Record<string, any>;

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

interface Actor {
  id: string;
  name: string;
  email: string | null;
}

export interface LoanAccountData {
  loan: Row & { id: string; status: string; applicationId: string; installments: Instalment[]; tenor: number; tenorUnit: string; principalAmount: number; startDate: string; maturityDate: string };
  borrower: { userId: string; name: string | null; phone: string | null };
  figures: {
    outstandingAmount: number;
    lateFeeOutstandingAmount: number;
    overdueAmount: number;
    nextDueDate: string | null;
    nextDueAmount: number;
    creditBalanceAmount: number;
    payoffAmount: number;
    dpd: number;
    bucket: string;
  };
  virtualAccount: { vaNumber: string; bankCode: string } | null;
  payoutAccount: { bankCode: string; accountNumber: string; accountName: string } | null;
  payments: { id: string; amount: number; paidAt: string; status: string; provider: string; reason: string | null }[];
  events: { id: number; from: string | null; to: string; actor: Actor; reason: string; at: string }[];
  asOf: string;
}

interface LogEntry {
  id: string;
  kind: "note" | "call_attempt" | "promise_to_pay";
  outcome: string | null;
  note: string;
  promisedAmount: number | null;
  promisedDate: string | null;
  promise: { state: "pending" | "kept" | "broken"; paidAmount: number } | null;
  actor: Actor;
  createdAt: string;
}

const loanAccountPath = (id: string) => `/api/v1/admin/loans/${encodeURIComponent(id)}`;
const logPath = (id: string) => `/api/v1/admin/loans/${encodeURIComponent(id)}/collection-log`;

/** Under "record" so the finance dialogs' refresh (they invalidate ["record"]) reloads the account too. */
export const loanAccountKey = (id: string) => ["record", "loan-account", id];

const BUCKETS: Record<string, [string, string]> = {
  lancar: ["Current (0 DPD)", "Lancar (0 HPD)"],
  dpd_1_30: ["1–30 days past due", "Terlambat 1–30 hari"],
  dpd_31_60: ["31–60 days past due", "Terlambat 31–60 hari"],
  dpd_61_90: ["61–90 days past due", "Terlambat 61–90 hari"],
  macet: ["Over 90 days past due (macet)", "Macet (> 90 hari)"],
};
const OUTCOMES: Record<string, [string, string]> = {
  reached: ["Reached", "Tersambung"],
  no_answer: ["No answer", "Tidak diangkat"],
  busy: ["Busy", "Sibuk"],
  wrong_number: ["Wrong number", "Nomor salah"],
  refused: ["Refused to talk", "Menolak bicara"],
};
const KINDS: Record<LogEntry["kind"], [string, string]> = {
  call_attempt: ["Call attempt", "Panggilan telepon"],
  promise_to_pay: ["Promise to pay", "Janji bayar"],
  note: ["Note", "Catatan"],
};
const PROMISE: Record<string, [string, string]> = {
  pending: ["Pending", "Menunggu"],
  kept: ["Kept", "Ditepati"],
  broken: ["Broken", "Diingkari"],
};

function Figure({ label, value, testId, sub }: { label: string; value: string; testId: string; sub?: string }) {
  return (
    <div className="kpi card">
      <div className="muted">{label}</div>
      <div className="big" data-testid={testId}>
        {value}
      </div>
      {sub ? <div className="muted">{sub}</div> : null}
    </div>
  );
}

/** Refund of a credit balance (finance) and write-off past the DPD threshold (finance, admin), for this loan. */
function LoanActions({ loan, onNotice }: { loan: Row; onNotice: (n: Notice) => void }) {
  const { t } = useI18n();
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
      <h2>{t("Finance actions", "Tindakan keuangan")}</h2>
      <div className="row">
        {showRefund && (
          <button type="button" onClick={() => (onNotice(null), setOpen("refund"))}>
            {t("Refund credit balance", "Kembalikan saldo kredit")}
          </button>
        )}
        {showWriteOff && (
          <button type="button" className="danger" onClick={() => (onNotice(null), setOpen("write-off"))}>
            {t("Write off", "Hapus buku")}
          </button>
        )}
        <span className="muted">
          {showRefund ? t(`Credit balance ${rupiah(credit)}.`, `Saldo kredit ${rupiah(credit)}.`) : ""}{" "}
          {showWriteOff ? t(`${loan.dpd} days past due (write-off from ${limit}).`, `${loan.dpd} hari terlambat (hapus buku mulai ${limit}).`) : ""}
        </span>
      </div>
      {open === "refund" && <RefundCreditDialog loan={loan} onClose={() => setOpen(null)} onDone={done} />}
      {open === "write-off" && limit !== undefined && <WriteOffDialog loan={loan} threshold={limit} onClose={() => setOpen(null)} onDone={done} />}
    </section>
  );
}

/** The schedule with each instalment's status derived from what is paid and the date (not the stored column). */
function Schedule({ rows }: { rows: Instalment[] }) {
  const { t, val } = useI18n();
  return (
    <section className="record" data-record="installments" aria-label="Schedule">
      <h2>{t("Schedule", "Jadwal angsuran")}</h2>
      <div className="table-wrap" aria-busy="false">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th>{t("Due date", "Jatuh tempo")}</th>
              <th>{t("Status", "Status")}</th>
              <th>{t("Principal", "Pokok")}</th>
              <th>{t("Interest", "Bunga")}</th>
              <th>{t("Fees", "Biaya")}</th>
              <th>{t("Late fees", "Denda")}</th>
              <th>{t("Total due", "Total tagihan")}</th>
              <th>{t("Left to pay", "Sisa bayar")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr key={i.seq} data-seq={i.seq}>
                <td>{i.seq}</td>
                <td>{dateWib(i.dueDate)}</td>
                <td>
                  <span className={`badge b-${i.status}`} data-testid="instalment-status" data-status={i.status}>
                    {val(i.status)}
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
    </section>
  );
}

function Payments({ rows }: { rows: LoanAccountData["payments"] }) {
  const { t, val } = useI18n();
  if (!rows.length) return <p className="muted">{t("No payments yet.", "Belum ada pembayaran.")}</p>;
  return (
    <div className="table-wrap" data-testid="loan-payments">
      <table>
        <thead>
          <tr>
            <th>{t("Paid at", "Dibayar pada")}</th>
            <th>{t("Amount", "Jumlah")}</th>
            <th>{t("Status", "Status")}</th>
            <th>{t("Channel", "Kanal")}</th>
            <th>{t("Payment", "Pembayaran")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.id}>
              <td>{dateTimeWib(p.paidAt)}</td>
              <td>{rupiah(p.amount)}</td>
              <td>
                <span className={`badge b-${p.status}`}>{val(p.status)}</span>
                {p.reason ? <span className="muted"> {val(p.reason)}</span> : null}
              </td>
              <td>{p.provider}</td>
              <td>
                <code>{p.id}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Events({ rows }: { rows: LoanAccountData["events"] }) {
  const { t, val } = useI18n();
  if (!rows.length) return <p className="muted">{t("No events yet.", "Belum ada peristiwa.")}</p>;
  return (
    <ol className="timeline" data-testid="loan-events">
      {rows.map((e) => (
        <li key={e.id}>
          <span className="when">{dateTimeWib(e.at)}</span> {e.from ? <span className={`badge b-${e.from}`}>{val(e.from)}</span> : null} →{" "}
          <span className={`badge b-${e.to}`}>{val(e.to)}</span>{" "}
          <span className="muted">
            {t("by", "oleh")} {actorName(e.actor, t)}
          </span>
          {e.reason ? <div className="reason">{e.reason}</div> : null}
        </li>
      ))}
    </ol>
  );
}

function actorName(a: Actor, t: (en: string, id: string) => string) {
  if (a.name === "borrower") return t("the borrower", "peminjam");
  if (a.id.startsWith("system")) return t(`the system (${a.id.replace(/^system:?/, "") || "platform"})`, `sistem (${a.id.replace(/^system:?/, "") || "platform"})`);
  return a.name;
}

/** The collection log: entries newest first, and (analyst, admin) the form to add a call attempt, promise or note. */
function CollectionLog({ loanId, open }: { loanId: string; open: boolean }) {
  const { t, lang } = useI18n();
  const { user } = useAuth();
  const qc = useQueryClient();
  const canWrite = !!user && ["analyst", "admin"].includes(user.role);
  const q = useQuery({ queryKey: ["collection-log", loanId], queryFn: () => api<{ items: LogEntry[] }>(logPath(loanId)), retry: false });
  const [kind, setKind] = useState<LogEntry["kind"]>("call_attempt");
  const [outcome, setOutcome] = useState("no_answer");
  const [amount, setAmount] = useState("");
  const [date, setDate] = useState("");
  const [note, setNote] = useState("");
  const key = useRef(idempotencyKey("collection-log", loanId));
  const amountOk = /^\d+$/.test(amount.trim()) && Number(amount) > 0 && Number.isSafeInteger(Number(amount));
  const valid = kind === "note" ? note.trim().length >= 3 : kind === "promise_to_pay" ? amountOk && /^\d{4}-\d{2}-\d{2}$/.test(date) : !!outcome;
  const m = useMutation({
    mutationFn: () => {
      const body =
        kind === "note"
          ? { kind, note: note.trim() }
          : kind === "call_attempt"
            ? { kind, outcome, ...(note.trim() ? { note: note.trim() } : {}) }
            : { kind, promisedAmount: Number(amount), promisedDate: date, ...(note.trim() ? { note: note.trim() } : {}) };
      return api<LogEntry>(logPath(loanId), { method: "POST", json: body, headers: { "Idempotency-Key": key.current } });
    },
    onSuccess: () => {
      key.current = idempotencyKey("collection-log", loanId);
      setNote("");
      setAmount("");
      setDate("");
      qc.invalidateQueries({ queryKey: ["collection-log", loanId] });
      qc.invalidateQueries({ queryKey: ["audit"] });
    },
    onError: (e) => {
      if (e instanceof ApiError && e.status < 500) key.current = idempotencyKey("collection-log", loanId);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid && !m.isPending) m.mutate();
  };
  const today = isoDateWib();
  return (
    <section className="card" aria-label="Collection log">
      <h2>{t("Collection log", "Log penagihan")}</h2>
      {canWrite && (
        <form className="editor" aria-label="Add to the collection log" onSubmit={submit}>
          <div className="row">
            <label>
              {t("Kind", "Jenis")}
              <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as LogEntry["kind"])}>
                {(Object.keys(KINDS) as LogEntry["kind"][]).map((k) => (
                  <option key={k} value={k} disabled={k === "promise_to_pay" && !open}>
                    {KINDS[k][lang === "id" ? 1 : 0]}
                  </option>
                ))}
              </select>
            </label>
            {kind === "call_attempt" && (
              <label>
                {t("Outcome", "Hasil")}
                <select name="outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
                  {Object.entries(OUTCOMES).map(([k, v]) => (
                    <option key={k} value={k}>
                      {v[lang === "id" ? 1 : 0]}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {kind === "promise_to_pay" && (
              <>
                <label>
                  {t("Promised amount (rupiah)", "Jumlah dijanjikan (rupiah)")}
                  <input name="promisedAmount" inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} aria-invalid={amount !== "" && !amountOk} />
                </label>
                <label>
                  {t("Promised by (date)", "Dijanjikan paling lambat (tanggal)")}
                  <input name="promisedDate" type="date" min={today} value={date} onChange={(e) => setDate(e.target.value)} />
                </label>
              </>
            )}
          </div>
          {kind === "promise_to_pay" && amountOk && <p className="muted">{t(`Promise: ${rupiah(Number(amount))}`, `Janji: ${rupiah(Number(amount))}`)}</p>}
          <label>
            {kind === "note" ? t("Note (required)", "Catatan (wajib)") : t("Note (optional)", "Catatan (opsional)")}
            <textarea name="note" maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          {m.error instanceof ApiError && <FormProblem error={m.error} />}
          <button type="submit" disabled={!valid || m.isPending}>
            {m.isPending ? t("Saving…", "Menyimpan…") : t("Add to log", "Tambahkan ke log")}
          </button>
        </form>
      )}
      <QueryView q={q} empty={q.data?.items.length === 0 && <p className="muted">{t("Nothing logged yet.", "Belum ada catatan penagihan.")}</p>}>
        {() => (
          <ol className="timeline" data-testid="collection-log">
            {q.data!.items.map((e) => (
              <li key={e.id} data-kind={e.kind}>
                <span className="when">{dateTimeWib(e.createdAt)}</span> <strong>{KINDS[e.kind][lang === "id" ? 1 : 0]}</strong>
                {e.outcome ? ` — ${(OUTCOMES[e.outcome] ?? [e.outcome, e.outcome])[lang === "id" ? 1 : 0]}` : ""}
                {e.kind === "promise_to_pay" && e.promise ? (
                  <>
                    {" "}
                    — {rupiah(e.promisedAmount)} {t("by", "paling lambat")} {dateWib(e.promisedDate)}{" "}
                    <span className={`badge b-promise-${e.promise.state}`} data-testid="promise-state">
                      {PROMISE[e.promise.state][lang === "id" ? 1 : 0]}
                    </span>{" "}
                    <span className="muted">{t(`paid since: ${rupiah(e.promise.paidAmount)}`, `dibayar sejak janji: ${rupiah(e.promise.paidAmount)}`)}</span>
                  </>
                ) : null}{" "}
                <span className="muted" data-testid="log-actor">
                  {t("by", "oleh")} {e.actor.name}
                </span>
                {e.note ? <div className="reason">{e.note}</div> : null}
              </li>
            ))}
          </ol>
        )}
      </QueryView>
    </section>
  );
}

export function LoanAccount() {
  const { id } = useParams();
  const { t, val, lang } = useI18n();
  const { user } = useAuth();
  const [notice, setNotice] = useState<Notice>(null);
  const q = useQuery({ queryKey: loanAccountKey(id!), queryFn: () => api<LoanAccountData>(loanAccountPath(id!)), enabled: !!id, retry: false });
  // The stored row (credit balance, the sweep's DPD) for the finance actions, as the write routes read it.
  const record = useRecord("loans", id);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  const a = q.data!;
  const l = a.loan;
  const f = a.figures;
  const open = l.status === "active" || l.status === "delinquent";
  const money = !!user && ["finance", "admin"].includes(user.role);
  return (
    <div className="page">
      <p>
        <Link to="/loans">← {t("Loans", "Pinjaman")}</Link>
      </p>
      <h1>
        {a.borrower.name ?? t("Loan", "Pinjaman")} <span className="muted">·</span> <code>{l.id}</code>{" "}
        <span className={`badge b-${l.status}`} data-testid="loan-status" data-status={l.status}>
          {val(l.status)}
        </span>{" "}
        <span className={`badge b-${f.bucket}`} data-testid="loan-bucket">
          {(BUCKETS[f.bucket] ?? [f.bucket, f.bucket])[lang === "id" ? 1 : 0]}
        </span>
      </h1>
      <NoticeLine notice={notice} />
      <div className="kpis">
        <Figure label={t("Outstanding", "Sisa pokok, bunga & biaya")} value={rupiah(f.outstandingAmount)} testId="kpi-outstanding" sub={t("principal + interest + fees unpaid", "pokok + bunga + biaya belum dibayar")} />
        <Figure label={t("Overdue", "Tunggakan")} value={rupiah(f.overdueAmount)} testId="kpi-overdue" sub={t(`${f.dpd} days past due`, `${f.dpd} hari terlambat`)} />
        <Figure
          label={t("Next due", "Tagihan berikutnya")}
          value={f.nextDueDate ? rupiah(f.nextDueAmount) : "—"}
          testId="kpi-next-due"
          sub={f.nextDueDate ? t(`by ${dateWib(f.nextDueDate)}`, `paling lambat ${dateWib(f.nextDueDate)}`) : t("nothing left to pay", "tidak ada sisa tagihan")}
        />
        <Figure
          label={t("Payoff today", "Pelunasan hari ini")}
          value={rupiah(f.payoffAmount)}
          testId="kpi-payoff"
          sub={t(`incl. late fees ${rupiah(f.lateFeeOutstandingAmount)}, less credit ${rupiah(f.creditBalanceAmount)}`, `termasuk denda ${rupiah(f.lateFeeOutstandingAmount)}, dikurangi saldo ${rupiah(f.creditBalanceAmount)}`)}
        />
      </div>
      <div className="cols">
        <section className="card" aria-label="Borrower">
          <h2>{t("Borrower", "Peminjam")}</h2>
          <dl className="fields">
            <div>
              <dt>{t("Name", "Nama")}</dt>
              <dd data-testid="borrower-name">{a.borrower.name ?? "—"}</dd>
            </div>
            <div>
              <dt>{t("Phone", "Telepon")}</dt>
              <dd data-testid="borrower-phone">{phoneLocal(a.borrower.phone)}</dd>
            </div>
            <div>
              <dt>{t("Repayment VA", "VA pembayaran")}</dt>
              <dd data-testid="loan-va">{a.virtualAccount ? `${a.virtualAccount.bankCode} ${a.virtualAccount.vaNumber}` : "—"}</dd>
            </div>
          </dl>
          <p>
            <Link to={`/borrowers/${a.borrower.userId}`}>{t("Borrower →", "Peminjam →")}</Link> · <Link to={`/applications/${l.applicationId}`}>{t("Application →", "Pengajuan →")}</Link>
          </p>
        </section>
        <section className="card" aria-label="Loan terms">
          <h2>{t("Loan", "Pinjaman")}</h2>
          <dl className="fields">
            <div>
              <dt>{t("Principal", "Pokok")}</dt>
              <dd>{rupiah(l.principalAmount)}</dd>
            </div>
            <div>
              <dt>{t("Tenor", "Tenor")}</dt>
              <dd>
                {l.tenor} {val(l.tenorUnit)}
              </dd>
            </div>
            <div>
              <dt>{t("Started", "Mulai")}</dt>
              <dd>{dateWib(l.startDate)}</dd>
            </div>
            <div>
              <dt>{t("Matures", "Jatuh tempo akhir")}</dt>
              <dd>{dateWib(l.maturityDate)}</dd>
            </div>
            <div>
              <dt>{t("Credit balance", "Saldo kredit")}</dt>
              <dd>{rupiah(f.creditBalanceAmount)}</dd>
            </div>
          </dl>
        </section>
        <section className="card" aria-label="Payout account">
          <h2>{t("Payout account", "Rekening pencairan")}</h2>
          {a.payoutAccount ? (
            <>
              <p data-testid="payout-account">
                {a.payoutAccount.bankCode} <strong>{a.payoutAccount.accountNumber}</strong> · {a.payoutAccount.accountName}
              </p>
              <p className="muted">{t("Refunds of a credit balance go to this account.", "Pengembalian saldo kredit dikirim ke rekening ini.")}</p>
            </>
          ) : (
            <p className="muted">{t("No payout account recorded on this loan.", "Tidak ada rekening pencairan pada pinjaman ini.")}</p>
          )}
        </section>
      </div>
      {record.data && <LoanActions loan={record.data} onNotice={setNotice} />}
      <section className="card">
        <Schedule rows={l.installments} />
      </section>
      <CollectionLog loanId={l.id} open={open} />
      <div className="cols">
        <section className="card">
          <h2>{t("Payments", "Pembayaran")}</h2>
          <Payments rows={a.payments} />
        </section>
        <section className="card">
          <h2>{t("Events", "Peristiwa")}</h2>
          <Events rows={a.events} />
        </section>
      </div>
      {money && (
        <section className="card">
          <RecordTable record="refunds" title={t("Refunds", "Pengembalian dana")} compact fixed={{ loan_id: l.id }} columns={["id", "amount", "reason", "created_by", "created_at"]} />
        </section>
      )}
      {/* The loan's audit history (components/History.tsx): collection log entries, PII views, write-off, refunds. */}
      <History entityType="loan" entityId={l.id} />
      <p className="muted">{t(`Figures as of ${dateTimeWib(a.asOf)}.`, `Angka per ${dateTimeWib(a.asOf)}.`)}</p>
    </div>
  );
}
