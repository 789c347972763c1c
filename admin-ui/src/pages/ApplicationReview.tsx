// Application review: the borrower's name, KTP and selfie previews side by side with the KYC profile (masked by
// role), the request, score and reasons, fraud hits, the approved offer and its expiry, the timeline with actors by
// name, and the analyst's decision: approve (scoring's offer or a counter-offer amount) or reject, with a note and a
// confirmation step before it is sent.
import { useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, qs } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { dateTimeWib, dateWib, number, phoneLocal, rupiah } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { RecordTable } from "../components/RecordTable.tsx";
import { History } from "../components/History.tsx";
import { ErrorState, FormProblem, Loading, NotAvailable } from "../components/States.tsx";
import { ConfirmButtons, idempotencyKey } from "../components/ActionDialog.tsx";
import { EP, T } from "../endpoints.ts";
import { useCapabilities } from "../capabilities.ts";
import { parseJson, useOptional, useRecord } from "./Details.tsx";

type Row = Record<string, any>;

/** "system:scoring" → "scoring". */
const systemPart = (actor: unknown) => String(actor).replace(/^system:?/, "") || "platform";

function Timeline({ events }: { events: Row[] }) {
  const { t, val } = useI18n();
  if (!events.length) return <p className="muted">{t("No events yet.", "Belum ada peristiwa.")}</p>;
  const who = (e: Row) =>
    e.actorName === "borrower" ? t("the borrower", "peminjam") : String(e.actorName ?? e.actor).startsWith("system") ? t(`the system (${systemPart(e.actor)})`, `sistem (${systemPart(e.actor)})`) : (e.actorName ?? e.actor);
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e) => (
        <li key={e.id}>
          <span className="when">{dateTimeWib(e.at)}</span> {e.from ? <span className={`badge b-${e.from}`}>{val(e.from)}</span> : null} →{" "}
          <span className={`badge b-${e.to}`}>{val(e.to)}</span>{" "}
          <span className="muted" data-testid="event-actor">
            {t("by", "oleh")} {who(e)}
          </span>
          {e.reason ? <div className="reason">{e.reason}</div> : null}
        </li>
      ))}
    </ol>
  );
}

function Score({ applicationId }: { applicationId: string }) {
  const { t, lang, val } = useI18n();
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
  if (!e && !r) return <p className="muted">{t("No score for this application (yet).", "Belum ada skor untuk pengajuan ini.")}</p>;
  const score = e?.score ?? r?.score;
  const pd = e?.pd ?? r?.pd;
  const reasons: any[] = e?.reasons ?? parseJson(r?.reasons_json) ?? [];
  const features: Row[] = e?.features ?? [];
  const decision = expl.data?.decision as Row | null | undefined;
  const outcome = decision?.outcome ?? r?.decision;
  return (
    <div className="score" data-testid="score">
      <div className="big">{score ?? "—"}</div>
      <div className="muted">
        {t("model", "model")} {e?.modelVersion ?? r?.model_version ?? "—"}
        {typeof pd === "number" ? ` · ${t("probability of default", "peluang gagal bayar")} ${(pd * 100).toLocaleString("id-ID", { maximumFractionDigits: 1 })} %` : ""}
        {outcome ? ` · ${t("policy", "kebijakan")}: ${val(outcome)}` : ""}
      </div>
      {Array.isArray(reasons) && reasons.length > 0 && (
        <>
          <h3>{t("Top reasons", "Alasan utama")}</h3>
          <ol className="reasons">
            {reasons.slice(0, 4).map((x, i) => (
              <li key={i}>{typeof x === "string" ? x : [x.code, (lang === "id" ? x.id : x.en) ?? x.en ?? x.description ?? x.message].filter(Boolean).join(" — ")}</li>
            ))}
          </ol>
        </>
      )}
      {features.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t("Feature", "Fitur")}</th>
                <th>{t("Band", "Rentang")}</th>
                <th>{t("Points", "Poin")}</th>
              </tr>
            </thead>
            <tbody>
              {features.map((f) => (
                <tr key={f.feature}>
                  <td>{f.label ?? f.feature}</td>
                  <td>{typeof f.bin === "number" ? number(f.bin) : String(f.bin)}</td>
                  <td>
                    {number(f.points)} / {number(f.maxPoints)}
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

/** A document: images previewed from their signed URL, other files (PDF) as a link. */
function DocumentPreview({ d }: { d: Row }) {
  const { t, val } = useI18n();
  const name = `${val(d.kind)}${d.filename ? ` (${d.filename})` : ""}`;
  if (!d.downloadUrl) return <span>{t(`${name} (no download link)`, `${name} (tanpa tautan unduh)`)}</span>;
  const image = typeof d.contentType === "string" && d.contentType.startsWith("image/");
  return (
    <figure className="doc-preview" data-kind={d.kind} style={{ margin: 0 }}>
      {image ? (
        <a href={d.downloadUrl} target="_blank" rel="noreferrer">
          <img src={d.downloadUrl} alt={val(d.kind)} data-testid={`preview-${d.kind}`} style={{ maxWidth: "100%", maxHeight: 260, objectFit: "contain", display: "block" }} />
        </a>
      ) : null}
      <figcaption>
        <a href={d.downloadUrl} target="_blank" rel="noreferrer">
          {name}
        </a>{" "}
        <span className="muted">{(d.sizeBytes ?? 0) < 1024 ? `${number(d.sizeBytes ?? 0)} B` : `${number(Math.round(d.sizeBytes / 1024))} KiB`}</span>
      </figcaption>
    </figure>
  );
}

function Documents({ app, detail }: { app: Row; detail: Row | null | undefined }) {
  const { t } = useI18n();
  const docs: Row[] | undefined = detail?.documents;
  if (docs) {
    if (docs.length === 0) return <p className="muted">{t("No documents attached to this application.", "Tidak ada dokumen pada pengajuan ini.")}</p>;
    // KTP and selfie first, side by side; the rest after
    const order = (k: string) => (k === "ktp" ? 0 : k === "selfie" ? 1 : 2);
    return (
      <div className="docs" data-testid="documents" style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(200px, 1fr))", gap: "1rem" }}>
        {[...docs]
          .sort((a, b) => order(a.kind) - order(b.kind))
          .map((d) => (
            <DocumentPreview key={d.id} d={d} />
          ))}
      </div>
    );
  }
  // Without the application-detail endpoint: the borrower's documents from the record API (no download links).
  return <RecordTable record="documents" compact fixed={{ user_id: String(app.user_id) }} columns={["kind", "content_type", "size_bytes", "filename", "created_at"]} limit={10} />;
}

function Profile({ p }: { p: Row | null | undefined }) {
  const { t, val } = useI18n();
  if (!p) return <p className="muted">{t("No KYC profile.", "Tidak ada profil KYC.")}</p>;
  const rows: [string, string][] = [
    [t("Name", "Nama"), p.fullName],
    [t("NIK", "NIK"), p.nik],
    [t("Born", "Tanggal lahir"), p.birthDate ? dateWib(p.birthDate) : "—"],
    [t("Sex", "Jenis kelamin"), val(p.sex)],
    [t("City", "Kota"), [p.address?.city, p.address?.province].filter(Boolean).join(", ")],
    [t("Employment", "Pekerjaan"), [val(p.employment?.status), p.employment?.employerName, p.employment?.jobTitle].filter(Boolean).join(" · ")],
    [t("Monthly income", "Penghasilan per bulan"), rupiah(p.monthlyIncomeAmount)],
    [t("Payout account", "Rekening pencairan"), [p.bankAccount?.bankCode, p.bankAccount?.accountNumber, p.bankAccount?.accountName].filter(Boolean).join(" · ")],
    [t("Emergency contact", "Kontak darurat"), [p.emergencyContact?.name, phoneLocal(p.emergencyContact?.phone), p.emergencyContact?.relation].filter(Boolean).join(" · ")],
  ];
  return (
    <dl className="fields" data-testid="profile">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v || "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

function OfferLine({ a }: { a: Row }) {
  const { t, val } = useI18n();
  const offer = a.offer as Row | null;
  if (!offer) return null;
  const expired = offer.expiresAt && new Date(offer.expiresAt).getTime() < Date.now();
  return (
    <section className="card" aria-label="Approved offer" data-testid="approved-offer">
      <h2>{t("Approved offer", "Penawaran yang disetujui")}</h2>
      <p>
        <strong>{rupiah(offer.principalAmount ?? a.principalAmount)}</strong> {t("over", "selama")} {offer.tenor ?? a.tenor} {val(a.tenorUnit)}
        {offer.note ? <span className="muted"> ({offer.note})</span> : null}
      </p>
      {offer.expiresAt ? (
        <p className={expired ? "form-error" : "muted"} data-testid="offer-expiry">
          {expired ? t(`Lapsed on ${dateTimeWib(offer.expiresAt)}`, `Kedaluwarsa pada ${dateTimeWib(offer.expiresAt)}`) : t(`Valid until ${dateTimeWib(offer.expiresAt)}`, `Berlaku sampai ${dateTimeWib(offer.expiresAt)}`)}
        </p>
      ) : null}
    </section>
  );
}

function Decision({ app }: { app: Row }) {
  const { t, val } = useI18n();
  const { user } = useAuth();
  const qc = useQueryClient();
  const [decision, setDecision] = useState<"approve" | "reject" | "">("");
  const [note, setNote] = useState("");
  const [amount, setAmount] = useState("");
  const [step, setStep] = useState<"edit" | "confirm">("edit");
  const key = useRef(idempotencyKey("decision", String(app.id)));
  const amountText = amount.trim().replace(/\./g, "");
  const amountOk = amountText === "" || (/^\d+$/.test(amountText) && Number(amountText) > 0 && Number.isSafeInteger(Number(amountText)));
  const counter = decision === "approve" && amountText !== "" && amountOk ? Number(amountText) : null;
  const m = useMutation({
    mutationFn: () =>
      api(EP.decision(app.id), {
        method: "POST",
        json: { decision, note: note.trim(), ...(counter !== null ? { offer: { principalAmount: counter } } : {}) },
        headers: { "Idempotency-Key": key.current },
      }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["record"] });
      qc.invalidateQueries({ queryKey: ["application", app.id] });
      qc.invalidateQueries({ queryKey: ["audit"] });
    },
    onError: (e) => {
      // a refused decision (4xx) was stored for that exact body: the corrected one gets a fresh key
      if (e instanceof ApiError && e.status < 500) key.current = idempotencyKey("decision", String(app.id));
      setStep("edit");
    },
  });
  const caps = useCapabilities();
  // What "approve" without an amount approves: scoring's income-fitted offer (the requested amount without one).
  const expl = useOptional<Row>(["explanation", app.id], EP.explanation(app.id), T.explanation);
  const scoredOffer = (expl.data?.decision as Row | null | undefined)?.offer as Row | null | undefined;
  if (app.status !== "manual_review") return null;
  if (!user || !["admin", "analyst"].includes(user.role)) return <p className="muted">{t("Waiting for an analyst's decision.", "Menunggu keputusan analis.")}</p>;
  if (caps.ready && !caps.has(T.decision, "post")) return <NotAvailable detail="decisions" />;
  const valid = !!decision && note.trim().length >= 3 && amountOk;
  const approvedAmount = counter ?? scoredOffer?.principalAmount ?? app.principal_amount;
  const tenor = `${app.tenor} ${val(app.tenor_unit)}`;
  return (
    <form
      className="card decision"
      aria-label="Decision"
      onSubmit={(e) => {
        e.preventDefault();
        if (step === "edit") {
          if (valid) (m.reset(), setStep("confirm"));
        } else if (!m.isPending) m.mutate();
      }}
    >
      <h2>{t("Decision", "Keputusan")}</h2>
      {step === "edit" ? (
        <>
          <div className="row">
            <label className="check">
              <input type="radio" name="decision" value="approve" checked={decision === "approve"} onChange={() => setDecision("approve")} /> {t("Approve", "Setujui")}
            </label>
            <label className="check">
              <input type="radio" name="decision" value="reject" checked={decision === "reject"} onChange={() => setDecision("reject")} /> {t("Reject", "Tolak")}
            </label>
          </div>
          {decision === "approve" && (
            <>
              <p className="muted" data-testid="approve-offer">
                {scoredOffer?.principalAmount
                  ? t(
                      `Without an amount, approves scoring's offer: ${rupiah(scoredOffer.principalAmount)} over ${tenor}${scoredOffer.lowered ? " (lowered to fit the income rule)" : ""}.`,
                      `Tanpa jumlah, menyetujui penawaran skor: ${rupiah(scoredOffer.principalAmount)} selama ${tenor}${scoredOffer.lowered ? " (diturunkan agar sesuai aturan penghasilan)" : ""}.`,
                    )
                  : t(`Without an amount, approves the requested ${rupiah(app.principal_amount)} over ${tenor}.`, `Tanpa jumlah, menyetujui ${rupiah(app.principal_amount)} yang diajukan selama ${tenor}.`)}{" "}
                {t("The offer lapses after 7 days.", "Penawaran kedaluwarsa setelah 7 hari.")}
              </p>
              <label>
                {t("Counter-offer amount (rupiah, optional)", "Jumlah penawaran balik (rupiah, opsional)")}
                <input name="offerAmount" inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} aria-invalid={!amountOk} placeholder={String(scoredOffer?.principalAmount ?? app.principal_amount)} />
              </label>
              {!amountOk && <p className="form-error">{t("A whole number of rupiah above 0.", "Bilangan bulat rupiah di atas 0.")}</p>}
              {counter !== null && <p className="muted">{rupiah(counter)}</p>}
            </>
          )}
          <label>
            {t("Note (required)", "Catatan (wajib)")}
            <textarea name="note" required minLength={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
        </>
      ) : (
        <div className="confirm" data-testid="decision-confirm">
          <p>
            {decision === "approve"
              ? t(`Approve application ${app.id} for ${rupiah(approvedAmount)} over ${tenor}${counter !== null ? " (counter-offer)" : ""}?`, `Setujui pengajuan ${app.id} sebesar ${rupiah(approvedAmount)} selama ${tenor}${counter !== null ? " (penawaran balik)" : ""}?`)
              : t(`Reject application ${app.id}?`, `Tolak pengajuan ${app.id}?`)}
          </p>
          <p>
            {t("Note", "Catatan")}: {note.trim()}
          </p>
          <p className="muted">{t("The borrower is told at once; this cannot be undone from the dashboard.", "Peminjam langsung diberi tahu; ini tidak dapat dibatalkan dari dasbor.")}</p>
        </div>
      )}
      {m.error instanceof ApiError ? <FormProblem error={m.error} /> : m.error ? <p className="form-error" role="alert">{String((m.error as Error).message)}</p> : null}
      <div className="row">
        {step === "edit" ? (
          <button type="submit" disabled={!valid}>
            {t("Submit decision", "Kirim keputusan")}
          </button>
        ) : (
          <ConfirmButtons label={t("Confirm decision", "Konfirmasi keputusan")} danger={decision === "reject"} pending={m.isPending} onBack={() => setStep("edit")} />
        )}
      </div>
    </form>
  );
}

export function ApplicationReview() {
  const { id } = useParams();
  const { t, val } = useI18n();
  const app = useRecord("applications", id);
  const detail = useOptional<Row>(["application", id], id ? EP.application(id) : null, T.application);
  if (app.isLoading) return <Loading />;
  if (app.error) return <ErrorState error={app.error} retry={() => app.refetch()} />;
  const a = app.data!;
  const d = detail.data;
  const name = d?.profile?.fullName as string | undefined;
  return (
    <div className="page">
      <p>
        <Link to="/applications">← {t("Applications", "Pengajuan")}</Link>
      </p>
      <h1>
        {name ?? t("Application", "Pengajuan")} <span className="muted">·</span> <code>{a.id}</code>{" "}
        <span className={`badge b-${a.status}`} data-testid="app-status" data-status={a.status}>
          {val(a.status)}
        </span>
      </h1>
      <div className="cols">
        <section className="card" aria-label="KYC documents">
          <h2>{t("KTP and selfie", "KTP dan swafoto")}</h2>
          {detail.isLoading ? <Loading /> : <Documents app={a} detail={d} />}
        </section>
        <section className="card" aria-label="Profile">
          <h2>{t("KYC profile", "Profil KYC")}</h2>
          {detail.isLoading ? <Loading /> : <Profile p={d?.profile} />}
          <p>
            <Link to={`/borrowers/${a.user_id}`}>{t("Borrower →", "Peminjam →")}</Link>
            {a.loan_id ? (
              <>
                {" · "}
                <Link to={`/loans/${a.loan_id}`}>{t("Loan →", "Pinjaman →")}</Link>
              </>
            ) : null}
          </p>
        </section>
      </div>
      <div className="cols">
        <section className="card" aria-label="Request">
          <h2>{t("Request", "Permohonan")}</h2>
          <dl className="fields" data-testid="request">
            <div>
              <dt>{t("Amount", "Jumlah")}</dt>
              <dd>{rupiah(a.principal_amount)}</dd>
            </div>
            <div>
              <dt>{t("Instalment", "Angsuran")}</dt>
              <dd>{rupiah(a.instalment_amount)}</dd>
            </div>
            <div>
              <dt>{t("Tenor", "Tenor")}</dt>
              <dd>
                {a.tenor} {val(a.tenor_unit)}
              </dd>
            </div>
            <div>
              <dt>{t("Purpose", "Tujuan")}</dt>
              <dd>{val(a.purpose)}</dd>
            </div>
            <div>
              <dt>{t("Submitted", "Diajukan")}</dt>
              <dd>{dateTimeWib(a.submitted_at)}</dd>
            </div>
            <div>
              <dt>{t("Decided", "Diputuskan")}</dt>
              <dd>{dateTimeWib(a.decided_at)}</dd>
            </div>
            {a.decision_note ? (
              <div>
                <dt>{t("Decision note", "Catatan keputusan")}</dt>
                <dd>{a.decision_note}</dd>
              </div>
            ) : null}
          </dl>
        </section>
        <section className="card">
          <h2>{t("Score and reasons", "Skor dan alasan")}</h2>
          <Score applicationId={a.id} />
        </section>
      </div>
      {d ? <OfferLine a={d} /> : null}
      <Decision app={a} />
      <section className="card">
        <h2>{t("Fraud hits", "Temuan fraud")}</h2>
        <RecordTable record="fraud_hits" compact fixed={{ application_id: a.id }} columns={["rule_id", "severity", "message", "created_at"]} />
      </section>
      <section className="card">
        <h2>{t("Timeline", "Riwayat status")}</h2>
        {detail.isLoading ? <Loading /> : <Timeline events={(d?.events as Row[] | undefined) ?? []} />}
      </section>
      {/* The application's audit history (components/History.tsx): decisions, PII views. */}
      <History entityType="application" entityId={a.id} />
    </div>
  );
}
