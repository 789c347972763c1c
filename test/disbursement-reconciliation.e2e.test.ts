// A disbursement-success webhook that lands while `serve` is down (the gateway simulator delivers it into a stopped
// server) is not lost: on the next start the payments extension asks the gateway for its pending disbursements
// (reconcile-disbursements, also every five minutes), settles it exactly once with its journal, and the loan is
// active; the ledger check is clean.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { removeDepot, runCli, startBinary, tempDepot, type Running } from "./kit/binary.ts";
import { startGatewaySimulator } from "../scripts/simulate-gateway.ts";
import { seedLoan } from "./kit/accepted-loan.ts";
import { waitFor } from "./kit/wait.ts";

const SECRET = "whsec_" + Buffer.from("restart-secret-restart-secret-00").toString("base64");
const depot = join(tempDepot("kreditku-dsbrec-"), "depot");
const sim = startGatewaySimulator({ secret: SECRET, disbursementDelayMs: 1500 });
let srv: Running | null = null;
afterAll(() => {
  sim.stop();
  srv?.cleanup();
  removeDepot(depot);
});

const env = { KREDITKU_GATEWAY: "http", KREDITKU_GATEWAY_URL: sim.url, KREDITKU_WEBHOOK_SECRET_STANDARD: SECRET, KREDITKU_RECONCILE_DISBURSEMENTS_AFTER_MINUTES: "0.01" };

test("the success webhook lost during a restart is reconciled on the next start, once", async () => {
  srv = await startBinary({ depot, env });
  sim.gateway.callbackBase = srv.url;
  const db = new Database(join(depot, "data/main.db"), { strict: false });
  db.exec("PRAGMA busy_timeout = 10000");
  const q = <T>(sql: string, ...p: any[]) => db.query(sql).get(...p) as T;
  try {
    const loan = seedLoan(db, { enqueueDisburse: true });
    await waitFor(() => q<{ gateway_ref: string | null }>("SELECT gateway_ref FROM disbursements WHERE loan_id = ?", loan.loanId)?.gateway_ref, 15_000, "disbursement sent", 50);
    expect(await srv.stop()).toBe(0); // the gateway's outcome is 1.5 s away: it lands on a stopped server
    await waitFor(() => sim.gateway.deliveries.some((d) => d.path.startsWith("/webhooks/disbursements/") && d.status === null), 10_000, "webhook lost", 50);
    expect(q<{ status: string }>("SELECT status FROM disbursements WHERE loan_id = ?", loan.loanId).status).toBe("pending");
    expect(q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId).status).toBe("disbursing");

    srv = await startBinary({ depot, env });
    await waitFor(() => q<{ status: string }>("SELECT status FROM loans WHERE id = ?", loan.loanId)?.status === "active", 15_000, "loan active after reconciliation", 50);
    expect(q<{ status: string; attempts: number }>("SELECT status, attempts FROM disbursements WHERE loan_id = ?", loan.loanId)).toEqual({ status: "succeeded", attempts: 1 });
    expect(q<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE kind = 'disbursement.settled' AND loan_id = ?", loan.loanId).n).toBe(1);
    // the line is written with the server's next batch of log lines, read here from its stdout pipe
    await waitFor(() => srv!.logs.some((l) => l.includes("disbursement reconciliation applied an outcome whose webhook never arrived")), 5_000, "the reconciliation's log line", 20);
    // the gateway's retry of the webhook, now that the server is up, changes nothing
    sim.gateway.callbackBase = srv.url;
    const [ref] = [...sim.gateway.disbursements.keys()];
    await sim.gateway.sendDisbursementOutcome(sim.gateway.disbursements.get(ref)!.outcome!);
    expect(sim.gateway.deliveries.at(-1)!.status).toBe(200);
    expect(q<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals WHERE kind = 'disbursement.settled' AND loan_id = ?", loan.loanId).n).toBe(1);
    expect(await srv.stop()).toBe(0);
    const check = await runCli(["ledger", "check", "--depot", depot]);
    expect(check.code).toBe(0);
  } finally {
    db.close();
  }
}, 90_000);
