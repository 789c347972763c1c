// Fraud rules (analyst reads, admin changes): enable/disable, severity (block or review), and for the velocity
// rules the threshold and window. Saves only what changed (PATCH /api/v1/admin/fraud-rules/{id}); field errors
// from the API show beside the field.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, number } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { useI18n } from "../i18n/index.tsx";
import { DataTable, QueryView } from "../components/QueryView.tsx";
import { FieldError, FormAlert } from "../components/FieldErrors.tsx";

interface Rule {
  id: string;
  enabled: boolean;
  severity: "block" | "review";
  threshold: number | null;
  windowHours: number | null;
  message: string;
}

const RULES = "/api/v1/admin/fraud-rules";

function RuleRow({ rule, editable }: { rule: Rule; editable: boolean }) {
  const { t, val } = useI18n();
  const qc = useQueryClient();
  const [enabled, setEnabled] = useState(rule.enabled);
  const [severity, setSeverity] = useState(rule.severity);
  const [threshold, setThreshold] = useState(rule.threshold === null ? "" : String(rule.threshold));
  const [windowHours, setWindowHours] = useState(rule.windowHours === null ? "" : String(rule.windowHours));
  const [saved, setSaved] = useState(false);
  const velocity = rule.threshold !== null || rule.windowHours !== null;
  const change: Record<string, unknown> = {};
  if (enabled !== rule.enabled) change.enabled = enabled;
  if (severity !== rule.severity) change.severity = severity;
  const num = (s: string) => (s.trim() === "" ? null : Number(s));
  if (velocity && num(threshold) !== rule.threshold) change.threshold = num(threshold);
  if (velocity && num(windowHours) !== rule.windowHours) change.windowHours = num(windowHours);
  const dirty = Object.keys(change).length > 0;
  const save = useMutation({
    mutationFn: () => api<Rule>(`${RULES}/${encodeURIComponent(rule.id)}`, { method: "PATCH", json: change }),
    onSuccess: () => {
      setSaved(true);
      qc.invalidateQueries({ queryKey: ["fraud-rules"] });
    },
  });
  return (
    <tr data-rule={rule.id}>
      <th scope="row">
        {val(rule.id)}
        <div className="muted small">{rule.message}</div>
      </th>
      <td>
        <label className="check">
          <input type="checkbox" name="enabled" checked={enabled} disabled={!editable} onChange={(e) => (setSaved(false), setEnabled(e.target.checked))} />
          {enabled ? t("On", "Aktif") : t("Off", "Nonaktif")}
        </label>
      </td>
      <td>
        <select name="severity" aria-label={t("Severity", "Tingkat")} value={severity} disabled={!editable} onChange={(e) => (setSaved(false), setSeverity(e.target.value as Rule["severity"]))}>
          <option value="block">{val("block")}</option>
          <option value="review">{val("review")}</option>
        </select>
      </td>
      <td>
        {velocity ? (
          editable ? (
            <>
              <input name="threshold" aria-label={t("Threshold", "Ambang")} inputMode="numeric" size={6} value={threshold} onChange={(e) => (setSaved(false), setThreshold(e.target.value))} />
              <FieldError error={save.error} field="threshold" />
            </>
          ) : (
            number(rule.threshold)
          )
        ) : (
          "—"
        )}
      </td>
      <td>
        {velocity ? (
          editable ? (
            <>
              <input name="windowHours" aria-label={t("Window (hours)", "Rentang (jam)")} inputMode="numeric" size={6} value={windowHours} onChange={(e) => (setSaved(false), setWindowHours(e.target.value))} />
              <FieldError error={save.error} field="windowHours" />
            </>
          ) : (
            number(rule.windowHours)
          )
        ) : (
          "—"
        )}
      </td>
      {editable && (
        <td className="actions">
          <button type="button" className="small" disabled={!dirty || save.isPending} onClick={() => save.mutate()}>
            {t("Save", "Simpan")}
          </button>
          {saved && !dirty && (
            <span className="notice ok" role="status">
              {" "}
              {t("Saved", "Tersimpan")}
            </span>
          )}
          <FormAlert error={save.error} fields={["threshold", "windowHours"]} />
        </td>
      )}
    </tr>
  );
}

export function FraudRules() {
  const { t } = useI18n();
  const { user } = useAuth();
  const q = useQuery({ queryKey: ["fraud-rules"], queryFn: () => api<{ items: Rule[] }>(RULES) });
  const editable = user?.role === "admin";
  return (
    <div className="page">
      <h1>{t("Fraud rules", "Aturan fraud")}</h1>
      <p className="muted">
        {t(
          "A hit of a rule with severity Block rejects the application; Review sends it to manual review. Velocity rules count applications sharing an identifier within the window.",
          "Aturan dengan tingkat Blokir menolak pengajuan; Tinjau mengirimnya ke tinjauan manual. Aturan kecepatan menghitung pengajuan dengan pengenal yang sama dalam rentang waktu.",
        )}
      </p>
      <QueryView q={q}>
        {() => (
          <DataTable
            aria-label={t("Fraud rules", "Aturan fraud")}
            head={
              <>
                <th>{t("Rule", "Aturan")}</th>
                <th>{t("Enabled", "Aktif")}</th>
                <th>{t("Severity", "Tingkat")}</th>
                <th>{t("Threshold", "Ambang")}</th>
                <th>{t("Window (hours)", "Rentang (jam)")}</th>
                {editable && <th className="actions">{t("Actions", "Tindakan")}</th>}
              </>
            }
          >
            {q.data!.items.map((r) => (
              <RuleRow key={r.id} rule={r} editable={editable} />
            ))}
          </DataTable>
        )}
      </QueryView>
    </div>
  );
}
