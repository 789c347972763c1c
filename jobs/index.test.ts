// The job list is complete and every job is installed exactly once: by the composition root (JOBS) or by the one
// extension it belongs to.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ALL_JOBS, JOBS } from "./index.ts";
import { EXTENSIONS } from "../extensions/index.ts";
import { Registry } from "../src/runtime/registry.ts";

describe("jobs/", () => {
  test("every job file's job is listed in ALL_JOBS, once, under a unique name", async () => {
    const files = readdirSync(import.meta.dir).filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.endsWith(".test.ts"));
    const defined: string[] = [];
    for (const f of files) {
      const mod = (await import(join(import.meta.dir, f))) as Record<string, unknown>;
      const jobs = Object.values(mod).filter((v): v is (typeof ALL_JOBS)[number] => typeof v === "object" && v !== null && "handler" in v && "payload" in v && "runsOn" in v);
      expect(jobs.length, f).toBe(1);
      expect(ALL_JOBS, f).toContain(jobs[0]);
      defined.push(jobs[0].name);
    }
    expect(ALL_JOBS.length).toBe(files.length);
    expect(new Set(ALL_JOBS.map((j) => j.name)).size).toBe(ALL_JOBS.length);
    expect(defined.sort()).toEqual(ALL_JOBS.map((j) => j.name).sort());
  });

  test("each job is installed exactly once: by the composition root or by one extension", () => {
    for (const job of ALL_JOBS) {
      const owners = [...(JOBS.includes(job) ? ["jobs/index.ts"] : []), ...EXTENSIONS.filter((e) => e.jobs?.includes(job)).map((e) => e.name)];
      expect(owners.length, job.name).toBe(1);
    }
    // and the installed set is exactly this folder's jobs
    const reg = new Registry(EXTENSIONS, JOBS);
    expect([...reg.jobs.keys()].sort()).toEqual(ALL_JOBS.map((j) => j.name).sort());
  });
});
