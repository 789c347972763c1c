import { describe, expect, test } from "bun:test";
import { problemBody } from "./problem.ts";

describe("problemBody", () => {
  test("extension members travel with the problem, but never replace RFC 9457's own (type, title, status, detail, instance)", () => {
    const body = problemBody(409, "approval-decided", "Already decided", "this proposal is approved", { status: "approved", type: "x", title: "y", detail: "z", instance: "w", approvalStatus: "approved" }, "/api/v1/x");
    expect(body).toEqual({ type: "https://kreditku.dev/problems/approval-decided", title: "Already decided", status: 409, detail: "this proposal is approved", instance: "/api/v1/x", approvalStatus: "approved" });
  });
});
