import { useEffect, useState } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, dateWib, number, rupiah } from "../api.ts";
import { useI18n } from "../i18n/index.tsx";
import { useAuth } from "../auth.tsx";
import { ppmPercent, RecordTable } from "../components/RecordTable.tsx";
import { ErrorState, Loading, FormProblem } from "../components/States.tsx";
import { EP, T } from "../endpoints.ts";
import { History } from "../components/History.tsx";
import { useCapabilities } from "../capabilities.ts";
import { INTEREST_METHODS, PURPOSES, TENOR_UNITS, type InterestMethod, type Purpose, type TenorUnit } from "../../../schemas/enums.ts";

interface ProductForm {
  id?: string;
  code: string;
  name: string;
  description: string;
  purpose: Purpose;
  minAmount: number;
  maxAmount: number;
  minTenor: number;
  maxTenor: number;
  tenorUnit: TenorUnit;
  interestMethod: InterestMethod;
  interestRatePpm: number;
  upfrontFeePpm: number;
  adminFeeAmount: number;
  lateFeePpm: number;
  graceDays: number;
  active: boolean;
}

const EMPTY: ProductForm = {
  code: "",
  name: "",
  description: "",
  purpose: "consumptive",
  minAmount: 1_000_000,
  maxAmount: 5_000_000,
  minTenor: 1,
  maxTenor: 6,
  tenorUnit: "months",
  interestMethod: "flat",
  interestRatePpm: 10_000,
  upfrontFeePpm: 0,
  adminFeeAmount: 0,
  lateFeePpm: 1_000,
  graceDays: 3,
  active: true,
};

/** The editable fields of a product as GET /api/v1/admin/products/{id} returns it (the record API lacks some, e.g. description). */
function fromProduct(p: Record<string, any>): ProductForm {
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    description: p.description ?? "",
    purpose: p.purpose,
    minAmount: p.minAmount,
    maxAmount: p.maxAmount,
    minTenor: p.minTenor,
    maxTenor: p.maxTenor,
    tenorUnit: p.tenorUnit,
    interestMethod: p.interestMethod,
    interestRatePpm: p.interestRatePpm,
    upfrontFeePpm: p.upfrontFeePpm ?? 0,
    adminFeeAmount: p.adminFeeAmount ?? 0,
    lateFeePpm: p.lateFeePpm ?? 0,
    graceDays: p.graceDays ?? 0,
    active: p.active === true,
  };
}

/**
 * Edits an existing product: loads the whole product from its own API, then saves it with the user's changes on top
 * (PUT replaces every term, so the body is the loaded product plus what changed, never a partial row).
 */
function ExistingEditor({ id, onDone }: { id: string; onDone: () => void }) {
  const q = useQuery({ queryKey: ["product", id], queryFn: () => api<Record<string, unknown>>(EP.product(id)), gcTime: 0 });
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorState error={q.error} retry={() => q.refetch()} />;
  return <Editor initial={fromProduct(q.data!)} onDone={onDone} />;
}

const AMOUNT_FIELDS: [keyof ProductForm, string, string][] = [
  ["minAmount", "Min amount (Rp)", "Jumlah minimum (Rp)"],
  ["maxAmount", "Max amount (Rp)", "Jumlah maksimum (Rp)"],
  ["minTenor", "Min tenor", "Tenor minimum"],
  ["maxTenor", "Max tenor", "Tenor maksimum"],
  ["adminFeeAmount", "Admin fee (Rp)", "Biaya admin (Rp)"],
  ["graceDays", "Grace days", "Masa tenggang (hari)"],
];

type RateField = "interestRatePpm" | "upfrontFeePpm" | "lateFeePpm";
const RATE_FIELDS: RateField[] = ["interestRatePpm", "upfrontFeePpm", "lateFeePpm"];

/** ppm as a percentage typed by staff, exactly (1 % = 10.000 ppm): 2000 → "0,2"; 12345 → "1,2345". */
export function ppmToPercentText(ppm: number): string {
  const whole = Math.floor(ppm / 10_000);
  const frac = String(ppm % 10_000).padStart(4, "0").replace(/0+$/, "");
  return frac ? `${whole},${frac}` : String(whole);
}

/** A typed percentage ("0,2", "0.2", "1,2345 %") as whole ppm, exactly with integers; null when not one (more than 4 decimals is finer than a ppm). */
export function percentTextToPpm(text: string): number | null {
  const m = /^(\d{1,3})(?:[.,](\d{1,4}))?$/.exec(text.trim().replace(/\s*%$/, ""));
  if (!m) return null;
  return Number(m[1]) * 10_000 + Number((m[2] ?? "").padEnd(4, "0"));
}

interface Figure {
  figurePpm: number;
  capPpm: number | null;
  capId: string | null;
  effectiveFrom: string | null;
  source: string | null;
  within: boolean;
  at: { amount: number; tenor: number; termDays: number };
}
interface PricingCheck {
  date: string;
  dailyCost: Figure;
  totalCost: Figure;
  lateFee: Figure;
  violations: { rule: string; message: string }[];
}

/** The product's worst-case daily cost (and total cost, late fee) against the caps in force, as the terms are typed. */
function CostCheck({ f }: { f: ProductForm }) {
  const { t, val } = useI18n();
  const terms = {
    purpose: f.purpose,
    minAmount: f.minAmount,
    maxAmount: f.maxAmount,
    minTenor: f.minTenor,
    maxTenor: f.maxTenor,
    tenorUnit: f.tenorUnit,
    interestMethod: f.interestMethod,
    interestRatePpm: f.interestRatePpm,
    upfrontFeePpm: f.upfrontFeePpm,
    adminFeeAmount: f.adminFeeAmount,
    lateFeePpm: f.lateFeePpm,
  };
  const key = JSON.stringify(terms);
  const [debounced, setDebounced] = useState(key);
  useEffect(() => {
    const h = setTimeout(() => setDebounced(key), 300);
    return () => clearTimeout(h);
  }, [key]);
  const valid = [f.minAmount, f.maxAmount, f.minTenor, f.maxTenor, f.interestRatePpm, f.upfrontFeePpm, f.adminFeeAmount, f.lateFeePpm].every((n) => Number.isInteger(n) && n >= 0) && f.minAmount > 0 && f.minTenor > 0;
  const q = useQuery({
    queryKey: ["pricing-check", debounced],
    enabled: valid,
    retry: false,
    placeholderData: keepPreviousData,
    queryFn: () => api<PricingCheck>(EP.pricingCheck, { method: "POST", json: JSON.parse(debounced) }),
  });
  if (!valid) return <div className="cost-check">{t("Enter whole numbers to see the daily cost.", "Isi angka bulat untuk melihat biaya harian.")}</div>;
  if (q.error) return <div className="cost-check over">{q.error instanceof ApiError ? q.error.message : String(q.error)}</div>;
  if (!q.data) return <div className="cost-check">{t("Checking against the caps in force…", "Memeriksa batas yang berlaku…")}</div>;
  const d = q.data.dailyCost;
  const line = (label: string, x: Figure, perDay: boolean) => (
    <div>
      <strong>{label}:</strong> {ppmPercent(x.figurePpm)}
      {perDay ? t(" per day", " per hari") : ""} ·{" "}
      {x.capPpm === null
        ? t("no cap in force", "tidak ada batas yang berlaku")
        : t(
            `cap ${ppmPercent(x.capPpm)}${perDay ? " per day" : ""} in force since ${dateWib(x.effectiveFrom)}`,
            `batas ${ppmPercent(x.capPpm)}${perDay ? " per hari" : ""} berlaku sejak ${dateWib(x.effectiveFrom)}`,
          )}{" "}
      {x.within ? "✓" : <strong>{t("— above the cap", "— melebihi batas")}</strong>}
      <span className="muted">
        {" "}
        ({t("worst case", "kasus terburuk")}: {rupiah(x.at.amount)} × {number(x.at.tenor)} {val(f.tenorUnit)}, {number(x.at.termDays)} {t("days", "hari")}
        {x.source ? ` · ${x.source}` : ""})
      </span>
    </div>
  );
  const over = !d.within || !q.data.totalCost.within || !q.data.lateFee.within;
  return (
    <div className={`cost-check ${over ? "over" : "ok"}`} data-testid="cost-check" data-daily-ppm={d.figurePpm} data-cap-ppm={d.capPpm ?? ""} aria-live="polite">
      {line(t("Daily cost (interest + fees)", "Biaya harian (bunga + biaya)"), d, true)}
      {line(t("Total cost", "Total biaya"), q.data.totalCost, false)}
      {line(t("Late fee", "Denda keterlambatan"), q.data.lateFee, true)}
    </div>
  );
}

function Editor({ initial, onDone }: { initial: ProductForm; onDone: () => void }) {
  const { t, val } = useI18n();
  const [f, setF] = useState<ProductForm>(initial);
  const [rates, setRates] = useState<Record<RateField, string>>(() => ({
    interestRatePpm: ppmToPercentText(initial.interestRatePpm),
    upfrontFeePpm: ppmToPercentText(initial.upfrontFeePpm),
    lateFeePpm: ppmToPercentText(initial.lateFeePpm),
  }));
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: () => {
      const { id, ...body } = f;
      if (id) {
        // the loaded product with only the fields the user changed replaced
        const changed = Object.fromEntries(Object.entries(body).filter(([k, v]) => initial[k as keyof ProductForm] !== v));
        const { id: _id, ...loaded } = initial;
        return api(EP.product(id), { method: "PUT", json: { ...loaded, ...changed } });
      }
      return api(EP.products, { method: "POST", json: body, headers: { "Idempotency-Key": `product-${f.code}-${Date.now()}` } });
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["record", "products"] });
      if (f.id) qc.removeQueries({ queryKey: ["product", f.id] });
      onDone();
    },
  });
  const err = save.error as ApiError | null;
  const set = <K extends keyof ProductForm>(k: K, v: ProductForm[K]) => setF({ ...f, [k]: v });
  const unit = val(f.tenorUnit);
  const rateLabel: Record<RateField, string> = {
    interestRatePpm: t(`Interest rate (% per ${unit.replace(/s$/, "")})`, `Suku bunga (% per ${unit})`),
    upfrontFeePpm: t("Upfront fee (% of principal)", "Biaya di muka (% dari pokok)"),
    lateFeePpm: t("Late fee (% per day)", "Denda (% per hari)"),
  };
  const badRate = RATE_FIELDS.some((k) => percentTextToPpm(rates[k]) === null);
  return (
    <form
      className="card editor"
      aria-label={t("Product editor", "Editor produk")}
      onSubmit={(e) => {
        e.preventDefault();
        if (!badRate) save.mutate();
      }}
    >
      <h2>{f.id ? t(`Edit ${f.code}`, `Ubah ${f.code}`) : t("New product", "Produk baru")}</h2>
      <div className="grid">
        <label>
          {t("Code", "Kode")}
          <input name="code" required value={f.code} onChange={(e) => set("code", e.target.value)} />
        </label>
        <label>
          {t("Name", "Nama")}
          <input name="name" required value={f.name} onChange={(e) => set("name", e.target.value)} />
        </label>
        <label>
          {t("Purpose", "Tujuan")}
          <select name="purpose" value={f.purpose} onChange={(e) => set("purpose", e.target.value as ProductForm["purpose"])}>
            {PURPOSES.map((p) => (
              <option key={p} value={p}>
                {val(p)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("Tenor unit", "Satuan tenor")}
          <select name="tenorUnit" value={f.tenorUnit} onChange={(e) => set("tenorUnit", e.target.value as ProductForm["tenorUnit"])}>
            {TENOR_UNITS.map((u) => (
              <option key={u} value={u}>
                {val(u)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("Interest method", "Metode bunga")}
          <select name="interestMethod" value={f.interestMethod} onChange={(e) => set("interestMethod", e.target.value as ProductForm["interestMethod"])}>
            {INTEREST_METHODS.map((m) => (
              <option key={m} value={m}>
                {val(m)}
              </option>
            ))}
          </select>
        </label>
        {AMOUNT_FIELDS.map(([k, en, id]) => (
          <label key={k}>
            {t(en, id)}
            <input name={k} type="number" min={0} step={1} required value={String(f[k])} onChange={(e) => set(k, Number(e.target.value) as never)} />
            {k.endsWith("Amount") && <span className="muted">{rupiah(f[k])}</span>}
          </label>
        ))}
        {RATE_FIELDS.map((k) => {
          const ppm = percentTextToPpm(rates[k]);
          return (
            <label key={k}>
              {rateLabel[k]}
              <input
                name={k}
                inputMode="decimal"
                required
                aria-invalid={ppm === null}
                value={rates[k]}
                onChange={(e) => {
                  const text = e.target.value;
                  setRates({ ...rates, [k]: text });
                  const v = percentTextToPpm(text);
                  if (v !== null) set(k, v);
                }}
              />
              {ppm === null ? <span className="form-error">{t("A percentage with at most 4 decimals, e.g. 0,2", "Persentase dengan paling banyak 4 desimal, mis. 0,2")}</span> : <span className="muted">{number(ppm)} ppm</span>}
            </label>
          );
        })}
        <label className="check">
          <input type="checkbox" name="active" checked={f.active} onChange={(e) => set("active", e.target.checked)} /> {t("Active", "Aktif")}
        </label>
      </div>
      <CostCheck f={f} />
      <label>
        {t("Description", "Deskripsi")}
        <textarea name="description" value={f.description} onChange={(e) => set("description", e.target.value)} />
      </label>
      {err && <FormProblem error={err} />}
      <div className="row">
        <button type="submit" disabled={save.isPending || badRate}>
          {save.isPending ? t("Saving…", "Menyimpan…") : t("Save", "Simpan")}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          {t("Cancel", "Batal")}
        </button>
      </div>
    </form>
  );
}

export function Products() {
  const { t } = useI18n();
  const { user } = useAuth();
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const caps = useCapabilities();
  const admin = user?.role === "admin" && caps.has(T.products, "post");
  return (
    <div className="page">
      <div className="row spread">
        <h1>{t("Products", "Produk")}</h1>
        {admin && !editing && (
          <button type="button" onClick={() => setEditing({})}>
            {t("New product", "Produk baru")}
          </button>
        )}
      </div>
      <p className="muted">
        {t(
          "Rates are in percent (1 % = 10.000 ppm). Terms are checked against the regulatory caps in force as you type and again when saved.",
          "Tarif dalam persen (1 % = 10.000 ppm). Ketentuan diperiksa terhadap batas regulasi yang berlaku saat diketik dan saat disimpan.",
        )}
      </p>
      {editing && (editing.id ? <ExistingEditor key={editing.id} id={editing.id} onDone={() => setEditing(null)} /> : <Editor key="new" initial={{ ...EMPTY }} onDone={() => setEditing(null)} />)}
      {editing?.id && <History entityType="product" entityId={editing.id} title={t("This product's history", "Riwayat produk ini")} />}
      <RecordTable
        record="products"
        columns={["code", "name", "purpose", "min_amount", "max_amount", "max_tenor", "tenor_unit", "interest_method", "interest_rate_ppm", "late_fee_ppm", "active"]}
        options={{ purpose: PURPOSES, interest_method: INTEREST_METHODS, tenor_unit: TENOR_UNITS }}
        actions={
          admin
            ? (r) => (
                <button type="button" className="small" onClick={() => setEditing({ id: String(r.id) })}>
                  {t("Edit", "Ubah")}
                </button>
              )
            : undefined
        }
      />
    </div>
  );
}
