// The borrower's journey as the Flutter app drives it, against a running binary: OTP sign-in (code read from the
// SMS log), KYC profile, documents, application. Shared by end-to-end suites and the load test.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeNik } from "../../extensions/fraud/nik.ts";
import { documentFor } from "./images.ts";

export interface Res {
  status: number;
  body: any;
  headers: Headers;
}

export class Journey {
  private ipSeq = 0;
  private seq = 0;
  constructor(
    readonly url: string,
    readonly depot: string,
    readonly tag = String(process.pid % 1000),
  ) {}

  /** A distinct client IP per call (the server trusts X-Forwarded-For in these suites), so per-IP limits don't bite. */
  freshIp() {
    this.ipSeq++;
    return `10.77.${(this.ipSeq >> 8) & 255}.${this.ipSeq & 255}`;
  }

  async call(method: string, path: string, body?: unknown, opts: { token?: string; headers?: Record<string, string>; form?: FormData } = {}): Promise<Res> {
    const r = await fetch(this.url + path, {
      method,
      headers: {
        ...(opts.form ? {} : { "Content-Type": "application/json" }),
        "X-Forwarded-For": this.freshIp(),
        ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: opts.form ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await r.text();
    let parsed: any = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: r.status, body: parsed, headers: r.headers };
  }

  lastCode(phone: string) {
    const lines = readFileSync(join(this.depot, "data/sms.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const text = lines.filter((l) => l.to === phone).at(-1)?.text as string | undefined;
    const m = text && /(\d{6})/.exec(text);
    if (!m) throw new Error(`no OTP for ${phone} in the SMS log`);
    return m[1];
  }

  async signIn(): Promise<{ token: string; userId: string; phone: string }> {
    const n = ++this.seq;
    const local = `0817${this.tag.padStart(3, "0")}${String(n).padStart(5, "0")}`;
    const phone = "+62" + local.slice(1);
    const req = await this.call("POST", "/api/v1/auth/otp/request", { phone: local });
    if (req.status !== 202) throw new Error(`otp/request ${req.status}: ${JSON.stringify(req.body)}`);
    const v = await this.call("POST", "/api/v1/auth/otp/verify", { challengeId: req.body.challengeId, code: this.lastCode(phone) });
    if (v.status !== 200) throw new Error(`otp/verify ${v.status}: ${JSON.stringify(v.body)}`);
    return { token: v.body.accessToken, userId: v.body.user.id, phone };
  }

  profile(n: number, income = 8_000_000) {
    const birthDate = "1990-05-15";
    return {
      nik: makeNik({ birthDate, sex: "F", province: "31", regency: "71", district: "01", sequence: String(1000 + (n % 8000)) }),
      fullName: `Peminjam ${n}`,
      birthDate,
      sex: "F",
      address: { line: "Jl. Merdeka No. 1", city: "Jakarta Pusat", province: "DKI Jakarta", postalCode: "10110" },
      employment: { status: "employed", employerName: "PT Maju", jobTitle: "Staff" },
      monthlyIncomeAmount: income,
      bankAccount: { bankCode: "BCA", accountNumber: String(7_700_000_000 + n + Number(this.tag) * 100_000), accountName: `PEMINJAM ${n}` },
      emergencyContact: { name: "Budi Santoso", phone: "+6281234567890", relation: "sibling", consent: true },
    };
  }

  async upload(token: string, kind: string, salt: string) {
    const doc = documentFor(kind, `${salt}-${Math.random()}`);
    const form = new FormData();
    form.set("kind", kind);
    form.set("file", new File([doc.bytes as BlobPart], doc.name, { type: doc.type }));
    return this.call("POST", "/api/v1/documents", undefined, { token, form });
  }

  /** Signed in, profile saved, KTP + selfie uploaded. */
  async readyBorrower(income?: number) {
    const b = await this.signIn();
    const p = await this.call("PUT", "/api/v1/me/profile", this.profile(this.seq, income), { token: b.token });
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
