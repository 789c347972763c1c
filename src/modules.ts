// The platform's modules mounted on the HTTP app, listed statically so `bun build --compile` bundles them. The
// extensions' routes, webhooks and records come from the platform's extension runtime (runtimeModule, recordsModule).
import type { AppModule } from "./http/app.ts";
import { authModule } from "./auth/module.ts";
import { testClockModule } from "./http/test-clock.ts";
import { storageModule } from "./storage/module.ts";
import { opsModule } from "./ops/module.ts";
import { recordsModule } from "./records/module.ts";
import { adminAssetsModule } from "./admin-assets/module.ts";
import { runtimeModule } from "./runtime/module.ts";
import { jobsAdminModule } from "./queue/admin-routes.ts";
import { jobStatusModule } from "./queue/job-status-route.ts";
import { bullBoardModule } from "./bull-board/module.ts";
import { approvalsModule } from "./approvals/module.ts";

export const MODULES: AppModule[] = [authModule, testClockModule, storageModule, opsModule, /* keep after the auth module (it sets the caller) */ recordsModule(), /* extension routes and webhooks */ runtimeModule, approvalsModule, jobsAdminModule, jobStatusModule, /* before adminAssetsModule (its /_/admin/* fallback) */ bullBoardModule(), adminAssetsModule()];
