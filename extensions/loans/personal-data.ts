// Who sees the borrower's personal data held by the loans extension: for each field, the roles that see it in clear
// and the mask everyone else gets. The record APIs (./records.ts, and other extensions' records that show these
// fields) and the staff views (PII.view / PII.show) read it, and exports must too; the extension registers it with
// the platform (defineExtension personalData), which refuses a record column naming a field nobody registered. A
// borrower sees their own data in clear (their rows only, by the access rules). To widen or narrow who sees a
// field, change its line here.
import { definePiiPolicy } from "../../src/runtime/index.ts";

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
  /** The loan's payout account number, where finance sends refunds of credit balances (staff loan account). */
  "loan.payoutAccountNumber": { clearFor: ["admin", "finance", "borrower"], mask: "account" },
  "borrower.emergencyName": { clearFor: ["admin", "borrower"], mask: "name" },
  "borrower.emergencyPhone": { clearFor: ["admin", "borrower"], mask: "phone" },
  /** The IP address a request came from. */
  "request.ip": { clearFor: ["admin"], mask: "hide" },
});

export type PiiField = keyof typeof PII.rules;
