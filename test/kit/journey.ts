// The borrower's journey as the Flutter app drives it: OTP sign-in (code read from the SMS log), KYC profile,
// documents, application, acceptance. Against a running binary (new Journey(url, depot)) or an in-process app
// (new Journey(testApp)); shared by the end-to-end suites, the unit tests and the load and crash tests.
import { makeNik } from "../../extensions/fraud/nik.ts";
import { documentFor } from "./images.ts";
import { freshIp } from "./ip.ts";
import { lastOtp } from "./otp.ts";

export interface Res {
  status: number;
  body: any;
  headers: Headers;
}

/** Where requests go: a server's URL, or anything with fetch-like `request(path, init)` and a depot (a TestApp). */
export type JourneyTarget = string | { request(path: string, init?: RequestInit): Response | Promise<Response>; depot: string };

/** Parse a response body: JSON when it is JSON, else the text (null when empty). */
export async function readBody(r: Response): Promise<any> {
  const text = await r.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Body of PUT /api/v1/me/profile for borrower n: a valid NIK for the birth date, and a distinct bank account. */
export function profileBody(n: number, o: { income?: number; birthDate?: string; sex?: "M" | "F"; bank?: string; tag?: string } = {}) {
  const birthDate = o.birthDate ?? "1990-05-15";
  const sex = o.sex ?? "F";
  return {
    nik: makeNik({ birthDate, sex, province: "31", regency: "71", district: "01", sequence: String(1000 + (n % 8000)) }),
    fullName: `Peminjam ${n}`,
    birthDate,
    sex,
    address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
    employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
    monthlyIncomeAmount: o.income ?? 8_000_000,
    bankAccount: { bankCode: "BCA", accountNumber: o.bank ?? String(7_700_000_000 + n + Number(o.tag ?? 0) * 100_000), accountName: `PEMINJAM ${n}` },
    emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
  };
}

export class Journey {
  private seq = 0;
  readonly depot: string;
  private readonly send: (path: string, init: RequestInit) => Promise<Response>;

  constructor(
    target: JourneyTarget,
    depot?: string,
    readonly tag = String(process.pid % 1000),
  ) {
    if (typeof target === "string") {
      if (!depot) throw new Error("a Journey against a server needs the server's depot (OTP codes are read from its SMS log)");
      this.depot = depot;
      this.send = (path, init) => fetch(target + path, init);
    } else {
      this.depot = target.depot;
      this.send = async (path, init) => target.request(path, init);
    }
  }

  /** A distinct client IP per call (the server trusts X-Forwarded-For in these suites), so per-IP limits don't bite. */
  freshIp() {
    return freshIp();
  }

  async call(method: string, path: string, body?: unknown, opts: { token?: string; headers?: Record<string, string>; form?: FormData } = {}): Promise<Res> {
    const r = await this.send(path, {
      method,
      headers: {
        ...(opts.form ? {} : { "Content-Type": "application/json" }),
        "X-Forwarded-For": freshIp(),
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: opts.form ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: r.status, body: await readBody(r), headers: r.headers };
  }

  lastCode(phone: string) {
    return lastOtp(this.depot, phone);
  }

  /** Sign a new borrower in by OTP (or the given phone, any accepted spelling). */
  async signIn(phone?: string): Promise<{ token: string; refreshToken: string; userId: string; phone: string }> {
    const n = ++this.seq;
    const local = phone ?? `0817${this.tag.padStart(3, "0")}${String(n).padStart(5, "0")}`;
    const req = await this.call("POST", "/api/v1/auth/otp/request", { phone: local });
    if (req.status !== 202) throw new Error(`otp/request ${req.status}: ${JSON.stringify(req.body)}`);
    const v = await this.call("POST", "/api/v1/auth/otp/verify", { challengeId: req.body.challengeId, code: this.lastCode(local) });
    if (v.status !== 200) throw new Error(`otp/verify ${v.status}: ${JSON.stringify(v.body)}`);
    return { token: v.body.accessToken, refreshToken: v.body.refreshToken, userId: v.body.user.id, phone: v.body.user.phone };
  }

  profile(n: number, income = 8_000_000, over: Omit<Parameters<typeof profileBody>[1], "income" | "tag"> = {}) {
    return profileBody(n, { ...over, income, tag: this.tag });
  }

  async upload(token: string, kind: string, salt: string) {
    const doc = documentFor(kind, `${salt}-${Math.random()}`);
    const form = new FormData();
    form.set("kind", kind);
    form.set("file", new File([doc.bytes as BlobPart], doc.name, { type: doc.type }));
    return this.call("POST", "/api/v1/documents", undefined, { token, form });
  }

  /** Signed in, profile saved, KTP + selfie uploaded. */
  async readyBorrower(income?: number, over: Omit<Parameters<typeof profileBody>[1], "income" | "tag"> = {}) {
    const b = await this.signIn();
    const p = await this.call("PUT", "/api/v1/me/profile", this.profile(this.seq, income, over), { token: b.token });
    if (p.status !== 200) throw new Error(`profile ${p.status}: ${JSON.stringify(p.body)}`);
    const ktp = await this.upload(b.token, "ktp", b.userId);
    const selfie = await this.upload(b.token, "selfie", b.userId);
    if (ktp.status !== 201 || selfie.status !== 201) throw new Error(`documents ${ktp.status}/${selfie.status}`);
    return { ...b, documentIds: [ktp.body.id, selfie.body.id] as string[] };
  }

  applyBody(documentIds: string[], over: Record<string, unknown> = {}) {
    return {
      productId: "prod_reference_weekly",
      principalAmount: 5_000_000,
      tenor: 50,
      purpose: "Modal usaha warung",
      documentIds,
      device: { id: `device-${this.tag}-${this.seq}`, platform: "android" },
      ...over,
    };
  }

  /** Apply and wait for the automatic decision; returns the application as the borrower sees it. */
  async applyAndDecide(b: { token: string; documentIds: string[] }, over: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    const applied = await this.call("POST", "/api/v1/applications", this.applyBody(b.documentIds, over), { token: b.token, headers });
    if (applied.status !== 201) throw new Error(`apply ${applied.status}: ${JSON.stringify(applied.body)}`);
    return this.decided(b.token, applied.body.id);
  }

  /** Poll the application until the checks have decided it (status past draft/submitted/checking). */
  decided(token: string, applicationId: string, timeoutMs = 15_000): Promise<any> {
    return this.until(`a decision on ${applicationId}`, async () => {
      const r = await this.call("GET", `/api/v1/applications/${applicationId}`, undefined, { token });
      if (r.status !== 200) throw new Error(`GET application ${r.status}: ${JSON.stringify(r.body)}`);
      return ["draft", "submitted", "checking"].includes(r.body.status) ? null : r.body;
    }, timeoutMs);
  }

  /** Poll until fn returns a truthy value. */
  async until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await Bun.sleep(50);
    }
  }
}
