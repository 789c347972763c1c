// The overview's applications part: per-day outcomes over the window and the approval rate of decided applications.
import { describe, expect, test } from "bun:test";
import { Db } from "../../src/db/database.ts";
import { applicationsOverview } from "./overview.ts";

describe("overview: applications", () => {
  test("per-day outcomes, approval rate", () => {
    const m = new Db(":memory:");
    m.writer.exec(`CREATE TABLE applications (id TEXT, status TEXT, created_at TEXT);
      INSERT INTO applications VALUES ('1','approved','2026-01-31T10:00:00Z'),('2','rejected','2026-01-31T11:00:00Z'),('3','active','2026-01-30T00:00:00Z'),('4','manual_review','2026-01-30T00:00:00Z');`);
    const o = applicationsOverview.compute(m.writer, { now: new Date("2026-01-31T12:00:00Z"), days: 3, since: "2026-01-29" }) as any;
    expect(o.perDay.map((d: any) => d.day)).toEqual(["2026-01-29", "2026-01-30", "2026-01-31"]);
    expect(o.perDay[2]).toMatchObject({ approved: 1, rejected: 1 });
    expect(o.approvalRate).toBeCloseTo(2 / 3);
    expect(o.byStatus).toEqual({ active: 1, approved: 1, manual_review: 1, rejected: 1 });
    m.close();
  });

  test("throws without the applications table (the overview shows the part as null)", () => {
    const m = new Db(":memory:");
    expect(() => applicationsOverview.compute(m.read, { now: new Date(), days: 1, since: "2026-01-01" })).toThrow();
    m.close();
  });
});
