// createBlobStore(config): s3 when config.s3 is set, else fs under depot/uploads (DESIGN §1).
import type { Config } from "../config.ts";
import { depotPaths } from "../config.ts";
import type { Clock } from "../clock.ts";
import type { BlobStore } from "../runtime/types.ts";
import { FsBlobStore } from "./fs.ts";
import { loadOrCreateUrlKey } from "./keys.ts";
import { S3BlobStore } from "./s3.ts";

export { FsBlobStore } from "./fs.ts";
export { S3BlobStore, s3ClientFor } from "./s3.ts";
export { contentDisposition, documentFilename } from "./filename.ts";
export { probeDocument, EXTENSION_OF, type DocumentContentType, type ProbeResult } from "./document-probe.ts";
export { assertValidKey, BlobKeyError } from "./keys.ts";

export function createBlobStore(config: Config, opts: { clock?: Clock } = {}): BlobStore {
  if (config.s3) return new S3BlobStore(config.s3);
  const paths = depotPaths(config.depot);
  return new FsBlobStore({ root: paths.uploads, urlKey: loadOrCreateUrlKey(paths.secrets), publicUrl: config.publicUrl, clock: opts.clock });
}
