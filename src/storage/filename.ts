// File names of stored documents and the Content-Disposition they are served with. The client's name is only a
// label: its directory part, its extension and every character that could hide or reorder text are dropped, and
// the extension comes from the type the server detected, so `selfie.html` holding a JPEG downloads as `selfie.jpg`.
import { stripUnsafeText } from "../text/safe-text.ts";

/** Longest base name kept (code points, before the extension). */
export const MAX_BASE_NAME = 100;

const KNOWN_EXTENSION = /\.(jpe?g|jfif|png|pdf)$/i;

/** The name without directories, invisible/control characters, quotes or reserved characters; whitespace collapsed. */
export function cleanFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  return stripUnsafeText(base.normalize("NFC"))
    .replace(/["'`<>:*?|;%]/g, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+|[\s.]+$/g, "");
}

/**
 * The stored and served name of a document: the client's base name, cleaned and capped, without its extension
 * (one extension, and a second one when it is an image/PDF extension), plus the extension of the detected type.
 * `fallback` (the document kind) is used when nothing of the client's name is left.
 */
export function documentFilename(clientName: string | null | undefined, extension: string, fallback: string): string {
  let base = cleanFileName(clientName ?? "");
  base = base.replace(/\.[A-Za-z0-9]{1,10}$/, "");
  base = base.replace(KNOWN_EXTENSION, "");
  base = Array.from(base).slice(0, MAX_BASE_NAME).join("").replace(/[\s.]+$/g, "");
  if (!base) base = cleanFileName(fallback) || "document";
  return `${base}.${extension}`;
}

/** RFC 8187 value-chars: percent-encode everything outside attr-char. */
function encodeRfc8187(s: string): string {
  return encodeURIComponent(s).replace(/['()*!]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): the name cleaned again (served names may come from old
 * rows), an ASCII-only quoted fallback, and the UTF-8 name percent-encoded.
 */
export function contentDisposition(filename: string): string {
  const name = cleanFileName(filename) || "document";
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeRfc8187(name)}`;
}
