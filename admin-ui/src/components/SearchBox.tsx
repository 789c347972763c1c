// One search box in the top bar (GET /api/v1/admin/search): borrowers by name, local phone (0812…), NIK, and
// applications and loans by id. Phone and NIK come back as the role may see them; results link to their pages.
import { useEffect, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, ApiError, qs } from "../api.ts";
import { phoneLocal, rupiah } from "../format.ts";
import { useI18n } from "../i18n/index.tsx";
import { useCapabilities } from "../capabilities.ts";
import { EP } from "../endpoints.ts";

export interface SearchResult {
  type: "borrower" | "application" | "loan";
  id: string;
  name: string | null;
  phone?: string | null;
  nik?: string | null;
  status?: string | null;
  userId?: string | null;
  principalAmount?: number | null;
  dpd?: number | null;
}

const HREF: Record<SearchResult["type"], string> = { borrower: "/borrowers/", application: "/applications/", loan: "/loans/" };

export function SearchBox() {
  const { t, val } = useI18n();
  const caps = useCapabilities();
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const h = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(h);
  }, [text]);
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, []);
  const res = useQuery({
    queryKey: ["search", q],
    enabled: q.length >= 2,
    staleTime: 5_000,
    queryFn: () => api<{ matchedAs: string[]; results: SearchResult[] }>(`${EP.search}${qs({ q })}`),
  });
  if (caps.ready && !caps.has(EP.search)) return null;
  const kind = { borrower: t("Borrower", "Peminjam"), application: t("Application", "Pengajuan"), loan: t("Loan", "Pinjaman") };
  const results = res.data?.results ?? [];
  return (
    <div
      className="global-search"
      ref={box}
      role="search"
      onKeyDown={(e) => {
        if (e.key === "Escape") setOpen(false);
      }}
    >
      <input
        type="search"
        name="global-search"
        aria-label={t("Find a borrower, loan or application: name, phone (0812…), NIK or id", "Temukan peminjam, pinjaman atau pengajuan: nama, telepon (0812…), NIK atau ID")}
        placeholder={t("Name, 0812…, NIK or id", "Nama, 0812…, NIK atau ID")}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            setQ(text.trim());
            setOpen(true);
          }
        }}
      />
      {open && q.length >= 2 && (
        <ul className="results" data-testid="search-results" aria-live="polite">
          {res.isLoading && <li className="muted">{t("Searching…", "Mencari…")}</li>}
          {res.error && <li className="form-error">{res.error instanceof ApiError ? res.error.message : String(res.error)}</li>}
          {res.data && results.length === 0 && <li className="muted">{t("Nothing found.", "Tidak ditemukan.")}</li>}
          {results.map((r) => (
            <li key={`${r.type}:${r.id}`} data-type={r.type} data-id={r.id}>
              <Link to={`${HREF[r.type]}${encodeURIComponent(r.id)}`} onClick={() => setOpen(false)}>
                <strong>{kind[r.type]}</strong> · {r.name ?? "—"}
                {r.status ? ` · ${val(r.status)}` : ""}
                <div className="muted">
                  {r.type === "borrower"
                    ? [r.phone ? phoneLocal(r.phone) : null, r.nik ? `NIK ${r.nik}` : null].filter(Boolean).join(" · ")
                    : [r.id.slice(0, 8), typeof r.principalAmount === "number" ? rupiah(r.principalAmount) : null, r.type === "loan" && typeof r.dpd === "number" ? `DPD ${r.dpd}` : null]
                        .filter(Boolean)
                        .join(" · ")}
                </div>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
