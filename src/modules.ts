// The modules mounted on the HTTP app, listed statically so `bun build --compile` bundles them.
// Each feature adds one line here.
import type { AppModule } from "./http/app.ts";
import { testClockModule } from "./http/test-clock.ts";

export const MODULES: AppModule[] = [testClockModule];
