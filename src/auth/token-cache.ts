// The commit watch of a database (src/db/commit-watch.ts: "has anything committed since?" from the WAL-index header,
// without a statement), as the session check and auth/me use it.
import type { Db } from "../db/database.ts";

export { CommitWatch } from "../db/commit-watch.ts";

/** The commit watch of a database (opened on first use, closed with it; null when it has no WAL index: callers query every time). */
export function commitWatch(db: Db) {
  return db.commitWatch();
}
