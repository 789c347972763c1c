// The document probe over crafted bytes: valid minimal files pass with their dimensions; signatures followed by
// junk, truncations, zero or implausible dimensions, broken CRCs and missing trailers are refused with a reason.
import { describe, expect, test } from "bun:test";
import { crc32, probeDocument } from "./document-probe.ts";
import { IMAGE_HEIGHT, IMAGE_WIDTH, jpegImage, pdfDocument, pngChunk, pngImage } from "../../test/kit/images.ts";

const bytes = (...parts: (ArrayLike<number> | string)[]) => {
  const arrays = parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : Uint8Array.from(p as ArrayLike<number>)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
};
const refused = (b: Uint8Array) => {
  const r = probeDocument(b);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r)}`);
  return r;
};
/** Index of the first occurrence of `seq` in `b`. */
const find = (b: Uint8Array, seq: number[]) => {
  for (let i = 0; i + seq.length <= b.length; i++) if (seq.every((v, k) => b[i + k] === v)) return i;
  throw new Error("not found");
};

describe("JPEG", () => {
  const jpeg = jpegImage("note");

  test("a real baseline JPEG passes with its dimensions; bytes after EOI are not read", () => {
    expect(probeDocument(jpeg)).toEqual({ ok: true, contentType: "image/jpeg", extension: "jpg", width: IMAGE_WIDTH, height: IMAGE_HEIGHT });
    expect(probeDocument(bytes(jpeg, "<html><script>alert(1)</script></html>")).ok).toBe(true);
  });

  test("a progressive frame header (SOF2) counts; DHT (0xC4), JPG (0xC8) and DAC (0xCC) do not", () => {
    const sof = find(jpeg, [0xff, 0xc0]);
    const progressive = jpeg.slice();
    progressive[sof + 1] = 0xc2;
    expect(probeDocument(progressive)).toMatchObject({ ok: true, width: IMAGE_WIDTH, height: IMAGE_HEIGHT });
    for (const notFrame of [0xc4, 0xc8, 0xcc]) {
      const b = jpeg.slice();
      b[sof + 1] = notFrame;
      expect(refused(b).reason).toContain("before its frame header");
    }
  });

  test("the bare signature, junk after it, and truncations are refused", () => {
    expect(refused(bytes([0xff, 0xd8, 0xff]))).toMatchObject({ contentType: "image/jpeg" });
    expect(refused(bytes([0xff, 0xd8, 0xff])).reason).toContain("truncated");
    expect(refused(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1])).reason).toContain("truncated");
    expect(refused(bytes([0xff, 0xd8, 0xff], "<html><body>hello</body></html>")).reason).toMatch(/corrupt|truncated/);
    expect(refused(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0], "<html>")).reason).toContain("expected a marker");
    for (const cut of [20, find(jpeg, [0xff, 0xc0]) + 5, find(jpeg, [0xff, 0xda]) + 3, jpeg.length - 2, jpeg.length - 1]) {
      expect(refused(jpeg.subarray(0, cut)).reason).toContain("truncated");
    }
  });

  test("a segment longer than the file, a scan before the frame, two frames or no scan are refused", () => {
    const long = jpeg.slice();
    const app0 = find(long, [0xff, 0xe0]);
    long[app0 + 2] = 0xff;
    expect(refused(long).reason).toContain("truncated");
    expect(refused(bytes([0xff, 0xd8], [0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0], [0x00, 0xff, 0xd9])).reason).toContain("before its frame header");
    const sof = find(jpeg, [0xff, 0xc0]);
    const frame = jpeg.subarray(sof, sof + 2 + 11);
    expect(refused(bytes(jpeg.subarray(0, sof), frame, jpeg.subarray(sof))).reason).toContain("more than one frame header");
    expect(refused(bytes(jpeg.subarray(0, find(jpeg, [0xff, 0xda])), [0xff, 0xd9])).reason).toContain("no image data");
    expect(refused(bytes([0xff, 0xd8, 0xff, 0xd9])).reason).toContain("no frame header");
  });

  test("stuffed 0xFF00 and restart markers inside the scan are image data", () => {
    const eoi = jpeg.length - 2;
    const b = bytes(jpeg.subarray(0, eoi), [0xff, 0x00, 0x12, 0xff, 0xd3, 0x34], [0xff, 0xd9]);
    expect(probeDocument(b).ok).toBe(true);
  });

  test("zero, tiny and huge dimensions are refused", () => {
    expect(refused(jpegImage("", { width: 0, height: 120 })).reason).toContain("no pixels");
    expect(refused(jpegImage("", { width: 160, height: 0 })).reason).toContain("no pixels");
    expect(refused(jpegImage("", { width: 99, height: 120 })).reason).toContain("at least 100×100");
    expect(refused(jpegImage("", { width: 64, height: 64 })).reason).toContain("64×64");
    expect(refused(jpegImage("", { width: 20_001, height: 200 })).reason).toContain("at most 20000×20000");
    const huge = jpeg.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], find(huge, [0xff, 0xc0]) + 5);
    expect(refused(huge).reason).toContain("65535×65535");
    expect(probeDocument(jpegImage("", { width: 100, height: 100 })).ok).toBe(true);
  });

  test("a frame header whose length does not match its components, or bad sampling factors, is refused", () => {
    const sof = find(jpeg, [0xff, 0xc0]);
    const comps = jpeg.slice();
    comps[sof + 9] = 3; // Nf = 3 but the segment holds one component
    expect(refused(comps).reason).toContain("length does not match");
    const sampling = jpeg.slice();
    sampling[sof + 11] = 0x00;
    expect(refused(sampling).reason).toContain("sampling factors");
  });
});

describe("PNG", () => {
  const png = pngImage("note");
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  test("a real PNG passes with its dimensions", () => {
    expect(probeDocument(png)).toEqual({ ok: true, contentType: "image/png", extension: "png", width: IMAGE_WIDTH, height: IMAGE_HEIGHT });
  });

  test("the signature alone, junk after it, or a first chunk other than IHDR is refused", () => {
    expect(refused(bytes(sig)).reason).toContain("truncated");
    expect(refused(bytes(sig, [0, 0, 0, 13])).reason).toContain("truncated");
    expect(refused(bytes(sig, "<html><body>this is not an image at all</body></html>")).reason).toContain("IHDR");
    expect(refused(bytes(sig, pngChunk("tEXt", [65, 0, 66]), png.subarray(8))).reason).toContain("IHDR");
  });

  test("a broken IHDR CRC, a broken chunk CRC, a bad bit depth or a second IHDR is refused", () => {
    const badHeader = png.slice();
    badHeader[8 + 8] ^= 1; // width changed, CRC not
    expect(refused(badHeader).reason).toContain("IHDR) fails its CRC");
    const badData = png.slice();
    badData[find(badData, [0x49, 0x44, 0x41, 0x54]) + 6] ^= 0xff;
    expect(refused(badData).reason).toContain("IDAT chunk fails its CRC");
    expect(refused(bytes(sig, pngChunk("IHDR", [0, 0, 0, 160, 0, 0, 0, 120, 3, 0, 0, 0, 0]), png.subarray(33))).reason).toContain("bit depth");
    expect(refused(bytes(png.subarray(0, 33), png.subarray(8, 33), png.subarray(33))).reason).toContain("second header");
  });

  test("zero, tiny and huge dimensions are refused", () => {
    expect(refused(pngImage("", { width: 0, height: 0 })).reason).toContain("no pixels");
    expect(refused(pngImage("", { width: 50, height: 200 })).reason).toContain("at least 100×100");
    const huge = bytes(sig, pngChunk("IHDR", [0, 1, 0, 0, 0, 1, 0, 0, 8, 0, 0, 0, 0]), png.subarray(33));
    expect(refused(huge).reason).toContain("65536×65536");
  });

  test("no IEND, no IDAT, a non-empty IEND or a chunk past the end of the file is refused", () => {
    const iend = png.length - 12;
    expect(refused(png.subarray(0, iend)).reason).toContain("IEND");
    expect(refused(png.subarray(0, png.length - 1)).reason).toContain("truncated");
    const idat = find(png, [0x49, 0x44, 0x41, 0x54]) - 4;
    expect(refused(bytes(png.subarray(0, idat), png.subarray(iend))).reason).toContain("no image data");
    expect(refused(bytes(png.subarray(0, iend), pngChunk("IEND", [1]))).reason).toContain("not empty");
    const long = png.slice();
    long[idat] = 0x01; // IDAT length now > 16 MiB
    expect(refused(long).reason).toContain("truncated");
  });

  test("the CRC is the standard CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe("PDF", () => {
  test("a real PDF passes", () => {
    expect(probeDocument(pdfDocument("note"))).toEqual({ ok: true, contentType: "application/pdf", extension: "pdf" });
    expect(probeDocument(bytes("%PDF-2.0\n1 0 obj\n<<>>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<<>>\nstartxref\n27\n%%EOF")).ok).toBe(true);
  });

  test("a header alone, another version, no %%EOF, no startxref or an offset past the file is refused", () => {
    expect(refused(bytes("%PDF-1.4 payslip")).reason).toContain("%%EOF");
    expect(refused(bytes("%PDF-")).reason).toContain("header");
    expect(refused(bytes("%PDF-1.9\nstartxref\n0\n%%EOF\n")).reason).toContain("header");
    expect(refused(bytes("%PDF-1.12\nstartxref\n0\n%%EOF\n")).reason).toContain("header");
    expect(refused(bytes("%PDF-1.4\n<html></html>\n%%EOF\n")).reason).toContain("startxref");
    expect(refused(bytes("%PDF-1.4\nstartxref\n99999\n%%EOF\n")).reason).toContain("outside the file");
    const pdf = pdfDocument();
    expect(refused(pdf.subarray(0, pdf.length - 8)).reason).toContain("%%EOF");
    const far = bytes(pdf, " ".repeat(2000));
    expect(refused(far).reason).toContain("%%EOF");
  });
});

test("anything else is not a document", () => {
  for (const b of [bytes("GIF89a...."), bytes("<html></html>"), bytes([]), bytes([0xff, 0xd8]), bytes("%PDF")]) {
    expect(probeDocument(b)).toEqual({ ok: false, contentType: null, reason: "not a JPEG, PNG or PDF file" });
  }
});
