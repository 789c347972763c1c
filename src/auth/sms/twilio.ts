// SMS through Twilio's Messages API (documented HTTP API, no SDK):
//   POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json   Basic auth AccountSid:AuthToken, form-encoded
//        To, From (or MessagingServiceSid), Body, StatusCallback → 201 {sid, status: "queued", price, price_unit, …}
//        or an error {code, message, more_info, status} (e.g. 400 code 21211: invalid To)
//   GET  {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages/{sid}.json  the message now (status, price once known)
// Status callbacks come form-encoded with X-Twilio-Signature = base64 HMAC-SHA1(AuthToken, callback URL + every
// parameter name and value, sorted by name), checked by verifyTwilioSignature.
import { createHmac } from "node:crypto";
import { safeEqualText } from "./compare.ts";
import { callProvider, ProviderError, type CallOptions } from "./http.ts";
import type { SmsRecorder } from "./record.ts";
import type { SmsMessage, SmsPort } from "../sms.ts";

export interface TwilioOptions extends CallOptions {
  accountSid: string;
  authToken: string;
  from?: string;
  messagingServiceSid?: string;
  baseUrl: string;
  /** Where Twilio reports delivery (POST, form-encoded); none without a public URL. */
  statusCallback?: string;
}

interface TwilioMessage {
  sid?: string;
  status?: string;
  price?: string | null;
  price_unit?: string | null;
  error_code?: number | null;
  error_message?: string | null;
}
interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

const json = async <T>(r: Response): Promise<T | null> => {
  try {
    return (await r.json()) as T;
  } catch {
    return null;
  }
};

export class TwilioSms implements SmsPort {
  readonly kind = "twilio";
  constructor(
    private o: TwilioOptions,
    private recorder: SmsRecorder,
  ) {}

  private get auth() {
    return "Basic " + Buffer.from(`${this.o.accountSid}:${this.o.authToken}`).toString("base64");
  }
  private url(path: string) {
    return `${this.o.baseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(this.o.accountSid)}${path}`;
  }

  async send(msg: SmsMessage): Promise<void> {
    const form = new URLSearchParams({ To: msg.to, Body: msg.text });
    if (this.o.messagingServiceSid) form.set("MessagingServiceSid", this.o.messagingServiceSid);
    else form.set("From", this.o.from ?? "");
    if (this.o.statusCallback) form.set("StatusCallback", this.o.statusCallback);
    let out: { res: Response; attempts: number };
    try {
      out = await callProvider(this.url("/Messages.json"), { method: "POST", headers: { Authorization: this.auth, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" }, body: form }, this.o);
    } catch (err) {
      const e = err as ProviderError;
      this.recorder.sent({ provider: "twilio", channel: "sms", phone: msg.to, providerId: null, status: "failed", errorCode: e.status ? `http_${e.status}` : "unavailable", attempts: e.attempts ?? 1 });
      throw err;
    }
    const { res, attempts } = out;
    if (res.status !== 201 && res.status !== 200) {
      const e = await json<TwilioError>(res);
      const code = e?.code !== undefined ? String(e.code) : `http_${res.status}`;
      this.recorder.sent({ provider: "twilio", channel: "sms", phone: msg.to, providerId: null, status: "failed", errorCode: code, attempts });
      throw new ProviderError(`twilio refused the message: ${e?.message ?? res.status} (code ${code})`, false, res.status, code, attempts);
    }
    const m = (await json<TwilioMessage>(res)) ?? {};
    this.recorder.sent({ provider: "twilio", channel: "sms", phone: msg.to, providerId: m.sid ?? null, status: m.status ?? "queued", errorCode: m.error_code ? String(m.error_code) : null, price: m.price ?? null, priceUnit: m.price_unit ?? null, attempts });
  }

  /** The message as Twilio has it now (status, price), recorded; null when Twilio does not know it. */
  async fetchStatus(sid: string): Promise<{ status: string; price: string | null; priceUnit: string | null } | null> {
    const { res } = await callProvider(this.url(`/Messages/${encodeURIComponent(sid)}.json`), { headers: { Authorization: this.auth, Accept: "application/json" } }, this.o);
    if (res.status !== 200) {
      await res.body?.cancel();
      return null;
    }
    const m = (await json<TwilioMessage>(res)) ?? {};
    const out = { status: m.status ?? "unknown", price: m.price ?? null, priceUnit: m.price_unit ?? null };
    this.recorder.status("twilio", sid, { status: out.status, errorCode: m.error_code ? String(m.error_code) : null, price: out.price, priceUnit: out.priceUnit });
    return out;
  }

  verifyCallback(url: string, params: URLSearchParams, signature: string | null): boolean {
    return !!signature && safeEqualText(twilioSignature(this.o.authToken, url, params), signature);
  }
}

/** base64 HMAC-SHA1(authToken, url + name1 + value1 + name2 + value2 … sorted by name). */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort();
  let data = url;
  for (const k of keys) for (const v of params.getAll(k)) data += k + v;
  return createHmac("sha1", authToken).update(data).digest("base64");
}
