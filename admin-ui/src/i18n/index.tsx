// The dashboard's language: English or Bahasa Indonesia, chosen in the top bar and remembered in this browser
// (localStorage), defaulting to the browser's language. Texts are written where they are used, in both languages:
// `t("Loan account", "Akun pinjaman")`; column names and enum values go through the shared label tables.
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { columnLabel, valueLabel, type Lang } from "./labels.ts";

export type { Lang } from "./labels.ts";
const KEY = "kreditku.admin.lang";

function initial(): Lang {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === "en" || saved === "id") return saved;
  } catch {
    /* storage unavailable: fall through */
  }
  return typeof navigator !== "undefined" && navigator.language?.toLowerCase().startsWith("id") ? "id" : "en";
}

export interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  /** The text in the current language. */
  t(en: string, id: string): string;
  /** A column's human label. */
  col(name: string): string;
  /** A status/kind value's human label. */
  val(value: unknown): string;
}

const Ctx = createContext<I18n | null>(null);

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initial);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value: I18n = {
    lang,
    setLang(l) {
      try {
        localStorage.setItem(KEY, l);
      } catch {
        /* not remembered, still switched */
      }
      setLangState(l);
    },
    t: (en, id) => (lang === "id" ? id : en),
    col: (name) => columnLabel(name, lang),
    val: (v) => (v === null || v === undefined || v === "" ? "—" : valueLabel(String(v), lang)),
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** Outside a provider (unit tests of a component), English. */
const FALLBACK: I18n = { lang: "en", setLang() {}, t: (en) => en, col: (n) => columnLabel(n, "en"), val: (v) => (v == null || v === "" ? "—" : valueLabel(String(v), "en")) };

export function useI18n(): I18n {
  return useContext(Ctx) ?? FALLBACK;
}

export function LanguageSwitch() {
  const { lang, setLang } = useI18n();
  return (
    <select className="lang-switch" aria-label="Language / Bahasa" value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
      <option value="id">Bahasa Indonesia</option>
      <option value="en">English</option>
    </select>
  );
}
