// The platform commands are listed by name and summary in commands.ts and their modules imported on first run: the
// listing must stay the modules' own, and a loaded command's usage is the module's.
import { describe, expect, test } from "bun:test";
import { PLATFORM_COMMANDS, commandsFor, lazyCommand } from "./commands.ts";
import type { Command } from "./types.ts";

describe("lazily loaded commands", () => {
  test("each listed command's name and summary are its module's, and its usage becomes the module's once loaded", async () => {
    for (const listed of PLATFORM_COMMANDS) {
      const own = await (listed as ReturnType<typeof lazyCommand>).load();
      expect({ name: listed.name, summary: listed.summary }).toEqual({ name: own.name, summary: own.summary });
      expect(listed.usage).toBe(own.usage);
      expect(own.usage.startsWith(`kreditku ${own.name}`)).toBe(true);
    }
  });

  test("the module is imported on the first run only, and the run is the module's", async () => {
    let loads = 0;
    const calls: string[][] = [];
    const real: Command = { name: "x", summary: "X", usage: "kreditku x --real", run: async (argv) => (calls.push(argv), 7) };
    const cmd = lazyCommand("x", "X", "kreditku x", async () => (loads++, real));
    expect(loads).toBe(0);
    expect(cmd.usage).toBe("kreditku x");
    expect(await cmd.run(["a"])).toBe(7);
    expect(await cmd.run(["b"])).toBe(7);
    expect(calls).toEqual([["a"], ["b"]]);
    expect(loads).toBe(1);
    expect(cmd.usage).toBe("kreditku x --real");
  });

  test("commandsFor lists the platform commands, then the extensions' checks, then version", () => {
    const names = commandsFor({ extensions: [], jobs: [] }).map((c) => c.name);
    expect(names).toEqual([...PLATFORM_COMMANDS.map((c) => c.name), "version"]);
  });
});
