// A local WhatsApp Cloud API (Meta Graph API) on 127.0.0.1: POST /{version}/{phone-number-id}/messages with a
// Bearer token and a template message; answers {messaging_product, contacts, messages: [{id: "wamid…"}]} or Graph
// errors ({error: {message, type, code, error_subcode, fbtrace_id}}: 190 bad token, 132001 unknown template,
// 100 bad parameter). failNext(n, status) answers the next n sends with that status (5xx, 429).
import { randomBytes } from "node:crypto";

export interface FakeWhatsAppMessage {
  id: string;
  to: string;
  template: string;
  language: string;
  /** The code from the template's body parameter. */
  code: string | null;
}

export class FakeWhatsApp {
  readonly phoneNumberId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
  readonly token = "EAAG" + randomBytes(24).toString("hex");
  readonly templates = new Set(["kreditku_otp"]);
  readonly messages: FakeWhatsAppMessage[] = [];
  readonly requests: { path: string; status: number }[] = [];
  private failures: number[] = [];
  private server: ReturnType<typeof Bun.serve> | null = null;

  get url() {
    return `http://127.0.0.1:${this.server!.port}/v21.0`;
  }
  start() {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => this.handle(req) });
    return this;
  }
  stop() {
    this.server?.stop(true);
  }
  failNext(n: number, status: number) {
    for (let i = 0; i < n; i++) this.failures.push(status);
  }

  private error(status: number, code: number, message: string, type = "OAuthException") {
    return Response.json({ error: { message, type, code, fbtrace_id: randomBytes(8).toString("hex") } }, { status });
  }

  private async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const res = await this.answer(req, path);
    this.requests.push({ path, status: res.status });
    return res;
  }

  private async answer(req: Request, path: string): Promise<Response> {
    if (req.headers.get("authorization") !== `Bearer ${this.token}`) return this.error(401, 190, "Invalid OAuth access token - Cannot parse access token");
    if (req.method !== "POST" || path !== `/v21.0/${this.phoneNumberId}/messages`) return this.error(400, 100, "Unsupported post request.", "GraphMethodException");
    const failure = this.failures.shift();
    if (failure === 429) return this.error(429, 130429, "Rate limit hit", "OAuthException");
    if (failure) return this.error(failure, 1, "An unknown error occurred");
    let b: any;
    try {
      b = await req.json();
    } catch {
      return this.error(400, 100, "Invalid parameter");
    }
    if (b?.messaging_product !== "whatsapp" || typeof b.to !== "string" || b.type !== "template") return this.error(400, 100, "Invalid parameter");
    if (!this.templates.has(b.template?.name)) return this.error(404, 132001, "Template name does not exist in the translation");
    const body = (b.template.components ?? []).find((c: any) => c.type === "body");
    const m: FakeWhatsAppMessage = { id: "wamid." + randomBytes(24).toString("base64url"), to: b.to, template: b.template.name, language: b.template.language?.code, code: body?.parameters?.[0]?.text ?? null };
    this.messages.push(m);
    return Response.json({ messaging_product: "whatsapp", contacts: [{ input: b.to, wa_id: b.to }], messages: [{ id: m.id, message_status: "accepted" }] });
  }
}
