// A fake Indonesian bank speaking SNAP BI to the server, as a bank runs direct virtual accounts: it holds its own
// RSA key pair (the server gets the public key), asks for a B2B access token signed SHA256withRSA over
// `clientKey|X-TIMESTAMP`, then sends VA inquiries and payment notifications signed HMAC-SHA512 with the shared
// client secret over METHOD:relativeUrl:accessToken:hex(SHA-256(minified body)):X-TIMESTAMP, each with a fresh
// numeric X-EXTERNAL-ID (or the one a test gives). `credentials(depot)` writes what the server reads into the
// depot's secrets folder.
import { createHash, createHmac, generateKeyPairSync, randomInt, sign, type KeyObject } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Fetcher = (path: string, init?: RequestInit) => Response | Promise<Response>;

export interface SnapCall {
  status: number;
  body: any;
}

/** yyyy-MM-ddTHH:mm:ss+07:00 (the bank's local time in Jakarta). */
export function jakartaTimestamp(d: Date): string {
  return new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 19) + "+07:00";
}

export class FakeSnapBank {
  readonly clientKey = "KREDITKU-CLIENT-KEY-01";
  readonly partnerId = "KREDITKU01";
  readonly channelId = "95231";
  clientSecret = "snap-client-secret-0123456789abcdef";
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  accessToken: string | null = null;

  constructor(
    private fetcher: Fetcher,
    /** The bank's clock (the server's test clock, so X-TIMESTAMP falls in its window). */
    private now: () => Date = () => new Date(),
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  }

  /** The server's side of the agreement, as files in depot/secrets. */
  credentials(depot: string) {
    const dir = join(depot, "secrets");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const put = (name: string, v: string) => writeFileSync(join(dir, name), v + "\n", { mode: 0o600 });
    put("snap-client-key", this.clientKey);
    put("snap-client-secret", this.clientSecret);
    put("snap-partner-id", this.partnerId);
    put("snap-bank-public-key.pem", this.publicKeyPem.trim());
  }

  /** POST /snap/v1.0/access-token/b2b; keeps the token. `signWith`: another private key (a forger). */
  async token(o: { timestamp?: string; signWith?: KeyObject; clientKey?: string } = {}): Promise<SnapCall> {
    const ts = o.timestamp ?? jakartaTimestamp(this.now());
    const clientKey = o.clientKey ?? this.clientKey;
    const signature = sign("RSA-SHA256", Buffer.from(`${clientKey}|${ts}`), o.signWith ?? this.privateKey).toString("base64");
    const r = await this.send("/snap/v1.0/access-token/b2b", JSON.stringify({ grantType: "client_credentials" }), { "X-TIMESTAMP": ts, "X-CLIENT-KEY": clientKey, "X-SIGNATURE": signature });
    if (r.status === 200) this.accessToken = r.body.accessToken;
    return r;
  }

  /** Digits of the company code (partnerServiceId) the bank assigned: the start of every VA number. */
  partnerServiceIdDigits = 4;

  /** The bank's VA number fields for one of our VA numbers: 8-character padded partnerServiceId + customerNo. */
  vaFields(vaNumber: string) {
    const partnerServiceId = vaNumber.slice(0, this.partnerServiceIdDigits).padStart(8, " ");
    const customerNo = vaNumber.slice(this.partnerServiceIdDigits);
    return { partnerServiceId, customerNo, virtualAccountNo: partnerServiceId + customerNo };
  }

  async inquiry(vaNumber: string, o: TxOptions = {}): Promise<SnapCall> {
    const body = { ...this.vaFields(vaNumber), inquiryRequestId: `inq-${randomInt(1e9)}`, trxDateInit: jakartaTimestamp(this.now()), channelCode: 6011 };
    return this.transact("/snap/v1.0/transfer-va/inquiry", o.body ?? body, o);
  }

  /** A payment notification of `amount` rupiah (paymentRequestId given or fresh). */
  async pay(vaNumber: string, amount: number, o: TxOptions & { paymentRequestId?: string } = {}): Promise<SnapCall> {
    const body = {
      ...this.vaFields(vaNumber),
      virtualAccountName: "Budi Santoso",
      paymentRequestId: o.paymentRequestId ?? `pay-${randomInt(1e12)}`,
      paidAmount: { value: `${amount}.00`, currency: "IDR" },
      trxDateTime: jakartaTimestamp(this.now()),
      referenceNo: String(randomInt(1e9)),
      channelCode: 6011,
      flagAdvise: "N",
    };
    return this.transact("/snap/v1.0/transfer-va/payment", o.body ?? body, o);
  }

  /** A transactional call: pretty-printed body (the server must minify it to check the signature). */
  async transact(path: string, body: unknown, o: TxOptions = {}): Promise<SnapCall> {
    if (!this.accessToken && !o.accessToken) throw new Error("no access token: call token() first");
    const token = o.accessToken ?? this.accessToken!;
    const raw = JSON.stringify(body, null, 2);
    const ts = o.timestamp ?? jakartaTimestamp(this.now());
    const hash = createHash("sha256").update(JSON.stringify(body)).digest("hex").toLowerCase();
    const signature = createHmac("sha512", o.secret ?? this.clientSecret).update(`POST:${path}:${token}:${hash}:${ts}`).digest("base64");
    return this.send(path, raw, {
      Authorization: `Bearer ${token}`,
      "X-TIMESTAMP": ts,
      "X-SIGNATURE": signature,
      "X-PARTNER-ID": o.partnerId ?? this.partnerId,
      "X-EXTERNAL-ID": o.externalId ?? String(randomInt(1e14)).padStart(14, "0") + String(randomInt(1e6)).padStart(6, "0"),
      "CHANNEL-ID": this.channelId,
    });
  }

  private async send(path: string, body: string, headers: Record<string, string>): Promise<SnapCall> {
    const res = await this.fetcher(path, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: kept as text */
    }
    return { status: res.status, body: parsed };
  }
}

export interface TxOptions {
  externalId?: string;
  timestamp?: string;
  accessToken?: string;
  secret?: string;
  partnerId?: string;
  body?: unknown;
}
