// Vite build of the admin dashboard: admin-ui → admin-ui/dist, served by the binary at /_/admin/.
// scripts/build-admin.ts runs it and embeds the output; `npm run build` does both.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/_/admin/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { "/api": "http://localhost:4000" } },
});
