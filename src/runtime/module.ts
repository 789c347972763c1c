// AppModule: mounts the routes and webhooks of the extensions the platform's runtime runs (the runtime is made by
// the caller with the installed extensions before the app; an app without one mounts none). The job backend is
// started by startRuntime (src/server.ts) after the app is created.
import type { AppModule } from "../http/app.ts";
import { mountExtensions } from "./routes.ts";
import { findRuntime } from "./runtime.ts";

export const runtimeModule: AppModule = {
  register(app, platform) {
    const runtime = findRuntime(platform);
    if (runtime) mountExtensions(app, runtime);
  },
};
