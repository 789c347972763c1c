import { describe, expect, test } from "bun:test";
import { reportedJobId } from "./lost.ts";
import { jobIdOf } from "./job-id.ts";

describe("reportedJobId", () => {
  test.each([
    ["loan:42:disburse", "ok"],
    ["a-1-ok", "dead"],
    ["123", "ok"],
    ["x%y-7-dead", "ok"],
  ])("the job a report on %s (%s) is about", (key, outcome) => {
    const job = jobIdOf(key);
    expect(reportedJobId(`r-${job}-1796160601344-${outcome}`)).toBe(job);
  });
  test("ids that are no report: null", () => {
    for (const id of ["r-pending", "x-1-ok", "r--ok", "r-a-1-maybe", "r-a-b-ok"]) expect(reportedJobId(id)).toBeNull();
  });
});
