// Small, real documents for upload tests: a baseline JPEG and a PNG (160×120, mid-grey, decodable by any viewer)
// and a one-page PDF. A `note` goes into a comment (JPEG COM segment, PNG tEXt chunk, PDF comment line), so each
// borrower can upload distinct files (the fraud checks match documents by SHA-256) while one note always gives
// the same bytes. Used by the unit, end-to-end, load and crash tests.
import { deflateSync } from "node:zlib";

export const IMAGE_WIDTH = 160;
export const IMAGE_HEIGHT = 120;

const enc = (s: string) => new TextEncoder().encode(s);
const u16 = (n: number) => [(n >> 8) & 255, n & 255];
const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const segment = (marker: number, body: ArrayLike<number>) => concat([[0xff, marker, ...u16(body.length + 2)], body]);

/**
 * The JPEG's frame: one 8-bit grey component, quantisation table of ones, and Huffman tables with a single code
 * each (DC difference category 0, AC end-of-block), so every 8×8 block is two bits: DC unchanged, then EOB.
 */
function jpegFrame(width: number, height: number): { head: Uint8Array; tail: Uint8Array } {
  const jfif = segment(0xe0, [...enc("JFIF"), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const dqt = segment(0xdb, [0, ...new Array(64).fill(1)]);
  const sof0 = segment(0xc0, [8, ...u16(height), ...u16(width), 1, 1, 0x11, 0]);
  const oneCode = (tableClass: number) => segment(0xc4, [tableClass << 4, 1, ...new Array(15).fill(0), 0]);
  const sos = segment(0xda, [1, 1, 0x00, 0, 63, 0]);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const data = new Uint8Array(Math.ceil((blocks * 2) / 8)).fill(0);
  const padBits = data.length * 8 - blocks * 2;
  if (padBits > 0) data[data.length - 1] |= (1 << padBits) - 1; // pad the last byte with 1-bits (T.81 F.1.2.3)
  return { head: jfif, tail: concat([dqt, sof0, oneCode(0), oneCode(1), sos, data, [0xff, 0xd9]]) };
}

const JPEG_FRAME = jpegFrame(IMAGE_WIDTH, IMAGE_HEIGHT);

/** A decodable baseline JPEG (SOI, APP0 JFIF, COM note, DQT, SOF0, DHT, SOS, data, EOI). */
export function jpegImage(note = "", size?: { width: number; height: number }): Uint8Array {
  const frame = size ? jpegFrame(size.width, size.height) : JPEG_FRAME;
  const com = note ? segment(0xfe, enc(note).subarray(0, 60_000)) : new Uint8Array();
  return concat([[0xff, 0xd8], frame.head, com, frame.tail]);
}

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, body: ArrayLike<number>): Uint8Array {
  const typed = concat([enc(type), body]);
  return concat([u32(body.length), typed, u32(crc32(typed))]);
}

/** A decodable 8-bit greyscale PNG (signature, IHDR, tEXt note, IDAT, IEND). */
export function pngImage(note = "", size = { width: IMAGE_WIDTH, height: IMAGE_HEIGHT }): Uint8Array {
  const ihdr = pngChunk("IHDR", [...u32(size.width), ...u32(size.height), 8, 0, 0, 0, 0]);
  const rows = new Uint8Array(size.height * (size.width + 1)).fill(128);
  for (let y = 0; y < size.height; y++) rows[y * (size.width + 1)] = 0; // filter type None
  const text = note ? pngChunk("tEXt", concat([enc("Comment"), [0], enc(note)])) : new Uint8Array();
  return concat([[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], ihdr, text, pngChunk("IDAT", deflateSync(rows)), pngChunk("IEND", [])]);
}

/** A one-page PDF with a correct cross-reference table. */
export function pdfDocument(note = ""): Uint8Array {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
  ];
  let out = `%PDF-1.4\n%${note.replace(/[\r\n]/g, " ")}\n`;
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(enc(out).length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = enc(out).length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return enc(out);
}

/** The document for a kind: KTP and selfie as JPEG/PNG photos, payslip as a PDF. */
export function documentFor(kind: string, note = ""): { bytes: Uint8Array; name: string; type: string } {
  if (kind === "payslip") return { bytes: pdfDocument(note), name: "payslip.pdf", type: "application/pdf" };
  if (kind === "selfie") return { bytes: pngImage(note), name: "selfie.png", type: "image/png" };
  return { bytes: jpegImage(note), name: `${kind}.jpg`, type: "image/jpeg" };
}
