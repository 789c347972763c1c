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

// ---------------------------------------------------------------- policy
// One rule per kind of personal data: which roles see it in clear, and how it is masked for everyone else. The
// record APIs (column `pii`), the feature routes' staff views and exports all take their masking from one policy,
// so a field cannot be masked in one place and clear in another.

/** The caller's role (a user with no role, or no user, sees every field masked). */
export type PiiRole = "borrower" | "analyst" | "finance" | "admin";

export interface PiiRule {
  /** Roles that see the value in clear. */
  clearFor: readonly PiiRole[];
  /** How everyone else sees it (`hide`: the field is left out). */
  mask: MaskKind;
}

export interface PiiPolicy<F extends string> {
  readonly rules: Readonly<Record<F, PiiRule>>;
  /** Does `role` see `field` in clear? */
  isClear(field: F, role: PiiRole | undefined): boolean;
  /** The value as `role` may see it: unchanged, masked, or undefined when hidden. */
  show(field: F, role: PiiRole | undefined, value: unknown): unknown;
  /** The record-API column option for `field` (ColumnDecl.pii); it names the field, which the policy's extension registers. */
  column(field: F): { visibleTo: PiiRole[]; mask: MaskKind; field: F };
  /**
   * A copy of a view object with every listed path (`"a.b"` → field) shown as `role` may see it; hidden fields are
   * left out. Paths that are absent from the object are skipped.
   */
  view<T>(obj: T, role: PiiRole | undefined, paths: Readonly<Record<string, F>>): T;
}

export function definePiiPolicy<F extends string>(rules: Record<F, PiiRule>): PiiPolicy<F> {
  const frozen = Object.freeze(Object.fromEntries(Object.entries<PiiRule>(rules).map(([k, r]) => [k, Object.freeze({ clearFor: Object.freeze([...r.clearFor]), mask: r.mask })]))) as Readonly<Record<F, PiiRule>>;
  const rule = (field: F): PiiRule => {
    if (!Object.hasOwn(frozen, field)) throw new Error(`no PII rule for ${field}`);
    return frozen[field];
  };
  const isClear = (field: F, role: PiiRole | undefined) => !!role && rule(field).clearFor.includes(role);
  const show = (field: F, role: PiiRole | undefined, value: unknown) => (isClear(field, role) ? value : maskValue(rule(field).mask, value));
  return {
    rules: frozen,
    isClear,
    show,
    column: (field) => ({ visibleTo: [...rule(field).clearFor], mask: rule(field).mask, field }),
    view(obj, role, paths) {
      const copy = structuredClone(obj);
      for (const [path, field] of Object.entries(paths) as [string, F][]) {
        const keys = path.split(".");
        const isObject = (v: unknown): v is Record<string, unknown> => v != null && typeof v === "object";
        let parent: unknown = copy;
        for (const k of keys.slice(0, -1)) parent = isObject(parent) && Object.hasOwn(parent, k) ? parent[k] : undefined;
        const last = keys[keys.length - 1];
        if (!isObject(parent) || !Object.hasOwn(parent, last)) continue;
        const shown = show(field, role, parent[last]);
        if (shown === undefined) delete parent[last];
        else parent[last] = shown;
      }
      return copy;
    },
  };
}
