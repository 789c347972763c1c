// "Has anything committed since?" without a SQL statement. Every statement on a file database starts and ends a
// read transaction, and in WAL mode that is two fcntl locks on the -shm file plus an fstat of the database: on
// this machine (a VM) ~10 µs per statement against ~0.4 µs for the same statement on an in-memory database or
// inside an open transaction (bench/PROFILE.md). The session-alive check read the auth epoch with such a
// statement on every request.
//
// SQLite's WAL index (the -shm file) starts with a 48-byte header that every commit, from any connection or
// process, rewrites (frame count, change counter, salts, checksums), as does every restart of the WAL after a
// checkpoint (https://www.sqlite.org/walformat.html, "The WAL-Index Header"). Readers map the same file. Reading
// that header from a shared mapping tells, in a few nanoseconds, whether a commit happened since the last look:
// while it is unchanged no committed row changed, so anything read from the database since is still current. A
// commit in progress (header not yet rewritten) is not visible to SQLite's readers either. A database without a
// WAL index (":memory:", another journal mode, a header SQLite does not write in this format) gets no watch and
// callers query as before.
import { statSync } from "node:fs";
import type { Db } from "../db/database.ts";

/** The WAL-index header: 48 bytes (12 words) at offset 0 of the -shm file; the version word is 3007000. */
const HEADER_WORDS = 12;
const WAL_INDEX_VERSION = 3007000;
/** Both header copies and the checkpoint info: a WAL index shorter than this is not initialised. */
const MIN_SHM_BYTES = 136;

export class CommitWatch {
  private constructor(private readonly header: Int32Array) {}

  /** The watch for a database file in WAL mode, or null when it has no usable WAL index. */
  static open(dbPath: string): CommitWatch | null {
    if (dbPath === ":memory:" || dbPath === "") return null;
    const shm = `${dbPath}-shm`;
    try {
      if (statSync(shm).size < MIN_SHM_BYTES) return null;
      const bytes = Bun.mmap(shm, { shared: true, size: HEADER_WORDS * 4 });
      if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteOffset % 4 !== 0) return null;
      const header = new Int32Array(bytes.buffer, bytes.byteOffset, HEADER_WORDS);
      if (header[0] !== WAL_INDEX_VERSION) return null;
      return new CommitWatch(header);
    } catch {
      return null;
    }
  }

  /** A copy of the header now (take it BEFORE reading what it is to guard). */
  mark(): Int32Array {
    return this.header.slice();
  }

  /** Nothing committed since `mark` was taken (the header is word for word the same). */
  unchangedSince(mark: Int32Array): boolean {
    const h = this.header;
    for (let i = 0; i < HEADER_WORDS; i++) if (h[i] !== mark[i]) return false;
    return true;
  }
}

const watches = new WeakMap<Db, CommitWatch | null>();

/** The commit watch of a database (made on first use; null when it has no WAL index: callers query every time). */
export function commitWatch(db: Db): CommitWatch | null {
  let w = watches.get(db);
  if (w === undefined) watches.set(db, (w = CommitWatch.open(db.path)));
  return w;
}
