// Blocklist (analyst reads, admin changes): add an entry (the API's field errors shown beside each field), remove one
// after a confirmation step; removed entries stay listed (kept for audit), marked as removed with when.
import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, dateTime } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { useI18n } from "../i18n/index.tsx";
import { RecordTable } from "../components/RecordTable.tsx";
import { ActionDialog } from "../components/ActionDialog.tsx";
import { FieldError, FormAlert } from "../components/FieldErrors.tsx";
import { EP, T } from "../endpoints.ts";
import { useCapabilities } from "../capabilities.ts";
import { BLOCKLIST_KINDS, type BlocklistKind } from "../../../schemas/enums.ts";

const BLOCKLIST_KIND_LABELS: Record<BlocklistKind, [string, string]> = {
  nik: ["NIK", "NIK"],
  phone: ["Phone", "Telepon"],
  bank_account: ["Bank account (BANKCODE:number)", "Rekening bank (KODEBANK:nomor)"],
  device: ["Device", "Perangkat"],
};

export function Blocklist() {
  const { user } = useAuth();
  const { t, lang } = useI18n();
  const caps = useCapabilities();
  const admin = user?.role === "admin" && caps.has(T.blocklist, "post");
  const qc = useQueryClient();
  const [kind, setKind] = useState<BlocklistKind>("nik");
  const [value, setValue] = useState("");
  const [reason, setReason] = useState("");
  const [removing, setRemoving] = useState<Record<string, unknown> | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const done = () => qc.invalidateQueries({ queryKey: ["record", "blocklist"] });
  const add = useMutation({
    mutationFn: () => api<{ id: string }>(EP.blocklist, { method: "POST", json: { kind, value, reason } }),
    onSuccess: () => {
      setValue("");
      setReason("");
      setNotice(t("Entry added.", "Entri ditambahkan."));
      done();
    },
  });
  const kindLabel = (k: string) => (BLOCKLIST_KIND_LABELS[k as BlocklistKind] ?? [k, k])[lang === "id" ? 1 : 0];
  return (
    <div className="page">
      <h1>{t("Blocklist", "Daftar blokir")}</h1>
      {admin && (
        <form
          className="card filters"
          aria-label={t("Add to blocklist", "Tambah ke daftar blokir")}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setNotice(null);
            add.mutate();
          }}
        >
          <label>
            {t("Kind", "Jenis")}
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as BlocklistKind)}>
              {BLOCKLIST_KINDS.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(k)}
                </option>
              ))}
            </select>
            <FieldError error={add.error} field="kind" />
          </label>
          <label>
            {t("Value", "Nilai")}
            <input name="value" value={value} onChange={(e) => setValue(e.target.value)} aria-invalid={!!add.error} />
            <FieldError error={add.error} field="value" />
          </label>
          <label>
            {t("Reason", "Alasan")}
            <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
            <FieldError error={add.error} field="reason" />
          </label>
          <div className="filter-buttons">
            <button type="submit" disabled={add.isPending}>
              {t("Block", "Blokir")}
            </button>
          </div>
          <FormAlert error={add.error} fields={["kind", "value", "reason"]} />
        </form>
      )}
      {notice && (
        <p className="notice ok" role="status">
          {notice}
        </p>
      )}
      <RecordTable
        record="blocklist"
        columns={["id", "kind", "value", "reason", "created_by", "created_at", "removed_at"]}
        options={{ kind: BLOCKLIST_KINDS }}
        actions={(r) =>
          r.removed_at ? (
            <span className="badge removed" data-testid="blocklist-removed" title={dateTime(r.removed_at)}>
              {t("Removed", "Dihapus")} {dateTime(r.removed_at)}
            </span>
          ) : admin ? (
            <button type="button" className="small secondary" onClick={() => (setNotice(null), setRemoving(r))}>
              {t("Remove", "Hapus")}
            </button>
          ) : null
        }
      />
      {removing && (
        <ActionDialog
          title={t("Remove from the blocklist", "Hapus dari daftar blokir")}
          action="blocklist-remove"
          resourceId={String(removing.id)}
          valid
          danger
          summary={
            <p>
              {t(
                `${kindLabel(String(removing.kind))} ${String(removing.value)} will no longer block applications. The entry stays listed as removed.`,
                `${kindLabel(String(removing.kind))} ${String(removing.value)} tidak lagi memblokir pengajuan. Entri tetap tercantum sebagai dihapus.`,
              )}
            </p>
          }
          confirmLabel={t("Remove", "Hapus")}
          run={() => api(EP.blocklistEntry(String(removing.id)), { method: "DELETE" })}
          onDone={() => {
            setNotice(t(`Removed ${String(removing.value)} from the blocklist.`, `${String(removing.value)} dihapus dari daftar blokir.`));
            setRemoving(null);
            done();
          }}
          onClose={() => setRemoving(null)}
        >
          <p>
            {kindLabel(String(removing.kind))}: <strong>{String(removing.value)}</strong>
          </p>
          <p>{String(removing.reason ?? "")}</p>
        </ActionDialog>
      )}
    </div>
  );
}
