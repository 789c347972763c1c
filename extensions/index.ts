// Every extension, listed statically so `bun build --compile` bundles them. Each extension adds one line.
import type { ExtensionDefinition } from "../src/runtime/index.ts";
import fraud from "./fraud/index.ts";
import scoring from "./scoring/index.ts";
import loans from "./loans/index.ts";
import ledger from "./ledger/index.ts";
import payments from "./payments/index.ts";
import collections from "./collections/index.ts";

export const EXTENSIONS: ExtensionDefinition[] = [loans, fraud, scoring, ledger, payments, collections];
