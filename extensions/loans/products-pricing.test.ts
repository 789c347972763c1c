// Product terms whose schedule arithmetic leaves the safe integer range are the caller's 422, never a 500.
import { describe, expect, test } from "bun:test";
import { makeTestContext } from "./test-context.ts";
import { adminCreateProduct } from "./routes/products.ts";

describe("unpriceable product terms", () => {
  const tc = makeTestContext();
  const admin = tc.staff("admin");

  test("amounts whose interest overflows the safe integer range are refused with 422 unpriceable-terms", async () => {
    const res = await tc.call(adminCreateProduct, {
      user: admin,
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
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: "https://kreditku.dev/problems/unpriceable-terms", status: 422 });
    expect(res.body.detail).toContain("safe integer range");
  });
});
