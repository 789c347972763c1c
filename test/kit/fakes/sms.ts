// A local Twilio-like SMS provider speaking Twilio's Messages API (2010-04-01) on 127.0.0.1: Basic auth with the
// account SID and auth token, form-encoded To/From/Body/StatusCallback, 201 with the message resource, Twilio's
// error bodies ({code, message, more_info, status}: 20003 authenticate, 21211 invalid To, 21603 missing From),
// GET of one message, and delivery: deliver(sid) sets its status and price and posts the StatusCallback signed
// X-Twilio-Signature as Twilio does. failNext(n, status) answers the next n sends with that status (5xx, 429);
// delayMs slows every answer (timeouts).
import { createHmac, randomBytes } from "node:crypto";

export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
  status: string;
  price: string | null;
  price_unit: string;
  statusCallback: string | null;
}

export class FakeTwilio {
  readonly accountSid = "AC" + randomBytes(16).toString("hex");
  readonly authToken = randomBytes(16).toString("hex");
  readonly from = "+15005550006";
  readonly messages: FakeTwilioMessage[] = [];
  /** Every request received (method, path), in order. */
  readonly requests: { method: string; path: string; status: number }[] = [];
  delayMs = 0;
  private failures: number[] = [];
  private server: ReturnType<typeof Bun.serve> | null = null;

  constructor(
    /** How the fake reaches the server's status callback (a test maps the public URL to the in-process app). */
    private callback: (url: string, init: RequestInit) => Promise<Response> = (url, init) => fetch(url, init),
  ) {}

  get url() {
    return `http://127.0.0.1:${this.server!.port}`;
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

  private error(status: number, code: number, message: string) {
    return Response.json({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, { status });
  }

  private view(m: FakeTwilioMessage) {
    return {
      sid: m.sid,
      account_sid: this.accountSid,
      to: m.to,
      from: m.from,
      body: m.body,
      status: m.status,
      num_segments: "1",
      direction: "outbound-api",
      api_version: "2010-04-01",
      price: m.price,
      price_unit: m.price_unit,
      error_code: m.status === "undelivered" ? 30003 : null,
      error_message: m.status === "undelivered" ? "Unreachable destination handset" : null,
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${m.sid}.json`,
    };
  }

  private async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const res = await this.answer(req, path);
    this.requests.push({ method: req.method, path, status: res.status });
    if (this.delayMs) await Bun.sleep(this.delayMs);
    return res;
  }

  private async answer(req: Request, path: string): Promise<Response> {
    const base = `/2010-04-01/Accounts/${this.accountSid}`;
    const auth = req.headers.get("authorization");
    if (auth !== "Basic " + Buffer.from(`${this.accountSid}:${this.authToken}`).toString("base64")) return this.error(401, 20003, "Authenticate");
    if (req.method === "POST" && path === `${base}/Messages.json`) {
      const failure = this.failures.shift();
      if (failure === 429) return this.error(429, 20429, "Too Many Requests");
      if (failure) return this.error(failure, 20500, "Internal Server Error");
      const form = new URLSearchParams(await req.text());
      const to = form.get("To") ?? "";
      if (!/^\+[1-9]\d{7,14}$/.test(to)) return this.error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      const from = form.get("From") ?? form.get("MessagingServiceSid");
      if (!from) return this.error(400, 21603, "The 'From' phone number is required.");
      const body = form.get("Body") ?? "";
      if (!body) return this.error(400, 21602, "Message body is required.");
      const m: FakeTwilioMessage = { sid: "SM" + randomBytes(16).toString("hex"), to, from, body, status: "queued", price: null, price_unit: "USD", statusCallback: form.get("StatusCallback") };
      this.messages.push(m);
      return Response.json(this.view(m), { status: 201 });
    }
    const one = new RegExp(`^${base}/Messages/(SM[0-9a-f]{32})\\.json$`).exec(path);
    if (req.method === "GET" && one) {
      const m = this.messages.find((x) => x.sid === one[1]);
      return m ? Response.json(this.view(m)) : this.error(404, 20404, `The requested resource ${path} was not found`);
    }
    return this.error(404, 20404, `The requested resource ${path} was not found`);
  }

  /** The handset got it (or not): set the status and price, and post the signed StatusCallback. */
  async deliver(sid: string, status: "delivered" | "undelivered" = "delivered", price = "-0.03950"): Promise<Response | null> {
    const m = this.messages.find((x) => x.sid === sid);
    if (!m) throw new Error(`no message ${sid}`);
    m.status = status;
    m.price = price;
    if (!m.statusCallback) return null;
    const params = new URLSearchParams({ AccountSid: this.accountSid, ApiVersion: "2010-04-01", From: m.from, MessageSid: m.sid, MessageStatus: status, SmsSid: m.sid, SmsStatus: status, To: m.to });
    if (status === "undelivered") params.set("ErrorCode", "30003");
    return this.callback(m.statusCallback, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signTwilio(this.authToken, m.statusCallback, params) }, body: params.toString() });
  }
}

/** Twilio's request signature: base64 HMAC-SHA1(auth token, URL + each parameter name and value, sorted by name). */
export function signTwilio(authToken: string, url: string, params: URLSearchParams): string {
  let data = url;
  for (const k of [...new Set(params.keys())].sort()) for (const v of params.getAll(k)) data += k + v;
  return createHmac("sha1", authToken).update(data).digest("base64");
}
