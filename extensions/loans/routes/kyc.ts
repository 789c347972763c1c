// Borrower profile and KYC documents.
import { defineRoute, documentFilename, HttpProblem, probeDocument, problems, sqlIn, type Sql, z } from "../../../src/runtime/index.ts";
import { Document, DOCUMENT_EXAMPLE, DocumentKind, Profile, PROFILE_EXAMPLE, ProfileInput } from "../../../schemas/kyc.ts";
import { IdParams } from "../../../schemas/applications.ts";
import { documentDownloadName, documentOut, isStaffReader, newId, profileOut } from "../repo.ts";
import { OPEN_APPLICATION_STATUSES } from "../../../schemas/enums.ts";
import type { DocumentRow, ProfileRow } from "../rows.ts";

const problem = (description: string) => ({ description });

export const getProfile = defineRoute({
  method: "get",
  path: "/api/v1/me/profile",
  summary: "Read my borrower profile",
  tags: ["Profile"],
  access: ["borrower"],
  responses: { 200: { description: "The profile", schema: Profile, example: PROFILE_EXAMPLE }, 404: problem("No profile yet") },
  handler: (_req, ctx) => {
    const row = ctx.db.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", ctx.user!.id);
    if (!row) throw problems.notFound("Profile");
    return { status: 200, body: profileOut(row) };
  },
});

/** The profile fields the fraud checks, the score and the payout snapshot were taken from (DB column → API field). */
export const LOCKED_PROFILE_FIELDS = {
  nik: "nik",
  birth_date: "birthDate",
  sex: "sex",
  monthly_income_amount: "monthlyIncomeAmount",
  bank_code: "bankAccount.bankCode",
  bank_account_number: "bankAccount.accountNumber",
  bank_account_name: "bankAccount.accountName",
} as const;

/**
 * Refuse (409 `profile-locked`) a change to a checked field while the borrower has an open application (the checks
 * and the payout snapshot were taken from it) or a loan still in `disbursing`. Other fields may change any time.
 */
function lockedFieldsGuard(t: Sql, userId: string, next: Record<string, unknown>) {
  const cur = t.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", userId);
  if (!cur) return;
  const changed = (Object.keys(LOCKED_PROFILE_FIELDS) as (keyof typeof LOCKED_PROFILE_FIELDS)[]).filter((k) => String(cur[k]) !== String(next[k]));
  if (!changed.length) return;
  const open = sqlIn(OPEN_APPLICATION_STATUSES);
  const app = t.get<{ id: string; status: string }>(`SELECT id, status FROM applications WHERE user_id = ? AND status IN ${open.sql} ORDER BY id DESC LIMIT 1`, userId, ...open.params);
  const loan = app ? undefined : t.get<{ id: string }>("SELECT id FROM loans WHERE user_id = ? AND status = 'disbursing' ORDER BY id DESC LIMIT 1", userId);
  if (!app && !loan) return;
  const fields = changed.map((k) => LOCKED_PROFILE_FIELDS[k]);
  const why = app ? `application ${app.id} is ${app.status}` : `loan ${loan!.id} is being disbursed`;
  throw new HttpProblem(
    409,
    "profile-locked",
    "Profile locked",
    `${fields.join(", ")} cannot change while ${why}: the checks ran on these details and the loan is paid out to that bank account. Cancel the application (or wait until the loan is disbursed) first.`,
    { fields, ...(app ? { applicationId: app.id, applicationStatus: app.status } : { loanId: loan!.id }) },
  );
}

export const putProfile = defineRoute({
  method: "put",
  path: "/api/v1/me/profile",
  summary: "Create or replace my borrower profile (KYC data)",
  description:
    "NIK (16 digits), name, birth date, sex, address, employment, monthly income, bank account and an emergency contact who consented. " +
    "NIK, birth date, sex, monthly income and bank account cannot change (409 `profile-locked`) while an application is open or a loan is being disbursed: the checks ran on them and the loan pays out to that account.",
  tags: ["Profile"],
  access: ["borrower"],
  request: { body: ProfileInput },
  responses: {
    200: { description: "Saved", schema: Profile, example: PROFILE_EXAMPLE },
    409: problem("A checked field (NIK, birth date, sex, monthly income, bank account) would change while an application is open or a loan is disbursing"),
    422: problem("Field errors in errors[]"),
  },
  handler: (req, ctx) => {
    const p = req.body;
    const userId = ctx.user!.id;
    const now = ctx.clock.now().toISOString();
    const row = ctx.tx((t) => {
      const cols = {
        nik: p.nik,
        full_name: p.fullName,
        birth_date: p.birthDate,
        sex: p.sex,
        address_line: p.address.line,
        city: p.address.city,
        province: p.address.province,
        postal_code: p.address.postalCode,
        employment_status: p.employment.status,
        employer_name: p.employment.employerName ?? null,
        job_title: p.employment.jobTitle ?? null,
        monthly_income_amount: p.monthlyIncomeAmount,
        bank_code: p.bankAccount.bankCode,
        bank_account_number: p.bankAccount.accountNumber,
        bank_account_name: p.bankAccount.accountName,
        emergency_name: p.emergencyContact.name,
        emergency_phone: p.emergencyContact.phone,
        emergency_relation: p.emergencyContact.relation,
        emergency_consent: p.emergencyContact.consent ? 1 : 0,
      };
      lockedFieldsGuard(t, userId, cols);
      const names = Object.keys(cols);
      t.run(
        `INSERT INTO borrower_profiles (user_id, ${names.join(", ")}, created_at, updated_at) VALUES (?, ${names.map(() => "?").join(", ")}, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(", ")}, updated_at = excluded.updated_at`,
        ...[userId, ...Object.values(cols), now, now],
      );
      return t.get<ProfileRow>("SELECT * FROM borrower_profiles WHERE user_id = ?", userId)!;
    });
    return { status: 200, body: profileOut(row) };
  },
});

export const uploadDocument = defineRoute({
  method: "post",
  path: "/api/v1/documents",
  summary: "Upload a KYC document (KTP, selfie or payslip)",
  description:
    "multipart/form-data with `kind` and `file`. At most 10 MiB. The type is decided by the file's structure, never by its name or Content-Type: " +
    "a JPEG or PNG must parse to a complete image of 100×100 to 20000×20000 pixels, a PDF must have a `%PDF-1.x` header and a `startxref`/`%%EOF` trailer. " +
    "The stored file name is the client's base name, cleaned, with the extension of the detected type. SHA-256 recorded.",
  tags: ["Documents"],
  access: ["borrower"],
  request: {
    multipart: {
      schema: z
        .object({
          kind: DocumentKind,
          file: z.string().openapi({ format: "binary", description: "The JPEG, PNG or PDF file (at most 10 MiB)" }),
        })
        .openapi("DocumentUpload"),
      example: { kind: "ktp", file: "(the JPEG, PNG or PDF bytes)" },
      encoding: { file: { contentType: "image/jpeg, image/png, application/pdf" } },
    },
  },
  responses: {
    201: { description: "Stored", schema: Document, example: DOCUMENT_EXAMPLE },
    413: problem("Larger than the limit"),
    415: problem("Not a JPEG, PNG or PDF"),
    422: problem("Missing kind or file, or a file that starts like a JPEG, PNG or PDF but is not a valid one (type `invalid-document`, the reason in `detail`)"),
  },
  handler: async (req, ctx) => {
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw problems.badRequest("The body must be multipart/form-data with fields kind and file");
    }
    const errors: { path: string; message: string }[] = [];
    const kind = DocumentKind.safeParse(form.get("kind"));
    if (!kind.success) errors.push({ path: "kind", message: "must be one of ktp, selfie, payslip" });
    const file = form.get("file");
    if (!file || typeof file === "string") errors.push({ path: "file", message: "a file is required" });
    else if (file.size === 0) errors.push({ path: "file", message: "the file is empty" });
    if (errors.length) throw problems.validation(errors);
    const blob = file as File;
    const limit = ctx.config.documentLimitBytes;
    if (blob.size > limit) throw new HttpProblem(413, "payload-too-large", "Payload too large", `Documents are at most ${limit} bytes`);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const probe = probeDocument(bytes);
    if (!probe.ok && !probe.contentType) throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "Documents must be JPEG, PNG or PDF (decided by the file's content)");
    if (!probe.ok) {
      throw new HttpProblem(422, "invalid-document", "Invalid document", `The file is not a usable ${probe.contentType}: ${probe.reason}`, {
        errors: [{ path: "file", message: probe.reason }],
      });
    }
    const contentType = probe.contentType;
    const sha256 = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
    const userId = ctx.user!.id;
    const id = newId();
    const key = `documents/${userId}/${id}`;
    await ctx.blobs.put(key, bytes, { contentType });
    const filename = blob.name ? documentFilename(blob.name, probe.extension, kind.data!) : null;
    const row: DocumentRow = { id, user_id: userId, kind: kind.data!, content_type: contentType, size_bytes: bytes.length, sha256, blob_key: key, filename, created_at: ctx.clock.now().toISOString() };
    try {
      ctx.tx((t) =>
        t.run(
          "INSERT INTO documents (id, user_id, kind, content_type, size_bytes, sha256, blob_key, filename, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          row.id,
          row.user_id,
          row.kind,
          row.content_type,
          row.size_bytes,
          row.sha256,
          row.blob_key,
          row.filename,
          row.created_at,
        ),
      );
    } catch (e) {
      // best effort: the row was not written, so an orphan blob is harmless; the original error is what matters
      await ctx.blobs.delete(key).catch(() => undefined);
      throw e;
    }
    return { status: 201, body: documentOut(row), headers: { Location: `/api/v1/documents/${id}` } };
  },
});

export const getDocument = defineRoute({
  method: "get",
  path: "/api/v1/documents/{id}",
  summary: "Read a document's metadata (owner), with a short-lived download URL for staff",
  tags: ["Documents"],
  access: "authenticated",
  request: { params: IdParams },
  responses: { 200: { description: "The document", schema: Document, example: DOCUMENT_EXAMPLE }, 404: problem("No such document (or not yours)") },
  handler: async (req, ctx) => {
    const row = ctx.db.get<DocumentRow>("SELECT * FROM documents WHERE id = ?", req.params.id);
    const staff = isStaffReader(ctx);
    if (!row || (!staff && row.user_id !== ctx.user?.id)) throw problems.notFound("Document");
    const url = staff ? await ctx.blobs.signedUrl(row.blob_key, { expiresInSeconds: 300, contentType: row.content_type, filename: documentDownloadName(row) }) : undefined;
    return { status: 200, body: documentOut(row, url) };
  },
});

export const kycRoutes = [getProfile, putProfile, uploadDocument, getDocument];
