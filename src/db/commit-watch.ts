// "Has anything committed since?" without a SQL statement. Every statement on a file database starts and ends a
// read transaction, and in WAL mode that is two fcntl locks on the -shm file plus an fstat of the database: on
// this machine (a VM) ~10 µs per statement against ~0.4 µs for the same statement on an in-memory database or
// inside an open transaction (bench/PROFILE.md).
//
// SQLite's WAL index (the -shm file) starts with a 48-byte header that every commit, from any connection or
// process, rewrites (frame count, change counter, salts, checksums), as does every restart of the WAL after a
// checkpoint (https://www.sqlite.org/walformat.html, "The WAL-Index Header"). While it is unchanged no committed row
// changed, so anything read from the database since is still current. A commit in progress (header not yet
// rewritten) is not visible to SQLite's readers either. A database without a WAL index (":memory:", another journal
// mode, a header SQLite does not write in this format) gets no watch and callers query as before.
//
// The -shm file is opened ONCE and stays open until the database is closed. POSIX record locks belong to the
// process and the file, not to a descriptor: closing ANY descriptor of a file drops every lock the process holds on
// it. SQLite keeps a shared "dead man switch" lock on -shm for as long as it has the database open; another process
// that finds no such lock takes the file for stale and truncates it. An earlier version mapped the header with
// `Bun.mmap(path)`, which opens and closes the file: from then on the server held no lock on -shm, and the sqlite3
// shell opening the live database truncated the index under the server, which died of SIGBUS on its next read
// (commit-watch.test.ts reproduces it with another process). The header is read through a shared mapping of the
// descriptor kept open (libc mmap through bun:ffi: a read is a memory load), or with one pread per look where that
// is not available.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** The WAL-index header: 48 bytes (12 words) at offset 0 of the -shm file; the version word is 3007000. */
const HEADER_WORDS = 12;
const HEADER_BYTES = HEADER_WORDS * 4;
const WAL_INDEX_VERSION = 3007000;
/** Both header copies and the checkpoint info: a WAL index shorter than this is not initialised. */
const MIN_SHM_BYTES = 136;
const PAGE = 4096;

interface Mapper {
  map(fd: number): { header: Int32Array; unmap(): void } | null;
}

let mapper: Mapper | null | undefined;

/** libc's mmap/munmap through bun:ffi (null where that cannot be loaded: the watch reads with pread instead). */
function libcMapper(): Mapper | null {
  if (mapper !== undefined) return mapper;
  mapper = null;
  if (process.platform !== "linux") return mapper;
  try {
    const { dlopen, FFIType, toArrayBuffer } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      mmap: { args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.ptr },
      munmap: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
    });
    const PROT_READ = 1;
    const MAP_SHARED = 1;
    mapper = {
      map(fd) {
        const p = libc.symbols.mmap(null, PAGE, PROT_READ, MAP_SHARED, fd, 0);
        // MAP_FAILED is (void *) -1
        if (p === null || typeof p !== "number" || p <= 0 || p >= Number.MAX_SAFE_INTEGER) return null;
        return { header: new Int32Array(toArrayBuffer(p, 0, HEADER_BYTES)), unmap: () => void libc.symbols.munmap(p, PAGE) };
      },
    };
  } catch {
    mapper = null;
  }
  return mapper;
}

export class CommitWatch {
  private readonly scratch = new Int32Array(HEADER_WORDS);
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer);
  private closed = false;

  private constructor(
    private readonly fd: number,
    private readonly mapped: { header: Int32Array; unmap(): void } | null,
    /** False when the file is not an initialised WAL index this reads: the holder keeps it only to close it. */
    readonly usable: boolean,
  ) {}

  /**
   * The watch for a database file's WAL index, or null when there is no -shm file to open. A watch that is not
   * `usable` (too short, another format) still holds its descriptor: closing it now could drop SQLite's locks, so
   * it is closed with the database like any other. `how: "read"` reads the header with pread even where it could
   * be mapped (tests of that path).
   */
  static open(dbPath: string, how: "map" | "read" = "map"): CommitWatch | null {
    if (dbPath === ":memory:" || dbPath === "") return null;
    let fd: number;
    try {
      fd = openSync(`${dbPath}-shm`, "r");
    } catch {
      return null;
    }
    let mapped: { header: Int32Array; unmap(): void } | null = null;
    try {
      if (fstatSync(fd).size < MIN_SHM_BYTES) return new CommitWatch(fd, null, false);
      mapped = how === "map" ? (libcMapper()?.map(fd) ?? null) : null;
      const w = new CommitWatch(fd, mapped, true);
      if (w.current()[0] === WAL_INDEX_VERSION) return w;
    } catch {
      /* unreadable: not usable */
    }
    mapped?.unmap();
    return new CommitWatch(fd, null, false);
  }

  /** Whether the header is read from a mapping (else with pread per look). */
  get mappedHeader(): boolean {
    return this.mapped !== null;
  }

  private current(): Int32Array {
    if (this.closed) throw new Error("the commit watch is closed (its database was closed)");
    if (this.mapped !== null) return this.mapped.header;
    readSync(this.fd, this.scratchBytes, 0, HEADER_BYTES, 0);
    return this.scratch;
  }

  /** A copy of the header now (take it BEFORE reading what it is to guard). */
  mark(): Int32Array {
    return this.current().slice();
  }

  /** Nothing committed since `mark` was taken (the header is word for word the same). */
  unchangedSince(mark: Int32Array): boolean {
    const h = this.current();
    for (let i = 0; i < HEADER_WORDS; i++) if (h[i] !== mark[i]) return false;
    return true;
  }

  /** Unmap and close the -shm descriptor: only once every SQLite connection of this process to the file is closed. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.mapped?.unmap();
    closeSync(this.fd);
  }
}
