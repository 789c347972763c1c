// The deployment's personal-data policy: for each kind of personal data, the roles that see it in clear and the mask
// everyone else gets. The record declarations (src/records/declarations.ts) and the extensions' staff views
// (through src/runtime: PII.view / PII.show) both read it, and exports must too. A borrower sees their own data in
// clear (their rows only, by the access rules). To widen or narrow who sees a field, change its line here.
import { definePiiPolicy } from "./mask.ts";

export const PII = definePiiPolicy({
  /** A borrower's phone number (sign-in, reminders). */
  "borrower.phone": { clearFor: ["admin", "borrower"], mask: "phone" },
  /** KTP number. */
  "borrower.nik": { clearFor: ["admin", "borrower"], mask: "nik" },
  /** Analysts check the age rule. */
  "borrower.birthDate": { clearFor: ["admin", "analyst", "borrower"], mask: "hide" },
  /** Street address (city and province are not restricted). */
  "borrower.addressLine": { clearFor: ["admin", "borrower"], mask: "hide" },
  /** Payout bank account number: the last 4 digits otherwise. */
  "borrower.bankAccountNumber": { clearFor: ["admin", "borrower"], mask: "account" },
  /** Analysts match the account holder's name against the KTP. */
  "borrower.bankAccountName": { clearFor: ["admin", "analyst", "borrower"], mask: "name" },
  "borrower.emergencyName": { clearFor: ["admin", "borrower"], mask: "name" },
  "borrower.emergencyPhone": { clearFor: ["admin", "borrower"], mask: "phone" },
  /** The IP address a request came from. */
  "request.ip": { clearFor: ["admin"], mask: "hide" },
  /** A blocklisted NIK, phone number, bank account or device id. */
  "blocklist.value": { clearFor: ["admin"], mask: "nik" },
  /** The identifiers a fraud rule matched on. */
  "fraud.evidence": { clearFor: ["admin", "analyst"], mask: "hide" },
});

export type PiiField = keyof typeof PII.rules;
