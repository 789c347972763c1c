// Funding over HTTP: finance records the lender's money coming in (capital, credit-line drawdowns) as balanced
// journals against cash; the ledger check's figures show cash mirroring the bank.
import { expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { ledgerCheck } from "./check.ts";

const URL = "/api/v1/admin/ledger/funding";

test("ledger funding: a disbursement leaves cash negative until finance records the capital and the credit-line drawdown that paid it", async () => {
  await using t = testApp();
  // money went out (a settled disbursement) that no recorded funding brought in
  t.db.tx((c) => {
    const j = Number(c.run("INSERT INTO ledger_journals (kind, ref, total, posted_at) VALUES ('disbursement.settled', 'd-1', 5000000, '2026-01-01T00:00:00Z')").lastInsertRowid);
    c.run("INSERT INTO ledger_lines (journal_id, account, loan_id, debit, credit) VALUES (?, 'disbursement_clearing', NULL, 5000000, 0), (?, 'cash', NULL, 0, 5000000)", j, j);
  });
  const finance = t.staff("finance");
  const before = await t.call("GET", "/api/v1/admin/ledger/check", { as: finance });
  expect(before.body.figures).toEqual({ cashAmount: -5_000_000, fundingCapitalAmount: 0, creditLineAmount: 0, cashNegative: true });
  expect(ledgerCheck.run(t.db.read, {}).summary).toContain("cash -5000000 is below zero: funding that came in is not recorded");

  const capital = await t.call("POST", URL, { as: finance, headers: { "Idempotency-Key": "fund-1" }, body: { source: "capital", amount: 3_000_000, reference: "BCA-TRF-1", reason: "Capital injection, first tranche" } });
  expect(capital.status).toBe(201);
  expect(capital.body).toMatchObject({ source: "capital", amount: 3_000_000, reference: "BCA-TRF-1", cashAmount: -2_000_000 });
  expect(capital.body.lines).toEqual([
    { account: "cash", loanId: null, debitAmount: 3_000_000, creditAmount: 0 },
    { account: "funding", loanId: null, debitAmount: 0, creditAmount: 3_000_000 },
  ]);
  expect(capital.body.memo).toBe(`Capital injection, first tranche (recorded by ${finance.id})`);
  // the same Idempotency-Key replays the first answer; the same reference under another key is a conflict
  const replay = await t.call("POST", URL, { as: finance, headers: { "Idempotency-Key": "fund-1" }, body: { source: "capital", amount: 3_000_000, reference: "BCA-TRF-1", reason: "Capital injection, first tranche" } });
  expect(replay.status).toBe(201);
  expect(replay.body.journalId).toBe(capital.body.journalId);
  const dup = await t.call("POST", URL, { as: finance, headers: { "Idempotency-Key": "fund-2" }, body: { source: "capital", amount: 3_000_000, reference: "BCA-TRF-1", reason: "Capital injection, again" } });
  expect(dup.status).toBe(409);
  expect(dup.body.journalId).toBe(capital.body.journalId);

  const drawdown = await t.call("POST", URL, { as: t.staff("admin"), headers: { "Idempotency-Key": "fund-3" }, body: { source: "credit_line", amount: 2_500_000, reference: "MANDIRI-CL-7", reason: "Credit-line drawdown", receivedAt: "2026-01-02" } });
  expect(drawdown.status).toBe(201);
  expect(drawdown.body).toMatchObject({ cashAmount: 500_000, postedAt: "2026-01-01T17:00:00.000Z" });
  expect(drawdown.body.lines[1]).toEqual({ account: "credit_line", loanId: null, debitAmount: 0, creditAmount: 2_500_000 });

  const after = await t.call("GET", "/api/v1/admin/ledger/check", { as: finance });
  expect(after.body).toMatchObject({ ok: true, figures: { cashAmount: 500_000, fundingCapitalAmount: 3_000_000, creditLineAmount: 2_500_000, cashNegative: false } });
  const tb = await t.call("GET", "/api/v1/admin/ledger/trial-balance", { as: finance });
  expect(tb.body.balanced).toBe(true);
  expect(tb.body.accounts.find((a: any) => a.account === "cash").balanceAmount).toBe(500_000);
});

test("ledger funding: who may, and what is refused", async () => {
  await using t = testApp();
  const body = { source: "capital", amount: 1_000_000, reference: "BCA-TRF-9", reason: "Capital injection" };
  const headers = { "Idempotency-Key": "fund-x" };
  expect((await t.call("POST", URL, { body, headers })).status).toBe(401);
  expect((await t.call("POST", URL, { as: t.staff("analyst"), body, headers })).status).toBe(403);
  const finance = t.staff("finance");
  for (const [name, bad] of [
    ["zero amount", { body: { ...body, amount: 0 }, headers: { "Idempotency-Key": "fund-a" } }],
    ["a fraction of a rupiah", { body: { ...body, amount: 10.5 }, headers: { "Idempotency-Key": "fund-b" } }],
    ["an unknown source", { body: { ...body, source: "gift" }, headers: { "Idempotency-Key": "fund-c" } }],
    ["no reason", { body: { ...body, reason: undefined }, headers: { "Idempotency-Key": "fund-d" } }],
    ["a control character in the reference", { body: { ...body, reference: "BCA\u0000TRF" }, headers: { "Idempotency-Key": "fund-e" } }],
    ["a day in the future", { body: { ...body, receivedAt: "2999-01-01" }, headers: { "Idempotency-Key": "fund-f" } }],
  ] as const) {
    const r = await t.call("POST", URL, { as: finance, ...(bad as any) });
    expect(r.status >= 400 && r.status < 500, `${name}: ${r.status}`).toBe(true);
    expect(r.headers.get("content-type"), name).toContain("application/problem+json");
  }
  expect(t.db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_journals")!.n).toBe(0);
});
