// The depot's files in a backup, beside the database: depot/secrets (JWT signing keys, webhook secrets, the OTP
// and file-URL keys …) encrypted with the operator's backup key, and the documents of the local store
// (depot/uploads). Both use one small archive format: per file a 4-byte big-endian header length, a JSON header
// {path, size, mode}, then the file's bytes; the whole stream gzip-compressed. Secrets are additionally sealed with
// AES-256-GCM (node:crypto) under KREDITKU_BACKUP_KEY: 32 bytes in base64, or a passphrase (≥ 16 characters)
// stretched with scrypt (N=2^15, r=8, p=1, a random 16-byte salt per backup). The backup id is the GCM
// additional data, so a secrets file cannot be swapped into another backup unnoticed.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from "node:crypto";
import { createReadStream, createWriteStream, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip, gunzipSync, gzipSync } from "node:zlib";

export const BACKUP_KEY_ENV = "KREDITKU_BACKUP_KEY";

/** The backup key is missing, malformed, or does not open a backup's secrets. */
export class BackupKeyError extends Error {}

interface Entry {
  path: string;
  size: number;
  mode: number;
}

/** Every regular file under `root` (relative paths, sorted). Symlinks and other special files are skipped. */
export function filesUnder(root: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    for (const n of names) {
      const full = join(dir, n);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) out.push({ path: relative(root, full).split(sep).join("/"), size: st.size, mode: st.mode & 0o777 });
    }
  };
  walk(root);
  return out;
}

function header(e: Entry): Buffer {
  const json = Buffer.from(JSON.stringify(e));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([len, json]);
}

/** Stream the files under `root` as an archive (uncompressed; the caller compresses). */
async function* archiveStream(root: string, entries: Entry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield header(e);
    let n = 0;
    for await (const chunk of createReadStream(join(root, e.path), { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      const take = chunk.subarray(0, Math.max(0, e.size - n)); // a file growing while we read: its size at listing time
      n += take.length;
      if (take.length) yield take;
    }
    if (n < e.size) throw new Error(`${join(root, e.path)} shrank while it was being backed up`);
  }
}

/** A safe relative path inside `root` (no absolute paths, no `..`). */
function inside(root: string, rel: string): string {
  const full = resolve(root, rel);
  if (rel.startsWith("/") || !(full + sep).startsWith(resolve(root) + sep) || full === resolve(root)) throw new Error(`archive entry "${rel}" points outside its folder`);
  return full;
}

/** Unpack an (uncompressed) archive stream into `root`. Returns the files written. */
async function unpackStream(src: AsyncIterable<Buffer>, root: string): Promise<{ files: number; bytes: number }> {
  let buf: Buffer = Buffer.alloc(0);
  let cur: { e: Entry; left: number; out: ReturnType<typeof createWriteStream> } | null = null;
  let files = 0;
  let bytes = 0;
  const finish = async (w: ReturnType<typeof createWriteStream>) => new Promise<void>((res, rej) => w.end((err?: Error | null) => (err ? rej(err) : res())));
  const open = (e: Entry) => {
    const full = inside(root, e.path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
    return createWriteStream(full, { mode: e.mode & 0o777 || 0o600 });
  };
  for await (const chunk of src) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (cur) {
        if (cur.left === 0) {
          await finish(cur.out);
          cur = null;
          continue;
        }
        if (!buf.length) break;
        const take = buf.subarray(0, Math.min(cur.left, buf.length));
        buf = buf.subarray(take.length);
        cur.left -= take.length;
        bytes += take.length;
        if (!cur.out.write(take)) await new Promise((r) => cur!.out.once("drain", r));
        continue;
      }
      if (buf.length < 4) break;
      const len = buf.readUInt32BE(0);
      if (len > 64 * 1024) throw new Error("archive header too long (not a kreditku archive)");
      if (buf.length < 4 + len) break;
      const e = JSON.parse(buf.subarray(4, 4 + len).toString("utf8")) as Entry;
      if (typeof e.path !== "string" || !Number.isInteger(e.size) || e.size < 0) throw new Error("malformed archive header");
      buf = buf.subarray(4 + len);
      cur = { e, left: e.size, out: open(e) };
      files++;
    }
  }
  if (cur) {
    if (cur.left > 0) {
      // a write still queued on the destroyed file stream reports "write after destroyed" later: the refusal
      // below is the answer, so that late error must not escape as an unhandled one
      cur.out.on("error", () => {});
      cur.out.destroy();
      throw new Error(`archive truncated inside ${cur.e.path}`);
    }
    await finish(cur.out);
  }
  if (buf.length) throw new Error("archive truncated (partial header)");
  return { files, bytes };
}

function hashing(hash: ReturnType<typeof createHash>, count: { n: number }) {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      count.n += chunk.length;
      cb(null, chunk);
    },
  });
}

export interface PackedFiles {
  files: number;
  bytes: number;
  /** The .gz written: size and SHA-256. */
  size: number;
  sha256: string;
}

/** Pack the files under `root` into a gzip-compressed archive: a file at `out`, or into a stream (an upload). */
export async function packFolder(root: string, out: string | NodeJS.WritableStream): Promise<PackedFiles> {
  const entries = filesUnder(root);
  const hash = createHash("sha256");
  const count = { n: 0 };
  await pipeline(Readable.from(archiveStream(root, entries)), createGzip({ level: 6 }), hashing(hash, count), typeof out === "string" ? createWriteStream(out, { mode: 0o600 }) : out);
  return { files: entries.length, bytes: entries.reduce((s, e) => s + e.size, 0), size: count.n, sha256: hash.digest("hex") };
}

/** Unpack a gzip-compressed archive into `root` (created 0700). */
export async function unpackFolder(gzFile: string, root: string) {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const src = createReadStream(gzFile);
  const gunzip = createGunzip();
  src.on("error", (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  try {
    return await unpackStream(gunzip as AsyncIterable<Buffer>, root);
  } finally {
    // Done or refused: stop the file feeding the gunzip, and let a late "write after destroy" from the pipe die
    // quietly — the unpack's own answer (files, or the refusal) is already decided.
    src.unpipe(gunzip);
    src.destroy();
    gunzip.on("error", () => {});
    gunzip.destroy();
  }
}

// --- secrets -----------------------------------------------------------------------------------------------------

const MAGIC = Buffer.from("KKSECRETS1");
const KDF_RAW = 0;
const KDF_SCRYPT = 1;

/** The configured backup key material, or null when KREDITKU_BACKUP_KEY is unset. Throws on a weak key. */
export function backupKeyFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const v = env[BACKUP_KEY_ENV]?.trim();
  if (!v) return null;
  if (rawKey(v)) return v;
  if (v.length < 16) throw new BackupKeyError(`${BACKUP_KEY_ENV} must be 32 bytes in base64 (openssl rand -base64 32) or a passphrase of at least 16 characters`);
  return v;
}

function rawKey(v: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]{42,43}=?$/.test(v)) return null;
  const b = Buffer.from(v, "base64");
  return b.length === 32 ? b : null;
}

function deriveKey(material: string, kdf: number, salt: Buffer): Buffer {
  if (kdf === KDF_RAW) {
    const k = rawKey(material);
    if (!k) throw new BackupKeyError(`this backup's secrets were sealed with a 32-byte base64 key, but ${BACKUP_KEY_ENV} is a passphrase`);
    return k;
  }
  return scryptSync(material, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

/** Pack and seal depot/secrets: returns the sealed bytes (small: secrets are a few kilobytes). */
export async function sealSecrets(secretsDir: string, material: string, aad: string, extra: { path: string; data: Buffer }[] = []): Promise<{ data: Buffer; files: string[] }> {
  const entries = filesUnder(secretsDir);
  const parts: Buffer[] = [];
  for await (const c of archiveStream(secretsDir, entries)) parts.push(c);
  for (const x of extra) parts.push(header({ path: x.path, size: x.data.length, mode: 0o600 }), x.data);
  const plain = gzipSync(Buffer.concat(parts));
  const kdf = rawKey(material) ? KDF_RAW : KDF_SCRYPT;
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(material, kdf, salt), iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { data: Buffer.concat([MAGIC, Buffer.from([kdf]), salt, iv, cipher.getAuthTag(), body]), files: entries.map((e) => e.path) };
}

/** Open sealed secrets (throws BackupKeyError on a wrong key or tampering) and unpack them into `root`. */
export async function openSecrets(sealed: Buffer, material: string, aad: string, root: string) {
  if (sealed.length < MAGIC.length + 1 + 16 + 12 + 16 || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupKeyError("the secrets file is not a sealed kreditku secrets archive");
  let o = MAGIC.length;
  const kdf = sealed[o++];
  if (kdf !== KDF_RAW && kdf !== KDF_SCRYPT) throw new BackupKeyError(`the secrets file uses an unknown key derivation (${kdf})`);
  const salt = sealed.subarray(o, (o += 16));
  const iv = sealed.subarray(o, (o += 12));
  const tag = sealed.subarray(o, (o += 16));
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(material, kdf, salt), iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(sealed.subarray(o)), decipher.final()]);
  } catch {
    throw new BackupKeyError(`${BACKUP_KEY_ENV} does not open this backup's secrets (wrong key, or the file was altered)`);
  }
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return unpackStream(
    (async function* () {
      yield gunzipSync(plain);
    })(),
    root,
  );
}
