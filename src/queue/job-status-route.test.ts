// GET /api/v1/jobs/{key}: the manual sweep answers a job key; staff poll it until the job has finished.
import { expect, test } from "bun:test";
import { testApp } from "../../test/kit/app.ts";
import { waitFor } from "../../test/kit/wait.ts";

test("a queued sweep's status: pending or running, then completed and finished; access and unknown keys", async () => {
  await using t = testApp();
  await t.start(); // the embedded job runner
  const queued = await t.call("POST", "/api/v1/admin/collections/sweep", { as: t.staff("admin"), body: {} });
  expect(queued.status).toBe(202);
  const { jobKey } = queued.body as { jobKey: string };
  const url = `/api/v1/jobs/${jobKey}`;

  const first = await t.call("GET", url, { as: t.staff("finance") });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ key: jobKey, name: "delinquency-sweep", kind: "job" });
  expect(first.body.finished).toBe(["completed", "dead"].includes(first.body.state));

  const done = await waitFor(async () => {
    const r = await t.call("GET", url, { as: t.staff("analyst") });
    return r.body.finished ? r.body : null;
  }, 10_000, "the sweep to finish");
  expect(done).toMatchObject({ state: "completed", finished: true, lastError: null, retryable: false });

  expect((await t.call("GET", url)).status).toBe(401);
  expect((await t.call("GET", url, { as: t.borrower() })).status).toBe(403);
  const unknown = await t.call("GET", "/api/v1/jobs/no-such-job", { as: t.staff("admin") });
  expect(unknown.status).toBe(404);
  expect(unknown.headers.get("content-type")).toContain("application/problem+json");
});
