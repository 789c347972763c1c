// Constant-time comparison of two texts of any length (fixed-size digests compared).
import { createHash, timingSafeEqual } from "node:crypto";

export function safeEqualText(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}
