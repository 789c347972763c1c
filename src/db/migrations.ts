// The migrations embedded in the binary. Every file in traildepot/migrations must be listed here, in order
// (a test checks it), so `bun build --compile` carries them and the binary needs nothing beside its depot.
import m0001 from "../../traildepot/migrations/0001_core.sql" with { type: "text" };
import m0002 from "../../traildepot/migrations/0002_auth.sql" with { type: "text" };
import m0003 from "../../traildepot/migrations/0003_outbox.sql" with { type: "text" };
import m0004 from "../../traildepot/migrations/0004_loans.sql" with { type: "text" };
import m0005 from "../../traildepot/migrations/0005_ledger_payments.sql" with { type: "text" };
import m0006 from "../../traildepot/migrations/0006_scoring_fraud.sql" with { type: "text" };
import m0007 from "../../traildepot/migrations/0007_collections.sql" with { type: "text" };
import m0010 from "../../traildepot/migrations/0010_perf_indexes.sql" with { type: "text" };
import m0011 from "../../traildepot/migrations/0011_offer_payout.sql" with { type: "text" };
import m0012 from "../../traildepot/migrations/0012_payments_fixes.sql" with { type: "text" };
import m0013 from "../../traildepot/migrations/0013_unearned_interest.sql" with { type: "text" };
import m0014 from "../../traildepot/migrations/0014_login_lockout_by_email.sql" with { type: "text" };
import m0015 from "../../traildepot/migrations/0015_payment_conflicts.sql" with { type: "text" };

export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  { name: "0001_core.sql", sql: m0001 },
  { name: "0002_auth.sql", sql: m0002 },
  { name: "0003_outbox.sql", sql: m0003 },
  { name: "0004_loans.sql", sql: m0004 },
  { name: "0005_ledger_payments.sql", sql: m0005 },
  { name: "0006_scoring_fraud.sql", sql: m0006 },
  { name: "0007_collections.sql", sql: m0007 },
  { name: "0010_perf_indexes.sql", sql: m0010 },
  { name: "0011_offer_payout.sql", sql: m0011 },
  { name: "0012_payments_fixes.sql", sql: m0012 },
  { name: "0013_unearned_interest.sql", sql: m0013 },
  { name: "0014_login_lockout_by_email.sql", sql: m0014 },
  { name: "0015_payment_conflicts.sql", sql: m0015 },
];
