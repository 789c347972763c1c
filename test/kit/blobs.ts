// A BlobStore in memory, for tests that look at stored bytes directly or want recognisable download URLs
// (http://blobs.test/<key>?expires=…). The app's real stores are fs (depot/uploads) and S3.
import type { BlobStore } from "../../src/runtime/index.ts";

export type MemoryBlobs = BlobStore & { data: Map<string, Uint8Array> };

export function memoryBlobs(): MemoryBlobs {
  const data = new Map<string, Uint8Array>();
  return {
    kind: "fs",
    data,
    async put(key, bytes) {
      data.set(key, bytes);
    },
    async get(key) {
      return data.get(key) ?? null;
    },
    async delete(key) {
      data.delete(key);
    },
    async exists(key) {
      return data.has(key);
    },
    async signedUrl(key, opts) {
      return `http://blobs.test/${key}?expires=${opts?.expiresInSeconds ?? 300}&sig=test`;
    },
    async ping() {
      return true;
    },
  };
}
