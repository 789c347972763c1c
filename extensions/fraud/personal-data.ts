// Who sees the personal data held by the fraud extension in clear, and the mask everyone else gets (registered
// with the platform like the loans extension's policy, extensions/loans/personal-data.ts).
import { definePiiPolicy } from "../../src/runtime/index.ts";

export const PII = definePiiPolicy({
  /** A blocklisted NIK, phone number, bank account or device id. */
  "blocklist.value": { clearFor: ["admin"], mask: "nik" },
  /** The identifiers a fraud rule matched on. */
  "fraud.evidence": { clearFor: ["admin", "analyst"], mask: "hide" },
});
