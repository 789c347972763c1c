// Four-eyes approvals: proposals awaiting another staff member (approve or reject, each confirmed; the proposer
// cannot decide their own), recent decisions, and the policy per action (admins set whether approval is required
// and from which amount).
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, qs } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { dateTimeWib, rupiah } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { ActionDialog, problemText } from "../components/ActionDialog.tsx";
import { EntityRef } from "../components/History.tsx";
import { ErrorState, Loading } from "../components/States.tsx";
import type { components } from "../../../clients/typescript/index.ts";

// The API's own types (clients/typescript, generated from the OpenAPI document)
type Approval = components["schemas"]["Approval"];
type Policy = components["schemas"]["ApprovalPolicy"];

const P = {
  list: "/api/v1/admin/approvals",
  approve: (id: string) => `/api/v1/admin/approvals/${encodeURIComponent(id)}/approve`,
  reject: (id: string) => `/api/v1/admin/approvals/${encodeURIComponent(id)}/reject`,
  policies: "/api/v1/admin/approval-policies",
  policy: (action: string) => `/api/v1/admin/approval-policies/${encodeURIComponent(action)}`,
};

function useApprovals(status: string) {
  return useQuery({ queryKey: ["approvals", status], queryFn: () => api<{ items: Approval[]; nextCursor: string | null }>(`${P.list}${qs({ status, limit: 50 })}`) });
}

/** What the proposal will do, in words. */
function What({ a }: { a: Approval }) {
  const { t, lang } = useI18n();
  const i = a.input as Record<string, any>;
  return (
    <>
      <strong>{lang === "id" ? a.labelId : a.label}</strong> · <EntityRef type={a.entityType} id={a.entityId} />
      {a.amount !== null && <> · {rupiah(a.amount)}</>}
      {a.action === "product.change" && i.product && (
        <div className="muted">
          {i.create ? t("New product", "Produk baru") : t("New terms for", "Ketentuan baru untuk")} {String(i.product.code ?? "")} — {String(i.product.name ?? "")}
        </div>
      )}
      {a.action === "loan.refund" && i.transferReference && (
        <div className="muted">
          {t("Transfer", "Transfer")} {String(i.transferReference)}
        </div>
      )}
    </>
  );
}

function DecideDialog({ a, mode, onClose, onDone }: { a: Approval; mode: "approve" | "reject"; onClose: () => void; onDone: (text: string) => void }) {
  const { t, lang } = useI18n();
  const [text, setText] = useState("");
  const label = lang === "id" ? a.labelId : a.label;
  const approve = mode === "approve";
  return (
    <ActionDialog
      title={approve ? t(`Approve: ${label}`, `Setujui: ${label}`) : t(`Reject: ${label}`, `Tolak: ${label}`)}
      action={mode}
      resourceId={a.id}
      valid={approve || text.trim().length >= 3}
      danger={!approve}
      confirmLabel={approve ? t("Approve and carry out", "Setujui dan jalankan") : t("Reject", "Tolak")}
      summary={
        <>
          <p>
            <What a={a} />
          </p>
          <p>
            {t("Proposed by", "Diajukan oleh")} {a.proposedBy.name ?? a.proposedBy.id} · {dateTimeWib(a.proposedAt)}
            {a.reason && (
              <>
                {" "}
                · {t("reason", "alasan")}: {a.reason}
              </>
            )}
          </p>
          {approve ? (
            <p>{t("Approving carries it out now (posted to the ledger where it moves money). Both of you are recorded in the audit trail.", "Menyetujui akan menjalankannya sekarang (dicatat di buku besar bila memindahkan uang). Anda berdua tercatat di jejak audit.")}</p>
          ) : (
            <p>
              {t("Reason", "Alasan")}: {text.trim()}
            </p>
          )}
        </>
      }
      run={(key) => api<Approval>(approve ? P.approve(a.id) : P.reject(a.id), { method: "POST", json: approve ? (text.trim() ? { note: text.trim() } : {}) : { reason: text.trim() }, headers: { "Idempotency-Key": key } })}
      onDone={() => onDone(approve ? t(`${label} approved and carried out.`, `${label} disetujui dan dijalankan.`) : t(`${label} rejected.`, `${label} ditolak.`))}
      onClose={onClose}
    >
      <label>
        {approve ? t("Note (optional)", "Catatan (opsional)") : t("Reason (required)", "Alasan (wajib)")}
        <textarea name={approve ? "note" : "reason"} autoFocus maxLength={500} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
    </ActionDialog>
  );
}

function PolicyRow({ p, editable }: { p: Policy; editable: boolean }) {
  const { t, lang, val } = useI18n();
  const qc = useQueryClient();
  const [required, setRequired] = useState(p.required);
  const [threshold, setThreshold] = useState(p.thresholdAmount === null ? "" : String(p.thresholdAmount));
  const [hours, setHours] = useState(String(p.expiresInHours));
  const thresholdOk = threshold.trim() === "" || /^\d{1,13}$/.test(threshold.trim());
  const hoursOk = /^\d{1,3}$/.test(hours.trim()) && Number(hours) >= 1 && Number(hours) <= 720;
  const m = useMutation({
    mutationFn: () => api<Policy>(P.policy(p.action), { method: "PUT", json: { required, thresholdAmount: threshold.trim() === "" ? null : Number(threshold.trim()), expiresInHours: Number(hours.trim()) } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["approval-policies"] }),
  });
  const label = lang === "id" ? p.labelId : p.label;
  return (
    <tr data-action={p.action}>
      <th scope="row">{label}</th>
      <td>{p.roles.map((r) => val(r)).join(", ")}</td>
      {editable ? (
        <>
          <td>
            <label className="check">
              <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} aria-label={t(`${label}: approval required`, `${label}: wajib persetujuan`)} />{" "}
              {t("required", "wajib")}
            </label>
          </td>
          <td>
            <input
              inputMode="numeric"
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
              aria-invalid={!thresholdOk}
              aria-label={t(`${label}: from amount (rupiah; empty = any amount)`, `${label}: mulai jumlah (rupiah; kosong = semua jumlah)`)}
              placeholder={t("any amount", "semua jumlah")}
            />
            {thresholdOk && threshold.trim() !== "" && <div className="muted">{rupiah(Number(threshold))}</div>}
          </td>
          <td>
            <input inputMode="numeric" value={hours} onChange={(e) => setHours(e.target.value)} aria-invalid={!hoursOk} aria-label={t(`${label}: expires after (hours)`, `${label}: kedaluwarsa setelah (jam)`)} />
          </td>
          <td>
            <button type="button" disabled={!thresholdOk || !hoursOk || m.isPending} onClick={() => m.mutate()}>
              {t("Save", "Simpan")}
            </button>
            {m.error && (
              <p className="form-error" role="alert">
                {problemText(m.error)}
              </p>
            )}
            {m.isSuccess && (
              <span className="notice ok" role="status">
                {t("Saved", "Tersimpan")}
              </span>
            )}
          </td>
        </>
      ) : (
        <>
          <td>{p.required ? t("required", "wajib") : t("not required", "tidak wajib")}</td>
          <td>{p.thresholdAmount === null ? t("any amount", "semua jumlah") : t(`from ${rupiah(p.thresholdAmount)}`, `mulai ${rupiah(p.thresholdAmount)}`)}</td>
          <td>{t(`${p.expiresInHours} hours`, `${p.expiresInHours} jam`)}</td>
        </>
      )}
    </tr>
  );
}

export function Approvals() {
  const { user } = useAuth();
  const { t, lang, val } = useI18n();
  const pending = useApprovals("pending");
  const [recentStatus, setRecentStatus] = useState<"approved" | "rejected" | "expired">("approved");
  const recent = useApprovals(recentStatus);
  const policies = useQuery({ queryKey: ["approval-policies"], queryFn: () => api<{ items: Policy[] }>(P.policies) });
  const [deciding, setDeciding] = useState<{ a: Approval; mode: "approve" | "reject" } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const isAdmin = user?.role === "admin";
  return (
    <div className="page">
      <h1>{t("Approvals", "Persetujuan")}</h1>
      <p className="muted">
        {t(
          "Four-eyes: write-offs, refunds and product changes that the policy holds wait here until another staff member approves or rejects them.",
          "Empat mata: hapus buku, pengembalian dana dan perubahan produk yang ditahan kebijakan menunggu di sini sampai staf lain menyetujui atau menolaknya.",
        )}
      </p>
      {notice && (
        <p className="notice ok" role="status" data-testid="action-notice">
          {notice}
        </p>
      )}
      <section className="card">
        <h2>{t("Awaiting approval", "Menunggu persetujuan")}</h2>
        {pending.isLoading ? (
          <Loading />
        ) : pending.error ? (
          <ErrorState error={pending.error} retry={() => pending.refetch()} />
        ) : !pending.data?.items.length ? (
          <p className="muted">{t("Nothing awaits approval.", "Tidak ada yang menunggu persetujuan.")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="pending-approvals">
              <thead>
                <tr>
                  <th scope="col">{t("What", "Apa")}</th>
                  <th scope="col">{t("Proposed by", "Diajukan oleh")}</th>
                  <th scope="col">{t("Reason", "Alasan")}</th>
                  <th scope="col">{t("Expires (WIB)", "Kedaluwarsa (WIB)")}</th>
                  <th scope="col" className="actions">
                    {t("Decision", "Keputusan")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {pending.data.items.map((a) => (
                  <tr key={a.id} data-approval={a.id}>
                    <td>
                      <What a={a} />
                    </td>
                    <td>
                      {a.proposedBy.name ?? a.proposedBy.id}
                      <div className="muted">{dateTimeWib(a.proposedAt)}</div>
                    </td>
                    <td>{a.reason ?? "—"}</td>
                    <td>{dateTimeWib(a.expiresAt)}</td>
                    <td className="actions">
                      {a.canDecide ? (
                        <>
                          <button type="button" onClick={() => setDeciding({ a, mode: "approve" })}>
                            {t("Approve", "Setujui")}
                          </button>{" "}
                          <button type="button" className="secondary" onClick={() => setDeciding({ a, mode: "reject" })}>
                            {t("Reject", "Tolak")}
                          </button>
                        </>
                      ) : (
                        <span className="muted" data-testid="cannot-decide">
                          {a.proposedBy.id === user?.id ? t("Your proposal: another staff member must decide", "Usulan Anda: staf lain yang memutuskan") : t("Your role may not decide this", "Peran Anda tidak dapat memutuskan ini")}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card">
        <h2>{t("Decided", "Sudah diputuskan")}</h2>
        <div className="row" role="group" aria-label={t("Status", "Status")}>
          {(["approved", "rejected", "expired"] as const).map((s) => (
            <button key={s} type="button" className={recentStatus === s ? undefined : "secondary"} aria-pressed={recentStatus === s} onClick={() => setRecentStatus(s)}>
              {val(s)}
            </button>
          ))}
        </div>
        {recent.isLoading ? (
          <Loading />
        ) : recent.error ? (
          <ErrorState error={recent.error} />
        ) : !recent.data?.items.length ? (
          <p className="muted">{t("None.", "Tidak ada.")}</p>
        ) : (
          <ul className="decided" data-testid="decided-approvals">
            {recent.data.items.map((a) => (
              <li key={a.id}>
                <What a={a} /> — {lang === "id" ? "diajukan" : "proposed by"} {a.proposedBy.name ?? a.proposedBy.id}
                {a.decidedBy && (
                  <>
                    , {val(a.status)} {lang === "id" ? "oleh" : "by"} {a.decidedBy.name ?? a.decidedBy.id}
                  </>
                )}{" "}
                · {dateTimeWib(a.decidedAt ?? a.proposedAt)}
                {a.decisionReason && <span className="muted"> · {a.decisionReason}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>{t("Policies", "Kebijakan")}</h2>
        {policies.isLoading ? (
          <Loading />
        ) : policies.error ? (
          <ErrorState error={policies.error} />
        ) : (
          <div className="table-wrap">
            <table data-testid="approval-policies">
              <thead>
                <tr>
                  <th scope="col">{t("Action", "Tindakan")}</th>
                  <th scope="col">{t("Who may propose and approve", "Yang boleh mengajukan dan menyetujui")}</th>
                  <th scope="col">{t("Approval", "Persetujuan")}</th>
                  <th scope="col">{t("From amount", "Mulai jumlah")}</th>
                  <th scope="col">{t("Expires after", "Kedaluwarsa setelah")}</th>
                  {isAdmin && <th scope="col" />}
                </tr>
              </thead>
              <tbody>
                {policies.data?.items.map((p) => (
                  <PolicyRow key={`${p.action}:${p.required}:${p.thresholdAmount}:${p.expiresInHours}`} p={p} editable={isAdmin} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {deciding && (
        <DecideDialog
          a={deciding.a}
          mode={deciding.mode}
          onClose={() => setDeciding(null)}
          onDone={(text) => {
            setDeciding(null);
            setNotice(text);
          }}
        />
      )}
    </div>
  );
}
