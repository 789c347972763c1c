// One-time codes on WhatsApp through the WhatsApp Business Cloud API (Meta's Graph API):
//   POST {baseUrl}/{phone-number-id}/messages   Authorization: Bearer <token>, JSON
//        {messaging_product: "whatsapp", to, type: "template", template: {name, language: {code}, components: [
//          {type: "body", parameters: [{type: "text", text: code}]},
//          {type: "button", sub_type: "url", index: "0", parameters: [{type: "text", text: code}]}]}}
//   → 200 {messaging_product, contacts: [{input, wa_id}], messages: [{id: "wamid…"}]}
//   or {error: {message, type, code, error_subcode, fbtrace_id}} (e.g. 131026 undeliverable, 132001 no template).
// The template is an approved "authentication" template with a copy-code button (its body takes the code).
import { callProvider, ProviderError, type CallOptions } from "./http.ts";
import type { SmsRecorder } from "./record.ts";
import type { SmsMessage, SmsPort } from "../sms.ts";

export interface WhatsAppOptions extends CallOptions {
  phoneNumberId: string;
  token: string;
  template: string;
  language: string;
  baseUrl: string;
}

interface GraphAnswer {
  messages?: { id?: string; message_status?: string }[];
  error?: { message?: string; type?: string; code?: number; error_subcode?: number; fbtrace_id?: string };
}

export class WhatsAppOtp implements SmsPort {
  readonly kind = "whatsapp";
  constructor(
    private o: WhatsAppOptions,
    private recorder: SmsRecorder,
  ) {}

  async send(msg: SmsMessage): Promise<void> {
    if (!msg.code) throw new ProviderError("a WhatsApp authentication template needs the code", false, null);
    const to = msg.to.replace(/^\+/, "");
    const body = {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to,
      type: "template",
      template: {
        name: this.o.template,
        language: { code: this.o.language },
        components: [
          { type: "body", parameters: [{ type: "text", text: msg.code }] },
          { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: msg.code }] },
        ],
      },
    };
    const url = `${this.o.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(this.o.phoneNumberId)}/messages`;
    let out: { res: Response; attempts: number };
    try {
      out = await callProvider(url, { method: "POST", headers: { Authorization: `Bearer ${this.o.token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }, this.o);
    } catch (err) {
      const e = err as ProviderError;
      this.recorder.sent({ provider: "whatsapp", channel: "whatsapp", phone: msg.to, providerId: null, status: "failed", errorCode: e.status ? `http_${e.status}` : "unavailable", attempts: e.attempts ?? 1 });
      throw err;
    }
    const { res, attempts } = out;
    let a: GraphAnswer = {};
    try {
      a = (await res.json()) as GraphAnswer;
    } catch {
      /* not JSON: handled as a refusal below */
    }
    const id = a.messages?.[0]?.id;
    if (res.status !== 200 || !id) {
      const code = a.error?.code !== undefined ? String(a.error.code) : `http_${res.status}`;
      this.recorder.sent({ provider: "whatsapp", channel: "whatsapp", phone: msg.to, providerId: null, status: "failed", errorCode: code, attempts });
      throw new ProviderError(`whatsapp refused the message: ${a.error?.message ?? res.status} (code ${code})`, false, res.status, code, attempts);
    }
    this.recorder.sent({ provider: "whatsapp", channel: "whatsapp", phone: msg.to, providerId: id, status: a.messages?.[0]?.message_status ?? "accepted", attempts });
  }
}
