// The README's "A first loan by hand", run verbatim: every ```sh readme-test block of README.md, in order, as one
// bash script (-e -o pipefail), against the built binary on a non-default port with a temporary depot. The blocks
// read PORT, DEPOT and KREDITKU from the environment, as a reader sets them for a server started elsewhere.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BINARY, startBinary, tempDepot, removeDepot, type Running } from "./kit/binary.ts";

const ROOT = resolve(import.meta.dir, "..");

/** The fenced blocks marked `sh readme-test`, in file order. */
export function readmeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh readme-test\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

let srv: Running | undefined;
const root = tempDepot("kreditku-readme-");
afterAll(async () => {
  await srv?.stop();
  srv?.cleanup();
  removeDepot(root);
});

test("README: the first loan by hand runs as written, on another port and depot", async () => {
  const blocks = readmeBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  srv = await startBinary({ depot: join(root, "depot") });
  expect(srv.port).not.toBe(4000);
  const proc = Bun.spawn(["bash", "-e", "-o", "pipefail", "-c", blocks.join("\n")], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PORT: String(srv.port), DEPOT: srv.depot, KREDITKU: BINARY, PHONE: "081298765432" },
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`the README's blocks exited ${code}\n--- stdout\n${out}\n--- stderr\n${err}`);
  expect(out).toContain('"installmentAmount": 110000');
  expect(out).toMatch(/application \S+: approved/);
  expect(out).toContain('"status":"applied"');
  expect(out).toContain('"outstandingAmount": 5390000');
  expect(out).toMatch(/ledger ok: \d+ journal\(s\) balanced/);
}, 120_000);
