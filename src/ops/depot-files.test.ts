// The depot-files archive and the sealed secrets: round trip, tampering, wrong or weak keys, hostile paths.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BackupKeyError, backupKeyFromEnv, openSecrets, packFolder, sealSecrets, unpackFolder } from "./depot-files.ts";

const dir = mkdtempSync(join(tmpdir(), "kreditku-depot-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RAW = Buffer.alloc(32, 3).toString("base64");

function secrets() {
  const s = join(dir, `secrets-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(s, "jwt"), { recursive: true });
  writeFileSync(join(s, "webhook-standard"), "whsec_abc\n", { mode: 0o600 });
  writeFileSync(join(s, "jwt/key-1.json"), JSON.stringify({ kid: "k1" }), { mode: 0o600 });
  return s;
}

describe("sealed secrets", () => {
  test("round trip with a raw key and with a passphrase; the plaintext is not in the sealed bytes", async () => {
    for (const key of [RAW, "a long enough passphrase"]) {
      const s = secrets();
      const sealed = await sealSecrets(s, key, "kreditku-1", [{ path: ".proof.json", data: Buffer.from("{}") }]);
      expect(sealed.files.sort()).toEqual(["jwt/key-1.json", "webhook-standard"]);
      expect(sealed.data.includes(Buffer.from("whsec_abc"))).toBe(false);
      const out = join(dir, `open-${Math.random()}`);
      expect(await openSecrets(sealed.data, key, "kreditku-1", out)).toEqual({ files: 3, bytes: 9 + 13 + 2 });
      expect(readFileSync(join(out, "webhook-standard"), "utf8")).toBe("whsec_abc\n");
      expect(statSync(join(out, "webhook-standard")).mode & 0o777).toBe(0o600);
    }
  });
  test("a wrong key, another backup's id or a flipped byte does not open", async () => {
    const sealed = (await sealSecrets(secrets(), RAW, "kreditku-1")).data;
    const out = join(dir, "nope");
    await expect(openSecrets(sealed, Buffer.alloc(32, 4).toString("base64"), "kreditku-1", out)).rejects.toBeInstanceOf(BackupKeyError);
    await expect(openSecrets(sealed, RAW, "kreditku-2", out)).rejects.toBeInstanceOf(BackupKeyError);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    await expect(openSecrets(flipped, RAW, "kreditku-1", out)).rejects.toBeInstanceOf(BackupKeyError);
  });
  test("the key: unset, raw, passphrase, too weak", () => {
    expect(backupKeyFromEnv({})).toBeNull();
    expect(backupKeyFromEnv({ KREDITKU_BACKUP_KEY: RAW })).toBe(RAW);
    expect(() => backupKeyFromEnv({ KREDITKU_BACKUP_KEY: "short" })).toThrow(BackupKeyError);
  });
});

describe("documents archive", () => {
  test("round trip of nested files, empty files included", async () => {
    const src = join(dir, "uploads");
    mkdirSync(join(src, "a/b"), { recursive: true });
    writeFileSync(join(src, "a/b/doc.pdf"), Buffer.alloc(3 * 1024 * 1024, 7));
    writeFileSync(join(src, "a/empty"), "");
    writeFileSync(join(src, "top.jpg"), "jpg");
    const gz = join(dir, "u.gz");
    const packed = await packFolder(src, gz);
    expect(packed).toMatchObject({ files: 3, bytes: 3 * 1024 * 1024 + 3 });
    const out = join(dir, "uploads-out");
    expect(await unpackFolder(gz, out)).toEqual({ files: 3, bytes: 3 * 1024 * 1024 + 3 });
    expect(readFileSync(join(out, "a/b/doc.pdf")).equals(Buffer.alloc(3 * 1024 * 1024, 7))).toBe(true);
    expect(readFileSync(join(out, "a/empty"), "utf8")).toBe("");
  });
  test("an entry pointing outside its folder, or a truncated archive, is refused", async () => {
    const entry = (path: string, data: string) => {
      const h = Buffer.from(JSON.stringify({ path, size: data.length, mode: 0o600 }));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(h.length);
      return Buffer.concat([len, h, Buffer.from(data)]);
    };
    const evil = join(dir, "evil.gz");
    writeFileSync(evil, gzipSync(entry("../escaped", "x")));
    await expect(unpackFolder(evil, join(dir, "evil-out"))).rejects.toThrow("outside");
    const cut = join(dir, "cut.gz");
    writeFileSync(cut, gzipSync(entry("f", "hello").subarray(0, -2)));
    await expect(unpackFolder(cut, join(dir, "cut-out"))).rejects.toThrow("truncated");
  });
});
