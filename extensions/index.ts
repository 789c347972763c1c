// Every extension, listed statically so `bun build --compile` bundles them. Each extension adds one line.
import type { ExtensionDefinition } from "../src/runtime/index.ts";

export const EXTENSIONS: ExtensionDefinition[] = [];
