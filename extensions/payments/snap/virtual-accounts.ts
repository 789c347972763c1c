// SNAP BI direct virtual accounts numbered by this server (settings vaIssuer = snap): the lender is the biller, so
// no bank API is called — the VA number is the bank-assigned partnerServiceId (company code, 1–8 digits) followed by
// a customerNo of a fixed number of digits (snapCustomerNoDigits): a sequence per partnerServiceId, zero-padded, and
// one Luhn check digit (a mistyped digit at the ATM names no other loan's VA). The sequence row is advanced in the
// same transaction as the VA row, so a number is never handed out twice; a number some other VA already holds is
// skipped. The row is recorded with provider `snap`, so the bank's inquiry and payment calls (./routes.ts) answer
// for it; asking again for the same loan answers its existing VA.
import type { ExtensionContext } from "../deps.ts";
import type { PaymentSettings } from "../../../schemas/payments.ts";

/** Banks show the VA name on ATM and mobile screens; 40 characters fit them all. */
export const SNAP_VA_NAME_MAX = 40;
const FALLBACK_NAME = "KREDITKU BORROWER";

/** The Luhn (mod 10) check digit of a digit string. */
export function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Whether a customerNo's last digit is the Luhn check digit of the rest. */
export const validCustomerNo = (customerNo: string) => /^\d{2,20}$/.test(customerNo) && luhnDigit(customerNo.slice(0, -1)) === customerNo.slice(-1);

/** customerNo of sequence `seq` with `digits` digits (sequence zero-padded, then its check digit). */
export function snapCustomerNo(seq: number, digits: number): string {
  const body = String(seq).padStart(digits - 1, "0");
  if (!Number.isSafeInteger(seq) || seq < 1 || body.length > digits - 1) throw new Error(`SNAP customerNo sequence ${seq} does not fit ${digits - 1} digits: raise snapCustomerNoDigits`);
  return body + luhnDigit(body);
}

/** The borrower's name as a bank shows it: Latin letters without accents, digits and . , ' -, upper case, cut to length. */
export function snapVaName(fullName: string | null | undefined): string {
  const safe = (fullName ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[^A-Z0-9 .,'-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, SNAP_VA_NAME_MAX)
    .trim();
  return /[A-Z]/.test(safe) ? safe : FALLBACK_NAME;
}

type SnapIssuerSettings = Pick<PaymentSettings, "snapPartnerServiceId" | "snapCustomerNoDigits" | "snapVaBank">;

/** The loan's SNAP VA number: its existing VA's, or a new one numbered and recorded in one transaction. */
export function issueSnapVirtualAccount(ctx: Pick<ExtensionContext, "tx" | "clock">, s: SnapIssuerSettings, loanId: string, fullName: string | null | undefined): string {
  const psid = s.snapPartnerServiceId;
  const bank = s.snapVaBank;
  if (!psid || !bank) throw new Error("SNAP virtual accounts need snapPartnerServiceId and snapVaBank");
  const at = ctx.clock.now().toISOString();
  return ctx.tx((t) => {
    const held = t.get<{ va_number: string }>("SELECT va_number FROM virtual_accounts WHERE loan_id = ?", loanId);
    if (held) return held.va_number;
    for (let tries = 0; tries < 1000; tries++) {
      const row = t.get<{ last_seq: number }>(
        "INSERT INTO snap_va_sequences (partner_service_id, last_seq) VALUES (?, 1) ON CONFLICT (partner_service_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
        psid,
      );
      const vaNumber = psid + snapCustomerNo(row!.last_seq, s.snapCustomerNoDigits);
      if (t.get("SELECT 1 AS x FROM virtual_accounts WHERE va_number = ?", vaNumber)) continue;
      t.run("INSERT INTO virtual_accounts (va_number, loan_id, provider, bank_code, name, created_at) VALUES (?, ?, 'snap', ?, ?, ?)", vaNumber, loanId, bank, snapVaName(fullName), at);
      return vaNumber;
    }
    throw new Error(`no free SNAP customerNo under partnerServiceId ${psid} after 1000 tries`);
  });
}
