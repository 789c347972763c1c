// A realistic loan book for the dashboard suites, made the way production makes one: the built binary on a test
// clock, ten borrowers who sign in by OTP, upload their KTP and selfie, apply, are scored and accept; the in-process
// sandbox disburses; repayments arrive as signed payment webhooks on the days they were paid; then the clock comes
// back to today and the collections sweep runs. The result has a loan in every DPD bucket, loans paid on time, one
// paid off, one overpaid (a credit balance to refund), an application waiting for an analyst, a payment to an
// unknown VA in suspense, and a ledger that `kreditku ledger check` proves.
import { Webhook } from "standardwebhooks";
import { paymentPayload } from "../../extensions/payments/sandbox.ts";
import { runCli, startBinary, tempDepot, type Running } from "./binary.ts";
import { Journey } from "./journey.ts";

export const PORTFOLIO_SECRET = "whsec_" + Buffer.from("portfolio-secret-portfolio-secret").toString("base64");
export const STAFF_PASSWORD = "correct-horse-battery";
const DAY = 86_400_000;

/** What each borrower does, by how many days ago their loan started. */
export interface LoanPlan {
  key: string;
  startedDaysAgo: number;
  principal: number;
  /** Instalments paid on their due dates (from the first). */
  paidOnTime: number;
  /** Pay the whole payoff this many days ago (after paidOnTime), plus `overpay` rupiah on top. */
  payoffDaysAgo?: number;
  overpay?: number;
  income?: number;
}

/** A loan in every bucket (lancar, 1–30, 31–60, 61–90, macet past the write-off line), paid-up, paid off, overpaid. */
export const PLANS: LoanPlan[] = [
  { key: "macet-writeoff", startedDaysAgo: 215, principal: 3_000_000, paidOnTime: 2 },
  { key: "macet", startedDaysAgo: 140, principal: 5_000_000, paidOnTime: 4 },
  { key: "dpd-61-90", startedDaysAgo: 100, principal: 4_000_000, paidOnTime: 2 },
  { key: "dpd-31-60", startedDaysAgo: 70, principal: 2_000_000, paidOnTime: 3 },
  { key: "dpd-1-30", startedDaysAgo: 40, principal: 5_000_000, paidOnTime: 2 },
  { key: "current", startedDaysAgo: 35, principal: 2_500_000, paidOnTime: 4 },
  { key: "paid-off", startedDaysAgo: 30, principal: 1_500_000, paidOnTime: 1, payoffDaysAgo: 10 },
  { key: "overpaid", startedDaysAgo: 21, principal: 1_000_000, paidOnTime: 1, payoffDaysAgo: 5, overpay: 75_000 },
  { key: "current-new", startedDaysAgo: 14, principal: 3_500_000, paidOnTime: 2 },
];

export interface PortfolioLoan {
  plan: LoanPlan;
  loanId: string;
  applicationId: string;
  userId: string;
  phone: string;
  fullName: string;
  nik: string;
  va: string;
}

export interface Portfolio {
  srv: Running;
  loans: Record<string, PortfolioLoan>;
  /** The application waiting in manual review (borrower 10), if the policy put it there; else its status. */
  pending: { applicationId: string; status: string; userId: string };
  /** Staff accounts by name; each role has two, as sign-in is limited to 5 a minute per email and IP. */
  staff: Record<"admin" | "admin2" | "analyst" | "analyst2" | "finance" | "finance2", { email: string; role: string }>;
  /** A signed-in staff token (fresh sign-in). */
  token(who: keyof Portfolio["staff"]): Promise<string>;
  /** GET an API path as that staff member. */
  get<T = any>(who: keyof Portfolio["staff"], path: string): Promise<T>;
  cleanup(): void;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

export async function buildPortfolio(opts: { env?: Record<string, string>; log?: (msg: string) => void } = {}): Promise<Portfolio> {
  const log = opts.log ?? (() => {});
  const srv = await startBinary({
    depot: tempDepot("kreditku-portfolio-"),
    env: { KREDITKU_TEST_CLOCK: "1", KREDITKU_TRUST_PROXY: "true", KREDITKU_WEBHOOK_SECRET_STANDARD: PORTFOLIO_SECRET, ...opts.env },
  });
  try {
    const staff = {
      admin: { email: "admin@kreditku.test", role: "admin" },
      admin2: { email: "admin2@kreditku.test", role: "admin" },
      analyst: { email: "analyst@kreditku.test", role: "analyst" },
      analyst2: { email: "analyst2@kreditku.test", role: "analyst" },
      finance: { email: "finance@kreditku.test", role: "finance" },
      finance2: { email: "finance2@kreditku.test", role: "finance" },
    } as const;
    for (const s of Object.values(staff)) {
      const r = await runCli(["admin", "create", "--depot", srv.depot, "--email", s.email, "--password", STAFF_PASSWORD, "--role", s.role]);
      if (r.code !== 0) throw new Error(`admin create ${s.email}: ${r.stderr}`);
    }
    const realNow = Date.now();
    const setClock = async (at: number) => {
      const r = await postJson(`${srv.url}/_/test/clock`, { set: new Date(at).toISOString() });
      if (r.status !== 200) throw new Error(`test clock ${r.status}: ${JSON.stringify(r.body)}`);
    };
    const wh = new Webhook(PORTFOLIO_SECRET);
    let payments = 0;
    const pay = async (va: string, amount: number, at: number) => {
      const id = `msg_portfolio_${++payments}`;
      const when = new Date(at);
      const body = JSON.stringify(paymentPayload("standard", { paymentId: `pay-portfolio-${payments}`, vaNumber: va, amount, currency: "IDR", paidAt: when.toISOString() }));
      const r = await fetch(`${srv.url}/webhooks/payments/standard`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at / 1000)), "webhook-signature": wh.sign(id, when, body) },
        body,
      });
      if (r.status !== 200) throw new Error(`payment webhook ${r.status} (paid ${when.toISOString()}, clock ${JSON.stringify((await (await fetch(`${srv.url}/_/test/clock`)).json()))}): ${await r.text()}`);
      return r.json() as Promise<any>;
    };

    const j = new Journey(srv.url, srv.depot, "77");
    // 10:00 WIB on the day `daysAgo` days before today
    const at = (daysAgo: number) => {
      const d = new Date(realNow - daysAgo * DAY);
      return Date.parse(`${new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 10)}T10:00:00+07:00`);
    };

    // Everything that happens, in time order: loan starts, then payments on their days.
    type Step = { at: number; run: () => Promise<void> };
    const steps: Step[] = [];
    const loans: Record<string, PortfolioLoan> = {};
    const started = new Map<string, { token: string; dueTotals: { due: string; total: number }[] }>();
    for (const plan of PLANS) {
      steps.push({
        at: at(plan.startedDaysAgo),
        run: async () => {
          const b = await j.readyBorrower(plan.income ?? 12_000_000);
          const decided = await j.applyAndDecide(b, { principalAmount: plan.principal });
          if (decided.status !== "approved") throw new Error(`${plan.key}: application ${decided.status}`);
          const accepted = await j.call("POST", `/api/v1/applications/${decided.id}/accept`, {}, { token: b.token });
          if (accepted.status !== 201) throw new Error(`${plan.key}: accept ${accepted.status} ${JSON.stringify(accepted.body)}`);
          const loanId = accepted.body.loanId ?? accepted.body.loan?.id;
          const active = await j.until(`${plan.key} active`, async () => {
            const r = await j.call("GET", `/api/v1/loans/${loanId}`, undefined, { token: b.token });
            return r.body?.status === "active" ? r.body : null;
          });
          const payoff = await j.call("GET", `/api/v1/loans/${loanId}/payoff`, undefined, { token: b.token });
          const me = await j.call("GET", "/api/v1/me/profile", undefined, { token: b.token });
          loans[plan.key] = {
            plan,
            loanId,
            applicationId: decided.id,
            userId: b.userId,
            phone: b.phone,
            fullName: me.body?.fullName ?? "",
            nik: me.body?.nik ?? "",
            va: payoff.body.virtualAccount.vaNumber,
          };
          const rows = active.installments as { dueDate: string; totalDueAmount: number }[];
          started.set(plan.key, {
            token: b.token,
            dueTotals: rows.map((i) => ({ due: i.dueDate, total: i.totalDueAmount })),
          });
          log(`${plan.key}: loan ${loanId} started ${active.startDate} first due ${rows[0]?.dueDate} (clock ${new Date(at(plan.startedDaysAgo)).toISOString()})`);
          // its payments, scheduled once the schedule is known
          const sched = started.get(plan.key)!;
          for (let k = 0; k < plan.paidOnTime; k++) {
            const due = Date.parse(`${sched.dueTotals[k]!.due}T09:00:00+07:00`);
            steps.push({ at: due, run: async () => void (await pay(loans[plan.key]!.va, sched.dueTotals[k]!.total, due)) });
          }
          if (plan.payoffDaysAgo !== undefined) {
            const when = at(plan.payoffDaysAgo);
            steps.push({
              at: when,
              run: async () => {
                const signedIn = await j.signIn(loans[plan.key]!.phone);
                const q = await j.call("GET", `/api/v1/loans/${loanId}/payoff`, undefined, { token: signedIn.token });
                if (q.status !== 200) throw new Error(`${plan.key}: payoff quote ${q.status}`);
                await pay(loans[plan.key]!.va, q.body.payoffAmount + (plan.overpay ?? 0), when);
              },
            });
          }
          steps.sort((a, b2) => a.at - b2.at);
        },
      });
    }
    steps.sort((a, b) => a.at - b.at);
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      await setClock(s.at);
      await s.run();
    }

    // Today: an application an analyst must decide, a payment to a VA nobody issued.
    await setClock(realNow);
    const low = await j.readyBorrower(4_500_000);
    const lowDecided = await j.applyAndDecide(low, { principalAmount: 5_000_000 });
    await pay("8808000000007777", 60_000, realNow);

    const tokens = new Map<string, string>();
    const token = async (who: keyof typeof staff) => {
      const cached = tokens.get(who);
      if (cached) return cached;
      const r = await postJson(`${srv.url}/api/v1/auth/login`, { email: staff[who].email, password: STAFF_PASSWORD }, { "x-forwarded-for": j.freshIp() });
      if (r.status !== 200) throw new Error(`login ${who}: ${r.status} ${JSON.stringify(r.body)}`);
      tokens.set(who, r.body.accessToken);
      return r.body.accessToken as string;
    };
    const get = async (who: keyof typeof staff, path: string) => {
      const r = await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${await token(who)}`, "x-forwarded-for": j.freshIp() } });
      if (r.status !== 200) throw new Error(`GET ${path} as ${who}: ${r.status} ${await r.text()}`);
      return r.json();
    };

    // The daily sweep for today (it catches up the days the clock skipped): DPD, buckets, late fees, delinquency.
    const sweep = await postJson(`${srv.url}/api/v1/admin/collections/sweep`, {}, { authorization: `Bearer ${await token("admin")}` });
    if (sweep.status !== 202) throw new Error(`sweep ${sweep.status}: ${JSON.stringify(sweep.body)}`);
    await j.until("the sweep ran", async () => {
      const r = await fetch(`${srv.url}/api/v1/jobs/${encodeURIComponent(sweep.body.jobKey)}`, { headers: { authorization: `Bearer ${await token("admin")}` } });
      const body = (await r.json()) as { state?: string; lastError?: string | null };
      if (body.state === "dead") throw new Error(`the sweep failed: ${body.lastError}`);
      return body.state === "completed";
    }, 60_000);
    log("portfolio ready");

    return {
      srv,
      loans,
      pending: { applicationId: lowDecided.id, status: lowDecided.status, userId: low.userId },
      staff,
      token,
      get,
      cleanup: () => srv.cleanup(),
    };
  } catch (e) {
    srv.cleanup();
    throw e;
  }
}
