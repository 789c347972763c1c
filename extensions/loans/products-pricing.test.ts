// Product terms whose schedule arithmetic leaves the safe integer range are the caller's 422, never a 500.
import { expect } from "bun:test";
import { scenarios } from "../../test/kit/scenario.ts";

scenarios("unpriceable product terms", [
  {
    name: "amounts whose interest overflows the safe integer range are refused with 422 unpriceable-terms",
    method: "POST",
    url: "/api/v1/admin/products",
    asUser: "admin",
    body: {
      code: "KK-HUGE",
      name: "Huge",
      purpose: "productive",
      minAmount: 339_732_585_485_493,
      maxAmount: 783_759_685_151_698,
      minTenor: 10,
      maxTenor: 30,
      tenorUnit: "days",
      interestMethod: "annuity",
      interestRatePpm: 979_042,
    },
    expectedStatus: 422,
    expectedContent: { type: "https://kreditku.dev/problems/unpriceable-terms", status: 422 },
    afterTest: ({ res }) => expect(res.body.detail).toContain("safe integer range"),
  },
]);
