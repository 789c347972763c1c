// Regulatory caps (read-only): the dated rows of regulatory_caps (GET /api/v1/records/regulatory_caps), each with
// its rule, purpose, term range, value, the period it applies and its source; the rows in force today (WIB) are
// marked. Products and loans are checked against the rows in force on their date.
import { useQuery } from "@tanstack/react-query";
import { api, dateWib, number, percentOfRatio } from "../api.ts";
import { isoDateWib } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { Empty, ErrorState, Loading } from "../components/States.tsx";

interface CapRow {
  id: string;
  rule: string;
  purpose: string;
  min_term_days: number;
  max_term_days: number | null;
  value: number;
  unit: "ppm_per_day" | "ppm" | "years";
  effective_from: string;
  effective_to: string | null;
  source: string;
}

const RULES: Record<string, [string, string]> = {
  daily_cost: ["Daily cost of credit", "Biaya harian pinjaman"],
  late_fee_daily: ["Daily late fee", "Denda keterlambatan harian"],
  total_cost: ["Total cost of credit", "Total biaya pinjaman"],
  income_ratio: ["Instalment to income", "Rasio angsuran terhadap penghasilan"],
  min_age: ["Minimum age", "Usia minimum"],
};

/** A cap's value in its unit: ppm per day → % per day, ppm → %, years. */
export function capValue(c: Pick<CapRow, "value" | "unit">, lang: "en" | "id") {
  if (c.unit === "ppm_per_day") return `${percentOfRatio(c.value / 1_000_000, 4)} ${lang === "id" ? "per hari" : "per day"}`;
  if (c.unit === "ppm") return percentOfRatio(c.value / 1_000_000, 4);
  return `${number(c.value)} ${lang === "id" ? "tahun" : "years"}`;
}

export function Caps() {
  const { t, val, lang } = useI18n();
  const q = useQuery({ queryKey: ["regulatory-caps"], queryFn: () => api<{ items: CapRow[] }>("/api/v1/records/regulatory_caps?limit=100") });
  const today = isoDateWib();
  const inForce = (c: CapRow) => c.effective_from.slice(0, 10) <= today && (c.effective_to === null || today <= c.effective_to.slice(0, 10));
  const term = (c: CapRow) =>
    c.min_term_days === 0 && c.max_term_days === null
      ? t("any term", "semua tenor")
      : c.max_term_days === null
        ? t(`${number(c.min_term_days)} days or more`, `${number(c.min_term_days)} hari atau lebih`)
        : t(`${number(c.min_term_days)} to under ${number(c.max_term_days)} days`, `${number(c.min_term_days)} s.d. kurang dari ${number(c.max_term_days)} hari`);
  const rows = [...(q.data?.items ?? [])].sort((a, b) => a.rule.localeCompare(b.rule) || b.effective_from.localeCompare(a.effective_from) || a.id.localeCompare(b.id));
  return (
    <div className="page">
      <h1>{t("Regulatory caps", "Batas regulasi")}</h1>
      <p className="muted">
        {t(
          `Read-only. Rows marked "in force" apply today (${dateWib(today)}); the others applied before or apply later. Products and loans are checked against the rows in force on their date.`,
          `Hanya baca. Baris bertanda "berlaku" berlaku hari ini (${dateWib(today)}); yang lain berlaku sebelumnya atau nanti. Produk dan pinjaman diperiksa terhadap baris yang berlaku pada tanggalnya.`,
        )}
      </p>
      {q.isLoading ? (
        <Loading />
      ) : q.error ? (
        <ErrorState error={q.error} retry={() => q.refetch()} />
      ) : rows.length === 0 ? (
        <Empty />
      ) : (
        <div className="table-wrap">
          <table aria-label={t("Regulatory caps", "Batas regulasi")}>
            <thead>
              <tr>
                <th>{t("Rule", "Aturan")}</th>
                <th>{t("Purpose", "Tujuan")}</th>
                <th>{t("Term", "Tenor")}</th>
                <th>{t("Cap", "Batas")}</th>
                <th>{t("From", "Mulai")}</th>
                <th>{t("Until", "Sampai")}</th>
                <th>{t("In force", "Berlaku")}</th>
                <th>{t("Source", "Sumber")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id} data-cap={c.id} className={inForce(c) ? undefined : "muted"}>
                  <td>{RULES[c.rule] ? RULES[c.rule]![lang === "id" ? 1 : 0] : val(c.rule)}</td>
                  <td>{c.purpose === "any" ? t("any", "semua") : val(c.purpose)}</td>
                  <td>{term(c)}</td>
                  <td data-testid="cap-value">{capValue(c, lang)}</td>
                  <td data-testid="cap-from">{dateWib(c.effective_from)}</td>
                  <td data-testid="cap-to">{c.effective_to ? dateWib(c.effective_to) : t("open-ended", "tanpa batas")}</td>
                  <td data-testid="cap-in-force">{inForce(c) ? t("in force", "berlaku") : "—"}</td>
                  <td>{c.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
