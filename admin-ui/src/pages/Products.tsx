import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "../api.ts";
import { useAuth } from "../auth.tsx";
import { RecordTable } from "../components/RecordTable.tsx";
import { ErrorState, Loading, FormProblem } from "../components/States.tsx";
import { EP, T } from "../endpoints.ts";
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

const NUMBER_FIELDS: [keyof ProductForm, string][] = [
  ["minAmount", "Min amount (Rp)"],
  ["maxAmount", "Max amount (Rp)"],
  ["minTenor", "Min tenor"],
  ["maxTenor", "Max tenor"],
  ["interestRatePpm", "Interest rate (ppm per term)"],
  ["upfrontFeePpm", "Upfront fee (ppm)"],
  ["adminFeeAmount", "Admin fee (Rp)"],
  ["lateFeePpm", "Late fee (ppm/day)"],
  ["graceDays", "Grace days"],
];

function Editor({ initial, onDone }: { initial: ProductForm; onDone: () => void }) {
  const [f, setF] = useState<ProductForm>(initial);
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
  return (
    <form
      className="card editor"
      aria-label="Product editor"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2>{f.id ? `Edit ${f.code}` : "New product"}</h2>
      <div className="grid">
        <label>
          Code
          <input name="code" required value={f.code} onChange={(e) => set("code", e.target.value)} />
        </label>
        <label>
          Name
          <input name="name" required value={f.name} onChange={(e) => set("name", e.target.value)} />
        </label>
        <label>
          Purpose
          <select name="purpose" value={f.purpose} onChange={(e) => set("purpose", e.target.value as ProductForm["purpose"])}>
            {PURPOSES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tenor unit
          <select name="tenorUnit" value={f.tenorUnit} onChange={(e) => set("tenorUnit", e.target.value as ProductForm["tenorUnit"])}>
            {TENOR_UNITS.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </label>
        <label>
          Interest method
          <select name="interestMethod" value={f.interestMethod} onChange={(e) => set("interestMethod", e.target.value as ProductForm["interestMethod"])}>
            {INTEREST_METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        {NUMBER_FIELDS.map(([k, label]) => (
          <label key={k}>
            {label}
            <input name={k} type="number" min={0} required value={String(f[k])} onChange={(e) => set(k, Number(e.target.value) as never)} />
          </label>
        ))}
        <label className="check">
          <input type="checkbox" name="active" checked={f.active} onChange={(e) => set("active", e.target.checked)} /> Active
        </label>
      </div>
      <label>
        Description
        <textarea name="description" value={f.description} onChange={(e) => set("description", e.target.value)} />
      </label>
      {err && <FormProblem error={err} />}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function Products() {
  const { user } = useAuth();
  const [editing, setEditing] = useState<{ id?: string } | null>(null);
  const caps = useCapabilities();
  const admin = user?.role === "admin" && caps.has(T.products, "post");
  return (
    <div className="page">
      <div className="row spread">
        <h1>Products</h1>
        {admin && !editing && (
          <button type="button" onClick={() => setEditing({})}>
            New product
          </button>
        )}
      </div>
      <p className="muted">Terms are checked against the regulatory caps in force when saved; rates are parts per million.</p>
      {editing && (editing.id ? <ExistingEditor key={editing.id} id={editing.id} onDone={() => setEditing(null)} /> : <Editor key="new" initial={{ ...EMPTY }} onDone={() => setEditing(null)} />)}
      <RecordTable
        record="products"
        columns={["code", "name", "purpose", "min_amount", "max_amount", "max_tenor", "tenor_unit", "interest_method", "interest_rate_ppm", "active"]}
        options={{ purpose: PURPOSES, interest_method: INTEREST_METHODS, tenor_unit: TENOR_UNITS }}
        actions={
          admin
            ? (r) => (
                <button type="button" className="small" onClick={() => setEditing({ id: String(r.id) })}>
                  Edit
                </button>
              )
            : undefined
        }
      />
    </div>
  );
}
