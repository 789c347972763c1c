// /api/v1/records: list/get over the declared records — the platform's own (./declarations.ts) and those the
// installed extensions declare — with per-role access rules, PII masking, filters, sorting, cursor pagination and
// optional counts. Declarations whose table or view does not exist yet are skipped at start (debug log), so
// features land in any order. Also the dashboard overview, assembled from the parts the extensions contribute.
import { z } from "@hono/zod-openapi";
import type { App, AppModule } from "../http/app.ts";
import type { Platform } from "../http/types.ts";
import { HttpProblem } from "../http/problem.ts";
import { declareRoute } from "../http/route.ts";
import { mountPlatformRoutes } from "../http/mount.ts";
import { parseListQuery, resolveRecords, type RecordApi, type RecordDecl } from "./engine.ts";
import { PLATFORM_RECORDS } from "./declarations.ts";
import { overview } from "./overview.ts";
import { exportCsv, exportFileName } from "./export.ts";
import { findRuntime } from "../runtime/runtime.ts";
import type { Registry } from "../runtime/registry.ts";
import type { OverviewPart } from "../runtime/types.ts";

const Item = z.record(z.string(), z.unknown());
const badQuery = {
  description: "Unknown filter/sort column, bad operator, value or cursor",
  example: { type: "https://kreditku.dev/problems/bad-filter", title: "Bad filter", status: 400, detail: "filter[nik]: not a filterable column of applications" },
};
const noRecord = { description: "No such record (or its table does not exist in this deployment)" };
const rowExample = { id: "0193a1b2-0000-7000-8000-0000000000a1", status: "approved", principal_amount: 5_000_000, created_at: "2026-03-01T08:00:00.000Z" };
const NameParam = z.object({ name: z.string().regex(/^[a-z0-9_]{1,64}$/).openapi({ param: { name: "name", in: "path" }, example: "applications" }) });
const IdParams = NameParam.extend({ id: z.string().min(1).max(200).openapi({ param: { name: "id", in: "path" } }) });
const ListQuerySchema = z.object({
  limit: z.string().optional().openapi({ description: "1-100, default 25" }),
  cursor: z.string().optional().openapi({ description: "nextCursor of the previous page" }),
  sort: z.string().optional().openapi({ description: "a sortable column, `-` prefix for descending" }),
  count: z.string().optional().openapi({ description: "true: include `total`" }),
  q: z.string().optional().openapi({ description: "text search over the searchable columns" }),
});

/**
 * The platform's records and the records of the extensions in `reg`. A name declared twice, or a personal-data column
 * naming a field no installed extension registers (or with another rule than the registered one), is refused.
 */
export function installedRecords(reg: Registry | undefined): RecordDecl[] {
  const all = [...PLATFORM_RECORDS, ...(reg?.records ?? []).map((r) => r.def)];
  const seen = new Set<string>();
  for (const d of all) {
    if (seen.has(d.name)) throw new Error(`record "${d.name}" is declared twice`);
    seen.add(d.name);
    for (const [col, c] of Object.entries(d.columns)) {
      const field = c.pii?.field;
      if (field === undefined) continue;
      const rule = reg?.personalData.get(field)?.def;
      if (!rule) throw new Error(`record "${d.name}" column ${col}: personal-data field "${field}" is registered by no installed extension`);
      if (rule.mask !== c.pii!.mask || rule.clearFor.length !== c.pii!.visibleTo.length || !rule.clearFor.every((r) => c.pii!.visibleTo.includes(r))) {
        throw new Error(`record "${d.name}" column ${col}: masking differs from the registered rule for "${field}"`);
      }
    }
  }
  return all;
}

/**
 * Records and the overview. Without arguments: the platform's records plus, when the platform has an extension
 * runtime, the extensions' records and overview parts.
 */
export function recordsModule(decls?: RecordDecl[], parts?: readonly OverviewPart[]): AppModule {
  return {
    register(app: App, platform: Platform) {
      const reg = findRuntime(platform)?.reg;
      const overviewParts = parts ?? (reg?.overview ?? []).map((p) => p.def);
      const records = resolveRecords(platform.db, decls ?? installedRecords(reg), platform.log);
      platform.log.debug("records: available", { records: [...records.keys()] });
      const find = (name: string): RecordApi => {
        const r = records.get(name);
        if (!r) throw new HttpProblem(404, "record-not-found", "Record not found", `There is no record API named ${name} in this deployment`);
        return r;
      };
      mountPlatformRoutes(app, platform, [
        declareRoute({
          method: "get",
          path: "/api/v1/records",
          tags: ["records"],
          summary: "The record APIs the caller may read, with their filterable and sortable columns; the names of those it may not",
          access: "authenticated",
          responses: {
            200: {
              description: "Record descriptions",
              schema: z.object({
                records: z.array(Item),
                forbidden: z.array(z.string()).openapi({ description: "Record APIs of this deployment the caller's role may not read (their list answers 403), so a client can say so without asking" }),
              }),
              example: {
                records: [
                  {
                    name: "applications",
                    label: "Applications",
                    idColumn: "id",
                    defaultSort: { column: "created_at", dir: "desc" },
                    columns: [
                      { name: "status", type: "text", filter: ["eq", "in"], sortable: true, search: false, masked: false },
                      { name: "nik", type: "text", filter: [], sortable: false, search: false, masked: true },
                    ],
                  },
                ],
                forbidden: ["disbursements"],
              },
            },
          },
          handler: (req) => {
            const role = req.user!.role;
            const all = [...records.values()];
            return {
              status: 200,
              body: { records: all.filter((r) => r.roles.includes(role)).map((r) => r.describe(role)), forbidden: all.filter((r) => !r.roles.includes(role)).map((r) => r.name) },
            };
          },
        }),
        declareRoute({
          method: "get",
          path: "/api/v1/records/{name}",
          tags: ["records"],
          summary: "List records",
          description:
            "Filters: `filter[col]=v` (eq), `filter[col][in]=a,b`, `filter[col][gte]=v`, `filter[col][lte]=v` on declared columns only. " +
            "Cursor pagination with `limit` and `cursor`; `count=true` adds `total`. Personal data is masked for roles that do not need it.",
          access: "authenticated",
          request: { params: NameParam, query: ListQuerySchema },
          responses: {
            200: {
              description: "A page of rows",
              schema: z.object({ items: z.array(Item), nextCursor: z.string().nullable(), total: z.number().int().optional() }),
              example: { items: [rowExample], nextCursor: "eyJrIjpbIjIwMjYtMDMtMDFUMDg6MDA6MDAuMDAwWiJdfQ", total: 1 },
            },
            400: badQuery,
            403: { description: "The caller's role may not read this record" },
            404: noRecord,
          },
          handler: (req) => {
            const api = find(req.params.name);
            return { status: 200, body: api.list(platform.db.read, req.user, parseListQuery(req.url)) };
          },
        }),
        declareRoute({
          method: "get",
          path: "/api/v1/records/{name}/export.csv",
          tags: ["records"],
          summary: "Export a list as CSV, as filtered",
          description:
            "The same filters, sort and `q` as the list (`limit`, `cursor` and `count` are ignored: every matching row), the same access rule " +
            "and the same masking by role. Streamed page by page. RFC 4180 with a UTF-8 byte order mark and a header row of column names; " +
            "text cells starting with `=`, `+`, `-`, `@`, tab or carriage return are prefixed with `'` so a spreadsheet does not run them. " +
            "`columns=a,b` picks and orders the columns (default: every column the role gets). The file is named `<record>-<WIB date>.csv`.",
          access: "authenticated",
          request: { params: NameParam, query: ListQuerySchema.extend({ columns: z.string().max(4000).optional().openapi({ description: "comma-separated columns, in order", example: "id,status,principal_amount" }) }) },
          responses: {
            200: {
              description: "The rows as CSV",
              stream: true,
              contentType: "text/csv; charset=utf-8",
              example: "id,status,principal_amount,created_at\r\n0193a1b2-0000-7000-8000-0000000000a1,approved,5000000,2026-03-01T08:00:00.000Z\r\n",
              headers: { "Content-Disposition": { description: "attachment; the file name", example: 'attachment; filename="applications-2026-03-01.csv"' } },
            },
            400: badQuery,
            403: { description: "The caller's role may not read this record" },
            404: noRecord,
          },
          handler: (req) => {
            const api = find(req.params.name);
            const stream = exportCsv(api, platform.db.read, req.user, parseListQuery(req.url), req.query.columns);
            const file = exportFileName(api.decl.name, platform.clock.now());
            return { status: 200, stream, headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${file}"`, "Cache-Control": "no-store" } };
          },
        }),
        declareRoute({
          method: "get",
          path: "/api/v1/records/{name}/{id}",
          tags: ["records"],
          summary: "One record by id",
          access: "authenticated",
          request: { params: IdParams },
          responses: { 200: { description: "The row", schema: Item, example: rowExample }, 400: badQuery, 403: { description: "The caller's role may not read this record" }, 404: noRecord },
          handler: (req) => ({ status: 200, body: find(req.params.name).get(platform.db.read, req.user, req.params.id) }),
        }),
        declareRoute({
          method: "get",
          path: "/api/v1/admin/overview",
          tags: ["records"],
          summary: "Dashboard summary: applications per day by outcome, approval rate, disbursed/outstanding, DPD buckets",
          description: "Each part is null when the tables it reads do not exist in this deployment yet.",
          access: ["admin", "analyst", "finance"],
          request: { query: z.object({ days: z.coerce.number().int().min(1).max(366).optional().openapi({ description: "The period in days (default 30)", example: 30 }) }) },
          responses: { 200: { description: "Summary", schema: Item, example: { since: "2026-02-01", days: 30, applications: { total: 120, approved: 80 } } } },
          handler: (req) => ({ status: 200, body: overview(platform.db.read, overviewParts, platform.clock.now(), req.query.days ?? 30) }),
        }),
      ]);
    },
  };
}
