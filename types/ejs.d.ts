// ejs (a dependency of @bull-board/hono) ships no types; only `render` is used (src/bull-board/adapter.ts).
declare module "ejs" {
  const ejs: { render(template: string, data?: Record<string, unknown>, opts?: Record<string, unknown>): string };
  export default ejs;
}
