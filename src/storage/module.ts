// GET/HEAD /files/{key}?exp=&sig=: serves a document from the fs BlobStore to whoever holds an unexpired,
// untampered signed URL (made by BlobStore.signedUrl for staff). The signature is checked in constant time
// before anything touches the disk. Always an attachment, never sniffed (nosniff). With S3 configured, downloads go
// to presigned S3 URLs and this route 404s.
import { z } from "@hono/zod-openapi";
import type { AppModule } from "../http/app.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { declareRoute } from "../http/route.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import type { BlobStore } from "../runtime/types.ts";
import { FsBlobStore } from "./fs.ts";
import { assertValidKey } from "./keys.ts";
import { FILES_PREFIX } from "./signing.ts";
import { contentDisposition } from "./filename.ts";

const expired = { type: "https://kreditku.dev/problems/signed-url-expired", title: "Link expired", status: 403, detail: "This download link has expired; ask for a new one" };

export const storageModule: AppModule = {
  register(app, platform) {
    mountPlatformRoutes(app, platform, [
      declareRoute({
        method: "get",
        path: `${FILES_PREFIX}{key}`,
        tags: ["files"],
        summary: "Download a document through a signed URL (local storage only)",
        description: "The URL comes from a document's `downloadUrl` (staff). Expires after 5 minutes; always an attachment. With S3 configured, downloads go to presigned S3 URLs and this answers 404.",
        access: "public",
        request: {
          params: z.object({ key: z.string().openapi({ description: "The document's storage key", example: "documents/0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b/0193a1b2-0000-7000-8000-0000000000d1" }) }),
          paramPatterns: { key: ".+" },
          query: z.object({
            exp: z.string().optional().openapi({ description: "Expiry (Unix seconds)", example: "1772420700" }),
            sig: z.string().optional().openapi({ description: "HMAC-SHA256 signature of the key and parameters", example: "Vb3q9yX2…" }),
            ct: z.string().optional().openapi({ description: "The content type to answer with", example: "image/jpeg" }),
            fn: z.string().optional().openapi({ description: "The download file name", example: "ktp.jpg" }),
          }),
        },
        responses: {
          200: {
            description: "The file (an attachment)",
            file: true,
            contentType: "application/octet-stream",
            headers: { "Content-Disposition": { description: "Always an attachment", example: 'attachment; filename="ktp.jpg"' } },
            example: "(the document's bytes)",
          },
          403: { description: "The link expired (`signed-url-expired`) or is not valid (`signed-url-invalid`)", example: expired },
          404: { description: "No such file, or documents are on S3" },
        },
        handler: async (req) => {
          const store = platform.ports.get("blobs") as BlobStore | undefined;
          if (!(store instanceof FsBlobStore)) throw problems.notFound("File");
          const url = req.url;
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
          return { status: 200, file, headers };
        },
      }),
    ]);
  },
};
