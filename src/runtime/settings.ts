// Extension settings: each extension may declare a zod schema over its own settings, read from config.json
// `extensions.<name>` with the environment variables it lists overriding them (as the platform's own settings are
// read). They are resolved once per configuration; an invalid value is a ConfigError naming the setting and its
// variable, so `kreditku serve` refuses to start with one line.
import { ConfigError, type Config } from "../config.ts";
import type { Registry } from "./registry.ts";
import type { SettingsDefinition } from "./types.ts";

export type Env = Readonly<Record<string, string | undefined>>;

const resolved = new WeakMap<Config, Map<SettingsDefinition<unknown>, unknown>>();

/** The settings of `def` under `config` and `env`; throws ConfigError when they are invalid, Error when `def` is not registered. */
export function settingsOf<T>(reg: Registry, config: Config, env: Env, def: SettingsDefinition<T>): T {
  let byDef = resolved.get(config);
  if (!byDef) resolved.set(config, (byDef = new Map()));
  if (byDef.has(def)) return byDef.get(def) as T;
  const extension = reg.settings.get(def);
  if (!extension) throw new Error("these settings belong to no installed extension: list them in its defineExtension({ settings })");
  const raw: Record<string, unknown> = Object.create(null);
  const fromFile = Object.hasOwn(config.extensions, extension) ? config.extensions[extension] : undefined;
  if (fromFile) for (const [k, v] of Object.entries(fromFile)) raw[k] = v;
  for (const [variable, key] of Object.entries(def.env ?? {})) {
    const v = env[variable];
    if (v !== undefined && v !== "") raw[key] = v;
  }
  const res = def.schema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const key = issue.path.map(String).join(".");
    const variable = Object.entries(def.env ?? {}).find(([, k]) => k === key)?.[0];
    throw new ConfigError(`config: invalid setting extensions.${extension}${key ? `.${key}` : ""}${variable ? ` (${variable})` : ""}: ${issue.message}`);
  }
  byDef.set(def, res.data);
  return res.data;
}

/**
 * Resolve every registered extension's settings (at start: an invalid one stops it). config.json's `extensions` may
 * name only installed extensions with settings, and only keys their schema has: a mistyped one would keep its default.
 */
export function validateSettings(reg: Registry, config: Config, env: Env) {
  const byExtension = new Map([...reg.settings.entries()].map(([def, ext]) => [ext, def] as const));
  const unknown: string[] = [];
  for (const [name, values] of Object.entries(config.extensions)) {
    const def = byExtension.get(name);
    if (!def) {
      unknown.push(`extensions.${name} (settings of: ${[...byExtension.keys()].sort().join(", ") || "none"})`);
      continue;
    }
    const shape = (def.schema as { shape?: Record<string, unknown> }).shape;
    if (shape) for (const key of Object.keys(values)) if (!Object.hasOwn(shape, key)) unknown.push(`extensions.${name}.${key} (known: ${Object.keys(shape).join(", ")})`);
  }
  if (unknown.length > 0) throw new ConfigError(`config: unknown setting${unknown.length > 1 ? "s" : ""} in config.json: ${unknown.join("; ")}`);
  for (const def of reg.settings.keys()) settingsOf(reg, config, env, def);
}
