// Files that hold personal data (the database with its WAL and SHM, the SMS log, uploaded documents, local backups,
// restore copies) are readable by the service user only: 0600 files in 0700 folders, like depot/secrets. Modes are
// set when a file or folder is created and tightened when an older depot (0644/0755) is opened.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

function tighten(path: string, wanted: number) {
  try {
    if ((statSync(path).mode & 0o777) !== wanted) chmodSync(path, wanted);
  } catch (e) {
    // gone meanwhile, or owned by someone else (then it is not ours to fix)
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "EPERM") throw e;
  }
}

/** Create a folder (and its parents) if missing; the folder itself ends up 0700. */
export function privateDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Make an existing file 0600 (no-op when it does not exist). */
export function privateFile(path: string) {
  tighten(path, PRIVATE_FILE_MODE);
}

/** Create an empty file with mode 0600 if it does not exist yet (so whoever opens it next never sees it wider). */
export function createPrivateFile(path: string) {
  if (!existsSync(path)) closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  privateFile(path);
}

/** A folder 0700 and the files directly in it 0600 (a flat folder such as local backups). */
export function privateFolder(dir: string) {
  privateDir(dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) privateFile(join(dir, e.name));
    else if (e.isDirectory()) tighten(join(dir, e.name), PRIVATE_DIR_MODE);
  }
}

/** An SQLite database file with its -wal and -shm (SQLite gives those the database file's mode when it creates them). */
export function privateDatabase(path: string) {
  createPrivateFile(path);
  for (const sfx of ["-wal", "-shm", "-journal"]) privateFile(path + sfx);
}

/**
 * The depot's private folders, created 0700 or tightened: data/ (database, WAL, SHM, the SMS log, restore copies:
 * every file in it 0600), uploads/ (the folder: what is below it is unreachable to others) and backups/ (every
 * file 0600). Called when the depot is opened, so depots written by older versions (0644/0755) are fixed at start.
 */
export function tightenDepot(p: { data: string; uploads: string; backups: string }) {
  privateFolder(p.data);
  privateDir(p.uploads);
  privateFolder(p.backups);
}
