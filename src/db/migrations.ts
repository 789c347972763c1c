// The migrations embedded in the binary. Every file in traildepot/migrations must be listed here, in order
// (a test checks it), so `bun build --compile` carries them and the binary needs nothing beside its depot.
import m0001 from "../../traildepot/migrations/0001_core.sql" with { type: "text" };
import m0002 from "../../traildepot/migrations/0002_auth.sql" with { type: "text" };
import m0003 from "../../traildepot/migrations/0003_outbox.sql" with { type: "text" };
import m0004 from "../../traildepot/migrations/0004_loans.sql" with { type: "text" };
import m0005 from "../../traildepot/migrations/0005_ledger_payments.sql" with { type: "text" };
import m0006 from "../../traildepot/migrations/0006_scoring_fraud.sql" with { type: "text" };
import m0007 from "../../traildepot/migrations/0007_collections.sql" with { type: "text" };
import m0010 from "../../traildepot/migrations/0010_instalment_due_index.sql" with { type: "text" };
import m0011 from "../../traildepot/migrations/0011_payout_account_snapshot.sql" with { type: "text" };
import m0012 from "../../traildepot/migrations/0012_payment_suspense_and_recoveries.sql" with { type: "text" };
import m0013 from "../../traildepot/migrations/0013_unearned_interest.sql" with { type: "text" };
import m0014 from "../../traildepot/migrations/0014_login_lockout_by_email.sql" with { type: "text" };
import m0015 from "../../traildepot/migrations/0015_payment_conflicts.sql" with { type: "text" };
import m0016 from "../../traildepot/migrations/0016_snap_tokens_and_requests.sql" with { type: "text" };
import m0017 from "../../traildepot/migrations/0017_sms_messages.sql" with { type: "text" };
import m0018 from "../../traildepot/migrations/0018_snap_va_sequences.sql" with { type: "text" };
import m0019 from "../../traildepot/migrations/0019_credit_line_account.sql" with { type: "text" };
import m0020 from "../../traildepot/migrations/0020_outbox_trace_context.sql" with { type: "text" };
import m0021 from "../../traildepot/migrations/0021_auth_epoch.sql" with { type: "text" };
import m0030 from "../../traildepot/migrations/0030_business_audit.sql" with { type: "text" };
import m0031 from "../../traildepot/migrations/0031_approvals.sql" with { type: "text" };
import m0032 from "../../traildepot/migrations/0032_collection_log.sql" with { type: "text" };

export interface Migration {
  name: string;
  sql: string;
  /**
   * What this migration was recorded as by earlier binaries (an earlier file name and/or the checksum of earlier
   * text whose comments were reworded). An applied record matching one of these is renamed and re-checksummed in
   * place; any other mismatch still refuses start-up.
   */
  formerly?: { name: string; checksum: string }[];
}

/** Every name a migration has had: the restore check accepts backups written by earlier binaries. */
export function knownMigrationNames(migrations: Migration[] = MIGRATIONS): Set<string> {
  return new Set(migrations.flatMap((m) => [m.name, ...(m.formerly ?? []).map((f) => f.name)]));
}

export const MIGRATIONS: Migration[] = [
  { name: "0001_core.sql", sql: m0001 },
  { name: "0002_auth.sql", sql: m0002, formerly: [{ name: "0002_auth.sql", checksum: "2f819a66b80392b59d56b65b5277864fa32c67cf1922a2588b500587ce4c7b77" }] },
  { name: "0003_outbox.sql", sql: m0003 },
  { name: "0004_loans.sql", sql: m0004, formerly: [{ name: "0004_loans.sql", checksum: "c4a5fbfeb252006f2ef14239896c570de88f6b1d9a23441d882eb213eca185fa" }] },
  { name: "0005_ledger_payments.sql", sql: m0005, formerly: [{ name: "0005_ledger_payments.sql", checksum: "0d0384516fafb3ae25c25c73972d3db71a7db5a79ec9c1a49d1cf2e3bebd4c96" }] },
  { name: "0006_scoring_fraud.sql", sql: m0006, formerly: [{ name: "0006_scoring_fraud.sql", checksum: "9c22dd95f314ebefa60a23001f6dd7ffdc583abdea054eced6811e6f4078e1e9" }] },
  { name: "0007_collections.sql", sql: m0007, formerly: [{ name: "0007_collections.sql", checksum: "af716fbd8df7298cef936fa153b29000580b9852a617189b38f545f86fab75fc" }] },
  { name: "0010_instalment_due_index.sql", sql: m0010, formerly: [{ name: "0010_perf_indexes.sql", checksum: "f0fe24cb3076c2f84bed1476f3c19447276f7d9827c8993e28eea234863b6f5e" }] },
  { name: "0011_payout_account_snapshot.sql", sql: m0011, formerly: [{ name: "0011_offer_payout.sql", checksum: "a7ab0c21b22e26075e316f378929c12eec2be3a081211cd9542c1fb22613e6bc" }] },
  { name: "0012_payment_suspense_and_recoveries.sql", sql: m0012, formerly: [{ name: "0012_payments_fixes.sql", checksum: "cc3eba1819424ad83605e8c41fc6e542888a762cf9078c335d9cf7576599810c" }] },
  { name: "0013_unearned_interest.sql", sql: m0013, formerly: [{ name: "0013_unearned_interest.sql", checksum: "230e67b16449982924aa81a513006de7e9c7b65366d14e9cad6a30b264989516" }] },
  { name: "0014_login_lockout_by_email.sql", sql: m0014 },
  { name: "0015_payment_conflicts.sql", sql: m0015 },
  { name: "0016_snap_tokens_and_requests.sql", sql: m0016 },
  { name: "0017_sms_messages.sql", sql: m0017 },
  { name: "0018_snap_va_sequences.sql", sql: m0018 },
  { name: "0019_credit_line_account.sql", sql: m0019 },
  { name: "0020_outbox_trace_context.sql", sql: m0020 },
  { name: "0021_auth_epoch.sql", sql: m0021 },
  { name: "0030_business_audit.sql", sql: m0030 },
  { name: "0031_approvals.sql", sql: m0031 },
  { name: "0032_collection_log.sql", sql: m0032 },
];
