// One-time codes from the SMS log. Without an SMS provider the server writes every message as a JSON line to
// <depot>/data/sms.jsonl ({to, text, at}); the code is the six-digit number in the message text (the recipient's
// phone number, also digits, is never read for it).
import { existsSync, readFileSync } from "node:fs";
import { depotPaths } from "../../src/config.ts";
import { normalizePhone } from "../../src/auth/phone.ts";

export interface SentSms {
  to: string;
  text: string;
  at: string;
}

/** The six-digit code in an OTP message text, or null. */
export function otpFromText(text: string): string | null {
  return /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1] ?? null;
}

/** A phone as the server stores it (E.164, +62…); numbers the server would refuse are returned as given. */
export function e164(phone: string): string {
  return normalizePhone(phone) ?? phone;
}

/** Every message in a depot's SMS log, oldest first. A line cut short (a killed server) is skipped. */
export function readSmsLog(depot: string): SentSms[] {
  const file = depotPaths(depot).smsLog;
  if (!existsSync(file)) return [];
  return parseLines(readFileSync(file, "utf8"));
}

function parseLines(text: string): SentSms[] {
  return text.split("\n").flatMap((l) => {
    if (!l.trim()) return [];
    try {
      return [JSON.parse(l) as SentSms];
    } catch {
      return [];
    }
  });
}

/**
 * A reader for one depot's SMS log that re-reads the file only when it grew (the load and crash tests ask for
 * thousands of codes). `code(phone)` is the code of the last message to that phone, or null.
 */
export function otpReader(depot: string) {
  const file = depotPaths(depot).smsLog;
  let size = -1;
  let lines: SentSms[] = [];
  return {
    code(phone: string): string | null {
      if (!existsSync(file)) return null;
      const text = readFileSync(file, "utf8");
      if (text.length !== size) {
        size = text.length;
        lines = parseLines(text);
      }
      const to = e164(phone);
      for (let i = lines.length - 1; i >= 0; i--) if (lines[i].to === to) return otpFromText(lines[i].text);
      return null;
    },
  };
}

/** The code of the last SMS to phone (any accepted spelling: 08…, 628…, +628…); throws when there is none. */
export function lastOtp(depot: string, phone: string): string {
  const msg = readSmsLog(depot).filter((m) => m.to === e164(phone)).at(-1);
  const code = msg && otpFromText(msg.text);
  if (!code) throw new Error(`no OTP for ${e164(phone)} in ${depotPaths(depot).smsLog}`);
  return code;
}
