// AppModule: mounts every extension's routes (extensions/index.ts) on the app. The job backend is started by
// startRuntime (src/server.ts) after the app is created.
import type { AppModule } from "../http/app.ts";
import { mountExtensions } from "./routes.ts";
import { getRuntime } from "./runtime.ts";

export const runtimeModule: AppModule = {
  register(app, platform) {
    mountExtensions(app, getRuntime(platform));
  },
};
