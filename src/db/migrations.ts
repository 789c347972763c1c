// The migrations embedded in the binary. Every file in traildepot/migrations must be listed here, in order
// (a test checks it), so `bun build --compile` carries them and the binary needs nothing beside its depot.
import m0001 from "../../traildepot/migrations/0001_core.sql" with { type: "text" };

export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  { name: "0001_core.sql", sql: m0001 },
];
