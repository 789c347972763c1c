// Person-facing text (names, addresses, notes, reasons) that staff read on the dashboard and borrowers read in the
// app: characters that can make text display differently from what it is are refused, not stored.
//
// Refused: C0/C1 control characters (a multi-line field keeps \n and \t; \r\n and \r become \n), every Unicode
// format character (general category Cf: the bidirectional embeddings, overrides, isolates and marks U+202A–U+202E,
// U+2066–U+2069, U+200E/U+200F, U+061C; the zero-width characters U+200B–U+200D, U+2060, U+FEFF; soft hyphen;
// invisible tag characters), line and paragraph separators U+2028/U+2029, lone surrogates and the noncharacters
// U+FFFE/U+FFFF. Accepted text is NFC-normalised and trimmed, so two spellings of one name compare equal.
import { z } from "@hono/zod-openapi";

const SINGLE_LINE_UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFE\uFFFF]/u;
const MULTI_LINE_UNSAFE = /[^\P{Cc}\n\t]|[\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFE\uFFFF]/u;
const UNSAFE_GLOBAL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFE\uFFFF]/gu;

export interface SafeTextOptions {
  /** Newlines (and tabs) allowed: notes, reasons, descriptions. */
  multiline?: boolean;
}

const codePoint = (ch: string) => "U+" + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");

function kindOf(ch: string): string {
  const cp = ch.codePointAt(0)!;
  if (/\p{Cs}/u.test(ch)) return "an unpaired surrogate";
  if (cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) return "a bidirectional control character";
  if ((cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff) return "a zero-width character";
  if (/\p{Cc}/u.test(ch)) return "a control character";
  if (/[\p{Zl}\p{Zp}]/u.test(ch)) return "a line or paragraph separator";
  if (cp === 0xfffe || cp === 0xffff) return "a noncharacter";
  return "an invisible formatting character";
}

/** Why `s` is not safe to show (the first offending character, named by code point), or null when it is. */
export function unsafeTextIssue(s: string, opts: SafeTextOptions = {}): string | null {
  const text = opts.multiline ? s.replace(/\r\n?/g, "\n") : s;
  const m = (opts.multiline ? MULTI_LINE_UNSAFE : SINGLE_LINE_UNSAFE).exec(text);
  if (!m) return null;
  const ch = m[0];
  return `must not contain ${kindOf(ch)} (${codePoint(ch)} at position ${m.index + 1})`;
}

/** Every character that `unsafeTextIssue` refuses (newlines and tabs included), removed; for names the server derives. */
export function stripUnsafeText(s: string): string {
  return s.replace(UNSAFE_GLOBAL, "");
}

/** NFC-normalised and trimmed; \r\n and \r as \n when multi-line. */
export function normaliseText(s: string, opts: SafeTextOptions = {}): string {
  const n = s.normalize("NFC").trim();
  return opts.multiline ? n.replace(/\r\n?/g, "\n") : n;
}

/**
 * A zod string for person-facing text: NFC-normalised and trimmed, then refused (422 naming the field) when it holds
 * a character from the list above, then checked against `min`/`max` (in UTF-16 code units, like z.string()).
 */
export function safeText(opts: SafeTextOptions & { min?: number; max: number }) {
  let s = z
    .string()
    .overwrite((v) => normaliseText(v, opts))
    .check((ctx) => {
      const issue = unsafeTextIssue(ctx.value, opts);
      if (issue) ctx.issues.push({ code: "custom", message: issue, input: ctx.value });
    });
  if (opts.min !== undefined && opts.min > 0) s = s.min(opts.min);
  return s.max(opts.max);
}
