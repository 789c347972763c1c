// Zod contracts of KYC: the borrower profile (what the checks and the payout read) and documents (KTP, selfie,
// payslip). Person-facing text goes through safeText: no control, bidirectional or zero-width characters; NFC, trimmed.
import { safeText, z } from "../src/runtime/index.ts";
import { EXAMPLE_IDS, isoDate, money } from "./common.ts";
import { DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS, EMPLOYMENT_STATUSES, SEXES } from "./enums.ts";

/** Siti Rahayu: NIK of a woman born 1990-01-15 in Jakarta Pusat, income 8,000,000, BCA 1234567890. */
export const PROFILE_EXAMPLE = {
  userId: EXAMPLE_IDS.user,
  nik: "3171015501900001",
  fullName: "Siti Rahayu",
  birthDate: "1990-01-15",
  sex: "F",
  address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
  employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
  monthlyIncomeAmount: 8_000_000,
  bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
  emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
  createdAt: "2026-03-01T08:00:00.000Z",
  updatedAt: "2026-03-01T08:00:00.000Z",
} as const;

export const DOCUMENT_EXAMPLE = {
  id: EXAMPLE_IDS.ktp,
  userId: EXAMPLE_IDS.user,
  kind: "ktp",
  contentType: "image/jpeg",
  sizeBytes: 183_422,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  filename: "ktp.jpg",
  createdAt: "2026-03-01T08:01:00.000Z",
} as const;

export const ProfileInput = z
  .object({
    nik: z.string().regex(/^\d{16}$/, "NIK must be 16 digits").openapi({ example: "3171015501900001" }),
    fullName: safeText({ min: 2, max: 120 }).openapi({ example: "Siti Rahayu" }),
    birthDate: isoDate.openapi({ example: "1990-01-15" }),
    sex: z.enum(SEXES),
    address: z.object({
      line: safeText({ min: 3, max: 300 }).openapi({ example: "Jl. Merdeka No. 1" }),
      city: safeText({ min: 2, max: 100 }).openapi({ example: "Jakarta Pusat" }),
      province: safeText({ min: 2, max: 100 }).openapi({ example: "DKI Jakarta" }),
      postalCode: z.string().regex(/^\d{5}$/, "postal code must be 5 digits").openapi({ example: "10110" }),
    }),
    employment: z.object({
      status: z.enum(EMPLOYMENT_STATUSES),
      employerName: safeText({ max: 200 }).optional(),
      jobTitle: safeText({ max: 200 }).optional(),
    }),
    monthlyIncomeAmount: money("Declared monthly income", 8_000_000),
    bankAccount: z.object({
      bankCode: z.string().regex(/^[A-Z0-9]{2,10}$/, "bank code must be 2-10 of A-Z, 0-9").openapi({ example: "BCA" }),
      accountNumber: z.string().regex(/^\d{6,20}$/, "account number must be 6-20 digits").openapi({ example: "1234567890" }),
      accountName: safeText({ min: 2, max: 120 }).openapi({ example: "SITI RAHAYU" }),
    }),
    emergencyContact: z.object({
      name: safeText({ min: 2, max: 120 }).openapi({ example: "Budi Santoso" }),
      phone: z.string().regex(/^(\+62|62|0)8\d{7,12}$/, "phone must be an Indonesian mobile number").openapi({ example: "+6281234567890" }),
      relation: safeText({ min: 2, max: 50 }).openapi({ example: "sibling" }),
      consent: z.boolean().openapi({ description: "The contact agreed to be listed" }),
    }),
  })
  .superRefine((p, ctx) => {
    if (p.emergencyContact.consent !== true) ctx.addIssue({ code: "custom", path: ["emergencyContact", "consent"], message: "the emergency contact must have consented" });
    const d = new Date(p.birthDate + "T00:00:00Z");
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== p.birthDate) ctx.addIssue({ code: "custom", path: ["birthDate"], message: "not a real date" });
    if (p.employment.status === "employed" && !p.employment.employerName) ctx.addIssue({ code: "custom", path: ["employment", "employerName"], message: "required when employed" });
  })
  .openapi("ProfileInput", {
    example: {
      nik: "3171015501900001",
      fullName: "Siti Rahayu",
      birthDate: "1990-01-15",
      sex: "F",
      address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
      employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
      monthlyIncomeAmount: 8_000_000,
      bankAccount: { bankCode: "BCA", accountNumber: "1234567890", accountName: "SITI RAHAYU" },
      emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
    },
  });
export type ProfileInput = z.infer<typeof ProfileInput>;

export const Profile = z
  .object({
    userId: z.string(),
    nik: z.string(),
    fullName: z.string(),
    birthDate: z.string().optional().openapi({ description: "Left out for roles the personal-data policy does not show it to" }),
    sex: z.enum(SEXES),
    address: z.object({
      line: z.string().optional().openapi({ description: "Left out for roles the personal-data policy does not show it to" }),
      city: z.string(),
      province: z.string(),
      postalCode: z.string(),
    }),
    employment: z.object({ status: z.string(), employerName: z.string().optional(), jobTitle: z.string().optional() }),
    monthlyIncomeAmount: z.number().int(),
    bankAccount: z.object({ bankCode: z.string(), accountNumber: z.string(), accountName: z.string() }),
    emergencyContact: z.object({ name: z.string(), phone: z.string(), relation: z.string(), consent: z.boolean() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Profile", { example: PROFILE_EXAMPLE });

// ---- documents ----
export const DocumentKind = z.enum(DOCUMENT_KINDS);
export const DocumentUpload = z
  .object({
    kind: DocumentKind,
    file: z.any().openapi({ type: "string", format: "binary", description: "JPEG, PNG or PDF, at most 10 MiB" }),
  })
  .openapi("DocumentUpload", { example: { kind: "ktp", file: "(binary JPEG)" } });
export const Document = z
  .object({
    id: z.string(),
    userId: z.string(),
    kind: DocumentKind,
    contentType: z.enum(DOCUMENT_CONTENT_TYPES),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    filename: z.string().nullable(),
    createdAt: z.string(),
    downloadUrl: z.string().optional().openapi({ description: "Short-lived download URL (staff only)" }),
  })
  .openapi("Document", { example: DOCUMENT_EXAMPLE });
