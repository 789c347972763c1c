// PII masks shared by the record APIs and the feature routes (extensions reach them through src/runtime/index.ts).
export type MaskKind = "nik" | "account" | "phone" | "email" | "name" | "hide";

export function maskValue(kind: MaskKind, v: unknown): unknown {
  if (kind === "hide") return undefined;
  if (v === null || v === undefined) return v;
  const s = String(v);
  switch (kind) {
    case "nik": // 3174********0001
      return s.length <= 8 ? "*".repeat(s.length) : s.slice(0, 4) + "*".repeat(s.length - 8) + s.slice(-4);
    case "account": // ******7890 (bank account numbers: only the last 4 digits)
      return s.length <= 4 ? "*".repeat(s.length) : "*".repeat(s.length - 4) + s.slice(-4);
    case "phone": // +62812*****890
      return s.length <= 7 ? "*".repeat(s.length) : s.slice(0, 6) + "*".repeat(s.length - 9) + s.slice(-3);
    case "email": {
      const at = s.indexOf("@");
      return at <= 0 ? "***" : s[0] + "***" + s.slice(at);
    }
    case "name":
      return s
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => w[0] + "***")
        .join(" ");
  }
}

/** A string field masked with `kind` (null/undefined kept as they are). */
export function maskString<T extends string | null | undefined>(kind: Exclude<MaskKind, "hide">, v: T): T {
  return maskValue(kind, v) as T;
}
