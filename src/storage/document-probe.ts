// What an uploaded document is, decided by its structure (never by the client's name or Content-Type): a JPEG or
// PNG whose headers parse to plausible dimensions and whose end marker is present, or a PDF with a header and a
// startxref/%%EOF trailer. Pure: bytes in, verdict out; nothing is decoded beyond the headers.

export type DocumentContentType = "image/jpeg" | "image/png" | "application/pdf";

export const EXTENSION_OF: Record<DocumentContentType, "jpg" | "png" | "pdf"> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "application/pdf": "pdf",
};

export interface ProbeLimits {
  /** Smallest width and height of an image, pixels (a KTP or selfie photo smaller than this cannot be read). */
  minSide: number;
  /** Largest width and height of an image, pixels. */
  maxSide: number;
}

export const DEFAULT_PROBE_LIMITS: ProbeLimits = { minSide: 100, maxSide: 20_000 };

export type ProbeResult =
  | { ok: true; contentType: DocumentContentType; extension: "jpg" | "png" | "pdf"; width?: number; height?: number }
  /** contentType null: not a JPEG, PNG or PDF at all; otherwise it starts like one but is not a valid one. */
  | { ok: false; contentType: DocumentContentType | null; reason: string };

class Invalid extends Error {}
function fail(reason: string): never {
  throw new Invalid(reason);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format a file claims by its first bytes. */
export function signatureOf(b: Uint8Array): DocumentContentType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return "image/png";
  if (b.length >= 5 && b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46 && b[4] === 0x2d) return "application/pdf";
  return null;
}

export function probeDocument(b: Uint8Array, limits: ProbeLimits = DEFAULT_PROBE_LIMITS): ProbeResult {
  const contentType = signatureOf(b);
  if (!contentType) return { ok: false, contentType: null, reason: "not a JPEG, PNG or PDF file" };
  try {
    if (contentType === "application/pdf") {
      probePdf(b);
      return { ok: true, contentType, extension: "pdf" };
    }
    const { width, height } = contentType === "image/jpeg" ? probeJpeg(b) : probePng(b);
    if (width === 0 || height === 0) fail(`the image has no pixels (${width}×${height})`);
    if (width < limits.minSide || height < limits.minSide) fail(`the image is ${width}×${height} pixels; at least ${limits.minSide}×${limits.minSide} is needed to read it`);
    if (width > limits.maxSide || height > limits.maxSide) fail(`the image is ${width}×${height} pixels; at most ${limits.maxSide}×${limits.maxSide} is accepted`);
    return { ok: true, contentType, extension: EXTENSION_OF[contentType], width, height };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, contentType, reason: e.message };
    throw e;
  }
}

// ---------- JPEG (ITU T.81) ----------

/** Frame headers: baseline, extended, progressive and lossless, Huffman or arithmetic (not DHT C4, JPG C8, DAC CC). */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const hex = (m: number) => "0x" + m.toString(16).toUpperCase().padStart(2, "0");

/**
 * Walks the marker segments from SOI: every segment's length must fit in the file, exactly one frame header (SOFn)
 * must come before the first scan (SOS), and the entropy-coded data must end in EOI. Bytes after EOI (phone cameras
 * append multi-picture data there) are not read.
 */
function probeJpeg(b: Uint8Array): { width: number; height: number } {
  let frame: { width: number; height: number } | null = null;
  let scans = 0;
  let i = 2;
  for (;;) {
    if (i >= b.length) fail(frame ? "the JPEG is truncated: it ends before the end-of-image marker" : "the JPEG is truncated: it ends before its frame header (SOF)");
    if (b[i] !== 0xff) fail(`the JPEG is corrupt: expected a marker at byte ${i}`);
    while (i < b.length && b[i] === 0xff) i++;
    if (i >= b.length) fail("the JPEG is truncated: it ends inside a marker");
    const m = b[i++];
    if (m === 0xd9) {
      if (!frame) fail("the JPEG has no frame header (SOF) before its end");
      if (scans === 0) fail("the JPEG has no image data (SOS) before its end");
      return frame!;
    }
    if (m === 0x00 || m === 0xd8 || (m >= 0xd0 && m <= 0xd7)) fail(`the JPEG is corrupt: unexpected marker ${hex(m)} at byte ${i - 1}`);
    if (m === 0x01) continue; // TEM: no length
    if (m < 0xc0) fail(`the JPEG is corrupt: reserved marker ${hex(m)} at byte ${i - 1}`);
    if (i + 2 > b.length) fail("the JPEG is truncated: it ends inside a segment header");
    const len = (b[i] << 8) | b[i + 1];
    if (len < 2) fail(`the JPEG is corrupt: segment ${hex(m)} has length ${len}`);
    if (i + len > b.length) fail(`the JPEG is truncated: segment ${hex(m)} needs ${len} bytes but ${b.length - i} remain`);
    const s = i + 2;
    const end = i + len;
    if (SOF_MARKERS.has(m)) {
      if (frame) fail("the JPEG has more than one frame header (SOF)");
      if (len < 8) fail("the JPEG's frame header is too short");
      const precision = b[s];
      const height = (b[s + 1] << 8) | b[s + 2];
      const width = (b[s + 3] << 8) | b[s + 4];
      const components = b[s + 5];
      if (precision < 2 || precision > 16) fail(`the JPEG's sample precision ${precision} is not valid`);
      if (components < 1 || components > 4) fail(`the JPEG has ${components} colour components`);
      if (len !== 8 + 3 * components) fail("the JPEG's frame header length does not match its components");
      for (let c = 0; c < components; c++) {
        const hv = b[s + 7 + 3 * c];
        const h = hv >> 4;
        const v = hv & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) fail("the JPEG's sampling factors are not valid");
      }
      frame = { width, height };
      i = end;
    } else if (m === 0xda) {
      if (!frame) fail("the JPEG's image data (SOS) comes before its frame header (SOF)");
      const n = b[s];
      if (n < 1 || n > 4 || len !== 6 + 2 * n) fail("the JPEG's scan header is not valid");
      scans++;
      i = skipEntropyCoded(b, end);
    } else {
      i = end; // APPn, DQT, DHT, DRI, COM, DNL, DAC, JPGn: skipped by their length
    }
  }
}

/** From `from` (just after an SOS header), the offset of the next marker other than a stuffed 0xFF00 or an RSTn. */
function skipEntropyCoded(b: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const j = b.indexOf(0xff, i);
    if (j < 0 || j + 1 >= b.length) fail("the JPEG is truncated: its image data has no end-of-image marker");
    const next = b[j + 1];
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      i = j + 2;
      continue;
    }
    return j;
  }
}

// ---------- PNG (ISO/IEC 15948) ----------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array, from = 0, to = b.length): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const typeOf = (b: Uint8Array, i: number) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);

const PNG_BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * Signature, then IHDR first (13 bytes, valid CRC, width/height > 0, a valid bit depth/colour type), then chunks
 * that each fit in the file with a valid CRC, at least one IDAT (after PLTE for palette images), and IEND.
 */
function probePng(b: Uint8Array): { width: number; height: number } {
  let i = 8;
  if (b.length < i + 25) fail("the PNG is truncated: it ends before its header chunk (IHDR) is complete");
  if (u32(b, i) !== 13 || typeOf(b, i + 4) !== "IHDR") fail("the PNG does not start with a header chunk (IHDR)");
  if (crc32(b, i + 4, i + 21) !== u32(b, i + 21)) fail("the PNG's header chunk (IHDR) fails its CRC");
  const width = u32(b, i + 8);
  const height = u32(b, i + 12);
  const depth = b[i + 16];
  const colour = b[i + 17];
  if (width > 0x7fffffff || height > 0x7fffffff) fail("the PNG's dimensions are out of range");
  if (!PNG_BIT_DEPTHS[colour]?.includes(depth)) fail(`the PNG's colour type ${colour} with bit depth ${depth} is not valid`);
  if (b[i + 18] !== 0 || b[i + 19] !== 0 || b[i + 20] > 1) fail("the PNG's compression, filter or interlace method is not valid");
  i += 25;
  let palette = false;
  let data = false;
  for (;;) {
    if (i + 12 > b.length) fail("the PNG is truncated: it ends before its end chunk (IEND)");
    const len = u32(b, i);
    const type = typeOf(b, i + 4);
    if (len > 0x7fffffff) fail(`the PNG's chunk at byte ${i} has an impossible length`);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`the PNG's chunk at byte ${i} has an invalid type`);
    if (i + 12 + len > b.length) fail(`the PNG is truncated: chunk ${type} needs ${len} bytes`);
    if (crc32(b, i + 4, i + 8 + len) !== u32(b, i + 8 + len)) fail(`the PNG's ${type} chunk fails its CRC`);
    if (type === "IHDR") fail("the PNG has a second header chunk (IHDR)");
    if (type === "PLTE") palette = true;
    if (type === "IDAT") {
      if (colour === 3 && !palette) fail("the PNG is a palette image without a palette (PLTE) before its data");
      data = true;
    }
    if (type === "IEND") {
      if (len !== 0) fail("the PNG's end chunk (IEND) is not empty");
      if (!data) fail("the PNG has no image data (IDAT)");
      return { width, height };
    }
    i += 12 + len;
  }
}

// ---------- PDF (ISO 32000) ----------

const latin1 = (b: Uint8Array, from: number, to: number) => Buffer.from(b.buffer, b.byteOffset + from, Math.max(0, to - from)).toString("latin1");

/** `%PDF-1.0`…`%PDF-1.7` or `%PDF-2.0` at the start; `startxref`, an offset inside the file, and `%%EOF` in the last 1 KiB. */
function probePdf(b: Uint8Array): void {
  const head = latin1(b, 0, Math.min(b.length, 16));
  if (!/^%PDF-(1\.[0-7]|2\.0)(?![0-9])/.test(head)) fail("the PDF's header is not %PDF-1.0 to %PDF-1.7 or %PDF-2.0");
  const tailFrom = Math.max(0, b.length - 1024);
  const tail = latin1(b, tailFrom, b.length);
  const eof = tail.lastIndexOf("%%EOF");
  if (eof < 0) fail("the PDF is truncated: there is no %%EOF marker near its end");
  const m = /startxref\s+(\d{1,12})\s*$/.exec(tail.slice(0, eof));
  if (!m) fail("the PDF has no startxref before its %%EOF marker");
  const offset = Number(m![1]);
  if (offset >= tailFrom + m!.index) fail("the PDF's startxref points outside the file");
}
