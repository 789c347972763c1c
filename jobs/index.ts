// Background jobs that belong to no extension (one file per job), listed statically for `bun build --compile`.
import type { JobDefinition } from "../src/runtime/index.ts";
import { outboxPurgeJob } from "./outbox-purge.ts";

export const JOBS: JobDefinition<any, any>[] = [outboxPurgeJob];
