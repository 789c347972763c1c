// A small, real JPEG (160×120, mid-grey) for trying the document upload by hand: the README's "A first loan by
// hand" writes the KTP and the selfie with it. The note goes into a JPEG comment, so each borrower's files differ
// (the fraud checks match documents by SHA-256) while one note always gives the same bytes.
// Usage: npx bun scripts/sample-jpeg.ts <out.jpg> [note]
import { writeFileSync } from "node:fs";
import { jpegImage } from "../test/kit/images.ts";

const [out, note = ""] = process.argv.slice(2);
if (!out || out.startsWith("-")) {
  console.error("usage: npx bun scripts/sample-jpeg.ts <out.jpg> [note]");
  process.exit(2);
}
writeFileSync(out, jpegImage(note));
