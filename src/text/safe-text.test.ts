// safeText over a table of spoofing and control characters, and the characters real names and notes need.
import { describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { normaliseText, safeText, stripUnsafeText, unsafeTextIssue } from "./safe-text.ts";

const name = safeText({ min: 2, max: 20 });
const note = safeText({ max: 200, multiline: true });

describe("refused, naming the character", () => {
  test.each([
    ["RIGHT-TO-LEFT OVERRIDE", "Budi\u202Egnatas", "bidirectional control character (U+202E at position 5)"],
    ["LEFT-TO-RIGHT EMBEDDING", "\u202ABudi", "bidirectional control character (U+202A"],
    ["POP DIRECTIONAL FORMATTING", "Budi\u202C", "bidirectional control character (U+202C"],
    ["RIGHT-TO-LEFT ISOLATE", "Bu\u2067di", "bidirectional control character (U+2067"],
    ["POP DIRECTIONAL ISOLATE", "Budi\u2069x", "bidirectional control character (U+2069"],
    ["LEFT-TO-RIGHT MARK", "Bu\u200Edi", "bidirectional control character (U+200E"],
    ["RIGHT-TO-LEFT MARK", "Bu\u200Fdi", "bidirectional control character (U+200F"],
    ["ARABIC LETTER MARK", "Bu\u061Cdi", "bidirectional control character (U+061C"],
    ["ZERO WIDTH SPACE", "Bu\u200Bdi", "zero-width character (U+200B"],
    ["ZERO WIDTH NON-JOINER", "Bu\u200Cdi", "zero-width character (U+200C"],
    ["ZERO WIDTH JOINER", "Bu\u200Ddi", "zero-width character (U+200D"],
    ["WORD JOINER", "Bu\u2060di", "zero-width character (U+2060"],
    ["BYTE ORDER MARK inside", "Bu\uFEFFdi", "zero-width character (U+FEFF"],
    ["SOFT HYPHEN", "Bu\u00ADdi", "invisible formatting character (U+00AD"],
    ["TAG LATIN SMALL LETTER A", "Budi\u{E0061}", "invisible formatting character (U+E0061"],
    ["NUL", "Bu\u0000di", "control character (U+0000"],
    ["BEL", "Bu\u0007di", "control character (U+0007"],
    ["ESC (terminal escape)", "\u001B[31mBudi", "control character (U+001B"],
    ["newline in a one-line field", "Budi\nSantoso", "control character (U+000A"],
    ["tab in a one-line field", "Budi\tSantoso", "control character (U+0009"],
    ["carriage return", "Budi\rSantoso", "control character (U+000D"],
    ["DEL", "Bu\u007Fdi", "control character (U+007F"],
    ["C1 NEXT LINE", "Bu\u0085di", "control character (U+0085"],
    ["C1 CSI", "Bu\u009Bdi", "control character (U+009B"],
    ["LINE SEPARATOR", "Bu\u2028di", "line or paragraph separator (U+2028"],
    ["PARAGRAPH SEPARATOR", "Bu\u2029di", "line or paragraph separator (U+2029"],
    ["lone high surrogate", "Bu\uD800di", "unpaired surrogate (U+D800"],
    ["lone low surrogate", "Budi\uDC00", "unpaired surrogate (U+DC00"],
    ["noncharacter", "Bu\uFFFEdi", "noncharacter (U+FFFE"],
  ])("%s", (_label, input, message) => {
    const r = name.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toContain(message);
    expect(r.error!.issues[0].message).toStartWith("must not contain");
  });
});

describe("accepted", () => {
  test.each([
    ["plain", "Siti Rahayu", "Siti Rahayu"],
    ["trimmed", "  Siti  ", "Siti"],
    ["leading byte order mark is whitespace to trim", "\uFEFFSiti", "Siti"],
    ["NFC: e + combining acute → é", "Andre\u0301", "Andr\u00e9"],
    ["Indonesian and other scripts", "Ñoño Ünal", "Ñoño Ünal"],
    ["Arabic name", "محمد", "محمد"],
    ["Chinese name", "林美玲", "林美玲"],
    ["apostrophe and hyphen", "O'Neil-Putri", "O'Neil-Putri"],
    ["astral (emoji) characters", "Budi 😀", "Budi 😀"],
  ])("%s", (_label, input, output) => {
    expect(name.parse(input)).toBe(output);
  });

  test("multi-line notes keep newlines and tabs, \\r\\n and \\r become \\n; other controls are still refused", () => {
    expect(note.parse("line 1\r\nline 2\rline 3\n\tindented")).toBe("line 1\nline 2\nline 3\n\tindented");
    expect(note.safeParse("ok\u202Egnp.exe").error!.issues[0].message).toContain("U+202E");
    expect(note.safeParse("ok\u0000").error!.issues[0].message).toContain("U+0000");
    expect(note.safeParse("ok\u2028x").error!.issues[0].message).toContain("U+2028");
  });

  test("length limits apply after trimming and normalising", () => {
    expect(name.safeParse("  a  ").success).toBe(false);
    expect(name.safeParse("x".repeat(21)).success).toBe(false);
    expect(name.safeParse(" " + "x".repeat(20) + " ").success).toBe(true);
    expect(name.safeParse(" ").success).toBe(false);
  });

  test("composes with optional/default and names the failing field in an object", () => {
    const schema = z.object({ person: z.object({ name: safeText({ min: 2, max: 50 }) }), remark: safeText({ max: 100 }).optional() });
    expect(schema.parse({ person: { name: "Budi" } })).toEqual({ person: { name: "Budi" } });
    const r = schema.safeParse({ person: { name: "Bu\u202Edi" }, remark: "fine" });
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(["person.name"]);
  });

  test("non-strings are refused as before", () => {
    expect(name.safeParse(42).success).toBe(false);
    expect(name.safeParse(null).success).toBe(false);
  });
});

test("helpers: unsafeTextIssue, stripUnsafeText, normaliseText", () => {
  expect(unsafeTextIssue("fine")).toBeNull();
  expect(unsafeTextIssue("a\nb", { multiline: true })).toBeNull();
  expect(unsafeTextIssue("a\r\nb", { multiline: true })).toBeNull();
  expect(unsafeTextIssue("a\nb")).toContain("U+000A");
  expect(stripUnsafeText("a\u202Eb\u200Bc\u0000d\ne\uD800")).toBe("abcde");
  expect(normaliseText(" e\u0301 ")).toBe("\u00e9");
});
