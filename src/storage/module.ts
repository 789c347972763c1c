// GET/HEAD /files/{key}?exp=&sig=: serves a document from the fs BlobStore to whoever holds an unexpired,
// untampered signed URL (made by BlobStore.signedUrl for staff). The signature is checked in constant time
// before anything touches the disk. Always an attachment, never sniffed (nosniff). With S3 configured, downloads go
// to presigned S3 URLs and this route 404s.
import type { AppModule } from "../http/app.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import type { BlobStore } from "../runtime/types.ts";
import { FsBlobStore } from "./fs.ts";
import { assertValidKey } from "./keys.ts";
import { FILES_PREFIX } from "./signing.ts";
import { contentDisposition } from "./filename.ts";

export const storageModule: AppModule = {
  register(app, platform) {
    const handler = async (c: any) => {
      const store = platform.ports.get("blobs") as BlobStore | undefined;
      if (!(store instanceof FsBlobStore)) throw problems.notFound("File");
      const url = new URL(c.req.url);
      let key: string;
      try {
        key = url.pathname.slice(FILES_PREFIX.length).split("/").map(decodeURIComponent).join("/");
        assertValidKey(key);
      } catch {
        throw problems.notFound("File");
      }
      const v = store.verify(key, url.searchParams);
      if (!v.ok) {
        if (v.reason === "expired") throw new HttpProblem(403, "signed-url-expired", "Link expired", "This download link has expired; ask for a new one");
        throw new HttpProblem(403, "signed-url-invalid", "Invalid link", "This download link is not valid");
      }
      const file = Bun.file(store.pathOf(key));
      if (!(await file.exists())) throw problems.notFound("File");
      const headers: Record<string, string> = {
        "Content-Type": v.params.contentType || "application/octet-stream",
        "Content-Length": String(file.size),
        "Cache-Control": "private, no-store",
        "Content-Disposition": v.params.filename ? contentDisposition(v.params.filename) : "attachment",
        "X-Content-Type-Options": "nosniff",
      };
      return new Response(c.req.method === "HEAD" ? null : file, { status: 200, headers });
    };
    app.get(`${FILES_PREFIX}*`, handler);
  },
};
