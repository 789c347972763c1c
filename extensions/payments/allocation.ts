// Payment allocation (DESIGN §4 "Allocation"), pure: Fineract's mifos-standard-strategy. A payment pays the
// oldest instalment first (by due date, then seq), within it late fees → fees → interest → principal, then the
// next instalments in order. Partial payments are kept on the instalment. What is left after every instalment is
// paid becomes borrower credit (refundable). All amounts are integer rupiah.
import type { InstalmentAmounts } from "../loans/rows.ts";

/** An instalment as allocation sees it: its amounts and its row id. */
export interface InstalmentState extends InstalmentAmounts {
  id: string;
}

export interface InstalmentAllocation {
  id: string;
  seq: number;
  lateFee: number;
  fee: number;
  interest: number;
  principal: number;
  /** The instalment is fully paid after this allocation. */
  settled: boolean;
}

export interface Allocation {
  amount: number;
  lines: InstalmentAllocation[];
  totals: { lateFee: number; fee: number; interest: number; principal: number };
  /** Left over after every instalment is paid: borrower credit. */
  toCredit: number;
  /** Every instalment is paid after this allocation. */
  paidOff: boolean;
}

export class AllocationError extends Error {}

export function unpaid(i: InstalmentState) {
  return {
    lateFee: i.lateFeeDue - i.lateFeePaid,
    fee: i.feeDue - i.feePaid,
    interest: i.interestDue - i.interestPaid,
    principal: i.principalDue - i.principalPaid,
  };
}

export function outstandingOf(i: InstalmentState): number {
  const u = unpaid(i);
  return u.lateFee + u.fee + u.interest + u.principal;
}

export function totalOutstanding(list: InstalmentState[]): number {
  return list.reduce((s, i) => s + outstandingOf(i), 0);
}

function checkMoney(name: string, n: number) {
  if (!Number.isSafeInteger(n) || n < 0) throw new AllocationError(`${name} must be a non-negative integer rupiah amount, got ${n}`);
}

/** Order instalments oldest first (due date, then sequence). */
export function oldestFirst(list: InstalmentState[]): InstalmentState[] {
  return [...list].sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.seq - b.seq));
}

export function allocate(amount: number, instalments: InstalmentState[]): Allocation {
  checkMoney("amount", amount);
  let left = amount;
  const lines: InstalmentAllocation[] = [];
  const totals = { lateFee: 0, fee: 0, interest: 0, principal: 0 };
  let allSettled = true;
  for (const inst of oldestFirst(instalments)) {
    const u = unpaid(inst);
    // (explicit per component: Object.entries here was a measurable share of a payment webhook's CPU)
    if (!Number.isSafeInteger(u.lateFee) || u.lateFee < 0) throw new AllocationError(`instalment ${inst.seq}: lateFee paid exceeds due`);
    if (!Number.isSafeInteger(u.fee) || u.fee < 0) throw new AllocationError(`instalment ${inst.seq}: fee paid exceeds due`);
    if (!Number.isSafeInteger(u.interest) || u.interest < 0) throw new AllocationError(`instalment ${inst.seq}: interest paid exceeds due`);
    if (!Number.isSafeInteger(u.principal) || u.principal < 0) throw new AllocationError(`instalment ${inst.seq}: principal paid exceeds due`);
    if (u.lateFee + u.fee + u.interest + u.principal === 0) continue;
    if (left === 0) {
      allSettled = false;
      continue;
    }
    const take = (want: number) => {
      const x = Math.min(want, left);
      left -= x;
      return x;
    };
    const line: InstalmentAllocation = { id: inst.id, seq: inst.seq, lateFee: take(u.lateFee), fee: take(u.fee), interest: take(u.interest), principal: take(u.principal), settled: false };
    line.settled = line.lateFee === u.lateFee && line.fee === u.fee && line.interest === u.interest && line.principal === u.principal;
    if (!line.settled) allSettled = false;
    totals.lateFee += line.lateFee;
    totals.fee += line.fee;
    totals.interest += line.interest;
    totals.principal += line.principal;
    lines.push(line);
  }
  return { amount, lines, totals, toCredit: left, paidOff: allSettled };
}

/** What it takes to close the loan today: everything unpaid, less the borrower's credit balance. */
export function payoffQuote(instalments: InstalmentState[], creditBalance: number) {
  checkMoney("creditBalance", creditBalance);
  const t = { lateFee: 0, fee: 0, interest: 0, principal: 0 };
  for (const i of instalments) {
    const u = unpaid(i);
    t.lateFee += u.lateFee;
    t.fee += u.fee;
    t.interest += u.interest;
    t.principal += u.principal;
  }
  const outstanding = t.lateFee + t.fee + t.interest + t.principal;
  return { outstanding, components: t, creditBalance, payoffAmount: Math.max(0, outstanding - creditBalance) };
}
