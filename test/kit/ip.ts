// Fresh client IPs. Servers under test trust X-Forwarded-For (trustProxy), so giving every request or sign-in its
// own address keeps one test's per-IP rate-limit windows (OTP requests, logins) out of another's.
// Addresses count up from 10.9.0.1 through 10.0.0.0/8, one process-wide sequence.
let seq = 9 << 16;

/** The next unused client IP of this process (10.9.0.1, 10.9.0.2, …). */
export function freshIp(): string {
  seq = seq >= 0xffffff ? (9 << 16) + 1 : seq + 1;
  return `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`;
}

/** The X-Forwarded-For header for a fresh client IP (or the given one). */
export function forwardedFor(ip = freshIp()): Record<string, string> {
  return { "X-Forwarded-For": ip };
}
